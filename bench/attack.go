package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// attackSpec is one bounded attack on one target: rate requests per second for
// duration, each given up after timeout, never more than maxConns at once.
type attackSpec struct {
	name     string
	url      string
	body     []byte
	stream   bool
	rate     int
	duration time.Duration
	timeout  time.Duration
	maxConns int
	// latency is what a request is expected to take, to start enough workers at once
	// rather than growing them while the first second is being measured.
	latency time.Duration
}

// attack runs a on the attacker its mode needs: vegeta for whole responses, the
// first-event attacker for streams.
func attack(ctx context.Context, a attackSpec) *outcome {
	if a.stream {
		return attackStream(ctx, a)
	}
	return attackPlain(ctx, a)
}

// newTransport is the client side of every attack: HTTP/1.1 with keep-alive, plenty
// of idle connections so none is closed between requests, and a hard cap on open ones.
func newTransport(maxConns int) *http.Transport {
	return &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        maxConns,
		MaxIdleConnsPerHost: maxConns,
		MaxConnsPerHost:     maxConns,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
}

// header is what every request carries; the mock accepts any bearer key and the
// gateway uses its configured key instead.
func header() http.Header {
	return http.Header{
		"Content-Type":  {"application/json"},
		"Authorization": {"Bearer sk-bench"},
	}
}

// attackPlain drives a with vegeta and checks that each answer is a chat completion.
func attackPlain(ctx context.Context, a attackSpec) *outcome {
	tr := newTransport(a.maxConns)
	defer tr.CloseIdleConnections()

	atk := vegeta.NewAttacker(
		vegeta.Client(&http.Client{Transport: tr}),
		vegeta.KeepAlive(true),
		vegeta.HTTP2(false),
		vegeta.Connections(a.maxConns),
		vegeta.MaxConnections(a.maxConns),
		vegeta.Workers(uint64(a.workers())),
		vegeta.MaxWorkers(uint64(a.maxConns)),
		vegeta.Timeout(a.timeout),
		vegeta.MaxBody(1<<20),
	)
	stop := context.AfterFunc(ctx, func() { atk.Stop() })
	defer stop()

	tgt := vegeta.NewStaticTargeter(vegeta.Target{
		Method: http.MethodPost, URL: a.url, Body: a.body, Header: header(),
	})
	pace := vegeta.Rate{Freq: a.rate, Per: time.Second}
	o := &outcome{Lat: make([]time.Duration, 0, a.expected()),
		Ends: make([]time.Duration, 0, a.expected())}
	start := time.Now()
	for res := range atk.Attack(tgt, pace, a.duration, a.name) {
		o.Sent++
		if reason := checkPlain(res); reason != "" {
			o.fail(reason)
			continue
		}
		o.OK++
		o.Lat = append(o.Lat, res.Latency)
		o.Ends = append(o.Ends, res.End().Sub(start))
	}
	return o
}

// workers is how many requests are expected in flight at a's rate, with room to spare.
func (a attackSpec) workers() int {
	n := int(float64(a.rate)*a.latency.Seconds()*1.5) + 50
	return min(n, a.maxConns)
}

// expected is how many requests a sends if nothing holds it back.
func (a attackSpec) expected() int {
	return int(float64(a.rate)*a.duration.Seconds()) + 1
}

// checkPlain returns why res is not a successful chat completion, or "".
func checkPlain(res *vegeta.Result) string {
	switch {
	case res.Code == 0:
		return shortError(res.Error)
	case res.Code != http.StatusOK:
		return fmt.Sprintf("status %d", res.Code)
	case !bytes.Contains(res.Body, []byte(`"choices"`)):
		return "answer without choices"
	}
	return ""
}

// shortError keeps the last part of a transport error, which names the cause without
// the URL and ports that would make every occurrence different.
func shortError(msg string) string {
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	if i := strings.Index(msg, " ("); i > 0 {
		msg = msg[:i] // net/http's "(Client.Timeout exceeded while awaiting headers)"
	}
	if len(msg) > 60 {
		msg = msg[:60]
	}
	return msg
}

// chatBody returns an OpenAI chat request for model whose user message has about
// promptBytes bytes of words (a short question when promptBytes is 0).
func chatBody(model string, stream bool, promptBytes int) ([]byte, error) {
	prompt := "Say hello in one short sentence."
	if promptBytes > 0 {
		prompt = filler(promptBytes)
	}
	type message struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	}
	req := struct {
		Model     string    `json:"model"`
		Messages  []message `json:"messages"`
		MaxTokens int       `json:"max_tokens"`
		Stream    bool      `json:"stream,omitempty"`
	}{model, []message{{"user", prompt}}, 64, stream}
	b, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("encode chat request: %w", err)
	}
	return b, nil
}

// filler returns n bytes of varied words, so that a big prompt looks like text to
// anything that counts tokens or compresses.
func filler(n int) string {
	words := []string{"river", "gate", "flow", "queue", "worker", "token", "stream",
		"latency", "buffer", "model", "request", "answer", "provider", "pool"}
	var b strings.Builder
	b.Grow(n + 16)
	for i := 0; b.Len() < n; i++ {
		b.WriteString(words[(i*7+i/len(words))%len(words)])
		b.WriteByte(' ')
	}
	return b.String()[:n]
}

// errNoDone marks a stream that ended without its final [DONE] event.
var errNoDone = errors.New("stream ended without [DONE]")
