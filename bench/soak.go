package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// SoakConfig says how long and how hard [Soak] drives the gateway. The zero value of
// a field means its default.
type SoakConfig struct {
	Rate     int           // requests per second; default 1000
	Duration time.Duration // measured load; default 10 minutes
	Every    time.Duration // sampling interval; default 5 s
	Mode     Mode          // default chat
}

func (s SoakConfig) withDefaults() SoakConfig {
	if s.Rate <= 0 {
		s.Rate = 1000
	}
	if s.Duration <= 0 {
		s.Duration = 10 * time.Minute
	}
	if s.Every <= 0 {
		s.Every = 5 * time.Second
	}
	if s.Mode.Name == "" {
		s.Mode = modes[0]
	}
	return s
}

// SoakSample is the gateway's state at one moment of a soak.
type SoakSample struct {
	At         time.Duration // since the measured load began
	RSS        int64         // VmRSS, bytes
	Goroutines int           // go_goroutines from the gateway's /metrics
}

// SoakReport is what [Soak] measured.
type SoakReport struct {
	Config  Config
	Soak    SoakConfig
	Started time.Time
	Env     Environment
	Samples []SoakSample

	Sent, OK int
	Errors   map[string]int // failures by reason
	Lat      Percentiles    // latency of the successes

	// RSSSlope and GoroutineSlope are the least-squares slopes of the samples, per
	// minute: flat memory and goroutines have slopes near zero.
	RSSSlope, GoroutineSlope float64
	// IdleBefore and IdleAfter are the gateway at rest, after the warm-up and after
	// the soak.
	IdleBefore, IdleAfter IdleState
}

// IdleState is the gateway at rest: its goroutines and the connections it holds.
type IdleState struct {
	Goroutines int
	Conns      ConnCounts
}

// Leftover is the number of goroutines that serve no connection. Each pooled
// upstream connection has a reading and a writing goroutine and each client
// connection one, and the pool keeps as many upstream connections as the busiest
// moment needed, so the raw count after a soak depends on the load's peaks; the
// leftover does not. A goroutine leak shows as a leftover that grows.
func (s IdleState) Leftover() int {
	return s.Goroutines - 2*s.Conns.Upstream - s.Conns.Clients
}

// Soak builds and starts the mock and the gateway, warms the gateway up for
// cfg.Warmup, then drives it at sc.Rate for sc.Duration while sampling its resident
// memory and goroutines every sc.Every. Only cfg's repo, directory, warm-up, mock
// latency, timeout, connection limit, gateway flags and progress are used.
func Soak(ctx context.Context, cfg Config, sc SoakConfig) (*SoakReport, error) {
	cfg, sc = cfg.withDefaults(), sc.withDefaults()
	rep := &SoakReport{Soak: sc, Started: time.Now()}
	f := &fleet{}
	defer f.stop()
	if err := f.prepare(ctx, &cfg); err != nil {
		return nil, err
	}
	mock, err := startMock(ctx, f.bins["./cmd/mockllm"], f.dir, cfg.MockLatency)
	if mock != nil {
		f.targets = append(f.targets, mock)
	}
	if err != nil {
		return nil, err
	}
	gw, err := startGateway(ctx, f.bins["./cmd/sluice"], f.dir, mock.port(),
		gatewayOptions{args: cfg.GatewayArgs, env: cfg.GatewayEnv})
	if gw != nil {
		f.targets = append(f.targets, gw)
	}
	if err != nil {
		return nil, err
	}
	rep.Config, rep.Env = cfg, environment(ctx, cfg.Repo)

	body, err := chatBody(gw.model, sc.Mode.Stream, sc.Mode.PromptBytes)
	if err != nil {
		return nil, err
	}
	spec := attackSpec{name: gw.name, url: gw.url, body: body, stream: sc.Mode.Stream,
		rate: sc.Rate, duration: cfg.Warmup, timeout: cfg.Timeout, maxConns: cfg.MaxConns,
		latency: cfg.MockLatency}
	if cfg.Warmup > 0 {
		attack(ctx, spec)
	}
	metrics := strings.Replace(gw.url, "/v1/chat/completions", "/metrics", 1)
	rest := func() (IdleState, error) { return idleState(ctx, gw, metrics, mock.port()) }
	if rep.IdleBefore, err = rest(); err != nil {
		return rep, err
	}

	fmt.Fprintf(cfg.Progress, "soak: %d RPS for %s, sampling every %s\n", sc.Rate,
		sc.Duration, sc.Every)
	spec.duration = sc.Duration
	s := startSampler(gw, metrics, sc.Every, cfg.Progress)
	o := attack(ctx, spec)
	rep.Samples = s.stop()
	rep.Env.LoadAfter = loadavg()
	if err := ctx.Err(); err != nil {
		return rep, fmt.Errorf("soak stopped: %w", err)
	}
	if !gw.proc.running() {
		return rep, fmt.Errorf("the gateway exited during the soak; its output:\n%s",
			gw.proc.logTail())
	}
	rep.Sent, rep.OK, rep.Errors, rep.Lat = o.Sent, o.OK, o.Errors, percentiles(o.Lat)
	rep.RSSSlope, rep.GoroutineSlope = rep.slopes()
	if rep.IdleAfter, err = rest(); err != nil {
		return rep, err
	}
	return rep, nil
}

// sampler reads the gateway's memory and goroutines at a fixed interval.
type sampler struct {
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	samples []SoakSample
}

func startSampler(gw *target, metricsURL string, every time.Duration,
	progress io.Writer) *sampler {
	ctx, cancel := context.WithCancel(context.Background())
	s := &sampler{cancel: cancel}
	start := time.Now()
	s.wg.Go(func() {
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			g, err := goroutines(ctx, metricsURL)
			if err != nil {
				fmt.Fprintf(progress, "soak: cannot read goroutines: %v\n", err)
				continue
			}
			sm := SoakSample{At: time.Since(start), RSS: readUsage(gw.proc.pids()).RSS,
				Goroutines: g}
			s.samples = append(s.samples, sm)
			fmt.Fprintf(progress, "soak: %6s rss %.1f MB goroutines %d\n",
				sm.At.Round(time.Second), mb(sm.RSS), sm.Goroutines)
		}
	})
	return s
}

// stop ends sampling and returns the samples.
func (s *sampler) stop() []SoakSample {
	s.cancel()
	s.wg.Wait()
	return s.samples
}

// idleState waits for the gateway's goroutines to settle once the load has stopped
// (connections closing, handlers returning), then reads them and its connections.
func idleState(ctx context.Context, gw *target, metricsURL string, upstreamPort int) (
	IdleState, error) {
	var s IdleState
	last := -1
	for range 20 {
		n, err := goroutines(ctx, metricsURL)
		if err != nil {
			return s, err
		}
		if n == last {
			break
		}
		last = n
		select {
		case <-ctx.Done():
			return s, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
	conns, err := countConns(gw.proc.cmd.Process.Pid, gw.port(), upstreamPort)
	return IdleState{Goroutines: last, Conns: conns}, err
}

// goroutines reads go_goroutines from a Prometheus exposition at url.
func goroutines(ctx context.Context, url string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, fmt.Errorf("build metrics request: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("read metrics: %w", err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "go_goroutines "); ok {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return 0, fmt.Errorf("parse go_goroutines %q: %w", v, err)
			}
			return int(n), nil
		}
	}
	return 0, fmt.Errorf("no go_goroutines in %s (status %d)", url, resp.StatusCode)
}

// slopes returns the least-squares slopes of RSS and goroutines per minute.
func (r *SoakReport) slopes() (rss, gor float64) {
	xs := make([]float64, len(r.Samples))
	ys, yg := make([]float64, len(r.Samples)), make([]float64, len(r.Samples))
	for i, s := range r.Samples {
		xs[i] = s.At.Minutes()
		ys[i], yg[i] = float64(s.RSS), float64(s.Goroutines)
	}
	return slope(xs, ys), slope(xs, yg)
}

// slope fits y = a + b·x by least squares and returns b, or 0 with fewer than two
// distinct x.
func slope(xs, ys []float64) float64 {
	n := float64(len(xs))
	if n < 2 {
		return 0
	}
	var mx, my float64
	for i := range xs {
		mx += xs[i]
		my += ys[i]
	}
	mx, my = mx/n, my/n
	var sxy, sxx float64
	for i := range xs {
		sxy += (xs[i] - mx) * (ys[i] - my)
		sxx += (xs[i] - mx) * (xs[i] - mx)
	}
	if sxx == 0 {
		return 0
	}
	return sxy / sxx
}

// MeanGoroutines is the mean of the sampled goroutine counts.
func (r *SoakReport) MeanGoroutines() float64 {
	if len(r.Samples) == 0 {
		return 0
	}
	var sum float64
	for _, s := range r.Samples {
		sum += float64(s.Goroutines)
	}
	return sum / float64(len(r.Samples))
}

// Markdown writes the soak as a markdown section for docs/reliability.md.
func (r *SoakReport) Markdown(w io.Writer, command string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "## Soak of %s\n\n", r.Started.UTC().Format("2006-01-02 15:04 MST"))
	if command != "" {
		fmt.Fprintf(&b, "Command: `%s`\n\n", command)
	}
	fmt.Fprintf(&b, "- code: commit %s, %s, %d CPUs; load average before %s, after %s\n",
		r.Env.Commit, r.Env.GoVersion, r.Env.CPUs, r.Env.LoadBefore, r.Env.LoadAfter)
	fmt.Fprintf(&b, "- %s requests at %d RPS for %s after %s warm-up; mock latency %s; "+
		"gateway with its default configuration\n", r.Soak.Mode.Name, r.Soak.Rate,
		r.Soak.Duration, r.Config.Warmup, r.Config.MockLatency)
	fmt.Fprintf(&b, "- requests: %d sent, %d succeeded, %d failed%s; latency p50 %s, p99 %s\n",
		r.Sent, r.OK, r.Sent-r.OK, r.errorList(), ms(r.Lat.P50), ms(r.Lat.P99))
	if len(r.Samples) == 0 {
		b.WriteString("- no samples: the soak was shorter than one sampling interval\n\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	first, last := r.Samples[0], r.Samples[len(r.Samples)-1]
	lo, hi := r.extremes()
	fmt.Fprintf(&b, "- RSS: %.1f MB at the first sample, %.1f MB at the last (%.1f to %.1f); "+
		"slope %+.3f MB/min\n", mb(first.RSS), mb(last.RSS), mb(lo.RSS), mb(hi.RSS),
		r.RSSSlope/(1<<20))
	fmt.Fprintf(&b, "- goroutines under load: %d at the first sample, %d at the last "+
		"(%d to %d, mean %.0f); slope %+.2f/min\n", first.Goroutines, last.Goroutines,
		lo.Goroutines, hi.Goroutines, r.MeanGoroutines(), r.GoroutineSlope)
	for _, idle := range []struct {
		when string
		s    IdleState
	}{{"after the warm-up", r.IdleBefore}, {"after the soak", r.IdleAfter}} {
		fmt.Fprintf(&b, "- at rest %s: %d goroutines, %d pooled upstream and %d client "+
			"connections, so %d goroutines serving no connection\n", idle.when,
			idle.s.Goroutines, idle.s.Conns.Upstream, idle.s.Conns.Clients, idle.s.Leftover())
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// extremes returns the smallest and largest RSS and goroutine counts sampled.
func (r *SoakReport) extremes() (lo, hi SoakSample) {
	lo, hi = r.Samples[0], r.Samples[0]
	for _, s := range r.Samples {
		lo.RSS, hi.RSS = min(lo.RSS, s.RSS), max(hi.RSS, s.RSS)
		lo.Goroutines, hi.Goroutines = min(lo.Goroutines, s.Goroutines),
			max(hi.Goroutines, s.Goroutines)
	}
	return lo, hi
}

func (r *SoakReport) errorList() string {
	if len(r.Errors) == 0 {
		return ""
	}
	parts := make([]string, 0, len(r.Errors))
	for reason, n := range r.Errors {
		parts = append(parts, fmt.Sprintf("%d× %s", n, reason))
	}
	return " (" + strings.Join(parts, ", ") + ")"
}
