package bench

import (
	"encoding/xml"
	"io"
	"strings"
	"testing"
	"time"
)

// sampleReport is two rounds at two rates where sluice adds a known amount.
func sampleReport() *Report {
	r := &Report{
		Config:  Config{Rates: []int{1000, 5000}, Modes: modes[:1], Rounds: 2}.withDefaults(),
		Targets: []string{Direct, Gateway, Nginx},
		HWM:     map[string]int64{Direct: 10 << 20, Gateway: 40 << 20, Nginx: 8 << 20},
	}
	base := 100 * time.Millisecond
	add := map[string]time.Duration{Direct: 0, Gateway: 200 * time.Microsecond,
		Nginx: 100 * time.Microsecond}
	for _, rate := range []int{1000, 5000} {
		for n := 1; n <= 2; n++ {
			for _, t := range r.Targets {
				// Round 2 is slower for everyone: overhead must still be per round.
				d := base + time.Duration(n-1)*time.Millisecond + add[t]
				r.Rounds = append(r.Rounds, Round{
					Mode: "chat", Rate: rate, Round: n, Target: t, Sent: rate * 15,
					OK: rate * 15, Achieved: float64(rate),
					Lat:     Percentiles{P50: d, P90: d, P99: d + add[t], Max: d + add[t]},
					PeakRSS: 30 << 20, CPU: 1.5,
				})
			}
		}
	}
	return r
}

func TestOverheadIsAgainstDirectOfTheSameRound(t *testing.T) {
	s, ok := sampleReport().Summary("chat", 1000, Gateway)
	if !ok {
		t.Fatal("summary of sluice at 1000 RPS is missing")
	}
	if s.Over.P50 != 200*time.Microsecond || s.Over.P99 != 400*time.Microsecond {
		t.Fatalf("overhead p50 %v p99 %v, want 200µs and 400µs", s.Over.P50, s.Over.P99)
	}
	if s.Success != 1 || s.CPUPer1k != 0.1 {
		t.Fatalf("success %v and CPU per 1k %v, want 1 and 0.1", s.Success, s.CPUPer1k)
	}
}

func TestGoalsJudgeTheGateway(t *testing.T) {
	r := sampleReport()
	for _, g := range r.Goals() {
		if !g.Measured || !g.Met {
			t.Errorf("goal %q: measured %v met %v (got %s)", g.Name, g.Measured, g.Met, g.Got)
		}
	}
	for i := range r.Rounds {
		if r.Rounds[i].Target == Gateway && r.Rounds[i].Rate == 5000 && r.Rounds[i].Round == 2 {
			r.Rounds[i].OK--
			r.Rounds[i].PeakRSS = 70 << 20
		}
	}
	missed := map[string]bool{}
	for _, g := range r.Goals() {
		if !g.Met {
			missed[g.Name] = true
		}
	}
	if !missed["success at 5000 RPS"] || !missed["peak RSS at 5000 RPS"] || len(missed) != 2 {
		t.Fatalf("one failed request and 70 MB must miss exactly two goals, missed %v", missed)
	}
}

func TestMarkdownNamesEveryTarget(t *testing.T) {
	var b strings.Builder
	if err := sampleReport().Markdown(&b, "go run ./bench/cmd/loadtest"); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	for _, want := range []string{"| chat | 1000 | direct |", "| chat | 5000 | sluice |",
		"| chat | 5000 | nginx |", "| p50 overhead at 1000 RPS | ≤ 0.30 ms | 0.20 ms | met |",
		"`go run ./bench/cmd/loadtest`"} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
}

func TestSVGIsWellFormedWithALinePerTarget(t *testing.T) {
	var b strings.Builder
	if err := sampleReport().SVG(&b); err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(strings.NewReader(b.String()))
	lines := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		if el, ok := tok.(xml.StartElement); ok && el.Name.Local == "polyline" {
			lines++
		}
	}
	if lines != 6 { // three targets in the p50 and the p99 panel
		t.Fatalf("SVG has %d lines, want 6", lines)
	}
}
