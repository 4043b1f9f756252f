package bench

import (
	"slices"
	"time"
)

// Summary condenses the rounds of one target at one rate in one mode.
type Summary struct {
	Mode   string
	Rate   int
	Target string
	Rounds int

	// Lat is the median over rounds of each latency percentile. Over is the median
	// over rounds of the target's percentile minus the direct percentile of the same
	// round; it is zero for the direct target itself.
	Lat, Over Percentiles
	// FirstByteOver and WholeOver are Over for the first byte and the whole stream.
	FirstByte, FirstByteOver, Whole, WholeOver Percentiles

	Success  float64 // successes over requests, all rounds together
	Achieved float64 // the lowest achieved rate of any round (see Round.Achieved)
	PeakRSS  int64   // the largest RSS sampled in any round
	CPUPer1k float64 // target CPU seconds per 1000 successful requests
}

// Summaries condenses the report's rounds, in the order they first ran.
func (r *Report) Summaries() []Summary {
	var out []Summary
	index := map[[3]any]int{}
	for _, rd := range r.Rounds {
		k := [3]any{rd.Mode, rd.Rate, rd.Target}
		if _, ok := index[k]; !ok {
			index[k] = len(out)
			out = append(out, r.summarise(rd.Mode, rd.Rate, rd.Target))
		}
	}
	return out
}

// Summary returns the summary of target at rate in mode, and whether it ran.
func (r *Report) Summary(mode string, rate int, target string) (Summary, bool) {
	s := r.summarise(mode, rate, target)
	return s, s.Rounds > 0
}

// summarise condenses the rounds of one target at one rate in one mode.
func (r *Report) summarise(mode string, rate int, target string) Summary {
	s := Summary{Mode: mode, Rate: rate, Target: target}
	var lat, over, fb, fbOver, whole, wholeOver []Percentiles
	var sent, ok int
	var cpu float64
	for _, rd := range r.Rounds {
		if rd.Mode != mode || rd.Rate != rate || rd.Target != target {
			continue
		}
		base := r.direct(rd)
		lat, over = append(lat, rd.Lat), append(over, rd.Lat.sub(base.Lat))
		fb, fbOver = append(fb, rd.FirstByte), append(fbOver, rd.FirstByte.sub(base.FirstByte))
		whole, wholeOver = append(whole, rd.Whole), append(wholeOver, rd.Whole.sub(base.Whole))
		sent, ok, cpu = sent+rd.Sent, ok+rd.OK, cpu+rd.CPU
		if s.Rounds == 0 || rd.Achieved < s.Achieved {
			s.Achieved = rd.Achieved
		}
		s.PeakRSS = max(s.PeakRSS, rd.PeakRSS)
		s.Rounds++
	}
	s.Lat, s.Over = medianOf(lat), medianOf(over)
	s.FirstByte, s.FirstByteOver = medianOf(fb), medianOf(fbOver)
	s.Whole, s.WholeOver = medianOf(whole), medianOf(wholeOver)
	if sent > 0 {
		s.Success = float64(ok) / float64(sent)
	}
	if ok > 0 {
		s.CPUPer1k = cpu / float64(ok) * 1000
	}
	return s
}

// direct returns the direct round that rd is compared with.
func (r *Report) direct(rd Round) Round {
	i := slices.IndexFunc(r.Rounds, func(d Round) bool {
		return d.Target == Direct && d.Mode == rd.Mode && d.Rate == rd.Rate &&
			d.Round == rd.Round
	})
	if i < 0 {
		return Round{}
	}
	return r.Rounds[i]
}

// medianOf takes the median of each percentile separately.
func medianOf(ps []Percentiles) Percentiles {
	pick := func(f func(Percentiles) time.Duration) time.Duration {
		xs := make([]time.Duration, len(ps))
		for i, p := range ps {
			xs[i] = f(p)
		}
		return median(xs)
	}
	return Percentiles{
		P50: pick(func(p Percentiles) time.Duration { return p.P50 }),
		P90: pick(func(p Percentiles) time.Duration { return p.P90 }),
		P99: pick(func(p Percentiles) time.Duration { return p.P99 }),
		Max: pick(func(p Percentiles) time.Duration { return p.Max }),
	}
}
