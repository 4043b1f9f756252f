package h1

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/valyala/fasthttp"
)

// maxStaleRetries bounds how many dead keep-alive connections one call may meet
// before it gives up; each retry takes another pooled connection or a new one.
const maxStaleRetries = 3

var errBodyClosed = errors.New("h1: read on a closed response body")

// do sends freq, again on another connection when a reused one turns out to have
// been closed by the server while it sat idle: the write fails, or the answer ends
// before its first byte. That is the keep-alive race every HTTP/1.1 client meets;
// net/http's Transport retries it too. A reset after the request was written is not
// retried here: the server may have started on it, and the engine's own retry
// policy decides.
func (h *host) do(req *http.Request, freq *fasthttp.Request) (*http.Response, error) {
	ctx := req.Context()
	for retries := 0; ; retries++ {
		resp, r, err := h.exchange(ctx, req, freq)
		switch {
		case err == nil:
			return resp, nil
		case ctx.Err() != nil:
			return nil, contextError(ctx)
		case r.reused && retries < maxStaleRetries && (!r.written || errors.Is(err, io.EOF)):
			continue
		}
		return nil, err
	}
}

// attempt says how far a failed exchange went.
type attempt struct {
	reused  bool // the connection had carried an earlier request
	written bool // the whole request was written
}

// exchange makes one attempt on one connection.
func (h *host) exchange(ctx context.Context, req *http.Request,
	freq *fasthttp.Request) (*http.Response, attempt, error) {
	var a attempt
	if ctx.Err() != nil {
		return nil, a, contextError(ctx)
	}
	c, err := h.pool.get(ctx)
	if err != nil {
		return nil, a, err
	}
	a.reused = c.used
	c.used = true
	// The context cuts the connection, which wakes any read or write blocked on it
	// and tells the server at once; closeConn later only frees its token.
	stop := context.AfterFunc(ctx, func() { _ = c.Conn.Close() })

	bw := getWriter(c)
	err = freq.Write(bw)
	if err == nil {
		err = bw.Flush()
	}
	putWriter(bw)
	if err != nil {
		stop()
		h.pool.closeConn(c)
		return nil, a, err
	}
	a.written = true

	fresp := fasthttp.AcquireResponse()
	fresp.StreamBody = true
	fresp.SkipBody = req.Method == http.MethodHead
	fresp.Header.DisableNormalizing()
	br := getReader(c)
	// The first byte is awaited here because fasthttp reports every failure to read
	// it as io.EOF, and only a clean end means the server closed an idle connection.
	_, err = br.Peek(1)
	if err == nil {
		err = fresp.ReadLimitBody(br, 0)
	}
	if err != nil {
		fasthttp.ReleaseResponse(fresp)
		putReader(br)
		stop()
		h.pool.closeConn(c)
		return nil, a, err
	}
	b := &body{conn: c, resp: fresp, stop: stop, ctx: ctx,
		stream: fresp.BodyStream(),
		release: func(reuse bool) {
			putReader(br)
			if reuse {
				h.pool.put(c)
			} else {
				h.pool.closeConn(c)
			}
		}}
	return newResponse(req, fresp, b), a, nil
}

// newResponse is fresp as net/http shows an answer.
func newResponse(req *http.Request, fresp *fasthttp.Response, b *body) *http.Response {
	code := fresp.StatusCode()
	header := make(http.Header, 8)
	for k, v := range fresp.Header.All() {
		key := http.CanonicalHeaderKey(string(k))
		header[key] = append(header[key], string(v))
	}
	n := int64(fresp.Header.ContentLength())
	if n < 0 || req.Method == http.MethodHead {
		n = -1
	}
	return &http.Response{
		Status:        statusLine(code, fresp.Header.StatusMessage()),
		StatusCode:    code,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        header,
		Body:          b,
		ContentLength: n,
		Close:         fresp.ConnectionClose(),
		Request:       req,
	}
}

// body is an answer's body, read from its connection as the caller reads. Close may
// be called while a Read is blocked, from another goroutine: it interrupts the Read.
// The connection goes back to the pool only when the body was read to its end and
// the call's context had not cut it.
type body struct {
	conn   net.Conn
	resp   *fasthttp.Response
	stop   func() bool
	ctx    context.Context
	stream io.Reader
	// release returns the connection's reader and gives the connection back to the
	// pool, or closes it.
	release func(reuse bool)

	eof         atomic.Bool // the body was read to its end
	interrupted atomic.Bool // Close cut the connection

	mu     sync.Mutex // held by Read while it reads; guards closed
	closed bool
}

func (b *body) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.closed:
		return 0, errBodyClosed
	case b.eof.Load() || b.stream == nil:
		b.eof.Store(true)
		return 0, io.EOF
	}
	n, err := b.stream.Read(p)
	switch {
	case err == io.EOF:
		b.eof.Store(true)
	case err != nil && b.ctx.Err() != nil:
		err = contextError(b.ctx)
	}
	return n, err
}

// Close releases the connection: to the pool after a body read to its end, closed
// otherwise, since unread bytes would be taken for the next answer.
func (b *body) Close() error {
	// A Read may hold mu while it waits on the network: closing the connection
	// wakes it, and spends the connection, which was not read to its end anyway.
	if !b.eof.Load() {
		b.interrupted.Store(true)
		_ = b.conn.Close()
	}

	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	b.closed = true
	reusable := b.eof.Load() && !b.interrupted.Load() && !b.resp.ConnectionClose()
	_ = b.resp.CloseBodyStream()
	fasthttp.ReleaseResponse(b.resp)
	b.resp, b.stream = nil, nil

	// A context that already fired has closed the connection.
	b.release(b.stop() && reusable)
	return nil
}
