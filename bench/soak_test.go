package bench

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"
)

func TestSlope(t *testing.T) {
	xs := []float64{0, 1, 2, 3}
	for _, c := range []struct {
		ys   []float64
		want float64
	}{
		{[]float64{5, 5, 5, 5}, 0},
		{[]float64{1, 3, 5, 7}, 2},
		{[]float64{10, 12, 8, 10}, -0.4},
	} {
		if got := slope(xs, c.ys); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("slope(%v) = %v, want %v", c.ys, got, c.want)
		}
	}
	if got := slope([]float64{1}, []float64{9}); got != 0 {
		t.Errorf("one point: slope %v, want 0", got)
	}
}

// TestSoakShort is the CI version of the soak: the built gateway at 300 RPS for 25 s,
// sampled every second. Every request must succeed, and the gateway must not leak:
// at rest after the soak, its goroutines that serve no connection must be within a
// few of their number after the warm-up, and no client connection may be left open.
// The slopes under load are reported, not judged: in 25 s on a shared machine they
// follow the connection pool, which grows to the busiest moment's need and no further.
func TestSoakShort(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the gateway under load for about 35 s")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	var progress strings.Builder
	cfg := Config{Dir: t.TempDir(), Warmup: 5 * time.Second, Progress: &progress}
	sc := SoakConfig{Rate: 300, Duration: 25 * time.Second, Every: time.Second}
	rep, err := Soak(ctx, cfg, sc)
	if err != nil {
		t.Fatalf("%v\n%s", err, progress.String())
	}
	var md strings.Builder
	if err := rep.Markdown(&md, ""); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + md.String())

	if rep.Sent < 7000 || rep.OK != rep.Sent {
		t.Errorf("%d of %d requests succeeded (%v); want all of about 7500", rep.OK, rep.Sent,
			rep.Errors)
	}
	if len(rep.Samples) < 20 {
		t.Fatalf("%d samples, want about 25", len(rep.Samples))
	}
	before, after := rep.IdleBefore, rep.IdleAfter
	if after.Leftover() > before.Leftover()+5 || after.Conns.Clients > 2 {
		t.Errorf("at rest after the soak %+v (%d serving no connection), after the "+
			"warm-up %+v (%d): a leak", after, after.Leftover(), before, before.Leftover())
	}
}
