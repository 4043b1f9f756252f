package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/sluicegw/sluice/config"
	"github.com/sluicegw/sluice/mockllm"
	"github.com/sluicegw/sluice/schemas"
)

// demoLatency is how long the demo's mock provider takes to answer: enough to look
// like a provider, short enough not to bore.
const demoLatency = 50 * time.Millisecond

// demo is the in-process mock provider of -demo and the configuration pointing at it.
type demo struct {
	file *config.File
	srv  *http.Server
	done chan struct{}
}

// startDemo serves mockllm on a loopback port and returns a configuration whose
// openai and anthropic providers point at it.
func startDemo(log *slog.Logger) (*demo, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("cannot start the demo provider: %w", err)
	}
	d := &demo{
		srv: &http.Server{Handler: mockllm.New(mockllm.Options{Latency: demoLatency}),
			ReadHeaderTimeout: 10 * time.Second},
		done: make(chan struct{}),
	}
	go func() {
		defer close(d.done)
		_ = d.srv.Serve(ln) // ends with ErrServerClosed when close is called
	}()
	base := "http://" + ln.Addr().String()
	d.file = &config.File{Providers: map[schemas.ModelProvider]*config.ProviderEntry{
		schemas.OpenAI:    demoProvider(base, "gpt-4o-mini", "gpt-4o"),
		schemas.Anthropic: demoProvider(base, "claude-sonnet-4-5", "claude-haiku-4-5"),
	}}
	log.LogAttrs(context.Background(), slog.LevelInfo, "demo provider listening",
		slog.String("addr", ln.Addr().String()))
	return d, nil
}

func demoProvider(base string, models ...string) *config.ProviderEntry {
	return &config.ProviderEntry{
		Keys:   []schemas.Key{{ID: "demo", Value: "demo-key", Models: models, Weight: 1}},
		Config: schemas.ProviderConfig{NetworkConfig: schemas.NetworkConfig{BaseURL: base}},
	}
}

// close stops the mock provider and waits for it.
func (d *demo) close() {
	_ = d.srv.Close()
	<-d.done
}

// printDemo tells the newcomer what to try against the gateway listening on addr.
func printDemo(w io.Writer, addr net.Addr) {
	fmt.Fprintf(w, "sluice demo is running; try:\n\n  curl -s %s \\\n"+
		"    -H 'Content-Type: application/json' \\\n"+
		"    -d '{\"model\":\"openai/gpt-4o-mini\","+
		"\"messages\":[{\"role\":\"user\",\"content\":\"Hello!\"}]}'\n\n", demoURL(addr))
}

// demoURL is the chat completions URL of the gateway listening on addr, as reachable
// from this machine.
func demoURL(addr net.Addr) string {
	tcp := addr.(*net.TCPAddr) // a "tcp" listener always has one
	host := tcp.IP.String()
	if tcp.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(tcp.Port)) + "/v1/chat/completions"
}
