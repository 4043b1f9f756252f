// Command mockllm serves the mockllm fake provider on a TCP port, for demos and load
// benchmarks; see the mockllm package for routes, headers and faults.
package main

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/sluicegw/sluice/mockllm"
)

func main() {
	host := flag.String("host", "127.0.0.1", "address to listen on")
	port := flag.Int("port", 8090, "TCP port to listen on")
	latency := flag.Int("latency", 0, "milliseconds an answer takes; a whole stream as long")
	jitter := flag.Int("jitter", 0, "uniform ± milliseconds added to -latency")
	perChunk := flag.Int("tokens-per-chunk", 4, "words per streamed delta")
	rate := flag.Float64("fault-rate", 0, "share of requests, 0 to 1, given the -fault kind")
	fault := flag.String("fault", "", "fault injected at -fault-rate: 500, 429, reset, stall, …")
	echo := flag.Bool("echo", false, "answer with a JSON statement of what arrived")
	record := flag.Int("record", -1, "recent requests kept in memory; -1 keeps none")
	flag.Parse()
	if *fault != "" && !mockllm.Fault(*fault).Known() {
		slog.Error("mockllm cannot start: unknown -fault; use an HTTP status 400-599 or "+
			"delay, reset, reset-mid-body, stall, malformed, cut, error-event", "fault", *fault)
		os.Exit(2)
	}

	m := mockllm.New(mockllm.Options{
		Latency:        time.Duration(*latency) * time.Millisecond,
		Jitter:         time.Duration(*jitter) * time.Millisecond,
		TokensPerChunk: *perChunk,
		FaultRate:      *rate,
		FaultKind:      mockllm.Fault(*fault),
		Echo:           *echo,
		Record:         *record,
	})
	addr := net.JoinHostPort(*host, strconv.Itoa(*port))
	if err := run(addr, m); err != nil {
		slog.Error("mockllm stopped", "err", err)
		os.Exit(1)
	}
}

// run serves h on addr until SIGINT or SIGTERM, then shuts down gracefully.
func run(addr string, h http.Handler) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	slog.Info("mockllm listening", "addr", addr)

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
