package mockllm

import "strings"

// compatRoots are the roots under which OpenAI-compatible APIs document OpenAI's
// endpoints: Groq under /openai/v1, OpenRouter under /api/v1, Fireworks under
// /inference/v1, and Perplexity at its root, without a version. The mock answers
// there as it does under /v1, in OpenAI's wire format, so that a client can be pointed
// at it with the path its real API has. A path's own root comes last: "/" matches all.
var compatRoots = [...]string{"/openai/v1/", "/api/v1/", "/inference/v1/", "/"}

// openAIPath returns the /v1 path that p stands for when p is one of OpenAI's endpoints
// under a compatible API's root, and p itself otherwise.
func openAIPath(p string) string {
	for _, root := range compatRoots {
		if rest, ok := strings.CutPrefix(p, root); ok && openAIEndpoint(rest) {
			return "/v1/" + rest
		}
	}
	return p
}

// openAIEndpoint reports whether s, a path below a version root, is an OpenAI endpoint
// that the mock serves.
func openAIEndpoint(s string) bool {
	switch s {
	case "chat/completions", "completions", "embeddings", "models":
		return true
	}
	return false
}
