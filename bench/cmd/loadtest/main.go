// Command loadtest measures sluice's gateway against the mock provider it fronts and
// against nginx, in one run; see package bench for what it does and reports.
//
//	go run ./bench/cmd/loadtest -rates 1000,5000 -out docs/performance.md -svg docs/overhead.svg
//	go run ./bench/cmd/loadtest -sweep
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/sluicegw/sluice/bench"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

// options are the parsed flags.
type options struct {
	cfg      bench.Config
	sweep    bench.SweepConfig
	doSweep  bool
	out, svg string
	deadline time.Duration
	selfProf string
}

func parseFlags() (options, error) {
	var o options
	rates := flag.String("rates", "1000,5000", "offered `RPS` values, each in turn")
	modes := flag.String("modes", "chat", "request kinds: chat, stream, prompt10k, prompt100k")
	latency := flag.Int("latency", 100, "mock latency in `ms`")
	gwArgs := flag.String("gateway-args", "", "extra flags for cmd/sluice, space-separated")
	gwEnv := flag.String("gateway-env", "", "extra NAME=value environment for cmd/sluice, "+
		"space-separated (e.g. GOGC=200)")
	pools := flag.String("sweep-pools", "100,500,1000,5000", "pool sizes the sweep tries")
	refs := flag.String("refs", "", "also measure bare reverse proxies: nethttp, fasthttp")
	conc := flag.String("sweep-concurrency", "10,50,100,1000", "concurrencies the sweep tries")
	flag.StringVar(&o.cfg.Repo, "repo", "", "sluice checkout to build (default: this module)")
	flag.StringVar(&o.cfg.Dir, "dir", "", "keep binaries, configs and logs here")
	flag.DurationVar(&o.cfg.Duration, "duration", 15*time.Second, "measured length of a round")
	flag.DurationVar(&o.cfg.Warmup, "warmup", 2*time.Second, "unmeasured load before a round")
	flag.IntVar(&o.cfg.Rounds, "rounds", 2, "rounds per target and rate (A B A B)")
	flag.StringVar(&o.cfg.Nginx, "nginx", "", "nginx binary; empty finds it, off skips it")
	flag.DurationVar(&o.cfg.Timeout, "timeout", 10*time.Second, "timeout of one request")
	flag.IntVar(&o.cfg.MaxConns, "max-conns", 10000, "most connections of one attack")
	flag.BoolVar(&o.doSweep, "sweep", false, "run the memory sweep instead of the comparison")
	flag.IntVar(&o.sweep.Rate, "sweep-rate", 1000, "RPS while the sweep measures memory")
	flag.IntVar(&o.sweep.BufferFactor, "sweep-buffer-factor", 5, "buffer_size per worker")
	flag.StringVar(&o.cfg.ProfileDir, "profile", "", "build the gateway with pprof and "+
		"write its profiles of the first round at the highest rate to this `dir`")
	flag.StringVar(&o.cfg.Baseline, "baseline", "", "also measure cmd/sluice of this "+
		"sluice checkout `dir`, as the target sluice-base")
	flag.StringVar(&o.out, "out", "", "also append the markdown report to this `file`")
	flag.StringVar(&o.svg, "svg", "", "write the overhead plot to this `file`")
	flag.StringVar(&o.selfProf, "cpuprofile", "", "write the harness's own CPU profile "+
		"(attacker included) to this `file`")
	flag.DurationVar(&o.deadline, "deadline", time.Hour, "stop the whole run after this long")
	flag.Parse()

	var err error
	if o.cfg.Rates, err = bench.ParseInts(*rates); err != nil {
		return o, fmt.Errorf("-rates: %w", err)
	}
	if o.cfg.Modes, err = bench.ParseModes(*modes); err != nil {
		return o, fmt.Errorf("-modes: %w", err)
	}
	if o.sweep.PoolSizes, err = bench.ParseInts(*pools); err != nil {
		return o, fmt.Errorf("-sweep-pools: %w", err)
	}
	if o.sweep.Concurrency, err = bench.ParseInts(*conc); err != nil {
		return o, fmt.Errorf("-sweep-concurrency: %w", err)
	}
	o.cfg.MockLatency = time.Duration(*latency) * time.Millisecond
	o.cfg.GatewayArgs = strings.Fields(*gwArgs)
	o.cfg.GatewayEnv = strings.Fields(*gwEnv)
	if *refs != "" {
		o.cfg.Refs = strings.Split(*refs, ",")
	}
	if o.cfg.Warmup == 0 {
		o.cfg.Warmup = -1 // the flag's zero means none, the Config's means default
	}
	o.cfg.Progress = os.Stderr
	return o, nil
}

func run() error {
	o, err := parseFlags()
	if err != nil {
		return err
	}
	// The attacker shares two cores with the targets; fewer collections of its
	// short-lived results leave more of them to the targets.
	debug.SetGCPercent(400)
	if o.selfProf != "" {
		f, err := os.Create(o.selfProf)
		if err != nil {
			return fmt.Errorf("-cpuprofile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("-cpuprofile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, o.deadline)
	defer cancel()
	command := "go run ./bench/cmd/loadtest " + strings.Join(os.Args[1:], " ")

	var write func(io.Writer) error
	if o.doSweep {
		rep, err := bench.Sweep(ctx, o.cfg, o.sweep)
		if err != nil {
			return err
		}
		write = func(w io.Writer) error { return rep.Markdown(w, command) }
	} else {
		rep, err := bench.Run(ctx, o.cfg)
		if err != nil {
			return err
		}
		write = func(w io.Writer) error { return rep.Markdown(w, command) }
		if o.svg != "" {
			if err := writeFile(o.svg, false, rep.SVG); err != nil {
				return err
			}
		}
	}

	if err := write(os.Stdout); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if o.out != "" {
		return writeFile(o.out, true, write)
	}
	return nil
}

// writeFile writes to path with fn, appending when asked.
func writeFile(path string, appendTo bool, fn func(io.Writer) error) error {
	flags := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
	if appendTo {
		flags = os.O_CREATE | os.O_WRONLY | os.O_APPEND
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	if err := fn(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
