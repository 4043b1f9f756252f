package sluice

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/schemas"
)

// testAccount is an in-memory Account. configCalls counts GetConfigForProvider calls.
type testAccount struct {
	configs     map[schemas.ModelProvider]*schemas.ProviderConfig
	keys        map[schemas.ModelProvider][]schemas.Key
	configCalls atomic.Int32
}

func newAccount() *testAccount {
	return &testAccount{
		configs: map[schemas.ModelProvider]*schemas.ProviderConfig{},
		keys:    map[schemas.ModelProvider][]schemas.Key{},
	}
}

// add configures p with base URL base, concurrency conc and buffer buf, and one key.
func (a *testAccount) add(p schemas.ModelProvider, base string, conc, buf int,
) *schemas.ProviderConfig {
	cfg := &schemas.ProviderConfig{
		NetworkConfig: schemas.NetworkConfig{BaseURL: base},
		ConcurrencyAndBufferSize: schemas.ConcurrencyAndBufferSize{
			Concurrency: conc, BufferSize: buf},
	}
	a.configs[p] = cfg
	a.keys[p] = []schemas.Key{{ID: "k1", Value: "secret-" + string(p)}}
	return cfg
}

func (a *testAccount) GetConfiguredProviders() ([]schemas.ModelProvider, error) {
	var ps []schemas.ModelProvider
	for p := range a.configs {
		ps = append(ps, p)
	}
	return ps, nil
}

func (a *testAccount) GetKeysForProvider(_ context.Context, p schemas.ModelProvider) (
	[]schemas.Key, error) {
	return a.keys[p], nil
}

func (a *testAccount) GetConfigForProvider(p schemas.ModelProvider) (
	*schemas.ProviderConfig, error) {
	a.configCalls.Add(1)
	cfg, ok := a.configs[p]
	if !ok {
		return nil, fmt.Errorf("no config for %s", p)
	}
	return cfg, nil
}

// httpAdapter is a minimal adapter speaking a line protocol over real HTTP:
// POST {base}/chat answers the text; GET {base}/stream answers "data: x" lines ending
// with "data: [DONE]". It maps statuses and Retry-After as the real adapters do.
type httpAdapter struct {
	name   schemas.ModelProvider
	base   string
	client *http.Client
}

func newHTTPAdapter(p schemas.ModelProvider, o providers.Options) (providers.Provider, error) {
	return &httpAdapter{name: p, base: o.Config.NetworkConfig.BaseURL, client: o.Client}, nil
}

func (a *httpAdapter) do(ctx context.Context, method, path string, key *schemas.Key,
	req *schemas.ChatRequest) (*http.Response, error) {
	body := req.Model + "|" + req.Messages[len(req.Messages)-1].Content.String()
	hr, err := http.NewRequestWithContext(ctx, method, a.base+path, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	if key != nil {
		hr.Header.Set("Authorization", "Bearer "+key.Value)
	}
	resp, err := a.client.Do(hr)
	if err != nil {
		e := schemas.NewError(schemas.ErrUpstream, a.name, "network: %v", err)
		e.Cause = err
		return nil, e
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		msg, _ := io.ReadAll(resp.Body)
		e := schemas.NewError(schemas.KindForStatus(resp.StatusCode), a.name, "%s", msg)
		e.StatusCode = resp.StatusCode
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
			e.RetryAfter = time.Duration(s) * time.Second
		}
		return nil, e
	}
	return resp, nil
}

func (a *httpAdapter) ChatCompletion(ctx context.Context, key *schemas.Key,
	req *schemas.ChatRequest) (*schemas.ChatResponse, error) {
	resp, err := a.do(ctx, http.MethodPost, "/chat", key, req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	text, err := io.ReadAll(resp.Body)
	if err != nil {
		e := schemas.NewError(schemas.ErrUpstream, a.name, "read: %v", err)
		e.Cause = err
		return nil, e
	}
	return &schemas.ChatResponse{ID: "r", Object: "chat.completion", Model: req.Model,
		Choices: []schemas.Choice{{Message: schemas.Message{
			Role: schemas.RoleAssistant, Content: schemas.Text(string(text))},
			FinishReason: schemas.FinishStop}}}, nil
}

func (a *httpAdapter) ChatCompletionStream(ctx context.Context, key *schemas.Key,
	req *schemas.ChatRequest) (providers.Stream, error) {
	resp, err := a.do(ctx, http.MethodGet, "/stream", key, req)
	if err != nil {
		return nil, err
	}
	return &lineStream{name: a.name, body: resp.Body, sc: bufio.NewScanner(resp.Body)}, nil
}

type lineStream struct {
	name schemas.ModelProvider
	body io.Closer
	sc   *bufio.Scanner
}

func (s *lineStream) Next() (*schemas.ChatStreamChunk, error) {
	for s.sc.Scan() {
		line := s.sc.Text()
		if line == "" {
			continue
		}
		data := strings.TrimPrefix(line, "data: ")
		if data == "[DONE]" {
			return nil, io.EOF
		}
		return &schemas.ChatStreamChunk{Object: "chat.completion.chunk",
			Choices: []schemas.StreamChoice{{Delta: schemas.StreamDelta{Content: data}}}}, nil
	}
	e := schemas.NewError(schemas.ErrUpstream, s.name, "stream cut short: %v", s.sc.Err())
	e.Cause = s.sc.Err()
	return nil, e
}

func (s *lineStream) Close() error { return s.body.Close() }

// upstream is a loopback server that counts calls and the most calls in flight.
type upstream struct {
	*httptest.Server
	calls, inFlight, maxInFlight atomic.Int32
}

func newUpstream(t testing.TB, h http.HandlerFunc) *upstream {
	u := &upstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Reading the whole body lets the server watch the connection, so that
		// r.Context() ends when the client goes away.
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		u.calls.Add(1)
		n := u.inFlight.Add(1)
		defer u.inFlight.Add(-1)
		for {
			m := u.maxInFlight.Load()
			if n <= m || u.maxInFlight.CompareAndSwap(m, n) {
				break
			}
		}
		h(w, r)
	}))
	t.Cleanup(u.Close)
	return u
}

// answerAfter answers "ok" after d, or stops early when the request is cancelled.
func answerAfter(d time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(d):
			io.WriteString(w, "ok")
		case <-r.Context().Done():
		}
	}
}

// newTestClient returns a client over acct using httpAdapter, stopped at test end.
func newTestClient(t testing.TB, acct schemas.Account, drop bool) *Client {
	t.Helper()
	c, err := newClient(schemas.Config{Account: acct, DropExcessRequests: drop,
		InitialPoolSize: 8, Logger: quiet}, newHTTPAdapter)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Cleanup)
	return c
}

func chatReq(p schemas.ModelProvider, text string, fallbacks ...schemas.Fallback,
) *schemas.ChatRequest {
	return &schemas.ChatRequest{Provider: p, Model: "m-" + string(p),
		Messages:  []schemas.Message{{Role: schemas.RoleUser, Content: schemas.Text(text)}},
		Fallbacks: fallbacks}
}

// ask sends a chat request for p with a background context.
func ask(c *Client, p schemas.ModelProvider) (*schemas.ChatResponse, error) {
	return c.ChatCompletion(context.Background(), chatReq(p, "hi"))
}

func answerText(r *schemas.ChatResponse) string {
	return r.Choices[0].Message.Content.String()
}

// settleGoroutines waits until the goroutine count is at most want, and fails with a
// dump of the goroutines otherwise.
func settleGoroutines(t *testing.T, want int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > want {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			n := runtime.Stack(buf, true)
			t.Fatalf("%d goroutines left, want at most %d:\n%s",
				runtime.NumGoroutine(), want, buf[:n])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// parallel runs f(i) for i in [0, n) at once and waits for all.
func parallel(n int, f func(i int)) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { f(i) })
	}
	wg.Wait()
}

// quiet discards the logs of test clients.
var quiet = slog.New(slog.DiscardHandler)

// providerStats returns the stats of the first provider set up, or a zero value.
func providerStats(c *Client) ProviderStats {
	s := c.Stats()
	if len(s.Providers) == 0 {
		return ProviderStats{QueueDepth: -1, BusyWorkers: -1}
	}
	return s.Providers[0]
}

// numGoroutines counts goroutines once those of earlier tests had time to exit.
func numGoroutines() int {
	time.Sleep(20 * time.Millisecond)
	return runtime.NumGoroutine()
}
