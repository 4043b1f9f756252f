package bench

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Markdown writes the report as a markdown section: how the run was made, a summary
// table, stream details, the goals, and every round.
func (r *Report) Markdown(w io.Writer, command string) error {
	var b strings.Builder
	r.writeHeader(&b, command)
	r.writeSummary(&b)
	r.writeStreams(&b)
	r.writeGoals(&b)
	r.writeRounds(&b)
	_, err := io.WriteString(w, b.String())
	return err
}

func (r *Report) writeHeader(b *strings.Builder, command string) {
	c, e := r.Config, r.Env
	fmt.Fprintf(b, "## Load run of %s\n\n", r.Started.UTC().Format("2006-01-02 15:04 MST"))
	if command != "" {
		fmt.Fprintf(b, "Command: `%s`\n\n", command)
	}
	fmt.Fprintf(b, "- code: commit %s, %s, %d CPUs\n", e.Commit, e.GoVersion, e.CPUs)
	fmt.Fprintf(b, "- load average before %s, after %s; run took %s\n",
		e.LoadBefore, e.LoadAfter, r.Elapsed.Round(time.Second))
	fmt.Fprintf(b, "- mock latency %s; rates %v RPS; %d round(s) of %s after %s warm-up each; "+
		"modes %s\n", c.MockLatency, c.Rates, c.Rounds, c.Duration, c.Warmup, modeNames(c.Modes))
	fmt.Fprintf(b, "- targets in visiting order: %s\n", strings.Join(r.Targets, ", "))
	if len(c.GatewayArgs)+len(c.GatewayEnv) > 0 {
		fmt.Fprintf(b, "- gateway flags %q, environment %q\n", c.GatewayArgs, c.GatewayEnv)
	}
	fmt.Fprintf(b, "- attacker in the harness process: vegeta (streams: its own client), "+
		"HTTP/1.1 keep-alive, at most %d connections, %s timeout; every process with "+
		"the default GOMAXPROCS and no CPU pinning\n", c.MaxConns, c.Timeout)
	b.WriteString("- overhead = target percentile − direct percentile of the same round; " +
		"latencies are over successful requests; achieved = successful answers completed " +
		"per second from a tenth of the round's duration to its end, weakest round; " +
		"RSS = largest VmRSS sampled every 50 ms in a round (nginx: master and workers " +
		"summed); CPU = the target's own utime+stime\n\n")
}

func (r *Report) writeSummary(b *strings.Builder) {
	fmt.Fprintf(b, "### Summary (median over %d round(s))\n\n", r.Config.Rounds)
	b.WriteString("| mode | rate | target | p50 | p90 | p99 | overhead p50 | overhead p90 | " +
		"overhead p99 | success | achieved RPS | peak RSS | CPU s / 1k req |\n")
	b.WriteString("|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, s := range r.Summaries() {
		fmt.Fprintf(b, "| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %.0f | %.1f MB | "+
			"%.3f |\n", s.Mode, s.Rate, s.Target, ms(s.Lat.P50), ms(s.Lat.P90), ms(s.Lat.P99),
			over(s, s.Over.P50), over(s, s.Over.P90), over(s, s.Over.P99), percent(s.Success),
			s.Achieved, mb(s.PeakRSS), s.CPUPer1k)
	}
	b.WriteString("\nIn stream mode the latency is the time to the first SSE data event.\n\n")
}

func (r *Report) writeStreams(b *strings.Builder) {
	var rows []Summary
	for _, s := range r.Summaries() {
		if s.FirstByte.P50 > 0 {
			rows = append(rows, s)
		}
	}
	if len(rows) == 0 {
		return
	}
	b.WriteString("### Streams: first response byte and whole stream\n\n")
	b.WriteString("| rate | target | first byte p50 | p99 | overhead p50 | overhead p99 | " +
		"whole stream p50 | p99 | overhead p50 | overhead p99 |\n")
	b.WriteString("|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, s := range rows {
		fmt.Fprintf(b, "| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", s.Rate,
			s.Target, ms(s.FirstByte.P50), ms(s.FirstByte.P99), over(s, s.FirstByteOver.P50),
			over(s, s.FirstByteOver.P99), ms(s.Whole.P50), ms(s.Whole.P99),
			over(s, s.WholeOver.P50), over(s, s.WholeOver.P99))
	}
	b.WriteString("\n")
}

func (r *Report) writeGoals(b *strings.Builder) {
	b.WriteString("### Targets (DESIGN §6, chat mode, sluice)\n\n")
	b.WriteString("| goal | target | measured | verdict |\n|---|---|---|---|\n")
	for _, g := range r.Goals() {
		verdict := "not measured"
		switch {
		case !g.Measured:
		case g.Met:
			verdict = "met"
		default:
			verdict = "**missed**"
		}
		got := g.Got
		if !g.Measured {
			got = "–"
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", g.Name, g.Want, got, verdict)
	}
	b.WriteString("\nPeak RSS over the whole run (VmHWM; it cannot be reset between rounds):")
	for _, t := range r.Targets {
		fmt.Fprintf(b, " %s %.1f MB;", t, mb(r.HWM[t]))
	}
	b.WriteString("\n\n")
}

func (r *Report) writeRounds(b *strings.Builder) {
	b.WriteString("### Rounds\n\n")
	b.WriteString("| mode | rate | round | target | ok / sent | p50 | p99 | overhead p50 | " +
		"overhead p99 | peak RSS | CPU s | client CPU s | load | top error |\n")
	b.WriteString("|---|--:|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n")
	for _, rd := range r.Rounds {
		base := r.direct(rd)
		o := rd.Lat.sub(base.Lat)
		op50, op99 := ms(o.P50), ms(o.P99)
		if rd.Target == Direct {
			op50, op99 = "–", "–"
		}
		top := ""
		if rd.TopError != "" {
			top = fmt.Sprintf("%d× %s", rd.TopErrorCount, rd.TopError)
		}
		fmt.Fprintf(b, "| %s | %d | %d | %s | %d / %d | %s | %s | %s | %s | %.1f MB | %.2f | "+
			"%.2f | %.2f | %s |\n", rd.Mode, rd.Rate, rd.Round, rd.Target, rd.OK, rd.Sent,
			ms(rd.Lat.P50), ms(rd.Lat.P99), op50, op99, mb(rd.PeakRSS), rd.CPU, rd.ClientCPU,
			rd.Load, top)
	}
	b.WriteString("\n")
}

// over formats an overhead, which the direct target does not have.
func over(s Summary, d time.Duration) string {
	if s.Target == Direct {
		return "–"
	}
	return ms(d)
}

// ms formats d in milliseconds with two decimals, enough for overheads of 0.01 ms.
func ms(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}

// mb converts bytes to mebibytes.
func mb(n int64) float64 { return float64(n) / (1 << 20) }

// percent formats a ratio as a percentage, never rounding a failure up to 100%.
func percent(x float64) string {
	if x < 1 && x > 0.9999 {
		return "99.99%"
	}
	return fmt.Sprintf("%.2f%%", x*100)
}

// modeNames lists the names of ms.
func modeNames(ms []Mode) string {
	names := make([]string, len(ms))
	for i, m := range ms {
		names[i] = m.Name
	}
	return strings.Join(names, ", ")
}
