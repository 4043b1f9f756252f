package bench

import (
	"slices"
	"time"
)

// outcome is what one attack on one target produced.
type outcome struct {
	Sent  int             // requests started
	OK    int             // requests that succeeded
	Lat   []time.Duration // latency of each success; for streams, time to the first event
	Byte  []time.Duration // streams only: time to the first response byte of each success
	Whole []time.Duration // streams only: time to the end of each successful stream
	// Ends holds when each success completed, counted from the start of the attack.
	Ends   []time.Duration
	Errors map[string]int // failures by a short description
}

// steadyRate returns the successes completed per second between a tenth of d and d
// after the start of an attack lasting d: the rate a target sustained once the
// attack was under way. Counting answers by when they arrived, and only while
// requests were still being sent, neither rewards answers that trickle in after the
// sending stopped nor penalises the last requests' own latency.
func (o *outcome) steadyRate(d time.Duration) float64 {
	from := d / 10
	n := 0
	for _, e := range o.Ends {
		if e >= from && e <= d {
			n++
		}
	}
	return float64(n) / (d - from).Seconds()
}

// fail counts one failed request under reason.
func (o *outcome) fail(reason string) {
	if o.Errors == nil {
		o.Errors = map[string]int{}
	}
	o.Errors[reason]++
}

// topError returns the most frequent failure reason and its count.
func (o *outcome) topError() (string, int) {
	var reason string
	var n int
	for r, c := range o.Errors {
		if c > n || (c == n && r < reason) {
			reason, n = r, c
		}
	}
	return reason, n
}

// Percentiles summarises a latency distribution. The zero value means no samples.
type Percentiles struct {
	P50, P90, P99, Max time.Duration
}

// percentiles sorts lat in place and returns its nearest-rank percentiles. Exact
// ranks rather than a sketch: overheads of a tenth of a millisecond on top of 100 ms
// are below the error of the estimators load tools use by default.
func percentiles(lat []time.Duration) Percentiles {
	if len(lat) == 0 {
		return Percentiles{}
	}
	slices.Sort(lat)
	return Percentiles{
		P50: rank(lat, 0.50),
		P90: rank(lat, 0.90),
		P99: rank(lat, 0.99),
		Max: lat[len(lat)-1],
	}
}

// rank returns the nearest-rank q-quantile of the sorted lat.
func rank(sorted []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// sub returns p − q field by field: the overhead of p's target over q's.
func (p Percentiles) sub(q Percentiles) Percentiles {
	return Percentiles{P50: p.P50 - q.P50, P90: p.P90 - q.P90, P99: p.P99 - q.P99,
		Max: p.Max - q.Max}
}

// median returns the median of xs, the mean of the middle two for an even count.
func median[T ~int64 | ~float64](xs []T) T {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
