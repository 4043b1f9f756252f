package gateway

import (
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/sluicegw/sluice/schemas"
)

// Limits on what a client may send, used where Options leaves them zero. They bound
// the memory and the time one client can hold without a request to show for it; none
// of them bounds the answer, so a long generation or stream is unaffected.
const (
	// DefaultReadHeaderTimeout bounds the wait for a request's line and headers. Any
	// real client sends them at once; a slow one is only holding a socket.
	DefaultReadHeaderTimeout = 10 * time.Second
	// DefaultReadTimeout bounds the wait for a whole request, headers and body: 32 MiB
	// (the default body limit) arrive in a minute at about 560 KB/s.
	DefaultReadTimeout = 60 * time.Second
	// DefaultMaxHeaderBytes bounds the request line and headers. SDKs send well under
	// 4 KiB; 64 KiB leaves room for large cookies and tracing headers.
	DefaultMaxHeaderBytes = 64 << 10
)

// newHTTPServer returns the http.Server of s, with the limits of opts.
func (s *Server) newHTTPServer(opts *Options) *http.Server {
	return &http.Server{
		Handler:           s,
		ReadHeaderTimeout: orDefault(opts.ReadHeaderTimeout, DefaultReadHeaderTimeout),
		ReadTimeout:       s.readTimeout,
		MaxHeaderBytes:    orDefault(opts.MaxHeaderBytes, DefaultMaxHeaderBytes),
		IdleTimeout:       2 * time.Minute,
		TLSConfig:         opts.TLS,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

func orDefault[T time.Duration | int](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// bodyReadError turns a failure to read the request body into the client's error: 413
// past the limit, 408 when the read timeout passed first, else 400.
func (s *Server) bodyReadError(err error) *schemas.Error {
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return tooLarge(s.maxBody)
	}
	if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
		e := badRequest("", "the request body did not arrive within %s; send it faster, "+
			"or raise the gateway's read timeout (-read-timeout)", s.readTimeout)
		e.StatusCode, e.Code = http.StatusRequestTimeout, "request_timeout"
		return e
	}
	return badRequest("", "cannot read the request body: %v", err)
}

// checkUTF8 refuses a body that is not UTF-8. encoding/json would replace each bad
// byte with U+FFFD and go on, so a prompt would reach the provider changed without
// anyone knowing; JSON text must be UTF-8 (RFC 8259), and a client that sends
// something else has a bug worth hearing about. An escaped lone surrogate ("\ud800")
// is valid JSON text and is still decoded to U+FFFD.
func checkUTF8(data []byte) *schemas.Error {
	if utf8.Valid(data) {
		return nil
	}
	at := 0
	for at < len(data) {
		r, n := utf8.DecodeRune(data[at:])
		if r == utf8.RuneError && n == 1 {
			break
		}
		at += n
	}
	return badRequest("", "the request body is not valid UTF-8: byte %d is 0x%02x; "+
		"JSON text must be UTF-8", at, data[at])
}
