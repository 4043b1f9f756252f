package bench

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestHarnessSmoke runs the whole harness briefly against the real binaries, so that
// CI notices when the harness, the gateway's command line or its OpenAI route stops
// working for a load run. It checks behaviour, not speed.
func TestHarnessSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the gateway, the mock and nginx for about 20 s")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cfg := Config{
		Dir:      t.TempDir(),
		Rates:    []int{200},
		Duration: 2 * time.Second,
		Warmup:   300 * time.Millisecond,
		Rounds:   1,
		Modes:    []Mode{modes[0], modes[1]}, // chat and stream: both attackers
	}
	rep, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}

	want := []string{Direct, Gateway}
	if findNginx("") != "" {
		want = append(want, Nginx)
	}
	if strings.Join(rep.Targets, ",") != strings.Join(want, ",") {
		t.Fatalf("targets %v, want %v", rep.Targets, want)
	}
	if len(rep.Rounds) != 2*len(want) {
		t.Fatalf("%d rounds, want one per mode and target (%d)", len(rep.Rounds), 2*len(want))
	}
	for _, r := range rep.Rounds {
		if r.Sent < 380 || r.OK != r.Sent {
			t.Errorf("%s %s: %d of %d succeeded (%d× %s); want all of about 400",
				r.Mode, r.Target, r.OK, r.Sent, r.TopErrorCount, r.TopError)
		}
		if r.PeakRSS <= 0 || r.CPU <= 0 {
			t.Errorf("%s %s: RSS %d and CPU %v must have been measured",
				r.Mode, r.Target, r.PeakRSS, r.CPU)
		}
	}

	var md strings.Builder
	if err := rep.Markdown(&md, ""); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{"chat", "stream"} {
		for _, target := range want {
			row := "| " + mode + " | 200 | " + target + " |"
			if !strings.Contains(md.String(), row) {
				t.Errorf("report has no row starting %q", row)
			}
		}
	}
	var svg strings.Builder
	if err := rep.SVG(&svg); err != nil || !strings.Contains(svg.String(), "<polyline") {
		t.Errorf("plot has no lines (err %v)", err)
	}
}
