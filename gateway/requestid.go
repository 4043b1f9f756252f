package gateway

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"sync/atomic"
)

// maxRequestIDLen bounds an incoming x-request-id that the gateway will reuse.
const maxRequestIDLen = 128

// idPrefix makes the ids of this process distinct from those of other processes and
// restarts; idSeq makes them distinct within the process. Together they cost one small
// allocation per id and no system call.
var (
	idPrefix = func() (p [12]byte) {
		var b [6]byte
		_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
		hex.Encode(p[:], b[:])
		return p
	}()
	idSeq atomic.Uint64
)

// requestID returns the caller's x-request-id when it is sane, so that ids can be
// followed across services, or else a new one.
func requestID(r *http.Request) string {
	if v := r.Header["X-Request-Id"]; len(v) > 0 && saneID(v[0]) {
		return v[0]
	}
	return newID()
}

// saneID accepts 1 to maxRequestIDLen printable ASCII characters without spaces,
// quotes or backslashes, so an id can go into logs and headers as it is.
func saneID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := range len(id) {
		c := id[i]
		if c <= ' ' || c > '~' || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// newID returns "<12 hex digits of process prefix>-<16 hex digits of sequence>".
func newID() string {
	var b [12 + 1 + 16]byte
	copy(b[:], idPrefix[:])
	b[12] = '-'
	n := idSeq.Add(1)
	for i := len(b) - 1; i > 12; i-- {
		b[i] = "0123456789abcdef"[n&0xf]
		n >>= 4
	}
	return string(b[:])
}
