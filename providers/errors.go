package providers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sluicegw/sluice/schemas"
)

// maxErrorBody bounds how much of a failed answer is read to find the provider's
// message; error bodies are small, and a proxy's HTML page needs no more.
const maxErrorBody = 64 << 10

// maxSnippet bounds the part of a non-JSON error body quoted in a message.
const maxSnippet = 256

// UpstreamError is the error a provider describes in its own body, in the shape most
// providers share: {"error":{"message","type","code","param"}}, Anthropic's
// {"type":"error","error":{"type","message"}}, or a bare {"error":"..."} or
// {"message":"..."}. Fields the body lacks are empty.
type UpstreamError struct {
	Message string
	Type    string
	Code    string
	Param   string
}

// ParseErrorBody extracts the provider's error from body. ok is false when body holds
// none of the shapes UpstreamError describes.
func ParseErrorBody(body []byte) (ue UpstreamError, ok bool) {
	var env struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
		Type    string          `json:"type"`
	}
	if json.Unmarshal(body, &env) != nil {
		return ue, false
	}
	obj := bytes.TrimSpace(env.Error)
	switch {
	case len(obj) > 0 && obj[0] == '{':
		var o struct {
			Message string          `json:"message"`
			Type    string          `json:"type"`
			Code    json.RawMessage `json:"code"`
			Param   json.RawMessage `json:"param"`
		}
		if json.Unmarshal(obj, &o) != nil {
			return ue, false
		}
		ue = UpstreamError{Message: o.Message, Type: o.Type,
			Code: scalarString(o.Code), Param: scalarString(o.Param)}
	case len(obj) > 0 && obj[0] == '"':
		_ = json.Unmarshal(obj, &ue.Message)
	case env.Message != "":
		ue = UpstreamError{Message: env.Message, Type: env.Type}
	}
	return ue, ue.Message != "" || ue.Type != ""
}

// scalarString renders a JSON string or number as text; anything else is "".
func scalarString(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] == 'n' || raw[0] == '{' || raw[0] == '[' {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// ResponseError turns a non-2xx upstream answer into a *schemas.Error: the kind comes
// from the status, the message, type and code from the provider's body, RetryAfter
// from the Retry-After or retry-after-ms header. A 4xx status is kept as the error's
// status, since it describes the caller's request; a 5xx becomes the kind's gateway
// status (502). key's secret, if it appears in the body, is replaced. ResponseError
// reads the body but does not close it.
func ResponseError(p schemas.ModelProvider, resp *http.Response, key *schemas.Key) *schemas.Error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	e := schemas.NewError(schemas.KindForStatus(resp.StatusCode), p, "")
	if resp.StatusCode >= 400 && resp.StatusCode < 500 {
		e.StatusCode = resp.StatusCode
	}
	e.RetryAfter = ParseRetryAfter(resp.Header, time.Now())

	ue, ok := ParseErrorBody(body)
	switch {
	case ok && ue.Message != "":
		e.Message = ue.Message
	case ok:
		e.Message = fmt.Sprintf("upstream answered %s (%s)", resp.Status, ue.Type)
	default:
		e.Message = fmt.Sprintf("upstream answered %s", resp.Status)
		if s := snippet(body); s != "" && !json.Valid(body) {
			e.Message += ": " + s
		}
	}
	if ue.Type != "" {
		e.Type = ue.Type
	}
	e.Code, e.Param = ue.Code, ue.Param
	e.Message = Redact(e.Message, key)
	return e
}

// StreamError turns an error object found inside a stream (body is the event's data)
// into a *schemas.Error. With no status to go by, the kind comes from the provider's
// error type (see KindForErrorType).
func StreamError(p schemas.ModelProvider, body []byte, key *schemas.Key) *schemas.Error {
	ue, _ := ParseErrorBody(body)
	e := schemas.NewError(KindForErrorType(ue.Type), p, "%s", "upstream failed mid-stream")
	if ue.Message != "" {
		e.Message = Redact(ue.Message, key)
	}
	if ue.Type != "" {
		e.Type = ue.Type
	}
	e.Code, e.Param = ue.Code, ue.Param
	return e
}

// KindForErrorType maps an error type from a provider's body (OpenAI's and Anthropic's
// vocabularies) to a kind. An unknown type is an upstream failure, which is retryable:
// a provider that fails mid-stream without saying why is treated as having broken.
func KindForErrorType(t string) error {
	switch t {
	case "invalid_request_error", "invalid_request", "request_too_large":
		return schemas.ErrBadRequest
	case "authentication_error", "permission_error":
		return schemas.ErrAuth
	case "not_found_error":
		return schemas.ErrNotFound
	case "rate_limit_error", "rate_limit_exceeded", "insufficient_quota":
		return schemas.ErrRateLimited
	case "timeout_error":
		return schemas.ErrTimeout
	}
	return schemas.ErrUpstream
}

// Redact replaces key's secret in s. Secrets shorter than 8 bytes are left alone:
// replacing them would mangle ordinary words, and no real API key is that short.
func Redact(s string, key *schemas.Key) string {
	if key == nil || len(key.Value) < 8 || !strings.Contains(s, key.Value) {
		return s
	}
	return strings.ReplaceAll(s, key.Value, "[redacted]")
}

// snippet returns the start of a body on one line, for an error message. It is used
// for bodies that are not JSON, such as a proxy's HTML page; a JSON body in no known
// shape says nothing a person could use.
func snippet(body []byte) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	if len(s) > maxSnippet {
		s = s[:maxSnippet] + "…"
	}
	return s
}

// ParseRetryAfter returns the wait an answer asks for: retry-after-ms (milliseconds,
// sent by OpenAI) when present, else Retry-After as seconds or as an HTTP date relative
// to now. A missing, malformed or past value is zero.
func ParseRetryAfter(h http.Header, now time.Time) time.Duration {
	if v := h.Get("retry-after-ms"); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s <= 0 || s > 24*3600 {
			return 0
		}
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// NetworkError turns a failure to exchange with the upstream into a *schemas.Error:
// ErrTimeout when ctx's deadline (or a cancellation whose cause is a deadline) or a
// network timeout ended it, ErrCanceled when ctx was canceled otherwise, and
// ErrUpstream, which is retryable, for everything else. The error's Cause is the
// context's cause or the network error, so errors.Is(err, context.Canceled) holds.
// The message never holds the request URL, which for some providers carries a key.
func NetworkError(ctx context.Context, p schemas.ModelProvider, err error) *schemas.Error {
	var se *schemas.Error
	if errors.As(err, &se) {
		return se
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}

	if ctx.Err() != nil {
		cause := context.Cause(ctx)
		if errors.Is(cause, context.DeadlineExceeded) {
			e := schemas.NewError(schemas.ErrTimeout, p, "upstream did not answer in time")
			e.Cause = cause
			return e
		}
		e := schemas.NewError(schemas.ErrCanceled, p, "upstream call canceled: %v", cause)
		e.Cause = cause
		return e
	}

	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		e := schemas.NewError(schemas.ErrTimeout, p, "upstream did not answer in time")
		e.Cause = err
		return e
	}
	e := schemas.NewError(schemas.ErrUpstream, p, "cannot reach upstream: %v", err)
	e.Cause = err
	return e
}
