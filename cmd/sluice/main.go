// Command sluice runs the sluice HTTP gateway: OpenAI-compatible routes in front of the
// providers of a Bifrost-shaped config.json, with Prometheus metrics and a graceful
// drain on SIGTERM or SIGINT. Run "sluice -h" for the flags, "sluice -demo" to try it
// offline against a built-in mock provider.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/sluicegw/sluice"
	"github.com/sluicegw/sluice/config"
	"github.com/sluicegw/sluice/gateway"
	"github.com/sluicegw/sluice/schemas"
)

// defaultGCPercent is the garbage collector's target when the environment sets no
// GOGC. The gateway's live heap is small and made mostly of buffers of requests in
// flight, so the collector's default of 100 lets the heap reach twice that between
// cycles; 50 keeps the peak a third lower for a few percent more CPU (measured in
// docs/performance.md). GOGC in the environment, GOMEMLIMIT too, still rule.
const defaultGCPercent = 50

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	// Once draining has begun, a second signal ends the process at once.
	context.AfterFunc(ctx, stop)
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// run serves until ctx ends and returns the exit code: 0 after a complete drain, 1
// when start-up failed or the grace period cut the drain short, 2 on invalid settings.
func run(ctx context.Context, args []string, getenv func(string) string,
	stdout, stderr io.Writer) int {
	settings, warnings, err := config.Parse(args, getenv)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, config.Usage())
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "sluice: %v\n", err)
		return 2
	}
	log := newLogger(settings, stderr)
	for _, w := range warnings {
		log.LogAttrs(ctx, slog.LevelWarn, "config warning",
			slog.String("path", w.Path), slog.String("message", w.Message))
	}
	if err := serve(ctx, settings, getenv, log, stdout); err != nil {
		log.LogAttrs(ctx, slog.LevelError, "sluice stopped", slog.String("error", err.Error()))
		return 1
	}
	return 0
}

// serve wires the engine and the gateway for settings and runs them until ctx ends.
func serve(ctx context.Context, settings *config.Settings, getenv func(string) string,
	log *slog.Logger, stdout io.Writer) error {
	file := settings.File
	if settings.Demo {
		demo, err := startDemo(log)
		if err != nil {
			return err
		}
		defer demo.close()
		file = demo.file
	} else if file == nil {
		file = config.FromEnvironment(getenv)
	}
	account := file.Account()
	log.LogAttrs(ctx, slog.LevelInfo, "starting", slog.Any("settings", settings))
	log.LogAttrs(ctx, slog.LevelDebug, "account", slog.Any("account", account))

	client, err := sluice.Init(schemas.Config{Account: account,
		InitialPoolSize: settings.PoolSize, DropExcessRequests: settings.DropExcessRequests,
		Logger: log})
	if err != nil {
		return fmt.Errorf("cannot start the engine: %w", err)
	}
	// Deferred, so it runs after the drain: by then no handler can submit work.
	defer client.Cleanup()
	tlsConf, err := settings.TLSConfig()
	if err != nil {
		return err
	}
	gw, err := gateway.New(gateway.Options{Engine: client, Account: account, Logger: log,
		MaxBodyBytes: settings.MaxBodyBytes, PoolSize: settings.PoolSize,
		ReadTimeout: settings.ReadTimeout, MaxHeaderBytes: settings.MaxHeaderBytes,
		TLS: tlsConf, MetricsToken: settings.MetricsToken,
		SeparateMetrics: settings.MetricsAddr != ""})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", settings.Addr())
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w; choose another -port or -host",
			settings.Addr(), err)
	}
	if settings.MetricsAddr != "" {
		stop, err := serveMetrics(ctx, gw, settings.MetricsAddr, log)
		if err != nil {
			ln.Close()
			return err
		}
		// Deferred, so that metrics stay readable while the API listener drains.
		defer stop()
	}
	if settings.Demo {
		printDemo(stdout, ln.Addr())
	}
	return gw.Run(ctx, ln, settings.ShutdownGrace)
}

// serveMetrics serves the gateway's metrics on addr until the returned stop is
// called; stop waits for that listener to close.
func serveMetrics(ctx context.Context, gw *gateway.Server, addr string, log *slog.Logger) (
	func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s: %w; choose another -metrics-addr",
			addr, err)
	}
	mctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := gw.ServeMetrics(mctx, ln); err != nil {
			log.LogAttrs(mctx, slog.LevelError, "metrics listener stopped",
				slog.String("error", err.Error()))
		}
	}()
	return func() { cancel(); <-done }, nil
}

// newLogger builds the process logger from the log level and format settings.
func newLogger(settings *config.Settings, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: settings.LogLevel}
	if settings.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
