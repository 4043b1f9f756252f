package bench

import (
	"fmt"
	"time"
)

// Goal is one performance target of DESIGN §6 checked against a run.
type Goal struct {
	Name     string // what is measured, e.g. "p50 overhead at 1000 RPS"
	Want     string // the target, e.g. "≤ 0.30 ms"
	Got      string // the measured value
	Met      bool
	Measured bool // false when the run did not include what the goal needs
}

// Goals checks the gateway's chat rounds against the targets for a 2-core machine
// with the mock at 100 ms. Overheads are medians over rounds; the achieved rate is
// that of the weakest round; memory is the largest RSS sampled in the 5000 RPS rounds.
func (r *Report) Goals() []Goal {
	var goals []Goal
	s, ok := r.Summary("chat", 1000, Gateway)
	goals = append(goals,
		latencyGoal("p50 overhead at 1000 RPS", s.Over.P50, 300*time.Microsecond, ok),
		latencyGoal("p99 overhead at 1000 RPS", s.Over.P99, 2*time.Millisecond, ok),
	)

	s, ok = r.Summary("chat", 5000, Gateway)
	goals = append(goals,
		Goal{Name: "success at 5000 RPS", Want: "100%", Got: percent(s.Success),
			Met: s.Success == 1, Measured: ok},
		Goal{Name: "achieved rate at 5000 RPS", Want: "≥ 4950 RPS",
			Got: fmt.Sprintf("%.0f RPS", s.Achieved), Met: s.Achieved >= 4950, Measured: ok},
		latencyGoal("p99 overhead at 5000 RPS", s.Over.P99, 30*time.Millisecond, ok),
		Goal{Name: "peak RSS at 5000 RPS", Want: "≤ 64 MB", Got: fmt.Sprintf("%.1f MB",
			mb(s.PeakRSS)), Met: s.PeakRSS <= 64<<20, Measured: ok},
	)
	return goals
}

// latencyGoal checks that got is at most want.
func latencyGoal(name string, got, want time.Duration, measured bool) Goal {
	return Goal{Name: name, Want: "≤ " + ms(want), Got: ms(got), Met: got <= want,
		Measured: measured}
}
