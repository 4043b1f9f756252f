package mockllm

import (
	"bytes"
	"net/http"
	"strconv"
)

// azureWire speaks Azure OpenAI: OpenAI bodies on deployment paths that need an api-version
// query parameter, with api-key (or Entra bearer) auth and Azure's error envelope.
type azureWire struct{ openAIWire }

func (azureWire) authorize(r *http.Request, rt *routeInfo, accept func(string) bool) (string,
	*apiError) {
	key := r.Header.Get("Api-Key")
	if key == "" {
		key = bearer(r)
	}
	switch {
	case key == "":
		return "", &apiError{status: http.StatusUnauthorized,
			msg: "access denied: send an api-key header or an Authorization bearer token"}
	case !accept(key):
		return key, &apiError{status: http.StatusUnauthorized,
			msg: "access denied: the key is not valid for this resource"}
	}
	return key, nil
}

func (a azureWire) parse(rt *routeInfo, body []byte, c *call) *apiError {
	// Azure answers a request without api-version as an unknown resource.
	if rt.apiVersion == "" {
		return &apiError{status: http.StatusNotFound, msg: "resource not found"}
	}
	return a.openAIWire.parse(rt, body, c)
}

func (azureWire) errorBody(out *bytes.Buffer, _ http.Header, e *apiError) {
	writeJSON(out, azureError(e))
}

func azureError(e *apiError) any {
	code := e.code
	if code == "" {
		code = strconv.Itoa(e.status)
	}
	return struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}{Error: struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}{code, e.msg}}
}

func (azureWire) errorEvent(b []byte, e *apiError) []byte {
	return appendSSE(b, "", azureError(e))
}
