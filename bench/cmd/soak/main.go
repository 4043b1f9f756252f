// Command soak drives sluice's gateway at a steady rate for a long time and reports
// whether its memory and goroutines stay flat; see bench.Soak.
//
//	go run ./bench/cmd/soak -rate 1000 -duration 10m -out docs/reliability.md
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/sluicegw/sluice/bench"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
}

func run() error {
	var cfg bench.Config
	var sc bench.SoakConfig
	flag.IntVar(&sc.Rate, "rate", 1000, "offered `RPS`")
	flag.DurationVar(&sc.Duration, "duration", 10*time.Minute, "measured length of the soak")
	flag.DurationVar(&sc.Every, "every", 5*time.Second, "sampling interval")
	mode := flag.String("mode", "chat", "request kind: chat, stream, prompt10k, prompt100k")
	latency := flag.Int("latency", 100, "mock latency in `ms`")
	gwArgs := flag.String("gateway-args", "", "extra flags for cmd/sluice, space-separated")
	flag.StringVar(&cfg.Repo, "repo", "", "sluice checkout to build (default: this module)")
	flag.StringVar(&cfg.Dir, "dir", "", "keep binaries, configs and logs here")
	flag.DurationVar(&cfg.Warmup, "warmup", 10*time.Second, "unmeasured load first")
	flag.DurationVar(&cfg.Timeout, "timeout", 10*time.Second, "timeout of one request")
	out := flag.String("out", "", "also append the markdown report to this `file`")
	flag.Parse()

	modes, err := bench.ParseModes(*mode)
	if err != nil || len(modes) != 1 {
		return fmt.Errorf("-mode: want one of chat, stream, prompt10k, prompt100k (%v)", err)
	}
	sc.Mode = modes[0]
	cfg.MockLatency = time.Duration(*latency) * time.Millisecond
	cfg.GatewayArgs = strings.Fields(*gwArgs)
	cfg.Progress = os.Stderr

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The soak stops by itself; the deadline only guards against a hang.
	ctx, cancel := context.WithTimeout(ctx, sc.Duration+cfg.Warmup+5*time.Minute)
	defer cancel()
	rep, err := bench.Soak(ctx, cfg, sc)
	if err != nil {
		return err
	}
	command := "go run ./bench/cmd/soak " + strings.Join(os.Args[1:], " ")
	if err := rep.Markdown(os.Stdout, command); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if *out == "" {
		return nil
	}
	return appendTo(*out, func(w io.Writer) error { return rep.Markdown(w, command) })
}

// appendTo appends what write produces to the file at path.
func appendTo(path string, write func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
