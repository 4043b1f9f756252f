package sluice

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/schemas"
)

// rawAdapter is httpAdapter plus raw forwarding through the shared HTTP plumbing, with
// the key sent as a bearer token.
type rawAdapter struct {
	httpAdapter
	http *providers.HTTP
}

func newRawAdapter(p schemas.ModelProvider, o providers.Options) (providers.Provider, error) {
	h, err := providers.NewHTTP(o, "", providers.BearerAuth(p))
	if err != nil {
		return nil, err
	}
	return &rawAdapter{httpAdapter: httpAdapter{name: p, base: o.Config.NetworkConfig.BaseURL,
		client: o.Client}, http: h}, nil
}

func (a *rawAdapter) Forward(ctx context.Context, key *schemas.Key,
	req *schemas.RawRequest) (*http.Response, error) {
	return a.http.Forward(ctx, key, req)
}

// rawClient returns a client whose provider "anthropic" forwards to h with the given
// concurrency and buffer, and a fast retry policy.
func rawClient(t *testing.T, h http.HandlerFunc, conc, buf int, drop bool) *Client {
	t.Helper()
	acct := newAccount()
	cfg := acct.add(schemas.Anthropic, newUpstream(t, h).URL, conc, buf)
	cfg.NetworkConfig.MaxRetries = 2
	cfg.NetworkConfig.RetryBackoffInitial = time.Millisecond
	c, err := newClient(schemas.Config{Account: acct, DropExcessRequests: drop,
		InitialPoolSize: 4, Logger: quiet}, newRawAdapter)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Cleanup)
	return c
}

func rawReq(body string, stream bool) *schemas.RawRequest {
	h := http.Header{}
	h.Set("Anthropic-Version", "2023-06-01")
	h.Set("Authorization", "Bearer client-must-not-win")
	return &schemas.RawRequest{Provider: schemas.Anthropic, Model: "claude-x",
		Path: "/v1/messages", Body: []byte(body), Header: h, Stream: stream}
}

func readBody(t *testing.T, resp *schemas.RawResponse) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return string(b)
}

func TestForwardSendsBytesAndHeaders(t *testing.T) {
	type seen struct{ path, body, version, auth string }
	got := make(chan seen, 1)
	c := rawClient(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.URL.Path, string(b), r.Header.Get("Anthropic-Version"),
			r.Header.Get("Authorization")}
		w.Header().Set("Request-Id", "req_1")
		io.WriteString(w, `{"id":"msg_1"}`)
	}, 1, 0, true)

	var tr Trace
	body := `{"model":"claude-x",  "messages":[{"role":"user","content":"hi"}]}`
	resp, err := c.Forward(WithTrace(context.Background(), &tr), rawReq(body, false))
	if err != nil {
		t.Fatal(err)
	}
	if out := readBody(t, resp); out != `{"id":"msg_1"}` || resp.StatusCode != 200 ||
		resp.Header.Get("Request-Id") != "req_1" || resp.Provider != schemas.Anthropic {
		t.Errorf("answer %d %q %v from %s", resp.StatusCode, out, resp.Header, resp.Provider)
	}
	s := <-got
	if s.path != "/v1/messages" || s.body != body || s.version != "2023-06-01" {
		t.Errorf("upstream saw %+v; want the body unchanged and the version header", s)
	}
	if s.auth != "Bearer secret-anthropic" {
		t.Errorf("upstream saw Authorization %q; want the account's key", s.auth)
	}
	if tr.Provider != schemas.Anthropic || tr.Model != "claude-x" || tr.Attempts != 1 {
		t.Errorf("trace = %+v", tr)
	}
}

func TestForwardRetriesAndReportsUpstreamErrors(t *testing.T) {
	var calls atomic.Int32
	c := rawClient(t, func(w http.ResponseWriter, r *http.Request) {
		switch calls.Add(1) {
		case 1:
			http.Error(w, `{"type":"error","error":{"type":"overloaded_error",`+
				`"message":"busy"}}`, 529)
		case 2:
			io.WriteString(w, `{"ok":true}`)
		default:
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"type":"error","error":{"type":"invalid_request_error",`+
				`"message":"max_tokens: field required"}}`)
		}
	}, 1, 0, true)

	resp, err := c.Forward(context.Background(), rawReq("{}", false))
	if err != nil || readBody(t, resp) != `{"ok":true}` || calls.Load() != 2 {
		t.Fatalf("got %v after %d calls; want ok after a retry", err, calls.Load())
	}
	_, err = c.Forward(context.Background(), rawReq("{}", false))
	e := schemas.AsError(err)
	if !errors.Is(err, schemas.ErrBadRequest) || e.StatusCode != 400 ||
		e.Type != "invalid_request_error" || e.Message != "max_tokens: field required" {
		t.Fatalf("err = %#v; want the upstream's 400, type and message", e)
	}
	if calls.Load() != 3 {
		t.Errorf("a 400 was retried: %d calls", calls.Load())
	}
}

func TestForwardStreamHoldsWorkerUntilClosed(t *testing.T) {
	release := make(chan struct{})
	c := rawClient(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "event: a\ndata: 1\n\n")
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		fmt.Fprint(w, "event: b\ndata: 2\n\n")
	}, 1, 0, true)

	var tr Trace
	resp, err := c.Forward(WithTrace(context.Background(), &tr), rawReq("{}", true))
	if err != nil {
		t.Fatal(err)
	}
	first := make([]byte, 64)
	n, err := resp.Body.Read(first)
	if err != nil || string(first[:n]) != "event: a\ndata: 1\n\n" {
		t.Fatalf("first read %q, %v", first[:n], err)
	}

	// The stream holds the only worker and there is no waiting room.
	if _, err := c.Forward(context.Background(), rawReq("{}", false)); !errors.Is(err,
		schemas.ErrQueueFull) {
		t.Fatalf("second call while the stream is open: %v, want ErrQueueFull", err)
	}
	close(release)
	rest, err := io.ReadAll(resp.Body)
	if err != nil || string(rest) != "event: b\ndata: 2\n\n" {
		t.Fatalf("rest %q, %v", rest, err)
	}
	resp.Body.Close()
	if tr.Attempts != 1 || tr.Upstream <= 0 {
		t.Errorf("trace after Close = %+v; want one attempt and upstream time", tr)
	}
	if providerStats(c).BusyWorkers != 0 {
		t.Errorf("worker still busy after Close")
	}
}

func TestForwardStreamEndsWhenCallerGoes(t *testing.T) {
	gone := make(chan struct{})
	c := rawClient(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "data: 1\n\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
		close(gone)
	}, 1, 0, true)

	ctx, cancel := context.WithCancel(context.Background())
	resp, err := c.Forward(ctx, rawReq("{}", true))
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case <-gone:
	case <-time.After(2 * time.Second):
		t.Fatal("upstream never saw the caller leave")
	}
	waitFor(t, func() bool { return providerStats(c).BusyWorkers == 0 })
	if _, err := io.ReadAll(resp.Body); !errors.Is(err, schemas.ErrCanceled) {
		t.Errorf("read after the caller left: %v, want ErrCanceled", err)
	}
	resp.Body.Close()
}

func TestForwardStreamIdleTimeout(t *testing.T) {
	wait := stall(t)
	acct := newAccount()
	cfg := acct.add(schemas.Anthropic, newUpstream(t, func(w http.ResponseWriter,
		r *http.Request) {
		fmt.Fprint(w, "data: 1\n\n")
		w.(http.Flusher).Flush()
		wait(w, r)
	}).URL, 1, 0)
	cfg.NetworkConfig.StreamIdleTimeoutInSeconds = 1
	c, err := newClient(schemas.Config{Account: acct, Logger: quiet}, newRawAdapter)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Cleanup()

	resp, err := c.Forward(context.Background(), rawReq("{}", true))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	// Time spent away from Read is the caller's, not the upstream's silence.
	time.Sleep(1200 * time.Millisecond)
	start := time.Now()
	b, err := io.ReadAll(resp.Body)
	if string(b) != "data: 1\n\n" {
		t.Fatalf("read %q before the stall", b)
	}
	checkTimeout(t, err, time.Since(start))
}

func TestForwardRetriesAnAnswerThatIsNotJSON(t *testing.T) {
	var calls atomic.Int32
	c := rawClient(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			io.WriteString(w, `{"id":"msg_1","content":[`) // cut short, yet 200
			return
		}
		io.WriteString(w, `{"id":"msg_2"}`)
	}, 1, 0, true)
	resp, err := c.Forward(context.Background(), rawReq("{}", false))
	if err != nil || readBody(t, resp) != `{"id":"msg_2"}` || calls.Load() != 2 {
		t.Fatalf("got %v after %d calls; want the second answer after a retry", err,
			calls.Load())
	}
}

func TestForwardRefusals(t *testing.T) {
	acct := newAccount()
	acct.add(schemas.Anthropic, "http://127.0.0.1:1", 1, 0)
	c, err := newClient(schemas.Config{Account: acct, Logger: quiet}, newHTTPAdapter)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Cleanup()
	if _, err := c.Forward(context.Background(), rawReq("{}", false)); !errors.Is(err,
		schemas.ErrUnsupported) {
		t.Errorf("adapter without Forward: %v, want ErrUnsupported", err)
	}
	bad := rawReq("{}", false)
	bad.Path = "v1/messages"
	if _, err := c.Forward(context.Background(), bad); schemas.AsError(err).Param != "path" {
		t.Errorf("relative path: %v, want a 400 naming path", err)
	}
	if _, err := c.Forward(context.Background(), nil); !errors.Is(err, schemas.ErrBadRequest) {
		t.Errorf("nil request: %v", err)
	}
}
