package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sluicegw/sluice/mockllm"
)

// binary is cmd/sluice, built once for all tests by TestMain.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sluice-cmd-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "sluice")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "cannot build cmd/sluice: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// process is a running cmd/sluice.
type process struct {
	cmd    *exec.Cmd
	url    string // http://host:port of the gateway
	exited chan error

	mu     sync.Mutex
	stdout bytes.Buffer
	logs   bytes.Buffer
}

var listenAddr = regexp.MustCompile(`"msg":"gateway listening","addr":"([^"]+)"`)

// start runs cmd/sluice with args on a free loopback port, JSON logs, and an
// environment holding only PATH and env, and waits until it listens.
func start(t *testing.T, env []string, args ...string) *process {
	t.Helper()
	args = append([]string{"-port", "0", "-log-format", "json"}, args...)
	p := &process{cmd: exec.Command(binary, args...), exited: make(chan error, 1)}
	p.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	p.cmd.Stdout = writerFunc(func(b []byte) { p.mu.Lock(); p.stdout.Write(b); p.mu.Unlock() })
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.mu.Lock()
			p.logs.Write(append(sc.Bytes(), '\n'))
			p.mu.Unlock()
			if m := listenAddr.FindSubmatch(sc.Bytes()); m != nil {
				addr <- string(m[1])
			}
		}
		p.exited <- p.cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill() // a no-op when the test already stopped it
		if t.Failed() {
			t.Logf("sluice logs:\n%s", p.output())
		}
	})
	select {
	case a := <-addr:
		p.url = "http://" + a
	case err := <-p.exited:
		t.Fatalf("sluice exited before listening: %v\n%s", err, p.output())
	case <-time.After(10 * time.Second):
		t.Fatalf("sluice did not listen within 10 s\n%s", p.output())
	}
	return p
}

func (p *process) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stdout.String() + p.logs.String()
}

type writerFunc func([]byte)

func (f writerFunc) Write(b []byte) (int, error) { f(b); return len(b), nil }

// startMock serves mockllm on loopback for the lifetime of the test.
func startMock(t *testing.T, latency time.Duration) (*mockllm.Mock, string) {
	t.Helper()
	m := mockllm.New(mockllm.Options{Latency: latency, Record: -1})
	srv := httptest.NewServer(m)
	t.Cleanup(srv.Close)
	return m, srv.URL
}

// writeConfig writes a config.json with openai at base and returns its path. client is
// the "client" section's members, such as `"initial_pool_size": 7`.
func writeConfig(t *testing.T, base string, concurrency, buffer int, client string) string {
	t.Helper()
	doc := fmt.Sprintf(`{
  "client": {%s},
  "providers": {"openai": {
    "keys": [{"value": "sk-test", "models": ["gpt-4o-mini"], "weight": 1}],
    "network_config": {"base_url": %q},
    "concurrency_and_buffer_size": {"concurrency": %d, "buffer_size": %d}
  }}
}`, client, base, concurrency, buffer)
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const chatBody = `{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}`

// outcome is one answered request.
type outcome struct {
	status     int
	retryAfter string
	elapsed    time.Duration
	body       string
}

// burst sends n chat requests at once and returns their outcomes.
func burst(t *testing.T, url, body string, n int) []outcome {
	t.Helper()
	out := make([]outcome, n)
	var wg sync.WaitGroup
	for i := range out {
		wg.Go(func() {
			begin := time.Now()
			resp, err := http.Post(url+"/v1/chat/completions", "application/json",
				strings.NewReader(body))
			if err != nil {
				t.Error(err)
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			out[i] = outcome{resp.StatusCode, resp.Header.Get("Retry-After"), time.Since(begin),
				string(b)}
		})
	}
	wg.Wait()
	return out
}

func TestDropExcessRequestsOverHTTP(t *testing.T) {
	_, base := startMock(t, 300*time.Millisecond)
	conf := writeConfig(t, base, 1, 1, "")
	cases := []struct {
		name string
		env  []string
		args []string
		drop bool
	}{
		{"flag", nil, []string{"-drop-excess-requests"}, true},
		{"env", []string{"APP_DROP_EXCESS_REQUESTS=true"}, nil, true},
		{"default waits", nil, nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := start(t, c.env, append([]string{"-config", conf}, c.args...)...)
			ok, dropped := 0, 0
			for _, o := range burst(t, p.url, chatBody, 6) {
				switch {
				case o.status == 200:
					ok++
				case o.status == 503 && o.retryAfter != "" && o.elapsed < 100*time.Millisecond:
					dropped++
				default:
					t.Errorf("unexpected answer %d (Retry-After %q) after %v: %s", o.status,
						o.retryAfter, o.elapsed, o.body)
				}
			}
			if c.drop && (ok != 2 || dropped != 4) {
				t.Errorf("%d × 200 and %d fast 503s, want 2 and 4", ok, dropped)
			}
			if !c.drop && ok != 6 {
				t.Errorf("%d × 200, want 6", ok)
			}
		})
	}
}

func TestSettingsPrecedence(t *testing.T) {
	_, base := startMock(t, 0)
	conf := writeConfig(t, base, 4, 4, `"initial_pool_size": 7`)
	cases := []struct {
		name string
		env  []string
		args []string
		want float64
	}{
		{"file over default", nil, nil, 7},
		{"environment over file", []string{"APP_POOL_SIZE=9"}, nil, 9},
		{"flag over environment", []string{"APP_POOL_SIZE=9"}, []string{"-pool-size", "11"}, 11},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := start(t, c.env, append([]string{"-config", conf}, c.args...)...)
			// The gateway prewarms exactly the pool size of body buffers.
			if got := idleBuffers(t, p.url); got != c.want {
				t.Errorf("pool size %v, want %v", got, c.want)
			}
		})
	}
}

var idleLine = regexp.MustCompile(`(?m)^sluice_pool_idle\{pool="gateway_buffers"\} (\d+)$`)

func idleBuffers(t *testing.T, url string) float64 {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	m := idleLine.FindSubmatch(b)
	if m == nil {
		t.Fatalf("no gateway_buffers pool in /metrics:\n%s", b)
	}
	var v float64
	fmt.Sscan(string(m[1]), &v)
	return v
}

func TestSIGTERMDrainsRequestsInFlight(t *testing.T) {
	mock, base := startMock(t, 500*time.Millisecond)
	conf := writeConfig(t, base, 3, 20, "")
	p := start(t, nil, "-config", conf, "-shutdown-grace", "10s")

	const n = 8 // 3 with a worker, 5 queued when the signal comes
	results := make(chan outcome, n)
	for i := range n {
		body := chatBody
		if i%2 == 1 {
			body = strings.Replace(chatBody, `{"model"`, `{"stream":true,"model"`, 1)
		}
		go func() { results <- burst(t, p.url, body, 1)[0] }()
	}
	waitFor(t, "3 upstream calls in flight", func() bool { return mock.Stats().InFlight == 3 })
	time.Sleep(50 * time.Millisecond) // let the rest reach the engine's queue

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for range n {
		o := <-results
		complete := strings.Contains(o.body, `"choices"`) &&
			(!strings.HasPrefix(o.body, "data:") || strings.HasSuffix(o.body, "data: [DONE]\n\n"))
		if o.status != 200 || !complete {
			t.Errorf("request lost in the drain: %d %s", o.status, o.body)
		}
	}
	select {
	case err := <-p.exited:
		if err != nil {
			t.Errorf("exit: %v, want status 0", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("sluice did not exit after the drain")
	}
	if _, err := http.Get(p.url + "/health"); err == nil {
		t.Error("sluice still answers after exiting")
	}
}

func TestDemoAnswersCurl(t *testing.T) {
	p := start(t, nil, "-demo")
	var url string
	waitFor(t, "the demo's curl line", func() bool {
		m := regexp.MustCompile(`curl -s (\S+)`).FindStringSubmatch(p.output())
		if m != nil {
			url = m[1]
		}
		return m != nil
	})
	// What the printed curl line sends.
	resp, err := http.Post(url, "application/json", strings.NewReader(
		`{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"Hello!"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var answer struct {
		Choices []struct {
			Message struct{ Content string }
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil || resp.StatusCode != 200 ||
		len(answer.Choices) == 0 || answer.Choices[0].Message.Content == "" {
		t.Fatalf("demo answered %d %+v (%v)", resp.StatusCode, answer, err)
	}
	_ = p.cmd.Process.Signal(syscall.SIGINT)
	if err := <-p.exited; err != nil {
		t.Errorf("exit after SIGINT: %v", err)
	}
}

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-time.After(10 * time.Millisecond):
		}
	}
}
