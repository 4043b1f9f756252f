package gateway

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/sluicegw/sluice/schemas"
)

// toError returns err as a *schemas.Error carrying the status the gateway answers
// with, following the status map of the package documentation.
func toError(err error) *schemas.Error {
	if e, ok := errors.AsType[*schemas.Error](err); ok {
		if errors.Is(e, schemas.ErrNoKey) {
			return modelNotFound(e)
		}
		return e
	}
	if errors.Is(err, context.DeadlineExceeded) {
		e := schemas.NewError(schemas.ErrTimeout, "", "the request timed out")
		e.Cause = err
		return e
	}
	return schemas.AsError(err)
}

// modelNotFound answers ErrNoKey as a 404 on the model: to a client, a model that no
// key may serve is a model this gateway does not have. The engine's error is copied,
// not changed, since it is not the gateway's to change.
func modelNotFound(e *schemas.Error) *schemas.Error {
	c := *e
	c.StatusCode = http.StatusNotFound
	c.Type = schemas.TypeNotFound
	if c.Code == "" {
		c.Code = "model_not_found"
	}
	if c.Param == "" {
		c.Param = "model"
	}
	return &c
}

// statusOf returns the HTTP status to answer e with: its own when it is an error
// status, else 502, since a failure without a status is the upstream's.
func statusOf(e *schemas.Error) int {
	if e.StatusCode >= 400 && e.StatusCode <= 599 {
		return e.StatusCode
	}
	return http.StatusBadGateway
}

// retryAfter returns the Retry-After value for an answer with status: the provider's
// own wait on 429, and on 503 (queue full, draining) that wait or one second.
func retryAfter(e *schemas.Error, status int) string {
	if status != http.StatusTooManyRequests && status != http.StatusServiceUnavailable {
		return ""
	}
	if e.RetryAfter > 0 {
		return strconv.Itoa(int(math.Ceil(e.RetryAfter.Seconds())))
	}
	if status == http.StatusServiceUnavailable {
		return strconv.Itoa(int(defaultRetryAfter / time.Second))
	}
	return ""
}

// defaultRetryAfter is the wait suggested on 503 when the engine names none: a queue
// of LLM calls frees slots within seconds.
const defaultRetryAfter = time.Second
