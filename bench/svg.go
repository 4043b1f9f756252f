package bench

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"
)

// Panel geometry of the plot, in SVG user units.
const (
	panelW, panelH = 440, 300
	padL, padR     = 64, 16
	padT, padB     = 36, 48
	headH          = 64
)

// seriesColor gives each target the same colour in every panel.
var seriesColor = map[string]string{Direct: "#777777", Gateway: "#1f6feb", Nginx: "#2da44e",
	Baseline: "#cf222e", "nethttp-proxy": "#bf8700", "fasthttp-proxy": "#8250df"}

// floorMs is the lowest value the logarithmic axis shows; anything smaller, including
// a negative difference from noise, is drawn on it.
const floorMs = 0.01

// point is one measured value of one target.
type point struct {
	rate int
	ms   float64
}

// SVG draws, for every whole-response mode of the run, the p50 and p99 latency each
// target adds on top of the mock's fixed delay, against the offered rate, on a
// logarithmic axis. The direct line is the floor (client, loopback and the mock's own
// timer); the gap between a proxy's line and it is that proxy's overhead.
func (r *Report) SVG(w io.Writer) error {
	var panels [][2]string // mode, percentile
	for _, m := range r.Config.Modes {
		if !m.Stream {
			panels = append(panels, [2]string{m.Name, "p50"}, [2]string{m.Name, "p99"})
		}
	}
	rows := (len(panels) + 1) / 2
	width, height := 2*panelW, headH+rows*panelH

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" `+
		`viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		width, height, width, height)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", width, height)
	fmt.Fprintf(&b, `<text x="%d" y="22" font-size="15" text-anchor="middle">`+
		`Latency added above the mock's fixed %s, by offered rate</text>`+"\n",
		width/2, r.Config.MockLatency)
	r.legend(&b, width)
	for i, p := range panels {
		x, y := (i%2)*panelW, headH+(i/2)*panelH
		r.panel(&b, x, y, p[0], p[1])
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// legend draws one coloured mark per target under the title.
func (r *Report) legend(b *strings.Builder, width int) {
	x := width/2 - 65*len(r.Targets)
	for _, t := range r.Targets {
		fmt.Fprintf(b, `<line x1="%d" y1="42" x2="%d" y2="42" stroke="%s" stroke-width="3"/>`+
			`<text x="%d" y="46">%s</text>`+"\n", x, x+24, seriesColor[t], x+30, t)
		x += 130
	}
}

// panel draws one mode and percentile with its top-left corner at (x, y).
func (r *Report) panel(b *strings.Builder, x, y int, mode, pct string) {
	series := r.series(mode, pct)
	rates := slices.Clone(r.Config.Rates)
	slices.Sort(rates)
	lo, hi := decadeRange(series)
	// The rate axis starts a little before the lowest rate, or at 0 for a single rate.
	minRate, maxRate := 0.0, float64(rates[len(rates)-1])
	if len(rates) > 1 {
		minRate = float64(rates[0]) - 0.1*(maxRate-float64(rates[0]))
	}
	px := func(rate int) float64 {
		f := (float64(rate) - minRate) / (maxRate - minRate)
		return float64(x+padL) + f*float64(panelW-padL-padR-8)
	}
	py := func(v float64) float64 {
		f := (math.Log10(max(v, floorMs)) - lo) / (hi - lo)
		return float64(y+panelH-padB) - f*float64(panelH-padT-padB)
	}

	fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="middle" font-size="13">%s, %s</text>`+"\n",
		x+panelW/2, y+padT-12, mode, pct)
	for e := lo; e <= hi; e++ {
		yy := py(math.Pow(10, e))
		fmt.Fprintf(b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#dddddd"/>`+
			`<text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n", x+padL, yy,
			x+panelW-padR, yy, x+padL-6, yy+4, tickLabel(e))
	}
	for _, rate := range rates {
		xx := px(rate)
		fmt.Fprintf(b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#dddddd"/>`+
			`<text x="%.1f" y="%d" text-anchor="middle">%d</text>`+"\n", xx, y+padT, xx,
			y+panelH-padB, xx, y+panelH-padB+16, rate)
	}
	fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="middle">offered RPS</text>`+"\n",
		x+panelW/2, y+panelH-padB+34)
	fmt.Fprintf(b, `<text transform="translate(%d %d) rotate(-90)" text-anchor="middle">`+
		`ms above the mock</text>`+"\n", x+14, y+panelH/2)

	for _, t := range r.Targets {
		drawSeries(b, series[t], seriesColor[t], px, py)
	}
}

// drawSeries draws one target's line and its points.
func drawSeries(b *strings.Builder, pts []point, color string, px func(int) float64,
	py func(float64) float64) {
	if len(pts) == 0 {
		return
	}
	coords := make([]string, len(pts))
	for i, p := range pts {
		coords[i] = fmt.Sprintf("%.1f,%.1f", px(p.rate), py(p.ms))
	}
	fmt.Fprintf(b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`+"\n",
		color, strings.Join(coords, " "))
	for _, p := range pts {
		fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="3.5" fill="%s">`+
			`<title>%d RPS: %.2f ms</title></circle>`+"\n", px(p.rate), py(p.ms), color,
			p.rate, p.ms)
	}
}

// series returns, per target, the chosen percentile minus the mock latency at each
// rate, sorted by rate.
func (r *Report) series(mode, pct string) map[string][]point {
	out := map[string][]point{}
	for _, s := range r.Summaries() {
		if s.Mode != mode {
			continue
		}
		d := s.Lat.P50
		if pct == "p99" {
			d = s.Lat.P99
		}
		v := float64(d-r.Config.MockLatency) / float64(time.Millisecond)
		out[s.Target] = append(out[s.Target], point{s.Rate, v})
	}
	for _, pts := range out {
		slices.SortFunc(pts, func(a, b point) int { return a.rate - b.rate })
	}
	return out
}

// decadeRange returns the powers of ten that bracket every value in series.
func decadeRange(series map[string][]point) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, pts := range series {
		for _, p := range pts {
			v := math.Log10(max(p.ms, floorMs))
			lo, hi = min(lo, math.Floor(v)), max(hi, math.Ceil(v))
		}
	}
	if math.IsInf(lo, 1) {
		return math.Log10(floorMs), 0
	}
	if hi <= lo {
		hi = lo + 1
	}
	return lo, hi
}

// tickLabel prints 10^e milliseconds without trailing zeros.
func tickLabel(e float64) string {
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.2f", math.Pow(10, e)), "0"), ".")
}
