package gateway

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	ant "github.com/anthropics/anthropic-sdk-go/v2"
	antopt "github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/sluicegw/sluice"
	"github.com/sluicegw/sluice/mockllm"
	"github.com/sluicegw/sluice/schemas"
)

// antStack is the whole path on loopback: the gateway (an httptest server) with the
// real engine, in front of one upstream for both openai and anthropic.
type antStack struct {
	url  string // the gateway's base URL
	mock *mockllm.Mock
}

// startAntStack serves the gateway in front of upstream; with upstream nil, in front of
// a mockllm configured by mo, which keeps its requests for inspection.
func startAntStack(t *testing.T, upstream http.Handler, mo mockllm.Options,
	cb schemas.ConcurrencyAndBufferSize, drop bool) *antStack {
	t.Helper()
	st := &antStack{}
	if upstream == nil {
		st.mock = mockllm.New(mo)
		upstream = st.mock
	}
	up := httptest.NewServer(upstream)
	t.Cleanup(up.Close)

	account := testFile(up.URL, cb).Account()
	client, err := sluice.Init(schemas.Config{Account: account, InitialPoolSize: 4,
		DropExcessRequests: drop, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	gw, err := New(Options{Engine: client, Account: account, Logger: quietLogger(),
		PoolSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(gw)
	t.Cleanup(func() {
		ts.Close()
		client.Cleanup()
	})
	st.url = ts.URL
	return st
}

// echoStack is a stack in front of mockllm in echo mode.
func echoStack(t *testing.T) *antStack {
	return startAntStack(t, nil, mockllm.Options{Echo: true}, schemas.ConcurrencyAndBufferSize{},
		false)
}

// last returns the last request that reached the mock.
func (st *antStack) last(t *testing.T) mockllm.Recorded {
	t.Helper()
	rec, ok := st.mock.LastRequest()
	if !ok {
		t.Fatal("no request reached the upstream")
	}
	return rec
}

// antClient returns the official Anthropic client for the gateway's /anthropic routes.
// It does not retry, so each answer reaches the test as it was sent, and tap, when not
// nil, records the bodies it sends and receives.
func antClient(base string, tap *wireTap) ant.Client {
	opts := []antopt.RequestOption{antopt.WithBaseURL(base + "/anthropic"),
		antopt.WithAPIKey("sk-client-key"), antopt.WithMaxRetries(0)}
	if tap != nil {
		opts = append(opts, antopt.WithMiddleware(tap.middleware))
	}
	return ant.NewClient(opts...)
}

// wireTap records the last request and response bodies of an SDK client, as bytes.
type wireTap struct {
	mu       sync.Mutex
	sent     []byte
	received []byte
	header   http.Header // of the response
	version  string      // the anthropic-version the client sent
}

func (w *wireTap) middleware(req *http.Request, next func(*http.Request) (*http.Response,
	error)) (*http.Response, error) {
	var sent []byte
	if req.Body != nil {
		sent, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(sent))
	}
	resp, err := next(req)
	if err != nil {
		return resp, err
	}
	received, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(received))
	w.mu.Lock()
	w.sent, w.received, w.header = sent, received, resp.Header
	w.version = req.Header.Get("Anthropic-Version")
	w.mu.Unlock()
	return resp, nil
}

func (w *wireTap) last() (sent, received []byte, h http.Header) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.sent, w.received, w.header
}

// replay is an upstream that answers every request with one recorded body and keeps
// the requests it received.
type replay struct {
	status      int
	contentType string
	body        []byte

	mu   sync.Mutex
	reqs []recorded
}

type recorded struct {
	path   string
	header http.Header
	body   []byte
}

func (rp *replay) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rp.mu.Lock()
	rp.reqs = append(rp.reqs, recorded{r.URL.Path, r.Header.Clone(), body})
	rp.mu.Unlock()
	w.Header().Set("Content-Type", rp.contentType)
	w.Header().Set("Request-Id", "req_replay")
	w.Header().Set("Anthropic-Organization-Id", "org-of-the-gateway")
	w.WriteHeader(rp.status)
	w.Write(rp.body)
}

func (rp *replay) last(t *testing.T) recorded {
	t.Helper()
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if len(rp.reqs) == 0 {
		t.Fatal("no request reached the upstream")
	}
	return rp.reqs[len(rp.reqs)-1]
}

// echoOf reads the echo-mode answer text of the mock.
func echoOf(t *testing.T, text string) mockllm.Echo {
	t.Helper()
	e, err := mockllm.ParseEcho(text)
	if err != nil {
		t.Fatalf("answer %q: %v", text, err)
	}
	return e
}

// antText joins the text blocks of an Anthropic message.
func antText(m *ant.Message) string {
	var b bytes.Buffer
	for _, c := range m.Content {
		if c.Type == "text" {
			b.WriteString(c.Text)
		}
	}
	return b.String()
}

// antStream runs a streaming call and returns the accumulated message and the error
// that ended the stream, if any.
func antStream(t *testing.T, c ant.Client, p ant.MessageNewParams,
	opts ...antopt.RequestOption) (ant.Message, []string, error) {
	t.Helper()
	s := c.Messages.NewStreaming(context.Background(), p, opts...)
	defer s.Close()
	var msg ant.Message
	var types []string
	for s.Next() {
		ev := s.Current()
		types = append(types, ev.Type)
		if err := msg.Accumulate(ev); err != nil {
			t.Fatalf("accumulate %s: %v", ev.Type, err)
		}
	}
	return msg, types, s.Err()
}
