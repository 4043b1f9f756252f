package gateway

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/sluicegw/sluice/internal/pool"
	"github.com/sluicegw/sluice/schemas"
)

// maxPooledBuffer is the largest buffer kept for reuse. Requests and responses are a
// few KiB; a rare large prompt should not pin its buffer for the life of the process.
const maxPooledBuffer = 64 << 10

// buffer holds a request or response body, with a JSON encoder bound to it so that
// encoding into a pooled buffer allocates no encoder.
type buffer struct {
	bytes.Buffer
	enc *json.Encoder
}

func newBuffer() *buffer {
	b := &buffer{}
	b.enc = json.NewEncoder(&b.Buffer)
	// Model output is text, not HTML: keep <, > and & as they are.
	b.enc.SetEscapeHTML(false)
	return b
}

func resetBuffer(b *buffer) { b.Reset() }

// newBufferPool returns the gateway's body buffer pool, of which size buffers are kept
// and prewarmed; a prewarmed buffer is empty and grows on first use.
func newBufferPool(size int) *pool.Pool[buffer] {
	return pool.New("gateway_buffers", size, size, newBuffer, resetBuffer)
}

// putBuffer returns b to the pool unless it grew too large to keep.
func (s *Server) putBuffer(b *buffer) {
	if b.Cap() > maxPooledBuffer {
		return
	}
	s.bufs.Put(b)
}

// readBody reads the request body into a pooled buffer, enforcing the body limit
// while reading so that an oversized body is never held whole. The caller puts the
// buffer back.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) (*buffer, *schemas.Error) {
	if r.ContentLength > s.maxBody {
		return nil, tooLarge(s.maxBody)
	}
	b := s.bufs.Get()
	if n := r.ContentLength; n > 0 {
		// One growth up front; MinRead more so that ReadFrom sees EOF without growing.
		b.Grow(int(n) + bytes.MinRead)
	}
	_, err := b.ReadFrom(http.MaxBytesReader(w, r.Body, s.maxBody))
	if err == nil {
		return b, nil
	}
	s.putBuffer(b)
	return nil, s.bodyReadError(err)
}

func tooLarge(limit int64) *schemas.Error {
	e := badRequest("", "the request body is larger than the limit of %s bytes",
		strconv.FormatInt(limit, 10))
	e.StatusCode = http.StatusRequestEntityTooLarge
	e.Code = "request_too_large"
	return e
}

// badRequest returns a 400 error naming param, the request field at fault ("" for
// none).
func badRequest(param, format string, args ...any) *schemas.Error {
	e := schemas.NewError(schemas.ErrBadRequest, "", format, args...)
	e.Param = param
	return e
}
