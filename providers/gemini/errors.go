package gemini

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/schemas"
)

// maxErrorBody bounds how much of a refusal is read; Google's error bodies are small.
const maxErrorBody = 64 << 10

// errorBody is Google's error answer: {"error":{code,message,status,details}}.
type errorBody struct {
	Error *googleError `json:"error"`
}

// kindForStatus maps a Google RPC status name to an error kind; code, the HTTP status
// that comes with it, decides when the name is unknown or missing.
func kindForStatus(status string, code int) error {
	switch status {
	case "RESOURCE_EXHAUSTED":
		return schemas.ErrRateLimited
	case "INVALID_ARGUMENT", "FAILED_PRECONDITION", "OUT_OF_RANGE":
		return schemas.ErrBadRequest
	case "UNAUTHENTICATED", "PERMISSION_DENIED":
		return schemas.ErrAuth
	case "NOT_FOUND":
		return schemas.ErrNotFound
	case "DEADLINE_EXCEEDED":
		return schemas.ErrTimeout
	case "UNAVAILABLE", "INTERNAL", "UNKNOWN", "ABORTED", "CANCELLED", "DATA_LOSS":
		return schemas.ErrUpstream
	}
	if code >= 400 {
		return schemas.KindForStatus(code)
	}
	return schemas.ErrUpstream
}

// kind returns the kind of ge. The Gemini API answers an invalid API key with
// 400 INVALID_ARGUMENT and the reason API_KEY_INVALID, which a caller must see as an
// authentication failure (401): fixing the request would not help.
func (ge *googleError) kind() error {
	for _, d := range ge.Details {
		if d.Reason == "API_KEY_INVALID" {
			return schemas.ErrAuth
		}
	}
	return kindForStatus(ge.Status, ge.Code)
}

// newError converts ge, keeping Google's message (without key's secret) and status.
func newError(p schemas.ModelProvider, ge *googleError, key *schemas.Key) *schemas.Error {
	e := schemas.NewError(ge.kind(), p, "%s", "upstream failed without a message")
	if ge.Message != "" {
		e.Message = providers.Redact(ge.Message, key)
	}
	e.Code = ge.Status
	return e
}

// responseError converts a non-2xx answer. A Google error body decides the kind and
// message; a 4xx status is kept as the error's status, as for every provider. A body
// of another shape (a proxy's page, say) is left to providers.ResponseError.
func responseError(p schemas.ModelProvider, resp *http.Response, key *schemas.Key) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var eb errorBody
	if json.Unmarshal(body, &eb) != nil || eb.Error == nil || eb.Error.Message == "" {
		resp.Body = io.NopCloser(bytes.NewReader(body))
		return providers.ResponseError(p, resp, key)
	}
	if eb.Error.Code == 0 {
		eb.Error.Code = resp.StatusCode
	}
	e := newError(p, eb.Error, key)
	if s := resp.StatusCode; s >= 400 && s < 500 {
		e.StatusCode = s
	}
	if e.Kind == schemas.ErrAuth && e.StatusCode == http.StatusBadRequest {
		e.StatusCode = http.StatusUnauthorized
	}
	e.RetryAfter = providers.ParseRetryAfter(resp.Header, time.Now())
	return e
}
