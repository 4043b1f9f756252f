package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"sync"
	"sync/atomic"
	"time"
)

// streamTimes is what one streamed request measured, from just before it was sent.
type streamTimes struct {
	firstByte  time.Duration // the first byte of the response head
	firstEvent time.Duration // the end of the first "data:" line: the first token
	whole      time.Duration // the end of the body
}

// attackStream drives a at a constant rate with its own client, because vegeta only
// measures whole responses and a stream's first token is what a user waits for.
// Like vegeta it starts each request on schedule and waits only when maxConns are
// already in flight.
func attackStream(ctx context.Context, a attackSpec) *outcome {
	tr := newTransport(a.maxConns)
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: a.timeout}

	var (
		mu  sync.Mutex
		o   = &outcome{Lat: make([]time.Duration, 0, a.expected())}
		wg  sync.WaitGroup
		sem = make(chan struct{}, a.maxConns)
	)
	start := time.Now()
	record := func(t streamTimes, err error) {
		end := time.Since(start)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			o.fail(shortError(err.Error()))
			return
		}
		o.OK++
		o.Lat = append(o.Lat, t.firstEvent)
		o.Byte = append(o.Byte, t.firstByte)
		o.Whole = append(o.Whole, t.whole)
		o.Ends = append(o.Ends, end)
	}

	period := time.Second / time.Duration(a.rate)
	for due := time.Duration(0); due < a.duration && ctx.Err() == nil; due += period {
		if d := due - time.Since(start); d > 0 {
			time.Sleep(d)
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		o.Sent++ // only this goroutine writes Sent until wg.Wait
		wg.Go(func() {
			defer func() { <-sem }()
			record(streamOnce(ctx, client, a))
		})
	}
	wg.Wait()
	return o
}

// readers pools the buffered readers streams are parsed with, so that the client's
// own garbage stays small next to the targets'.
var readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 4096) }}

// streamOnce sends one streamed request and reads its events to the end.
func streamOnce(ctx context.Context, client *http.Client, a attackSpec) (streamTimes, error) {
	var t streamTimes
	var firstByte atomic.Int64
	start := time.Now()
	trace := &httptrace.ClientTrace{GotFirstResponseByte: func() {
		firstByte.Store(int64(time.Since(start)))
	}}
	ctx = httptrace.WithClientTrace(ctx, trace)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.url, bytes.NewReader(a.body))
	if err != nil {
		return t, fmt.Errorf("build request: %w", err)
	}
	req.Header = header()

	resp, err := client.Do(req)
	if err != nil {
		return t, err
	}
	defer resp.Body.Close()
	t.firstByte = time.Duration(firstByte.Load())
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return t, fmt.Errorf("status %d", resp.StatusCode)
	}

	br := readers.Get().(*bufio.Reader)
	br.Reset(resp.Body)
	defer func() { br.Reset(nil); readers.Put(br) }()
	done, err := readEvents(br, func() { t.firstEvent = time.Since(start) })
	t.whole = time.Since(start)
	if err != nil {
		return t, err
	}
	if !done || t.firstEvent == 0 {
		return t, errNoDone
	}
	return t, nil
}

// readEvents reads SSE lines to the end of br, calling first once when the first
// data line is complete, and reports whether the final "[DONE]" event arrived.
func readEvents(br *bufio.Reader, first func()) (done bool, err error) {
	seen, rest := false, false
	for {
		line, err := br.ReadSlice('\n')
		// A line longer than the buffer arrives in pieces; only its first piece can
		// start an event.
		if !rest && bytes.HasPrefix(line, []byte("data:")) {
			if !seen {
				seen = true
				first()
			}
			if bytes.HasPrefix(bytes.TrimSpace(line[5:]), []byte("[DONE]")) {
				done = true
			}
		}
		rest = err == bufio.ErrBufferFull
		switch {
		case rest:
		case err == io.EOF:
			return done, nil
		case err != nil:
			return done, err
		}
	}
}
