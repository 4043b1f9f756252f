package bench

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sluicegw/sluice/mockllm"
)

// attackMock runs a short attack on an in-process mock and returns what it counted.
func attackMock(t *testing.T, opts mockllm.Options, stream bool) *outcome {
	t.Helper()
	opts.Record = -1
	srv := httptest.NewServer(mockllm.New(opts))
	t.Cleanup(srv.Close)
	body, err := chatBody("gpt-4o-mini", stream, 0)
	if err != nil {
		t.Fatal(err)
	}
	a := attackSpec{
		name: "test", url: srv.URL + "/v1/chat/completions", body: body, stream: stream,
		rate: 100, duration: 500 * time.Millisecond, timeout: 5 * time.Second,
		maxConns: 100, latency: opts.Latency,
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	return attack(ctx, a)
}

func TestAttackersCountSuccesses(t *testing.T) {
	for _, stream := range []bool{false, true} {
		o := attackMock(t, mockllm.Options{Latency: 20 * time.Millisecond}, stream)
		if o.Sent < 40 || o.Sent > 51 || o.OK != o.Sent || len(o.Lat) != o.OK {
			t.Fatalf("stream %v: sent %d ok %d latencies %d errors %v; want about 50, all ok",
				stream, o.Sent, o.OK, len(o.Lat), o.Errors)
		}
		if r := o.steadyRate(500 * time.Millisecond); r < 60 || r > 120 {
			t.Fatalf("stream %v: steady rate %.0f/s, want about the offered 100/s", stream, r)
		}
		p := percentiles(o.Lat)
		if !stream && p.P50 < 20*time.Millisecond {
			t.Fatalf("latency p50 %v is below the mock's 20 ms", p.P50)
		}
		if stream && (len(o.Whole) != o.OK || percentiles(o.Whole).P50 < 20*time.Millisecond) {
			t.Fatalf("a stream must last the mock's 20 ms, got %v", percentiles(o.Whole))
		}
	}
}

func TestAttackersCountFailuresByReason(t *testing.T) {
	for _, stream := range []bool{false, true} {
		o := attackMock(t, mockllm.Options{Keys: []string{"sk-other"}}, stream)
		reason, n := o.topError()
		if o.OK != 0 || n != o.Sent || !strings.Contains(reason, "401") {
			t.Fatalf("stream %v: a refused key must fail every request with 401; "+
				"ok %d, errors %v", stream, o.OK, o.Errors)
		}
	}
}
