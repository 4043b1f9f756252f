package providers

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sluicegw/sluice/schemas"
)

const testKey = "sk-test-0123456789abcdef"

// post sends one request through HTTP.PostJSON to a server running h.
func post(t *testing.T, h http.HandlerFunc) (*http.Response, error) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	hx, err := NewHTTP(Options{Provider: "test",
		Config: &schemas.ProviderConfig{NetworkConfig: schemas.NetworkConfig{BaseURL: srv.URL}}},
		"", BearerAuth("test"))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := hx.PostJSON(context.Background(), "/v1/x", map[string]int{"a": 1},
		&schemas.Key{Value: testKey})
	if resp != nil {
		t.Cleanup(func() { resp.Body.Close() })
	}
	return resp, err
}

func TestResponseErrorMapping(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		header     map[string]string
		body       string
		kind       error
		wantStatus int
		msg        string
		typ        string
		retryAfter time.Duration
	}{
		{"openai 400", 400, nil,
			`{"error":{"message":"bad 'messages'","type":"invalid_request_error",` +
				`"param":"messages","code":null}}`,
			schemas.ErrBadRequest, 400, "bad 'messages'", "invalid_request_error", 0},
		{"401 with key echoed", 401, nil,
			`{"error":{"message":"Incorrect API key provided: ` + testKey + `.",` +
				`"type":"invalid_request_error","code":"invalid_api_key"}}`,
			schemas.ErrAuth, 401, "Incorrect API key provided: [redacted].", "", 0},
		{"anthropic 404", 404, nil,
			`{"type":"error","error":{"type":"not_found_error","message":"model: x"}}`,
			schemas.ErrNotFound, 404, "model: x", "not_found_error", 0},
		{"429 retry-after seconds", 429, map[string]string{"Retry-After": "7"},
			`{"error":{"message":"slow down","type":"rate_limit_error"}}`,
			schemas.ErrRateLimited, 429, "slow down", "rate_limit_error", 7 * time.Second},
		{"429 retry-after-ms wins", 429,
			map[string]string{"Retry-After": "7", "retry-after-ms": "1500"}, `{}`,
			schemas.ErrRateLimited, 429, "upstream answered 429 Too Many Requests", "",
			1500 * time.Millisecond},
		{"500 html", 500, nil, "<html>\n<body>oops</body></html>",
			schemas.ErrUpstream, 502,
			"upstream answered 500 Internal Server Error: <html> <body>oops</body></html>", "", 0},
		{"503 bare message", 503, map[string]string{"Retry-After": "2"},
			`{"message":"down for maintenance"}`,
			schemas.ErrUpstream, 502, "down for maintenance", "", 2 * time.Second},
		{"529 overloaded", 529, nil,
			`{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`,
			schemas.ErrUpstream, 502, "Overloaded", "overloaded_error", 0},
		{"error as string", 422, nil, `{"error":"unknown field foo"}`,
			schemas.ErrBadRequest, 422, "unknown field foo", "", 0},
		{"504", 504, nil, ``, schemas.ErrTimeout, 504,
			"upstream answered 504 Gateway Timeout", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := post(t, func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			})
			var e *schemas.Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *schemas.Error", err)
			}
			if !errors.Is(err, tt.kind) || e.StatusCode != tt.wantStatus {
				t.Errorf("kind/status = %v/%d, want %v/%d", e.Kind, e.StatusCode, tt.kind,
					tt.wantStatus)
			}
			if e.Message != tt.msg {
				t.Errorf("message = %q, want %q", e.Message, tt.msg)
			}
			if tt.typ != "" && e.Type != tt.typ {
				t.Errorf("type = %q, want %q", e.Type, tt.typ)
			}
			if e.RetryAfter != tt.retryAfter {
				t.Errorf("RetryAfter = %v, want %v", e.RetryAfter, tt.retryAfter)
			}
			if e.Provider != "test" || strings.Contains(err.Error(), testKey) {
				t.Errorf("error %q: provider %q or key leaked", err, e.Provider)
			}
		})
	}
}

func TestRetryAfterHTTPDate(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	h := http.Header{}
	h.Set("Retry-After", now.Add(30*time.Second).Format(http.TimeFormat))
	if got := ParseRetryAfter(h, now); got != 30*time.Second {
		t.Fatalf("date 30 s ahead: %v", got)
	}
	for _, v := range []string{now.Add(-time.Hour).Format(http.TimeFormat), "soon", "-3", ""} {
		h.Set("Retry-After", v)
		if got := ParseRetryAfter(h, now); got != 0 {
			t.Errorf("Retry-After %q: %v, want 0", v, got)
		}
	}
}

func TestSentRequest(t *testing.T) {
	var got *http.Request
	var body string
	resp, err := post(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got, body = r, string(b)
		w.Write([]byte(`{}`))
	})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("post: %v", err)
	}
	if got.URL.Path != "/v1/x" || got.Header.Get("Authorization") != "Bearer "+testKey ||
		got.Header.Get("Content-Type") != "application/json" || body != "{\"a\":1}\n" ||
		got.ContentLength != int64(len(body)) {
		t.Fatalf("request: %s %v %q (len %d)", got.URL.Path, got.Header, body, got.ContentLength)
	}
}

func TestExtraHeadersCannotReplaceKey(t *testing.T) {
	var auth, extra string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth, extra = r.Header.Get("Authorization"), r.Header.Get("X-Team")
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	hx, _ := NewHTTP(Options{Provider: "test", Config: &schemas.ProviderConfig{
		NetworkConfig: schemas.NetworkConfig{BaseURL: srv.URL + "/", ExtraHeaders: map[string]string{
			"X-Team": "blue", "Authorization": "Bearer stolen"}}}}, "", BearerAuth("test"))
	resp, err := hx.PostJSON(context.Background(), "/p", struct{}{}, &schemas.Key{Value: testKey})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if auth != "Bearer "+testKey || extra != "blue" {
		t.Fatalf("Authorization %q, X-Team %q", auth, extra)
	}
}

func TestMissingKey(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("a request without key reached the server")
	}))
	defer srv.Close()
	hx, _ := NewHTTP(Options{Provider: "test", Config: &schemas.ProviderConfig{
		NetworkConfig: schemas.NetworkConfig{BaseURL: srv.URL}}}, "", BearerAuth("test"))
	_, err := hx.PostJSON(context.Background(), "/p", struct{}{}, nil)
	if !errors.Is(err, schemas.ErrNoKey) {
		t.Fatalf("err = %v, want ErrNoKey", err)
	}
}

func TestNetworkFailures(t *testing.T) {
	// A server that accepts a connection and resets it at once.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.(*net.TCPConn).SetLinger(0)
			c.Close()
		}
	}()
	hx, _ := NewHTTP(Options{Provider: "test", Config: &schemas.ProviderConfig{
		NetworkConfig: schemas.NetworkConfig{BaseURL: "http://" + ln.Addr().String() +
			"/?key=" + testKey}}}, "", OptionalBearerAuth)
	_, err = hx.PostJSON(context.Background(), "/p", struct{}{}, nil)
	var e *schemas.Error
	if !errors.As(err, &e) || !errors.Is(err, schemas.ErrUpstream) || !e.Retryable() {
		t.Fatalf("reset: err = %v, want retryable ErrUpstream", err)
	}
	if strings.Contains(err.Error(), testKey) {
		t.Fatalf("reset: the URL (and its key) leaked: %v", err)
	}

	// A server that never answers, with a deadline on the call: a timeout.
	// The handler reads the body first: only then does the server notice a closed
	// connection and end the request's context.
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
	}))
	defer hang.Close()
	hx, _ = NewHTTP(Options{Provider: "test", Config: &schemas.ProviderConfig{
		NetworkConfig: schemas.NetworkConfig{BaseURL: hang.URL}}}, "", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = hx.PostJSON(ctx, "/p", struct{}{}, nil)
	if !errors.Is(err, schemas.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("hang with deadline: err = %v, want ErrTimeout", err)
	}

	// The same, canceled by the caller: a cancellation, not an upstream failure.
	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	_, err = hx.PostJSON(ctx, "/p", struct{}{}, nil)
	if !errors.Is(err, schemas.ErrCanceled) || !errors.Is(err, context.Canceled) {
		t.Fatalf("hang canceled: err = %v, want ErrCanceled", err)
	}
}

func TestDecodeJSONMalformed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"id": "x", "choices": [`))
	}))
	defer srv.Close()
	hx, _ := NewHTTP(Options{Provider: "test", Config: &schemas.ProviderConfig{
		NetworkConfig: schemas.NetworkConfig{BaseURL: srv.URL}}}, "", nil)
	ctx := context.Background()
	resp, err := hx.PostJSON(ctx, "/p", struct{}{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	err = hx.DecodeJSON(ctx, resp, &v)
	if !errors.Is(err, schemas.ErrUpstream) || !strings.Contains(err.Error(), "malformed") {
		t.Fatalf("err = %v, want a malformed-answer ErrUpstream", err)
	}
}

func TestNewHTTPNeedsBaseURL(t *testing.T) {
	_, err := NewHTTP(Options{Provider: "ollama"}, "", nil)
	if err == nil || !strings.Contains(err.Error(), "base_url") {
		t.Fatalf("err = %v, want one naming base_url", err)
	}
}
