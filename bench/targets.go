package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// Target names, in the order each round visits them.
const (
	Direct  = "direct" // the mock itself: the floor every overhead is measured from
	Gateway = "sluice" // cmd/sluice in front of the mock
	Nginx   = "nginx"  // nginx proxy_pass in front of the mock: the reference proxy
	// Baseline is cmd/sluice built from Config.Baseline, to compare a change with the
	// code before it.
	Baseline = "sluice-base"
)

// errRefused marks a probe that the target answered with a client error.
var errRefused = errors.New("the target refuses the benchmark request")

// readyTimeout bounds how long a freshly started process may take to answer.
const readyTimeout = 20 * time.Second

// target is one endpoint under load and the process that serves it.
type target struct {
	name  string
	url   string // the chat completions URL
	model string // the model name this route expects
	proc  *process
	prof  *profiler // set for a gateway built with a pprof listener
}

// startMock runs cmd/mockllm on a free loopback port with the given latency.
func startMock(ctx context.Context, bin, dir string, latency time.Duration) (*target, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	argv := []string{bin, "-host", "127.0.0.1", "-port", itoa(port),
		"-latency", itoa(int(latency.Milliseconds()))}
	p, err := startProcess("mockllm", dir, argv, nil)
	if err != nil {
		return nil, err
	}
	t := &target{name: Direct, url: chatURL(port), model: "gpt-4o-mini", proc: p}
	return t, t.ready(ctx)
}

// gatewayOptions are the knobs the memory sweep turns; zero values leave the
// gateway's defaults alone.
type gatewayOptions struct {
	name        string // log file name; default "sluice"
	poolSize    int    // -pool-size
	concurrency int    // concurrency_and_buffer_size.concurrency
	buffer      int    // concurrency_and_buffer_size.buffer_size
	args        []string
	env         []string
	// profileDir, when set, starts the gateway's pprof listener (which its binary
	// must have been built with) and keeps its profiles there.
	profileDir string
}

// startGateway writes a config that sets only the mock's base URL and a key (plus
// concurrency when asked) and runs cmd/sluice with it on a free loopback port.
func startGateway(ctx context.Context, bin, dir string, mockPort int,
	o gatewayOptions) (*target, error) {
	if o.name == "" {
		o.name = Gateway
	}
	conf := filepath.Join(dir, o.name+".json")
	if err := writeGatewayConfig(conf, mockPort, o); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	argv := []string{bin, "-config", conf, "-host", "127.0.0.1", "-port", itoa(port)}
	if o.poolSize > 0 {
		argv = append(argv, "-pool-size", itoa(o.poolSize))
	}
	argv = append(argv, o.args...)
	env := o.env
	var prof *profiler
	if o.profileDir != "" {
		pport, err := freePort()
		if err != nil {
			return nil, err
		}
		prof = &profiler{addr: fmt.Sprintf("127.0.0.1:%d", pport), dir: o.profileDir}
		env = append(env, pprofEnv+"="+prof.addr)
	}
	p, err := startProcess(o.name, dir, argv, env)
	if err != nil {
		return nil, err
	}
	t := &target{name: o.name, url: chatURL(port), model: "openai/gpt-4o-mini", proc: p,
		prof: prof}
	return t, t.ready(ctx)
}

// writeGatewayConfig writes a Bifrost-shaped config.json for one OpenAI provider.
func writeGatewayConfig(path string, mockPort int, o gatewayOptions) error {
	provider := map[string]any{
		"keys":           []any{map[string]any{"value": "sk-bench", "models": []string{}, "weight": 1}},
		"network_config": map[string]any{"base_url": fmt.Sprintf("http://127.0.0.1:%d", mockPort)},
	}
	if o.concurrency > 0 {
		provider["concurrency_and_buffer_size"] = map[string]int{
			"concurrency": o.concurrency, "buffer_size": o.buffer,
		}
	}
	b, err := json.MarshalIndent(map[string]any{"providers": map[string]any{"openai": provider}},
		"", "  ")
	if err != nil {
		return fmt.Errorf("encode gateway config: %w", err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("write gateway config: %w", err)
	}
	return nil
}

// startNginxTarget runs nginx proxy_pass in front of the mock on a free loopback port.
func startNginxTarget(ctx context.Context, bin, dir string, mockPort int) (*target, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	p, err := startNginx(bin, dir, port, mockPort)
	if err != nil {
		return nil, err
	}
	t := &target{name: Nginx, url: chatURL(port), model: "gpt-4o-mini", proc: p}
	return t, t.ready(ctx)
}

// startRef runs bench/cmd/refproxy with the given HTTP stack in front of the mock.
func startRef(ctx context.Context, bin, dir, stack string, mockPort int) (*target, error) {
	if stack != "nethttp" && stack != "fasthttp" {
		return nil, fmt.Errorf("unknown reference proxy %q; use nethttp or fasthttp", stack)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	name := stack + "-proxy"
	argv := []string{bin, "-stack", stack, "-listen", fmt.Sprintf("127.0.0.1:%d", port),
		"-upstream", fmt.Sprintf("127.0.0.1:%d", mockPort)}
	p, err := startProcess(name, dir, argv, nil)
	if err != nil {
		return nil, err
	}
	t := &target{name: name, url: chatURL(port), model: "gpt-4o-mini", proc: p}
	return t, t.ready(ctx)
}

// chatURL is the OpenAI chat completions URL on a loopback port.
func chatURL(port int) string {
	return fmt.Sprintf("http://127.0.0.1:%d/v1/chat/completions", port)
}

// ready waits until t answers a chat completion.
func (t *target) ready(ctx context.Context) error {
	body, err := chatBody(t.model, false, 0)
	if err != nil {
		return err
	}
	client := &http.Client{Timeout: 2 * time.Second}
	return t.proc.waitReady(ctx, readyTimeout, func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url,
			bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("build probe: %w", err)
		}
		req.Header = header()
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		switch {
		case resp.StatusCode >= 400 && resp.StatusCode < 500:
			// The process is up and refuses the request: waiting will not help.
			return fmt.Errorf("probe answered %d: %s: %w", resp.StatusCode, b, errRefused)
		case resp.StatusCode != http.StatusOK:
			return fmt.Errorf("probe answered %d: %s", resp.StatusCode, b)
		}
		return nil
	})
}

// port returns the port of t's URL.
func (t *target) port() int {
	var port int
	_, _ = fmt.Sscanf(t.url, "http://127.0.0.1:%d/", &port)
	return port
}
