package gateway

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/sluicegw/sluice"
	"github.com/sluicegw/sluice/mockllm"
	"github.com/sluicegw/sluice/schemas"
)

// stack is the real thing on loopback: mockllm as the provider, the sluice engine,
// and the gateway serving on 127.0.0.1:0.
type stack struct {
	mock *mockllm.Mock
	url  string // the gateway's base URL
}

// stackOptions shape a stack; the zero value is a fast mock and default queues.
type stackOptions struct {
	mock    mockllm.Options
	queues  schemas.ConcurrencyAndBufferSize
	drop    bool
	network schemas.NetworkConfig
	// wrap, when set, wraps the mock's handler, to watch what reaches the upstream.
	wrap func(http.Handler) http.Handler
}

func startStack(t *testing.T, o stackOptions) *stack {
	t.Helper()
	o.mock.Record = -1
	mock := mockllm.New(o.mock)
	var h http.Handler = mock
	if o.wrap != nil {
		h = o.wrap(mock)
	}
	upstream := httptest.NewServer(h)
	t.Cleanup(upstream.Close)

	file := testFile(upstream.URL, o.queues)
	for _, e := range file.Providers {
		base := e.Config.NetworkConfig.BaseURL
		e.Config.NetworkConfig = o.network
		e.Config.NetworkConfig.BaseURL = base
	}
	account := file.Account()
	client, err := sluice.Init(schemas.Config{Account: account, InitialPoolSize: 4,
		DropExcessRequests: o.drop, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	gw, err := New(Options{Engine: client, Account: account, Logger: quietLogger(),
		PoolSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- gw.Run(ctx, ln, 5*time.Second) }()
	t.Cleanup(func() {
		stop()
		if err := <-ran; err != nil {
			t.Errorf("run: %v", err)
		}
		client.Cleanup()
	})
	return &stack{mock: mock, url: "http://" + ln.Addr().String()}
}

func userChat(model string) openai.ChatCompletionNewParams {
	return openai.ChatCompletionNewParams{Model: model,
		Messages: []openai.ChatCompletionMessageParamUnion{
			openai.UserMessage("one two three four five")}}
}

func TestE2EOpenAISDKByBaseURL(t *testing.T) {
	st := startStack(t, stackOptions{})
	ctx := context.Background()
	for base, model := range map[string]string{
		"/openai/v1": chatModel,
		"/v1":        "openai/" + chatModel,
	} {
		client := sdk(st.url + base)

		var raw *http.Response
		resp, err := client.Chat.Completions.New(ctx, userChat(model),
			option.WithResponseInto(&raw))
		if err != nil {
			t.Fatalf("%s: %v", base, err)
		}
		if resp.Choices[0].Message.Content == "" || resp.Usage.PromptTokens != 5 ||
			resp.Usage.CompletionTokens == 0 {
			t.Errorf("%s: answer %q, usage %+v", base, resp.Choices[0].Message.Content,
				resp.Usage)
		}
		if raw.Header.Get("X-Sluice-Provider") != "openai" ||
			raw.Header.Get("X-Request-Id") == "" {
			t.Errorf("%s: headers %v", base, raw.Header)
		}

		stream := client.Chat.Completions.NewStreaming(ctx, userChat(model))
		var acc openai.ChatCompletionAccumulator
		chunks := 0
		for stream.Next() {
			acc.AddChunk(stream.Current())
			chunks++
		}
		if err := stream.Err(); err != nil {
			t.Fatalf("%s stream: %v", base, err)
		}
		if chunks < 2 || acc.Choices[0].Message.Content != resp.Choices[0].Message.Content {
			t.Errorf("%s stream: %d chunks, text %q, want %q", base, chunks,
				acc.Choices[0].Message.Content, resp.Choices[0].Message.Content)
		}

		emb, err := client.Embeddings.New(ctx, openai.EmbeddingNewParams{
			Model: openai.EmbeddingModel(strings.Replace(model, chatModel, embeddingModel, 1)),
			Input: openai.EmbeddingNewParamsInputUnion{OfArrayOfStrings: []string{"a b", "c"}},
		})
		if err != nil {
			t.Fatalf("%s embeddings: %v", base, err)
		}
		if len(emb.Data) != 2 || len(emb.Data[0].Embedding) == 0 {
			t.Errorf("%s embeddings: %+v", base, emb.Data)
		}
	}
}

func TestE2EErrorsDecodedBySDK(t *testing.T) {
	st := startStack(t, stackOptions{
		mock:    mockllm.Options{FaultDelay: 3 * time.Second},
		network: schemas.NetworkConfig{DefaultRequestTimeoutInSeconds: 1},
	})
	client := sdk(st.url + "/openai/v1")
	cases := []struct {
		fault      mockllm.Fault
		status     int
		retryAfter string
	}{
		{mockllm.Fault429, 429, "1"},
		{mockllm.Fault500, 502, ""},
		{mockllm.FaultDelay, 504, ""},
	}
	for _, c := range cases {
		st.mock.Arm(c.fault, 1)
		_, err := client.Chat.Completions.New(context.Background(), userChat(chatModel))
		var apiErr *openai.Error
		if !errors.As(err, &apiErr) || apiErr.StatusCode != c.status {
			t.Errorf("fault %s: %v, want an *openai.Error with status %d", c.fault, err,
				c.status)
			continue
		}
		if got := apiErr.Response.Header.Get("Retry-After"); got != c.retryAfter {
			t.Errorf("fault %s: Retry-After %q, want %q", c.fault, got, c.retryAfter)
		}
	}

	_, err := client.Chat.Completions.New(context.Background(), userChat("nosuch/model"))
	if apiErr, ok := errors.AsType[*openai.Error](err); !ok || apiErr.StatusCode != 404 {
		t.Errorf("unknown model: %v, want 404", err)
	}
}

func TestE2EMidStreamFailureIsAnErrorEvent(t *testing.T) {
	st := startStack(t, stackOptions{mock: mockllm.Options{AnswerWords: 40,
		TokensPerChunk: 2}})
	st.mock.Arm(mockllm.FaultErrorEvent, 1)
	resp, body := post(t, st.url+"/v1/chat/completions", `{"model":"openai/gpt-4o-mini",`+
		`"stream":true,"messages":[{"role":"user","content":"hi"}]}`)
	if resp.StatusCode != 200 || strings.Contains(body, "[DONE]") ||
		!strings.Contains(body, `data: {"error":{`) {
		t.Errorf("status %d, body:\n%s", resp.StatusCode, body)
	}
}

func TestE2EClientDisconnectCancelsUpstream(t *testing.T) {
	st := startStack(t, stackOptions{mock: mockllm.Options{Latency: 3 * time.Second}})
	client := sdk(st.url + "/openai/v1")
	for _, stream := range []bool{false, true} {
		before := st.mock.Stats().Canceled
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		if stream {
			s := client.Chat.Completions.NewStreaming(ctx, userChat(chatModel))
			for s.Next() {
			}
		} else {
			_, _ = client.Chat.Completions.New(ctx, userChat(chatModel))
		}
		cancel()
		deadline := time.Now().Add(2 * time.Second)
		for st.mock.Stats().Canceled == before && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if st.mock.Stats().Canceled == before {
			t.Errorf("stream=%v: the mock never saw the upstream call canceled", stream)
		}
	}
}

func TestE2EMetricsMoveUnderLoad(t *testing.T) {
	st := startStack(t, stackOptions{
		mock:   mockllm.Options{Latency: 600 * time.Millisecond},
		queues: schemas.ConcurrencyAndBufferSize{Concurrency: 2, BufferSize: 3},
		drop:   true,
	})
	client := sdk(st.url + "/openai/v1")

	// 8 at once: 2 busy, 3 queued, 3 dropped.
	var wg sync.WaitGroup
	statuses := make(chan int, 8)
	for range 8 {
		wg.Go(func() {
			_, err := client.Chat.Completions.New(context.Background(), userChat(chatModel))
			if apiErr, ok := errors.AsType[*openai.Error](err); ok {
				statuses <- apiErr.StatusCode
				return
			}
			statuses <- 200
		})
	}
	time.Sleep(250 * time.Millisecond) // all admitted or dropped; none answered yet
	during := scrape(t, st.url)
	wg.Wait()
	close(statuses)
	after := scrape(t, st.url)

	want := map[int]int{}
	for s := range statuses {
		want[s]++
	}
	if want[200] != 5 || want[503] != 3 {
		t.Errorf("statuses %v, want 5 × 200 and 3 × 503", want)
	}
	openaiLabel := map[string]string{"provider": "openai"}
	checks := []struct {
		fams   string
		name   string
		labels map[string]string
		min    float64
	}{
		{"during", "sluice_queue_depth", openaiLabel, 1},
		{"during", "sluice_workers_busy", openaiLabel, 1},
		{"during", "sluice_queue_capacity", openaiLabel, 3},
		{"during", "sluice_workers", openaiLabel, 2},
		{"after", "sluice_dropped_requests_total", openaiLabel, 3},
		{"after", "sluice_requests_total", map[string]string{"provider": "openai",
			"model": chatModel, "route": "chat", "code": "200"}, 5},
		{"after", "sluice_requests_total", map[string]string{"code": "503"}, 3},
		{"after", "sluice_overhead_seconds", map[string]string{"route": "chat"}, 8},
		{"after", "sluice_upstream_duration_seconds", openaiLabel, 5},
		{"after", "sluice_request_duration_seconds", map[string]string{"route": "chat"}, 8},
		{"after", "sluice_tokens_total", map[string]string{"provider": "openai",
			"kind": "prompt"}, 25},
		{"after", "sluice_pool_gets_total", map[string]string{"pool": "gateway_buffers"}, 8},
		{"after", "sluice_pool_misses_total", nil, 1},
		{"after", "go_memstats_heap_alloc_bytes", nil, 1},
		{"after", "go_gc_duration_seconds", nil, 0},
		{"after", "process_resident_memory_bytes", nil, 1},
	}
	for _, c := range checks {
		fams := after
		if c.fams == "during" {
			fams = during
		}
		v, ok := metricValue(fams, c.name, c.labels)
		if !ok || v < c.min {
			t.Errorf("%s %s%v = %v (present %v), want ≥ %v", c.fams, c.name, c.labels, v, ok,
				c.min)
		}
	}
}

func TestE2EFallbackAnswersAndSaysWho(t *testing.T) {
	st := startStack(t, stackOptions{})
	st.mock.Arm(mockllm.Fault500, 1) // the primary fails once; the fallback is asked next
	resp, body := post(t, st.url+"/v1/chat/completions", `{"model":"openai/gpt-4o-mini",`+
		`"fallbacks":["anthropic/claude-sonnet-4-5"],`+
		`"messages":[{"role":"user","content":"hi"}]}`)
	if resp.StatusCode != 200 || resp.Header.Get("X-Sluice-Provider") != "anthropic" ||
		!strings.Contains(body, `"choices"`) {
		t.Errorf("got %d from %q: %s", resp.StatusCode, resp.Header.Get("X-Sluice-Provider"),
			body)
	}
	fams := scrape(t, st.url)
	if v, _ := metricValue(fams, "sluice_fallbacks_total", nil); v != 1 {
		t.Errorf("sluice_fallbacks_total = %v, want 1", v)
	}
	if v, _ := metricValue(fams, "sluice_requests_total", map[string]string{
		"provider": "anthropic", "model": claudeModel, "code": "200"}); v != 1 {
		t.Errorf("the answer is not counted for anthropic: %v", v)
	}
}
