package gateway

import (
	"net/http"

	"github.com/sluicegw/sluice/schemas"
)

// openAIError is OpenAI's error body: {"error":{"message","type","param","code"}},
// where param and code are null when unset.
type openAIError struct {
	Error openAIErrorBody `json:"error"`
}

type openAIErrorBody struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    *string `json:"code"`
}

// encodeOpenAIError writes e into b in OpenAI's error shape.
func encodeOpenAIError(b *buffer, e *schemas.Error) {
	body := openAIError{Error: openAIErrorBody{Message: e.Error(), Type: e.Type}}
	if body.Error.Type == "" {
		body.Error.Type = errorTypeFor(statusOf(e))
	}
	if e.Param != "" {
		body.Error.Param = &e.Param
	}
	if e.Code != "" {
		body.Error.Code = &e.Code
	}
	// A struct of strings always encodes.
	_ = b.enc.Encode(&body)
}

// errorTypeFor names the error type of a status, for errors that carry none.
func errorTypeFor(status int) string {
	switch status {
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge,
		http.StatusMethodNotAllowed:
		return schemas.TypeInvalidRequest
	case http.StatusUnauthorized:
		return schemas.TypeAuthentication
	case http.StatusNotFound:
		return schemas.TypeNotFound
	case http.StatusTooManyRequests:
		return schemas.TypeRateLimit
	case http.StatusServiceUnavailable:
		return schemas.TypeUnavailable
	case http.StatusGatewayTimeout:
		return schemas.TypeTimeout
	}
	return schemas.TypeUpstream
}
