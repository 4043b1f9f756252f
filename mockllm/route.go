package mockllm

import (
	"bytes"
	"net/http"
	"strings"
)

// provider identifies a wire format; it indexes per-provider counters.
type provider uint8

const (
	provOpenAI provider = iota
	provAzure
	provAnthropic
	provGemini
	provVertex
	provBedrock
	provCohere
	numProviders
)

var providerNames = [numProviders]string{"openai", "azure", "anthropic", "gemini", "vertex",
	"bedrock", "cohere"}

// String returns the provider's lower-case name.
func (p provider) String() string { return providerNames[p] }

// apiError is a failure to be written in the wire format of the route.
type apiError struct {
	status     int
	code       string // machine code where the status alone does not say, e.g. "invalid_api_key"
	msg        string
	retryAfter int // seconds for Retry-After; 0 sends none
}

// dialect is one provider's wire format: how it authenticates, reads requests and
// writes answers, errors and stream events.
type dialect interface {
	// authorize returns the credential presented, or the provider's error when it is
	// missing, malformed or refused by accept.
	authorize(r *http.Request, rt *routeInfo, accept func(string) bool) (string, *apiError)
	// parse reduces a request body to c; a body it cannot read is a 400.
	parse(rt *routeInfo, body []byte, c *call) *apiError
	// reply writes the non-streamed answer to c.
	reply(out *bytes.Buffer, c *call)
	// events appends the framed events of a streamed answer to s, perChunk words a delta.
	events(s *stream, c *call, perChunk int)
	// errorBody writes e as the provider's error response body, setting any extra headers.
	errorBody(out *bytes.Buffer, h http.Header, e *apiError)
	// errorEvent appends e framed as the provider's mid-stream error.
	errorEvent(b []byte, e *apiError) []byte
	// malformedEvent appends an event framed like the others whose data is not JSON.
	malformedEvent(b []byte) []byte
	// streamType is the Content-Type of a stream.
	streamType() string
}

// routeInfo is what the URL says about a request.
type routeInfo struct {
	dialect  dialect
	provider provider
	op       op
	model    string // model, deployment or model ID named in the path
	stream   bool   // the path itself asks for a stream
	method   string // the method the route takes

	apiVersion string // Azure's api-version query parameter or Anthropic's version header
}

// route maps a request's path to its wire format; the dialect is nil for unknown paths.
func route(r *http.Request) routeInfo {
	p := openAIPath(r.URL.Path)
	switch p {
	case "/v1/chat/completions":
		return routeInfo{dialect: openAIWire{}, provider: provOpenAI, op: opChat}
	case "/v1/completions":
		return routeInfo{dialect: openAIWire{}, provider: provOpenAI, op: opCompletion}
	case "/v1/embeddings":
		return routeInfo{dialect: openAIWire{}, provider: provOpenAI, op: opEmbed}
	case "/v1/models":
		return routeInfo{dialect: openAIWire{}, provider: provOpenAI, op: opModels,
			method: http.MethodGet}
	case "/v1/messages":
		return routeInfo{dialect: anthropicWire{}, provider: provAnthropic, op: opChat,
			apiVersion: r.Header.Get("Anthropic-Version")}
	case "/v1/messages/count_tokens":
		return routeInfo{dialect: anthropicWire{}, provider: provAnthropic, op: opCountTokens,
			apiVersion: r.Header.Get("Anthropic-Version")}
	case "/v2/chat":
		return routeInfo{dialect: cohereWire{}, provider: provCohere, op: opChat}
	case "/v2/embed":
		return routeInfo{dialect: cohereWire{}, provider: provCohere, op: opEmbed}
	}
	switch {
	case strings.HasPrefix(p, "/openai/deployments/"):
		rt := azureRoute(strings.TrimPrefix(p, "/openai/deployments/"))
		rt.apiVersion = r.URL.Query().Get("api-version")
		return rt
	case strings.HasPrefix(p, "/model/"):
		return bedrockRoute(strings.TrimPrefix(p, "/model/"))
	case strings.Contains(p, "/models/") && strings.Contains(p, ":"):
		return geminiRoute(p)
	}
	return routeInfo{}
}

// azureRoute maps "{deployment}/{operation}" of an Azure OpenAI path.
func azureRoute(rest string) routeInfo {
	deployment, operation, ok := strings.Cut(rest, "/")
	if !ok || deployment == "" {
		return routeInfo{}
	}
	rt := routeInfo{dialect: azureWire{}, provider: provAzure, model: deployment}
	switch operation {
	case "chat/completions":
		rt.op = opChat
	case "completions":
		rt.op = opCompletion
	case "embeddings":
		rt.op = opEmbed
	default:
		return routeInfo{}
	}
	return rt
}

// bedrockRoute maps "{modelId}/converse[-stream]"; a model ID may itself hold slashes
// (inference profile ARNs), so the operation is taken from the end.
func bedrockRoute(rest string) routeInfo {
	rt := routeInfo{dialect: bedrockWire{}, provider: provBedrock, op: opChat}
	switch {
	case strings.HasSuffix(rest, "/converse"):
		rt.model = strings.TrimSuffix(rest, "/converse")
	case strings.HasSuffix(rest, "/converse-stream"):
		rt.model = strings.TrimSuffix(rest, "/converse-stream")
		rt.stream = true
	default:
		return routeInfo{}
	}
	if rt.model == "" {
		return routeInfo{}
	}
	return rt
}

// geminiRoute maps Gemini API paths ("/v1beta/models/{m}:{method}") and Vertex AI paths
// ("/v1/projects/{p}/locations/{l}/publishers/google/models/{m}:{method}").
func geminiRoute(p string) routeInfo {
	prefix, rest, _ := strings.Cut(p, "/models/")
	model, method, ok := strings.Cut(rest, ":")
	if !ok || model == "" || strings.Contains(model, "/") {
		return routeInfo{}
	}
	rt := routeInfo{dialect: geminiWire{}, provider: provGemini, model: model}
	switch {
	case prefix == "/v1beta" || prefix == "/v1":
	case strings.HasSuffix(prefix, "/publishers/google"):
		rt.dialect, rt.provider = geminiWire{vertex: true}, provVertex
	default:
		return routeInfo{}
	}
	switch method {
	case "generateContent":
		rt.op = opChat
	case "streamGenerateContent":
		rt.op, rt.stream = opChat, true
	case "embedContent":
		rt.op = opEmbed
	case "batchEmbedContents":
		rt.op = opBatchEmbed
	case "countTokens":
		rt.op = opCountTokens
	default:
		return routeInfo{}
	}
	return rt
}
