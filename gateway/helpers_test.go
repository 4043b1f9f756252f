package gateway

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/sluicegw/sluice/config"
	"github.com/sluicegw/sluice/schemas"

	dto "github.com/prometheus/client_model/go"
)

// Models of the test account.
const (
	chatModel      = "gpt-4o-mini"
	embeddingModel = "text-embedding-3-small"
	claudeModel    = "claude-sonnet-4-5"
)

// testFile is a configuration with openai and anthropic at base, each with one key.
// cb sizes both providers' queues; the zero value leaves the engine's defaults.
func testFile(base string, cb schemas.ConcurrencyAndBufferSize) *config.File {
	entry := func(models ...string) *config.ProviderEntry {
		return &config.ProviderEntry{
			Keys: []schemas.Key{{ID: "k1", Value: "sk-test", Models: models, Weight: 1}},
			Config: schemas.ProviderConfig{
				NetworkConfig:            schemas.NetworkConfig{BaseURL: base},
				ConcurrencyAndBufferSize: cb,
			},
		}
	}
	return &config.File{Providers: map[schemas.ModelProvider]*config.ProviderEntry{
		schemas.OpenAI:    entry(chatModel, embeddingModel),
		schemas.Anthropic: entry(claudeModel),
	}}
}

// quietLogger drops logs below error, so that test output shows only what matters.
func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError}))
}

// startGateway serves a gateway for engine on a loopback test server.
func startGateway(t *testing.T, engine Engine, mutate func(*Options)) (*Server, *httptest.Server) {
	t.Helper()
	account := testFile("http://127.0.0.1:1", schemas.ConcurrencyAndBufferSize{}).Account()
	opts := Options{Engine: engine, Account: account, Logger: quietLogger(), PoolSize: 8}
	if mutate != nil {
		mutate(&opts)
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts
}

// sdk returns an OpenAI SDK client for baseURL that does not retry, so that each
// error reaches the test as it was answered.
func sdk(baseURL string) openai.Client {
	return openai.NewClient(option.WithBaseURL(baseURL), option.WithAPIKey("sk-client"),
		option.WithMaxRetries(0))
}

// post sends body to url and returns the response with its body read.
func post(t *testing.T, url, body string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// scrape reads /metrics from baseURL.
func scrape(t *testing.T, baseURL string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(baseURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("cannot parse /metrics: %v", err)
	}
	return fams
}

// metricValue returns the value of the series of family name whose labels include
// labels, summed over the matching series; histograms count observations.
func metricValue(fams map[string]*dto.MetricFamily, name string, labels map[string]string) (
	float64, bool) {
	f, ok := fams[name]
	if !ok {
		return 0, false
	}
	var sum float64
	found := false
next:
	for _, m := range f.GetMetric() {
		for k, v := range labels {
			if !hasLabel(m, k, v) {
				continue next
			}
		}
		found = true
		switch {
		case m.Counter != nil:
			sum += m.Counter.GetValue()
		case m.Gauge != nil:
			sum += m.Gauge.GetValue()
		case m.Histogram != nil:
			sum += float64(m.Histogram.GetSampleCount())
		case m.Untyped != nil:
			sum += m.Untyped.GetValue()
		}
	}
	return sum, found
}

func hasLabel(m *dto.Metric, name, value string) bool {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue() == value
		}
	}
	return false
}

// fakeEngine answers with whatever its fields say and records what it was asked.
type fakeEngine struct {
	mu   sync.Mutex
	chat *schemas.ChatRequest
	text *schemas.TextCompletionRequest
	emb  *schemas.EmbeddingRequest

	err    error                 // returned by every call when set
	events []schemas.StreamEvent // what a stream delivers
	vector []float32             // each input's embedding
}

var _ Engine = (*fakeEngine)(nil)

func (f *fakeEngine) ChatCompletion(_ context.Context, req *schemas.ChatRequest) (
	*schemas.ChatResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.chat = req
	if f.err != nil {
		return nil, f.err
	}
	return &schemas.ChatResponse{ID: "c1", Object: "chat.completion", Model: req.Model,
		Choices: []schemas.Choice{{Message: schemas.Message{Role: "assistant",
			Content: schemas.Text("hi <there>")}, FinishReason: schemas.FinishStop}},
		Usage: &schemas.Usage{PromptTokens: 3, CompletionTokens: 2, TotalTokens: 5}}, nil
}

func (f *fakeEngine) ChatCompletionStream(_ context.Context, req *schemas.ChatRequest) (
	<-chan schemas.StreamEvent, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.chat = req
	if f.err != nil {
		return nil, f.err
	}
	ch := make(chan schemas.StreamEvent, len(f.events))
	for _, ev := range f.events {
		ch <- ev
	}
	close(ch)
	return ch, nil
}

func (f *fakeEngine) Embedding(_ context.Context, req *schemas.EmbeddingRequest) (
	*schemas.EmbeddingResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.emb = req
	if f.err != nil {
		return nil, f.err
	}
	resp := &schemas.EmbeddingResponse{Object: "list", Model: req.Model}
	for i := range req.Input {
		resp.Data = append(resp.Data, schemas.Embedding{Object: "embedding", Index: i,
			Embedding: f.vector})
	}
	return resp, nil
}

func (f *fakeEngine) TextCompletion(_ context.Context, req *schemas.TextCompletionRequest) (
	*schemas.TextCompletionResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.text = req
	if f.err != nil {
		return nil, f.err
	}
	return &schemas.TextCompletionResponse{ID: "t1", Object: "text_completion",
		Model:   req.Model,
		Choices: []schemas.TextChoice{{Text: "done", FinishReason: "stop"}}}, nil
}

// lastChat returns the last chat request the engine received.
func (f *fakeEngine) lastChat() *schemas.ChatRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.chat
}

// chunk returns a stream event carrying text.
func chunk(text string) schemas.StreamEvent {
	return schemas.StreamEvent{Chunk: &schemas.ChatStreamChunk{ID: "s1",
		Object: "chat.completion.chunk", Model: chatModel,
		Choices: []schemas.StreamChoice{{Delta: schemas.StreamDelta{Content: text}}}}}
}
