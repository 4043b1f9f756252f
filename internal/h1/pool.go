package h1

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// pool holds one origin's connections. It runs no goroutine: idle connections past
// the idle timeout are closed when the pool is next used, and all of them by
// closeIdle.
type pool struct {
	addr        string
	tls         *tls.Config // nil for plain HTTP
	dialer      *net.Dialer
	idleTimeout time.Duration

	// open holds a token per open connection, idle or in use.
	open    chan struct{}
	waiting atomic.Int32 // calls waiting for a token

	mu   sync.Mutex
	idle []*conn // oldest first; taken from the end
}

// conn is a pooled connection.
type conn struct {
	net.Conn
	used    bool      // it has carried a request before
	lastUse time.Time // when it went back to the pool
}

func newPool(addr string, cfg *tls.Config, d *net.Dialer, maxConns int,
	idleTimeout time.Duration) *pool {
	return &pool{addr: addr, tls: cfg, dialer: d, idleTimeout: idleTimeout,
		open: make(chan struct{}, maxConns)}
}

// get returns the most recently used idle connection, or a new one. When the pool
// is at its limit it waits for a connection to be closed, or for ctx to end.
func (p *pool) get(ctx context.Context) (*conn, error) {
	if c := p.takeIdle(); c != nil {
		return c, nil
	}
	select {
	case p.open <- struct{}{}:
	default:
		p.waiting.Add(1)
		select {
		case p.open <- struct{}{}:
			p.waiting.Add(-1)
		case <-ctx.Done():
			p.waiting.Add(-1)
			return nil, contextError(ctx)
		}
	}
	c, err := p.dial(ctx)
	if err != nil {
		<-p.open
		return nil, err
	}
	return c, nil
}

func (p *pool) takeIdle() *conn {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.expireLocked(time.Now())
	n := len(p.idle)
	if n == 0 {
		return nil
	}
	c := p.idle[n-1]
	p.idle[n-1] = nil
	p.idle = p.idle[:n-1]
	return c
}

// expireLocked closes the connections idle for longer than the idle timeout.
func (p *pool) expireLocked(now time.Time) {
	i := 0
	for i < len(p.idle) && now.Sub(p.idle[i].lastUse) > p.idleTimeout {
		p.closeConn(p.idle[i])
		i++
	}
	if i > 0 {
		n := copy(p.idle, p.idle[i:])
		clear(p.idle[n:])
		p.idle = p.idle[:n]
	}
}

func (p *pool) dial(ctx context.Context) (*conn, error) {
	nc, err := p.dialer.DialContext(ctx, "tcp", p.addr)
	if err != nil {
		return nil, err
	}
	if p.tls != nil {
		tc := tls.Client(nc, p.tls)
		if err := tc.HandshakeContext(ctx); err != nil {
			nc.Close()
			return nil, err
		}
		nc = tc
	}
	return &conn{Conn: nc}, nil
}

// put gives c back for reuse, or closes it when a call is waiting for room to open a
// connection of its own.
func (p *pool) put(c *conn) {
	if p.waiting.Load() > 0 {
		p.closeConn(c)
		return
	}
	now := time.Now()
	c.lastUse = now
	p.mu.Lock()
	p.expireLocked(now)
	p.idle = append(p.idle, c)
	p.mu.Unlock()
}

// closeConn closes c and frees its token.
func (p *pool) closeConn(c *conn) {
	c.Close()
	<-p.open
}

// closeIdle closes every idle connection.
func (p *pool) closeIdle() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.idle {
		p.closeConn(c)
	}
	clear(p.idle)
	p.idle = p.idle[:0]
}

// copyBuffers lend copyBody its buffer for bodies that cannot write themselves out.
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 8<<10); return &b }}

// copyBody copies src to dst as io.Copy does, with a pooled buffer where io.Copy would
// allocate one: a request body that is not an io.WriterTo would otherwise cost 32 KiB
// of garbage per call.
func copyBody(dst io.Writer, src io.Reader) (int64, error) {
	if wt, ok := src.(io.WriterTo); ok {
		return wt.WriteTo(dst)
	}
	b := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(b)
	return io.CopyBuffer(dst, src, *b)
}

// Buffers for writing requests and reading answers, held only while in use.
var (
	writers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 4096) }}
	readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 4096) }}
)

func getWriter(c net.Conn) *bufio.Writer {
	w := writers.Get().(*bufio.Writer)
	w.Reset(c)
	return w
}

func putWriter(w *bufio.Writer) {
	w.Reset(nil)
	writers.Put(w)
}

func getReader(c net.Conn) *bufio.Reader {
	r := readers.Get().(*bufio.Reader)
	r.Reset(c)
	return r
}

func putReader(r *bufio.Reader) {
	r.Reset(nil)
	readers.Put(r)
}
