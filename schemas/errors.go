package schemas

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Sentinel errors. A *Error wraps one of them, so callers test kinds with errors.Is.
var (
	// ErrQueueFull: the provider's queue was full and DropExcessRequests is set.
	ErrQueueFull = errors.New("sluice: provider queue is full")
	// ErrClosed: the client is shutting down or shut down.
	ErrClosed = errors.New("sluice: client is closed")
	// ErrProviderNotConfigured: the account does not list the provider.
	ErrProviderNotConfigured = errors.New("sluice: provider is not configured")
	// ErrNoKey: no key of the provider may be used for the model.
	ErrNoKey = errors.New("sluice: no key for model")
	// ErrBadRequest: the request is invalid, or the provider said so (4xx).
	ErrBadRequest = errors.New("sluice: bad request")
	// ErrUnsupported: the provider cannot do the operation or represent a field.
	ErrUnsupported = errors.New("sluice: unsupported by provider")
	// ErrAuth: the provider refused the credentials.
	ErrAuth = errors.New("sluice: authentication failed")
	// ErrNotFound: the provider does not know the model or route.
	ErrNotFound = errors.New("sluice: not found")
	// ErrRateLimited: the provider answered 429.
	ErrRateLimited = errors.New("sluice: rate limited by provider")
	// ErrTimeout: the provider did not answer within the configured timeout.
	ErrTimeout = errors.New("sluice: upstream timeout")
	// ErrUpstream: the provider failed (5xx, broken connection, malformed answer).
	ErrUpstream = errors.New("sluice: upstream failure")
	// ErrCanceled: the caller's context ended before the call completed. The error's
	// Cause is context.Cause of that context, so errors.Is(err, context.Canceled) and
	// errors.Is(err, context.DeadlineExceeded) also work.
	ErrCanceled = errors.New("sluice: request canceled by caller")
)

// Error types, in the OpenAI error vocabulary where one exists.
const (
	TypeInvalidRequest = "invalid_request_error"
	TypeAuthentication = "authentication_error"
	TypeNotFound       = "not_found_error"
	TypeRateLimit      = "rate_limit_error"
	TypeQueueFull      = "queue_full"
	TypeTimeout        = "timeout_error"
	TypeUpstream       = "upstream_error"
	TypeUnavailable    = "service_unavailable"
	TypeCanceled       = "request_canceled"
)

// Error is a failed call: what went wrong, the HTTP status a gateway should answer
// with, and the provider involved. Kind is the sentinel it matches with errors.Is.
type Error struct {
	// Kind is one of the Err* sentinels of this package.
	Kind error
	// StatusCode is the HTTP status that best describes the failure.
	StatusCode int
	// Type is the error type (one of the Type* constants, or the provider's own).
	Type string
	// Code is the provider's error code, if any.
	Code string
	// Message is safe to show to a client: it never holds a secret.
	Message string
	// Param names the request field at fault, if any.
	Param string
	// Provider is the provider the failure belongs to, if any.
	Provider ModelProvider
	// RetryAfter is the wait the provider asked for, or zero.
	RetryAfter time.Duration
	// Cause is the underlying error, if any.
	Cause error
}

// Error returns "provider: message".
func (e *Error) Error() string {
	if e.Provider == "" {
		return e.Message
	}
	return string(e.Provider) + ": " + e.Message
}

// Is reports whether target is e's kind, so errors.Is(err, ErrQueueFull) works.
func (e *Error) Is(target error) bool { return target == e.Kind }

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Cause }

// Retryable reports whether trying again (later, or elsewhere) may succeed.
func (e *Error) Retryable() bool {
	switch e.Kind {
	case ErrRateLimited, ErrTimeout, ErrUpstream:
		return true
	}
	return false
}

// StatusClientClosedRequest is the status of ErrCanceled. No answer reaches a caller
// that has gone; the status exists for logs and metrics, following nginx's 499.
const StatusClientClosedRequest = 499

// NewError returns an *Error of the given kind with the kind's default status and type.
func NewError(kind error, p ModelProvider, format string, args ...any) *Error {
	status, typ := kindStatus(kind)
	return &Error{
		Kind:       kind,
		StatusCode: status,
		Type:       typ,
		Message:    fmt.Sprintf(format, args...),
		Provider:   p,
	}
}

func kindStatus(kind error) (int, string) {
	switch kind {
	case ErrQueueFull:
		return http.StatusServiceUnavailable, TypeQueueFull
	case ErrClosed:
		return http.StatusServiceUnavailable, TypeUnavailable
	case ErrProviderNotConfigured, ErrNotFound:
		return http.StatusNotFound, TypeNotFound
	case ErrNoKey, ErrBadRequest, ErrUnsupported:
		return http.StatusBadRequest, TypeInvalidRequest
	case ErrAuth:
		return http.StatusUnauthorized, TypeAuthentication
	case ErrRateLimited:
		return http.StatusTooManyRequests, TypeRateLimit
	case ErrTimeout:
		return http.StatusGatewayTimeout, TypeTimeout
	case ErrCanceled:
		return StatusClientClosedRequest, TypeCanceled
	}
	return http.StatusBadGateway, TypeUpstream
}

// KindForStatus maps a provider's HTTP status to the kind of error it signals.
func KindForStatus(status int) error {
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return ErrAuth
	case status == http.StatusNotFound:
		return ErrNotFound
	case status == http.StatusTooManyRequests:
		return ErrRateLimited
	case status == http.StatusRequestTimeout || status == http.StatusGatewayTimeout:
		return ErrTimeout
	case status >= 500:
		return ErrUpstream
	case status >= 400:
		return ErrBadRequest
	}
	return ErrUpstream
}

// AsError returns err as an *Error, wrapping a foreign error as ErrUpstream.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	ge := NewError(ErrUpstream, "", "%v", err)
	ge.Cause = err
	return ge
}
