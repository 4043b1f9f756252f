package bedrock

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/schemas"
)

// maxErrorBody bounds how much of a failed answer is read; AWS error bodies are a
// short JSON object.
const maxErrorBody = 64 << 10

// exceptionKinds maps AWS exception names, lower-cased, to kinds. HTTP answers name
// them in PascalCase (x-amzn-errortype), stream exceptions in camelCase
// (:exception-type). A name missing here is judged by the HTTP status.
var exceptionKinds = map[string]error{
	"throttlingexception":                 schemas.ErrRateLimited,
	"servicequotaexceededexception":       schemas.ErrRateLimited,
	"modelnotreadyexception":              schemas.ErrRateLimited,
	"validationexception":                 schemas.ErrBadRequest,
	"accessdeniedexception":               schemas.ErrAuth,
	"unrecognizedclientexception":         schemas.ErrAuth,
	"invalidsignatureexception":           schemas.ErrAuth,
	"incompletesignatureexception":        schemas.ErrAuth,
	"expiredtokenexception":               schemas.ErrAuth,
	"missingauthenticationtokenexception": schemas.ErrAuth,
	"resourcenotfoundexception":           schemas.ErrNotFound,
	"modeltimeoutexception":               schemas.ErrTimeout,
	"serviceunavailableexception":         schemas.ErrUpstream,
	"internalserverexception":             schemas.ErrUpstream,
	"modelstreamerrorexception":           schemas.ErrUpstream,
	"modelerrorexception":                 schemas.ErrUpstream,
}

// awsError is the body of an AWS JSON error. Field names match case-insensitively,
// so "Message" is read too.
type awsError struct {
	Message string `json:"message"`
	Type    string `json:"__type"`
}

// exceptionName returns the bare exception name of an x-amzn-errortype value or an
// __type member, which may carry a namespace ("ns#Name") and a URL ("Name:http://…").
func exceptionName(s string) string {
	if i := strings.IndexByte(s, ':'); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndexByte(s, '#'); i >= 0 {
		s = s[i+1:]
	}
	return strings.TrimSpace(s)
}

// responseError turns a non-2xx answer into a *schemas.Error: the shared mapping by
// status, refined by the exception the answer names. It reads resp's body.
func responseError(p schemas.ModelProvider, resp *http.Response, key *schemas.Key) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	resp.Body = io.NopCloser(bytes.NewReader(body))
	e := providers.ResponseError(p, resp, key)

	var ae awsError
	_ = json.Unmarshal(body, &ae)
	name := exceptionName(resp.Header.Get("X-Amzn-Errortype"))
	if name == "" {
		name = exceptionName(ae.Type)
	}
	classify(e, name)
	return e
}

// classify sets e's kind from the exception name, when the name is known, and
// records the name as e's code. A caller's mistake keeps the upstream's 4xx status;
// the other kinds take the status the gateway answers them with (429, 502, 504).
func classify(e *schemas.Error, name string) {
	if name == "" {
		return
	}
	e.Code = name
	kind, ok := exceptionKinds[strings.ToLower(name)]
	if !ok {
		return
	}
	def := schemas.NewError(kind, e.Provider, "")
	e.Kind, e.Type = kind, def.Type
	keep := e.StatusCode >= 400 && e.StatusCode <= 499 &&
		(kind == schemas.ErrBadRequest || kind == schemas.ErrAuth || kind == schemas.ErrNotFound)
	if !keep {
		e.StatusCode = def.StatusCode
	}
}

// exceptionError turns an exception message of a stream into a *schemas.Error.
func exceptionError(p schemas.ModelProvider, name string, payload []byte,
	key *schemas.Key) *schemas.Error {
	var ae awsError
	_ = json.Unmarshal(payload, &ae)
	msg := ae.Message
	if msg == "" {
		msg = "upstream failed mid-stream with " + name
	}
	e := schemas.NewError(schemas.ErrUpstream, p, "%s", providers.Redact(msg, key))
	classify(e, name)
	return e
}
