// Package mockllm is a fake LLM provider that speaks the wire formats of OpenAI, Azure
// OpenAI, Anthropic, Gemini (and Vertex AI), Bedrock Converse and Cohere v2 closely
// enough for each provider's official SDK to parse its answers.
//
// A [Mock] is an [http.Handler]: mount it on an httptest server for tests, or run it as
// a process with cmd/mockllm. It answers after Options.Latency (plus jitter), streams
// paced so a whole stream takes about the same time, counts tokens deterministically and
// injects faults on request.
//
// # Routes
//
//	POST /v1/chat/completions, /v1/completions, /v1/embeddings; GET /v1/models   OpenAI
//	     (also under /openai/v1, /api/v1, /inference/v1 and /, the roots of Groq,
//	     OpenRouter, Fireworks and Perplexity)
//	POST /openai/deployments/{d}/chat/completions|completions|embeddings         Azure
//	POST /v1/messages, /v1/messages/count_tokens                                 Anthropic
//	POST /v1beta/models/{m}:generateContent|streamGenerateContent|embedContent|
//	     batchEmbedContents (also /v1/models/...)                                 Gemini
//	POST /{v1,v1beta1}/projects/{p}/locations/{l}/publishers/google/models/{m}:… Vertex AI
//	POST /model/{id}/converse, /model/{id}/converse-stream                        Bedrock
//	POST /v2/chat, /v2/embed                                                      Cohere
//	GET  /mock/stats                                            Stats as JSON
//	POST /mock/faults?kind=K&count=N                            arm the next N requests
//
// # Deterministic answers
//
// Prompt tokens are the number of whitespace-separated words in all text of the request
// (system prompt, message text, tool results; embedding inputs). The answer is the first
// Options.AnswerWords words of a fixed sentence, cut short by max_tokens; completion
// tokens are its word count. A streamed answer sends Options.TokensPerChunk words per
// delta; tool-call arguments stream in pieces of about 4×TokensPerChunk bytes (Gemini
// sends a function call whole, as Gemini does). When the request offers tools, does not
// forbid them (tool_choice "none" and its equivalents) and its last message is not a tool
// result, the answer is a call of the named or else the first tool with the arguments
// {"text": <last user text>}.
//
// # Echo
//
// With Options.Echo or the header "x-mock-echo: 1" the answer text is one JSON object
// stating what arrived, with the same keys for every wire format: model, messages
// (count, system messages excluded), system, tools, tool_choice, max_tokens,
// temperature, top_p, top_k, stop and stream. Its members are separated by ", " so a
// stream splits it into several tokens.
//
// # Credentials
//
// Each format checks credentials where its provider expects them and refuses in the
// provider's own way: OpenAI, Cohere and Vertex AI with 401 and their error bodies;
// Azure with 401 (and 404 when api-version is missing); Anthropic with 401 (and 400
// when anthropic-version is missing); the Gemini API with 403 for a missing key and 400
// INVALID_ARGUMENT, reason API_KEY_INVALID, for a wrong one; Bedrock with 403 and
// x-amzn-errortype MissingAuthenticationTokenException, IncompleteSignatureException or
// UnrecognizedClientException. Bedrock's SigV4 header is checked for shape, never for
// its signature.
//
// # Faults
//
// A fault is chosen per request with the header "x-mock-fault: KIND", for the next N
// requests with [Mock.Arm], or for a share of all requests with Options.FaultRate and
// Options.FaultKind; the header wins. Kinds are listed with [Fault]. The header
// "x-mock-fault-attempts: N" limits a header fault to the first N requests that carry
// the same "x-mock-attempt-key" value, so a retry sees the fault and then a success;
// the mock remembers every attempt key it has seen for as long as it lives.
package mockllm
