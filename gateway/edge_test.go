package gateway

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sluicegw/sluice/schemas"
)

// serveReal serves a gateway for engine with its own http.Server on loopback, so
// that the server's limits (which httptest would replace) are in force.
func serveReal(t *testing.T, engine Engine, mutate func(*Options)) string {
	t.Helper()
	account := testFile("http://127.0.0.1:1", schemas.ConcurrencyAndBufferSize{}).Account()
	opts := Options{Engine: engine, Account: account, Logger: quietLogger(), PoolSize: 4}
	if mutate != nil {
		mutate(&opts)
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.Serve(ln)
	}()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
		<-done
	})
	return "http://" + ln.Addr().String()
}

// rawExchange writes head to a fresh connection to addr, then each of trickle with
// gap between, and returns the status line of the answer, or "" when the connection
// was closed without one, and the time the answer or the close took.
func rawExchange(t *testing.T, url, head string, trickle []string, gap time.Duration) (
	string, time.Duration) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	start := time.Now()
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	writer := make(chan struct{})
	go func() {
		defer close(writer)
		for _, part := range trickle {
			time.Sleep(gap)
			if _, err := io.WriteString(conn, part); err != nil {
				return // the server has given up on us, as it should
			}
		}
	}()
	line, _ := bufio.NewReader(conn).ReadString('\n')
	took := time.Since(start)
	_ = conn.Close()
	<-writer
	return strings.TrimSpace(line), took
}

func TestHeadersPastTheLimitAre431(t *testing.T) {
	url := serveReal(t, &fakeEngine{}, func(o *Options) { o.MaxHeaderBytes = 16 << 10 })
	for size, want := range map[int]int{8 << 10: 200, 64 << 10: 431} {
		req, _ := http.NewRequest(http.MethodGet, url+"/health", nil)
		req.Header.Set("X-Padding", strings.Repeat("p", size))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%d bytes of headers: %v", size, err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%d bytes of headers: status %d, want %d", size, resp.StatusCode, want)
		}
	}
}

func TestSlowBodyIsCutOffWith408(t *testing.T) {
	url := serveReal(t, &fakeEngine{}, func(o *Options) { o.ReadTimeout = 300 * time.Millisecond })
	body := `{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}`
	head := fmt.Sprintf("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"+
		"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n", len(body))
	// One byte every 100 ms: the whole body would take 7 s.
	status, took := rawExchange(t, url, head, strings.Split(body, ""), 100*time.Millisecond)
	if status != "HTTP/1.1 408 Request Timeout" {
		t.Errorf("status line %q, want 408", status)
	}
	if took > 3*time.Second {
		t.Errorf("the trickling client was answered after %v; want about 300 ms", took)
	}

	// The same body sent at once is served: the limit is on time, not on size.
	resp, got := post(t, url+"/v1/chat/completions", body)
	if resp.StatusCode != 200 {
		t.Errorf("a prompt body: %d %s", resp.StatusCode, got)
	}
}

func TestSlowHeadersCloseTheConnection(t *testing.T) {
	url := serveReal(t, &fakeEngine{}, func(o *Options) {
		o.ReadHeaderTimeout = 300 * time.Millisecond
	})
	head := "GET /health HTTP/1.1\r\nHost: x\r\n"
	status, took := rawExchange(t, url, head, []string{"X-A: 1\r\n", "X-B: 2\r\n",
		"X-C: 3\r\n", "X-D: 4\r\n", "X-E: 5\r\n", "X-F: 6\r\n", "\r\n"}, 200*time.Millisecond)
	if strings.Contains(status, " 200 ") || took > 3*time.Second {
		t.Errorf("slow headers got %q after %v; want the connection closed at about 300 ms",
			status, took)
	}
}

func TestInvalidUTF8IsRefused(t *testing.T) {
	engine := &fakeEngine{}
	_, ts := startGateway(t, engine, nil)
	resp, body := post(t, ts.URL+"/v1/chat/completions",
		"{\"model\":\"openai/gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"a\xffb\"}]}")
	if resp.StatusCode != 400 || !strings.Contains(body, "not valid UTF-8: byte 69 is 0xff") {
		t.Errorf("invalid UTF-8: %d %s", resp.StatusCode, body)
	}
	if engine.lastChat() != nil {
		t.Error("the engine was called with a refused body")
	}

	// An escaped lone surrogate is valid JSON text; encoding/json decodes it to U+FFFD.
	resp, body = post(t, ts.URL+"/v1/chat/completions",
		`{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"a\ud800b"}]}`)
	if resp.StatusCode != 200 {
		t.Fatalf("lone surrogate: %d %s", resp.StatusCode, body)
	}
	if got := engine.lastChat().Messages[0].Content.String(); got != "a\uFFFDb" {
		t.Errorf("lone surrogate decoded to %q, want %q", got, "a\uFFFDb")
	}
}

// TestDeeplyNestedJSON checks that nesting costs a 400 or a normal answer, quickly,
// wherever it hides: encoding/json stops at depth 10000 and the gateway's own key
// scanner does not recurse.
func TestDeeplyNestedJSON(t *testing.T) {
	_, ts := startGateway(t, &fakeEngine{}, nil)
	nest := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	msgs := `"messages":[{"role":"user","content":"hi"}]`
	tool := func(v string) string {
		return `"tools":[{"type":"function","function":{"name":"f","parameters":{"a":` + v + `}}}]`
	}
	cases := []struct {
		name   string
		body   string
		status int
	}{
		{"unknown member", `{"model":"openai/m",` + msgs + `,"x":` + nest(1_000_000) + `}`, 400},
		{"content", `{"model":"openai/m","messages":[{"role":"user","content":` +
			nest(1_000_000) + `}]}`, 400},
		{"unclosed", `{"model":"openai/m","x":` + strings.Repeat("[", 5_000_000), 400},
		{"tool schema at depth 5000", `{"model":"openai/m",` + msgs + `,` +
			tool(nest(5000)) + `}`, 200},
		{"tool schema past depth 10000", `{"model":"openai/m",` + msgs + `,` +
			tool(nest(20_000)) + `}`, 400},
	}
	for _, c := range cases {
		start := time.Now()
		resp, body := post(t, ts.URL+"/v1/chat/completions", c.body)
		took := time.Since(start)
		if resp.StatusCode != c.status {
			t.Errorf("%s: status %d, want %d: %.200s", c.name, resp.StatusCode, c.status, body)
		}
		if took > 5*time.Second {
			t.Errorf("%s: answered after %v", c.name, took)
		}
	}
}
