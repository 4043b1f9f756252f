package bench

import (
	"bufio"
	"os"
	"strings"
	"testing"
	"time"
)

func TestPercentilesNearestRank(t *testing.T) {
	lat := make([]time.Duration, 0, 1000)
	for i := 1000; i >= 1; i-- { // reversed, so sorting matters
		lat = append(lat, time.Duration(i)*time.Microsecond)
	}
	got := percentiles(lat)
	want := Percentiles{P50: 500 * time.Microsecond, P90: 900 * time.Microsecond,
		P99: 990 * time.Microsecond, Max: 1000 * time.Microsecond}
	if got != want {
		t.Fatalf("percentiles = %+v, want %+v", got, want)
	}
	if one := percentiles([]time.Duration{7}); one.P50 != 7 || one.P99 != 7 {
		t.Fatalf("a single sample must be every percentile, got %+v", one)
	}
	if none := percentiles(nil); none != (Percentiles{}) {
		t.Fatalf("no samples must give zero percentiles, got %+v", none)
	}
}

func TestSteadyRateCountsAnswersWhileSending(t *testing.T) {
	// A target that answers 100 ms late at 1000/s over 10 s, and one whose answers
	// arrive at only 500/s and go on long after the sending stopped.
	var healthy, slow outcome
	for i := range 10_000 {
		healthy.Ends = append(healthy.Ends, time.Duration(i)*time.Millisecond+100*time.Millisecond)
		slow.Ends = append(slow.Ends, time.Duration(i)*2*time.Millisecond)
	}
	if r := healthy.steadyRate(10 * time.Second); r < 999 || r > 1001 {
		t.Fatalf("healthy target: %.1f/s, want 1000/s", r)
	}
	if r := slow.steadyRate(10 * time.Second); r < 499 || r > 501 {
		t.Fatalf("slow target: %.1f/s, want the 500/s it really served", r)
	}
}

func TestReadEventsFindsFirstEventAndDone(t *testing.T) {
	long := strings.Repeat("x", 10_000) // longer than the reader's buffer
	cases := []struct {
		name, body string
		first      bool
		done       bool
	}{
		{"complete", ": comment\n\ndata: {\"a\":1}\n\ndata: [DONE]\n\n", true, true},
		{"cut off", "data: {\"a\":1}\n\n", true, false},
		{"no events", "event: ping\n\n", false, false},
		{"long line", "data: " + long + "\n\ndata:[DONE]\n\n", true, true},
		{"done inside a long line is no event", "data: {" + long + "data: [DONE]}\n", true,
			false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			calls := 0
			br := bufio.NewReaderSize(strings.NewReader(c.body), 4096)
			done, err := readEvents(br, func() { calls++ })
			if err != nil {
				t.Fatal(err)
			}
			if done != c.done || (calls == 1) != c.first || calls > 1 {
				t.Fatalf("done %v, first called %d times; want done %v, first %v",
					done, calls, c.done, c.first)
			}
		})
	}
}

func TestReadUsageOfThisProcess(t *testing.T) {
	u := readUsage([]int{os.Getpid()})
	if u.RSS <= 0 || u.HWM < u.RSS {
		t.Fatalf("RSS %d and HWM %d of a running process must be positive and ordered",
			u.RSS, u.HWM)
	}
	// CPU time advances in ticks of 10 ms, later on a busy machine: spin until it
	// does, for at most two seconds.
	grew := false
	for spin := time.Now(); !grew && time.Since(spin) < 2*time.Second; {
		grew = readUsage([]int{os.Getpid()}).CPU > u.CPU
	}
	if !grew {
		t.Fatalf("CPU time did not grow after spinning for 2 s: %v", u.CPU)
	}
	if gone := readUsage([]int{1 << 30}); gone != (procUsage{}) {
		t.Fatalf("a missing process must count as nothing, got %+v", gone)
	}
}

func TestStatFieldsSurvivesOddCommandNames(t *testing.T) {
	line := "42 (a) b (c)) S 1 42 42 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 1 0\n"
	f, err := statFields([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	if f[0] != "S" || f[1] != "1" || f[11] != "250" || f[12] != "75" {
		t.Fatalf("fields after the command name were misread: %q", f[:13])
	}
}

func TestParseModesAndInts(t *testing.T) {
	ms, err := ParseModes("chat, stream,prompt100k")
	if err != nil || len(ms) != 3 || !ms[1].Stream || ms[2].PromptBytes != 100<<10 {
		t.Fatalf("ParseModes = %+v, %v", ms, err)
	}
	if _, err := ParseModes("chat,bogus"); err == nil ||
		!strings.Contains(err.Error(), "bogus") {
		t.Fatalf("an unknown mode must be named in the error, got %v", err)
	}
	if _, err := ParseInts("1000,-5"); err == nil {
		t.Fatal("a negative rate must be refused")
	}
}

func TestFillerHasExactSize(t *testing.T) {
	for _, n := range []int{1, 10 << 10, 100 << 10} {
		if got := len(filler(n)); got != n {
			t.Fatalf("filler(%d) has %d bytes", n, got)
		}
	}
}
