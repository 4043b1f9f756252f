package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// Round is one measured attack on one target.
type Round struct {
	Mode   string
	Rate   int // offered requests per second
	Round  int // 1-based; overheads compare targets of the same round
	Target string

	Sent, OK int
	// Lat is the latency of successful requests; for streams, the time to the first
	// event. FirstByte and Whole are set for streams only.
	Lat, FirstByte, Whole Percentiles
	Achieved              float64 // successes completed per second, see outcome.steadyRate
	PeakRSS               int64   // largest VmRSS of the target sampled in the round
	CPU                   float64 // CPU seconds the target used in the round
	ClientCPU             float64 // CPU seconds the harness itself used in the round
	Load                  float64 // 1-minute load average when the round began
	TopError              string  // most frequent failure, if any
	TopErrorCount         int
}

// Report is everything one run measured.
type Report struct {
	Config  Config
	Started time.Time
	Elapsed time.Duration
	Env     Environment
	Targets []string         // the targets that took part, in visiting order
	Rounds  []Round          // in the order they ran
	HWM     map[string]int64 // VmHWM of each target's processes at the end of the run
}

// Environment describes the machine and code a run measured.
type Environment struct {
	CPUs       int
	GoVersion  string
	Commit     string
	LoadBefore string // /proc/loadavg when the run began
	LoadAfter  string // and when it ended
}

// Run builds and starts the mock, the gateway and nginx when present, measures them
// as cfg says, and stops them again. It fails only when something cannot start;
// failed requests are part of the report.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	cfg = cfg.withDefaults()
	rep := &Report{Started: time.Now(), HWM: map[string]int64{}}
	f, err := startFleet(ctx, &cfg)
	if err != nil {
		return nil, err
	}
	defer f.stop()
	rep.Config, rep.Env = cfg, environment(ctx, cfg.Repo)
	for _, t := range f.targets {
		rep.Targets = append(rep.Targets, t.name)
	}

	for _, m := range cfg.Modes {
		for _, rate := range cfg.Rates {
			for n := 1; n <= cfg.Rounds; n++ {
				for _, t := range f.targets {
					r, err := measure(ctx, cfg, t, m, rate, n)
					if err != nil {
						return rep, err
					}
					rep.Rounds = append(rep.Rounds, r)
					fmt.Fprintln(cfg.Progress, r.line())
				}
			}
		}
	}

	for _, t := range f.targets {
		rep.HWM[t.name] = readUsage(t.proc.pids()).HWM
	}
	rep.Env.LoadAfter = loadavg()
	rep.Elapsed = time.Since(rep.Started)
	return rep, nil
}

// fleet is the set of processes one run measures; stop ends them all.
type fleet struct {
	dir     string
	tempDir bool
	bins    map[string]string
	mock    *target
	targets []*target // direct first
}

// startFleet builds the binaries and starts the mock, the gateway and nginx. It fills
// in cfg.Repo and cfg.Dir when they were empty.
func startFleet(ctx context.Context, cfg *Config) (f *fleet, err error) {
	f = &fleet{}
	defer func() {
		if err != nil {
			f.stop()
		}
	}()
	if err := f.prepare(ctx, cfg); err != nil {
		return f, err
	}

	f.mock, err = startMock(ctx, f.bins["./cmd/mockllm"], f.dir, cfg.MockLatency)
	if f.mock != nil {
		f.targets = append(f.targets, f.mock)
	}
	if err != nil {
		return f, err
	}
	gw, err := startGateway(ctx, f.bins["./cmd/sluice"], f.dir, f.mock.port(),
		gatewayOptions{args: cfg.GatewayArgs, env: cfg.GatewayEnv,
			profileDir: cfg.ProfileDir})
	if gw != nil {
		f.targets = append(f.targets, gw)
	}
	if err != nil {
		return f, err
	}
	if bin := f.bins[baselineBin]; bin != "" {
		base, err := startGateway(ctx, bin, f.dir, f.mock.port(),
			gatewayOptions{name: Baseline, args: cfg.GatewayArgs, env: cfg.GatewayEnv})
		if base != nil {
			f.targets = append(f.targets, base)
		}
		if err != nil {
			return f, err
		}
	}
	if bin := findNginx(cfg.Nginx); bin != "" {
		ng, err := startNginxTarget(ctx, bin, f.dir, f.mock.port())
		if ng != nil {
			f.targets = append(f.targets, ng)
		}
		if err != nil {
			return f, err
		}
	}
	for _, stack := range cfg.Refs {
		ref, err := startRef(ctx, f.bins["./bench/cmd/refproxy"], f.dir, stack, f.mock.port())
		if ref != nil {
			f.targets = append(f.targets, ref)
		}
		if err != nil {
			return f, err
		}
	}
	return f, nil
}

// prepare finds the checkout, makes the work directory and builds the binaries.
func (f *fleet) prepare(ctx context.Context, cfg *Config) error {
	var err error
	if cfg.Repo == "" {
		if cfg.Repo, err = moduleRoot(ctx); err != nil {
			return err
		}
	}
	f.dir = cfg.Dir
	if f.dir == "" {
		if f.dir, err = os.MkdirTemp("", "sluice-bench-"); err != nil {
			return fmt.Errorf("create work directory: %w", err)
		}
		f.tempDir = true
	} else if err := os.MkdirAll(f.dir, 0o755); err != nil {
		return fmt.Errorf("create work directory: %w", err)
	}
	plain := []string{"./cmd/mockllm"}
	if len(cfg.Refs) > 0 {
		plain = append(plain, "./bench/cmd/refproxy")
	}
	if cfg.ProfileDir == "" {
		f.bins, err = build(ctx, cfg.Repo, f.dir, "", append(plain, "./cmd/sluice")...)
		if err != nil {
			return err
		}
		return f.buildBaseline(ctx, cfg)
	}

	// Only the gateway gets the pprof listener.
	if f.bins, err = build(ctx, cfg.Repo, f.dir, "", plain...); err != nil {
		return err
	}
	overlay, err := writeOverlay(f.dir, filepath.Join(cfg.Repo, "cmd", "sluice"))
	if err != nil {
		return err
	}
	gw, err := build(ctx, cfg.Repo, f.dir, overlay, "./cmd/sluice")
	if err != nil {
		return err
	}
	f.bins["./cmd/sluice"] = gw["./cmd/sluice"]
	if err := os.MkdirAll(cfg.ProfileDir, 0o755); err != nil {
		return fmt.Errorf("create profile directory: %w", err)
	}
	return f.buildBaseline(ctx, cfg)
}

// baselineBin is the key of the baseline gateway in fleet.bins.
const baselineBin = "baseline ./cmd/sluice"

// buildBaseline builds cmd/sluice of cfg.Baseline, when set, into a directory of its
// own beside the other binaries.
func (f *fleet) buildBaseline(ctx context.Context, cfg *Config) error {
	if cfg.Baseline == "" {
		return nil
	}
	dir := filepath.Join(f.dir, Baseline)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create baseline directory: %w", err)
	}
	bins, err := build(ctx, cfg.Baseline, dir, "", "./cmd/sluice")
	if err != nil {
		return err
	}
	f.bins[baselineBin] = bins["./cmd/sluice"]
	return nil
}

// stop ends every process, nginx and the gateway before the mock they call, and
// removes a temporary work directory.
func (f *fleet) stop() {
	for i := len(f.targets) - 1; i >= 0; i-- {
		f.targets[i].proc.stop()
	}
	if f.tempDir {
		_ = os.RemoveAll(f.dir)
	}
}

// measure warms t up at rate, then attacks it for cfg.Duration while sampling its
// memory and CPU.
func measure(ctx context.Context, cfg Config, t *target, m Mode, rate, n int) (Round, error) {
	body, err := chatBody(t.model, m.Stream, m.PromptBytes)
	if err != nil {
		return Round{}, err
	}
	spec := attackSpec{
		name: t.name, url: t.url, body: body, stream: m.Stream, rate: rate,
		duration: cfg.Warmup, timeout: cfg.Timeout, maxConns: cfg.MaxConns,
		latency: cfg.MockLatency,
	}
	if cfg.Warmup > 0 {
		attack(ctx, spec)
	}
	spec.duration = cfg.Duration

	r := Round{Mode: m.Name, Rate: rate, Round: n, Target: t.name, Load: loadavg1()}
	var profiling sync.WaitGroup
	if t.prof != nil && n == 1 && rate == slices.Max(cfg.Rates) {
		profiling.Go(func() {
			label := fmt.Sprintf("%s-%d", m.Name, rate)
			if err := t.prof.collect(ctx, label, max(1, int(cfg.Duration.Seconds())-1)); err != nil {
				fmt.Fprintf(cfg.Progress, "profiling %s: %v\n", label, err)
			}
		})
	}
	pids := t.proc.pids()
	before, selfBefore := readUsage(pids), selfCPU()
	sampler := sampleRSS(pids, 50*time.Millisecond)
	o := attack(ctx, spec)
	r.PeakRSS = sampler.stop()
	profiling.Wait()
	after := readUsage(pids)
	r.CPU, r.ClientCPU = after.CPU-before.CPU, selfCPU()-selfBefore

	if err := ctx.Err(); err != nil {
		return r, fmt.Errorf("round stopped: %w", err)
	}
	if !t.proc.running() {
		return r, fmt.Errorf("%s exited during the round; its output:\n%s",
			t.name, t.proc.logTail())
	}
	r.fill(o, cfg.Duration)
	return r, nil
}

// fill copies what o, an attack lasting d, measured into r.
func (r *Round) fill(o *outcome, d time.Duration) {
	r.Sent, r.OK = o.Sent, o.OK
	r.Lat = percentiles(o.Lat)
	r.FirstByte = percentiles(o.Byte)
	r.Whole = percentiles(o.Whole)
	r.Achieved = o.steadyRate(d)
	r.TopError, r.TopErrorCount = o.topError()
}

// line is the progress line for r.
func (r Round) line() string {
	s := fmt.Sprintf("%-10s %5d rps round %d %-6s ok %d/%d p50 %s p99 %s rss %.1f MB load %.2f",
		r.Mode, r.Rate, r.Round, r.Target, r.OK, r.Sent, ms(r.Lat.P50), ms(r.Lat.P99),
		mb(r.PeakRSS), r.Load)
	if r.TopError != "" {
		s += fmt.Sprintf(" (%d× %s)", r.TopErrorCount, r.TopError)
	}
	return s
}

// rssSampler records the largest resident set of a group of processes.
type rssSampler struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	peak   int64
}

// sampleRSS reads the RSS of pids every interval until stop.
func sampleRSS(pids []int, every time.Duration) *rssSampler {
	ctx, cancel := context.WithCancel(context.Background())
	s := &rssSampler{cancel: cancel}
	s.wg.Go(func() {
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			s.peak = max(s.peak, readUsage(pids).RSS)
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	})
	return s
}

// stop ends sampling and returns the peak.
func (s *rssSampler) stop() int64 {
	s.cancel()
	s.wg.Wait()
	return s.peak
}

// selfCPU returns the CPU seconds the harness has used, attacker included.
func selfCPU() float64 {
	cpu, _ := readCPU(os.Getpid())
	return cpu
}

// loadavg returns the first three fields of /proc/loadavg.
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}

// loadavg1 returns the 1-minute load average, or 0 when unknown.
func loadavg1() float64 {
	var l float64
	_, _ = fmt.Sscanf(loadavg(), "%g", &l)
	return l
}

// environment describes the machine and the checkout at repo.
func environment(ctx context.Context, repo string) Environment {
	e := Environment{CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), LoadBefore: loadavg()}
	cmd := exec.CommandContext(ctx, "git", "rev-parse", "--short", "HEAD")
	cmd.Dir = repo
	if out, err := cmd.Output(); err == nil {
		e.Commit = strings.TrimSpace(string(out))
	}
	cmd = exec.CommandContext(ctx, "git", "status", "--porcelain", "--untracked-files=no")
	cmd.Dir = repo
	if out, err := cmd.Output(); err == nil && len(out) > 0 {
		e.Commit += " with uncommitted changes"
	}
	return e
}
