package bench

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"
)

// SweepConfig says which gateway settings the memory sweep tries. The zero value of
// a field means its default.
type SweepConfig struct {
	PoolSizes   []int // -pool-size values; default 100, 500, 1000, 5000
	Concurrency []int // workers per provider; default 10, 50, 100, 1000
	// BufferFactor sets each provider's buffer_size to BufferFactor × concurrency;
	// default 5.
	BufferFactor int
	Rate         int           // load while measuring; default 1000 RPS
	Settle       time.Duration // wait after start-up before reading idle RSS; default 2 s
}

func (s SweepConfig) withDefaults() SweepConfig {
	if len(s.PoolSizes) == 0 {
		s.PoolSizes = []int{100, 500, 1000, 5000}
	}
	if len(s.Concurrency) == 0 {
		s.Concurrency = []int{10, 50, 100, 1000}
	}
	if s.BufferFactor <= 0 {
		s.BufferFactor = 5
	}
	if s.Rate <= 0 {
		s.Rate = 1000
	}
	if s.Settle <= 0 {
		s.Settle = 2 * time.Second
	}
	return s
}

// SweepRow is the gateway's memory with one pool size and concurrency.
type SweepRow struct {
	PoolSize, Concurrency, Buffer int
	IdleRSS                       int64 // VmRSS after start-up, one request and Settle
	LoadRSS                       int64 // largest VmRSS sampled under load
	HWM                           int64 // VmHWM at the end, warm-up included
	Round                         Round // the loaded round
}

// SweepReport is what [Sweep] measured.
type SweepReport struct {
	Config  Config
	Sweep   SweepConfig
	Started time.Time
	Env     Environment
	Rows    []SweepRow
}

// Sweep starts one mock and, for every pool size and concurrency, a fresh gateway;
// it reads the gateway's idle RSS, then drives it at sc.Rate for cfg.Duration (after
// cfg.Warmup) and reads its RSS under load. Only cfg's repo, directory, duration,
// warm-up, mock latency, timeout, connection limit and progress are used.
func Sweep(ctx context.Context, cfg Config, sc SweepConfig) (*SweepReport, error) {
	cfg, sc = cfg.withDefaults(), sc.withDefaults()
	rep := &SweepReport{Sweep: sc, Started: time.Now()}
	f := &fleet{}
	defer f.stop()
	if err := f.prepare(ctx, &cfg); err != nil {
		return nil, err
	}
	mock, err := startMock(ctx, f.bins["./cmd/mockllm"], f.dir, cfg.MockLatency)
	f.targets = append(f.targets, mock)
	if err != nil {
		return nil, err
	}
	rep.Config, rep.Env = cfg, environment(ctx, cfg.Repo)

	for _, pool := range sc.PoolSizes {
		for _, conc := range sc.Concurrency {
			o := gatewayOptions{
				name:     fmt.Sprintf("sluice-p%d-c%d", pool, conc),
				poolSize: pool, concurrency: conc, buffer: conc * sc.BufferFactor,
				args: cfg.GatewayArgs, env: cfg.GatewayEnv,
			}
			row, err := sweepOne(ctx, cfg, sc, f, mock.port(), o)
			if err != nil {
				return rep, err
			}
			rep.Rows = append(rep.Rows, row)
			fmt.Fprintf(cfg.Progress, "pool %d concurrency %d: idle %.1f MB, %s\n",
				pool, conc, mb(row.IdleRSS), row.Round.line())
		}
	}
	rep.Env.LoadAfter = loadavg()
	return rep, nil
}

// sweepOne measures one gateway configuration and stops that gateway again.
func sweepOne(ctx context.Context, cfg Config, sc SweepConfig, f *fleet, mockPort int,
	o gatewayOptions) (SweepRow, error) {
	row := SweepRow{PoolSize: o.poolSize, Concurrency: o.concurrency, Buffer: o.buffer}
	gw, err := startGateway(ctx, f.bins["./cmd/sluice"], f.dir, mockPort, o)
	if gw == nil {
		return row, err
	}
	defer gw.proc.stop()
	if err != nil {
		return row, err
	}

	select {
	case <-time.After(sc.Settle):
	case <-ctx.Done():
		return row, ctx.Err()
	}
	row.IdleRSS = readUsage(gw.proc.pids()).RSS

	row.Round, err = measure(ctx, cfg, gw, modes[0], sc.Rate, 1)
	row.LoadRSS = row.Round.PeakRSS
	row.HWM = readUsage(gw.proc.pids()).HWM
	return row, err
}

// Markdown writes the sweep as a markdown section for the README's tuning table.
func (s *SweepReport) Markdown(w io.Writer, command string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "## Memory sweep of %s\n\n", s.Started.UTC().Format("2006-01-02 15:04 MST"))
	if command != "" {
		fmt.Fprintf(&b, "Command: `%s`\n\n", command)
	}
	fmt.Fprintf(&b, "- code: commit %s, %s, %d CPUs; load average before %s, after %s\n",
		s.Env.Commit, s.Env.GoVersion, s.Env.CPUs, s.Env.LoadBefore, s.Env.LoadAfter)
	fmt.Fprintf(&b, "- mock latency %s; load %d RPS of chat requests for %s after %s warm-up; "+
		"buffer_size = %d × concurrency; a fresh gateway per row\n\n", s.Config.MockLatency,
		s.Sweep.Rate, s.Config.Duration, s.Config.Warmup, s.Sweep.BufferFactor)
	b.WriteString("| pool size | concurrency | buffer | idle RSS | RSS under load | VmHWM | " +
		"success | achieved RPS | p50 | p99 | top error |\n")
	b.WriteString("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n")
	for _, r := range s.Rows {
		top := ""
		if r.Round.TopError != "" {
			top = fmt.Sprintf("%d× %s", r.Round.TopErrorCount, r.Round.TopError)
		}
		success := 0.0
		if r.Round.Sent > 0 {
			success = float64(r.Round.OK) / float64(r.Round.Sent)
		}
		fmt.Fprintf(&b, "| %d | %d | %d | %.1f MB | %.1f MB | %.1f MB | %s | %.0f | %s | %s | "+
			"%s |\n", r.PoolSize, r.Concurrency, r.Buffer, mb(r.IdleRSS), mb(r.LoadRSS),
			mb(r.HWM), percent(success), r.Round.Achieved, ms(r.Round.Lat.P50),
			ms(r.Round.Lat.P99), top)
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}
