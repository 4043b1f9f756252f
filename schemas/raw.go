package schemas

import (
	"io"
	"net/http"
)

// RawRequest is a request forwarded to a provider in the provider's own wire format:
// its body is sent byte for byte, so that nothing the unified types cannot express is
// lost. It still goes through the provider's queue, workers, key selection and
// retries; it has no fallbacks, since its bytes only make sense to one provider.
type RawRequest struct {
	Provider ModelProvider
	// Model selects the key (see Key.Models) and names the call in traces. The body is
	// not read: it must already name the same model.
	Model string
	// Path is the API path appended to the provider's base URL, such as "/v1/messages".
	// It must start with a slash.
	Path string
	// Body is sent as it is.
	Body []byte
	// Header holds the caller's headers to pass on, such as anthropic-version. The
	// adapter sets the credentials of the chosen key after them, so that a header here
	// never replaces a credential. Nil means none.
	Header http.Header
	// Stream says that the answer is a stream of events. A stream holds one of the
	// provider's workers until its body is closed; any other answer is read whole
	// within the request timeout before it is returned.
	Stream bool
}

// RawResponse is a provider's successful (2xx) answer to a RawRequest. A failed answer
// is returned as an *Error instead, as for every other call.
type RawResponse struct {
	// Provider is the provider that answered.
	Provider   ModelProvider
	StatusCode int
	// Header is the upstream's response header, unfiltered.
	Header http.Header
	// Body reads the answer. The caller must close it. For a stream it reads the
	// upstream as the events arrive, and a read that fails returns an *Error (timeout,
	// broken connection); closing it ends the upstream call and frees the worker. Once
	// Close has returned, the call's Trace is final.
	Body io.ReadCloser
	// Redact, when set, removes from s the credential of the key that served the call,
	// for text read out of the answer (a stream's error event may quote the key) before
	// it is logged or passed on. Nil means there is nothing to remove.
	Redact func(s string) string
}
