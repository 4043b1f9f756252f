package gateway

import (
	"net/http"
	"strings"

	"github.com/sluicegw/sluice/schemas"
)

// anthropicError is Anthropic's error body, {"type":"error","error":{"type","message"}},
// which is also the data of a stream's error event.
type anthropicError struct {
	Type  string               `json:"type"`
	Error anthropicErrorDetail `json:"error"`
}

type anthropicErrorDetail struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

// anthropicErrorTypes are the error types Anthropic's API and SDKs know. An upstream
// error that already carries one of them (an Anthropic upstream's overloaded_error,
// say) keeps it; any other is named after the status the gateway answers with.
var anthropicErrorTypes = map[string]bool{
	"invalid_request_error": true, "authentication_error": true, "billing_error": true,
	"permission_error": true, "not_found_error": true, "request_too_large": true,
	"rate_limit_error": true, "timeout_error": true, "api_error": true,
	"overloaded_error": true,
}

// anthropicErrorType names e in Anthropic's vocabulary, given the status it is
// answered with. A full queue or a draining gateway (503) is overloaded_error and an
// upstream timeout (504) timeout_error, which the official SDKs decode as such and
// retry.
func anthropicErrorType(e *schemas.Error, status int) string {
	if anthropicErrorTypes[e.Type] {
		return e.Type
	}
	switch status {
	case http.StatusBadRequest, http.StatusMethodNotAllowed, http.StatusUnprocessableEntity:
		return "invalid_request_error"
	case http.StatusUnauthorized:
		return "authentication_error"
	case http.StatusForbidden:
		return "permission_error"
	case http.StatusNotFound:
		return "not_found_error"
	case http.StatusRequestEntityTooLarge:
		return "request_too_large"
	case http.StatusTooManyRequests:
		return "rate_limit_error"
	case http.StatusServiceUnavailable:
		return "overloaded_error"
	case http.StatusGatewayTimeout:
		return "timeout_error"
	}
	return "api_error"
}

// encodeAnthropicError writes e into b in Anthropic's error shape. Anthropic's body has
// no field for the parameter at fault, so the message names it when it does not
// already.
func encodeAnthropicError(b *buffer, e *schemas.Error) {
	msg := e.Error()
	if e.Param != "" && !strings.Contains(msg, e.Param) {
		msg = e.Param + ": " + msg
	}
	body := anthropicError{Type: "error", Error: anthropicErrorDetail{
		Type: anthropicErrorType(e, statusOf(e)), Message: msg}}
	// A struct of strings always encodes.
	_ = b.enc.Encode(&body)
}
