package h1

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// server is an httptest server that counts the connections it accepted and closed.
type server struct {
	*httptest.Server
	opened, closed atomic.Int32
}

func newServer(t *testing.T, h http.HandlerFunc) *server {
	t.Helper()
	s := &server{Server: httptest.NewUnstartedServer(h)}
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		switch st {
		case http.StateNew:
			s.opened.Add(1)
		case http.StateClosed:
			s.closed.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func newClient(t *testing.T, opts Options) (*http.Client, *Transport) {
	t.Helper()
	tr := New(opts)
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}, tr
}

func post(t *testing.T, c *http.Client, ctx context.Context, u, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Trace", "abc")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// waitFor polls cond for up to five seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRoundTripCarriesRequestAndAnswerAndReusesTheConnection(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Add("X-Multi", "1")
		w.Header().Add("X-Multi", "2")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, r.Method+" "+r.URL.RequestURI()+" "+r.Header.Get("X-Trace")+
			" "+r.Host+" "+string(b))
	})
	c, _ := newClient(t, Options{})
	for i := range 3 {
		resp := post(t, c, context.Background(), srv.URL+"/v1/chat?x=1", `{"n":1}`)
		got := readAll(t, resp)
		host := strings.TrimPrefix(srv.URL, "http://")
		if want := "POST /v1/chat?x=1 abc " + host + ` {"n":1}`; got != want {
			t.Fatalf("call %d: body %q, want %q", i, got, want)
		}
		if resp.StatusCode != http.StatusCreated || resp.Status != "201 Created" {
			t.Errorf("status %d %q", resp.StatusCode, resp.Status)
		}
		if v := resp.Header.Values("X-Multi"); len(v) != 2 || v[1] != "2" {
			t.Errorf("X-Multi = %q, want both values", v)
		}
		if resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("Content-Type = %q", resp.Header.Get("Content-Type"))
		}
	}
	if n := srv.opened.Load(); n != 1 {
		t.Errorf("three sequential calls opened %d connections, want 1", n)
	}
}

func TestCanceledContextCutsTheCallWhileWaitingForHeaders(t *testing.T) {
	gone := make(chan struct{})
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body) // net/http watches for the client leaving once it has
		<-r.Context().Done()
		close(gone)
	})
	c, _ := newClient(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL, strings.NewReader("{}"))
	_, err := c.Do(req)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	select {
	case <-gone:
	case <-time.After(5 * time.Second):
		t.Fatal("the server never saw the connection go")
	}
}

func TestCanceledContextCutsAStreamMidBody(t *testing.T) {
	gone := make(chan struct{})
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "data: 1\n\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
		close(gone)
	})
	c, _ := newClient(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	resp := post(t, c, ctx, srv.URL, "{}")
	defer resp.Body.Close()
	buf := make([]byte, 64)
	n, err := resp.Body.Read(buf)
	if err != nil || string(buf[:n]) != "data: 1\n\n" {
		t.Fatalf("first read = %q, %v", buf[:n], err)
	}
	time.AfterFunc(50*time.Millisecond, cancel)
	if _, err := resp.Body.Read(buf); !errors.Is(err, context.Canceled) {
		t.Fatalf("read after cancel: %v, want context.Canceled", err)
	}
	select {
	case <-gone:
	case <-time.After(5 * time.Second):
		t.Fatal("the server never saw the connection go")
	}
}

func TestCloseDuringReadInterruptsItAndSpendsTheConnection(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body)
		io.WriteString(w, "part")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	c, _ := newClient(t, Options{})
	resp := post(t, c, context.Background(), srv.URL, "{}")
	buf := make([]byte, 4)
	if _, err := io.ReadFull(resp.Body, buf); err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := resp.Body.Read(buf)
		errc <- err
	}()
	time.Sleep(50 * time.Millisecond)
	resp.Body.Close()
	select {
	case err := <-errc:
		if err == nil {
			t.Fatal("a read interrupted by Close returned no error")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not interrupt the blocked Read")
	}
	waitFor(t, "the half-read connection to be closed", func() bool {
		return srv.closed.Load() == 1
	})
}

func TestCallsWaitForAConnectionAtTheLimit(t *testing.T) {
	release := make(chan struct{})
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			<-release
		}
		io.WriteString(w, "ok")
	})
	c, _ := newClient(t, Options{MaxConnsPerHost: 1})

	first := make(chan string, 1)
	go func() { first <- readAll(t, post(t, c, context.Background(), srv.URL+"/slow", "")) }()
	waitFor(t, "the first call to hold the connection", func() bool {
		return srv.opened.Load() == 1
	})

	// With the only connection busy, a call waits, and gives up with its context.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL, nil)
	if _, err := c.Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("call at the limit: %v, want its context's deadline", err)
	}

	// Once the connection is free, the next call gets it.
	close(release)
	if got := <-first; got != "ok" {
		t.Fatalf("first call answered %q", got)
	}
	if got := readAll(t, post(t, c, context.Background(), srv.URL, "")); got != "ok" {
		t.Fatalf("later call answered %q", got)
	}
	if n := srv.opened.Load(); n != 1 {
		t.Errorf("%d connections opened, want 1", n)
	}
}

// rawServer answers each request on a connection with handle, over raw TCP, so that
// a test can close or reset connections the way misbehaving servers do.
func rawServer(t *testing.T, handle func(c net.Conn, n int) bool) (string, *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var requests atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for n := 0; ; n++ {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					io.Copy(io.Discard, req.Body)
					requests.Add(1)
					if !handle(c, n) {
						return
					}
				}
			}()
		}
	}()
	return "http://" + ln.Addr().String(), &requests
}

const okAnswer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

func TestAConnectionClosedWhileIdleIsReplacedWithoutFailingTheCall(t *testing.T) {
	// The server answers once per connection and then closes it without saying so,
	// as servers do when their keep-alive timeout is shorter than the client's.
	u, requests := rawServer(t, func(c net.Conn, n int) bool {
		io.WriteString(c, okAnswer)
		return false
	})
	c, _ := newClient(t, Options{})
	for i := range 3 {
		if got := readAll(t, post(t, c, context.Background(), u, "{}")); got != "ok" {
			t.Fatalf("call %d answered %q", i, got)
		}
		time.Sleep(20 * time.Millisecond) // let the close arrive
	}
	if n := requests.Load(); n != 3 {
		t.Errorf("server saw %d requests, want 3: none lost, none sent twice", n)
	}
}

func TestARequestTheServerReadIsNotSentAgain(t *testing.T) {
	// The first request on each connection is answered; the second is read and then
	// the connection is dropped without an answer: it must fail, not run twice.
	u, requests := rawServer(t, func(c net.Conn, n int) bool {
		if n == 0 {
			io.WriteString(c, okAnswer)
			return true
		}
		c.(*net.TCPConn).SetLinger(0) // reset, as a crashed server does
		return false
	})
	c, _ := newClient(t, Options{})
	if got := readAll(t, post(t, c, context.Background(), u, "{}")); got != "ok" {
		t.Fatalf("first call answered %q", got)
	}
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader("{}"))
	if _, err := c.Do(req); err == nil {
		t.Fatal("a call whose connection was reset after the request succeeded")
	}
	if n := requests.Load(); n != 2 {
		t.Errorf("server saw %d requests, want 2", n)
	}
}

func TestCloseIdleConnectionsClosesThem(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	c, tr := newClient(t, Options{})
	readAll(t, post(t, c, context.Background(), srv.URL, ""))
	tr.CloseIdleConnections()
	waitFor(t, "the idle connection to close", func() bool { return srv.closed.Load() == 1 })
}

func TestIdleConnectionsExpire(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	c, _ := newClient(t, Options{IdleTimeout: 20 * time.Millisecond})
	readAll(t, post(t, c, context.Background(), srv.URL, ""))
	time.Sleep(60 * time.Millisecond)
	readAll(t, post(t, c, context.Background(), srv.URL, ""))
	if n := srv.opened.Load(); n != 2 {
		t.Errorf("%d connections opened, want 2: the expired one must not be reused", n)
	}
	waitFor(t, "the expired connection to close", func() bool { return srv.closed.Load() >= 1 })
}

func TestHTTPS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "secure "+r.Proto)
	}))
	t.Cleanup(srv.Close)
	cfg := srv.Client().Transport.(*http.Transport).TLSClientConfig
	c, _ := newClient(t, Options{TLS: cfg})
	if got := readAll(t, post(t, c, context.Background(), srv.URL, "")); got != "secure HTTP/1.1" {
		t.Fatalf("answer %q", got)
	}
}

type recordingTripper struct{ calls atomic.Int32 }

func (r *recordingTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	r.calls.Add(1)
	return nil, errors.New("proxy path taken")
}

func TestProxiedHostsUseTheFallback(t *testing.T) {
	fb := &recordingTripper{}
	tr := New(Options{Fallback: fb})
	tr.proxy = func(*http.Request) (*url.URL, error) { return url.Parse("http://proxy:3128") }
	req, _ := http.NewRequest(http.MethodGet, "http://provider.example/v1/models", nil)
	if _, err := tr.RoundTrip(req); err == nil || fb.calls.Load() != 1 {
		t.Fatalf("err = %v, fallback calls = %d; want the fallback's error", err, fb.calls.Load())
	}
}

// BenchmarkRoundTrip measures one call on a kept-alive connection, with a request
// body that writes itself out (strings.Reader) and with one that is only a reader,
// which copyBody copies through a pooled buffer.
func BenchmarkRoundTrip(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"id":"x","choices":[]}`)
	}))
	defer srv.Close()
	c := &http.Client{Transport: New(Options{})}
	body := `{"model":"m","messages":[{"role":"user","content":"hi"}]}`
	for _, bc := range []struct {
		name string
		wrap func(io.Reader) io.Reader
	}{
		{"writer-to", func(r io.Reader) io.Reader { return r }},
		{"reader", func(r io.Reader) io.Reader { return struct{ io.Reader }{r} }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				req, _ := http.NewRequest(http.MethodPost, srv.URL,
					bc.wrap(strings.NewReader(body)))
				req.ContentLength = int64(len(body))
				resp, err := c.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
}
