package gateway

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"unicode"

	"github.com/sluicegw/sluice/schemas"
)

// chatBody is an OpenAI chat completion request, plus sluice's "fallbacks". The
// generation parameters decode straight into the embedded ChatParams, which the
// unified request then points to, so nothing is copied.
type chatBody struct {
	Model         string            `json:"model"`
	Messages      []schemas.Message `json:"messages"`
	Stream        bool              `json:"stream"`
	StreamOptions *streamOptions    `json:"stream_options"`
	Fallbacks     []string          `json:"fallbacks"`
	schemas.ChatParams
	// Stop shadows ChatParams.Stop: OpenAI takes a single string as well as a list.
	Stop stopList `json:"stop"`
	// MaxCompletionTokens is the newer name of max_tokens; it wins when both are set.
	MaxCompletionTokens *int `json:"max_completion_tokens"`

	// N, Logprobs and Store are accepted only at the value that changes nothing, since
	// the unified request cannot carry any other; other values are refused rather than
	// silently dropped.
	N        *int  `json:"n"`
	Logprobs *bool `json:"logprobs"`
	Store    *bool `json:"store"`
}

// streamOptions are accepted for compatibility. Usage is passed on whenever the
// provider reports it, in the chunk that carries it.
type streamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

func (b *chatBody) check() *schemas.Error {
	switch {
	case len(b.Messages) == 0:
		return badRequest("messages", "messages must hold at least one message")
	case b.N != nil && *b.N != 1:
		return badRequest("n", "n must be 1: sluice returns one choice per request")
	case b.Logprobs != nil && *b.Logprobs:
		return badRequest("logprobs", "logprobs is not supported by sluice")
	case b.Store != nil && *b.Store:
		return badRequest("store", "store is not supported by sluice")
	}
	return nil
}

// request converts b into a unified request. def is the provider of an unprefixed
// model ("" where a prefix is required).
func (b *chatBody) request(cat *catalog, def schemas.ModelProvider) (
	*schemas.ChatRequest, *schemas.Error) {
	p, model, err := resolveModel(cat, b.Model, def)
	if err != nil {
		return nil, err
	}
	if err := b.check(); err != nil {
		return nil, err
	}
	fallbacks, err := resolveFallbacks(cat, b.Fallbacks, def)
	if err != nil {
		return nil, err
	}
	if b.MaxCompletionTokens != nil {
		b.MaxTokens = b.MaxCompletionTokens
	}
	b.ChatParams.Stop = b.Stop
	return &schemas.ChatRequest{Provider: p, Model: model, Messages: b.Messages,
		Params: &b.ChatParams, Fallbacks: fallbacks}, nil
}

// completionBody is an OpenAI legacy completion request, plus "fallbacks".
type completionBody struct {
	Model            string     `json:"model"`
	Prompt           promptText `json:"prompt"`
	Stream           bool       `json:"stream"`
	Fallbacks        []string   `json:"fallbacks"`
	MaxTokens        *int       `json:"max_tokens"`
	Temperature      *float64   `json:"temperature"`
	TopP             *float64   `json:"top_p"`
	Stop             stopList   `json:"stop"`
	PresencePenalty  *float64   `json:"presence_penalty"`
	FrequencyPenalty *float64   `json:"frequency_penalty"`
	Seed             *int       `json:"seed"`
	User             string     `json:"user"`
	// Accepted only at their neutral values.
	N        *int    `json:"n"`
	BestOf   *int    `json:"best_of"`
	Echo     *bool   `json:"echo"`
	Logprobs *int    `json:"logprobs"`
	Suffix   *string `json:"suffix"`
}

func (b *completionBody) request(cat *catalog, def schemas.ModelProvider) (
	*schemas.TextCompletionRequest, *schemas.Error) {
	p, model, err := resolveModel(cat, b.Model, def)
	if err != nil {
		return nil, err
	}
	if err := b.check(); err != nil {
		return nil, err
	}
	fallbacks, err := resolveFallbacks(cat, b.Fallbacks, def)
	if err != nil {
		return nil, err
	}
	return &schemas.TextCompletionRequest{Provider: p, Model: model, Prompt: string(b.Prompt),
		Fallbacks: fallbacks, Params: &schemas.ChatParams{
			MaxTokens: b.MaxTokens, Temperature: b.Temperature, TopP: b.TopP, Stop: b.Stop,
			PresencePenalty: b.PresencePenalty, FrequencyPenalty: b.FrequencyPenalty,
			Seed: b.Seed, User: b.User,
		}}, nil
}

func (b *completionBody) check() *schemas.Error {
	switch {
	case b.Stream:
		return badRequest("stream", "streaming is not supported on completions; "+
			"use chat completions to stream")
	case b.N != nil && *b.N != 1:
		return badRequest("n", "n must be 1: sluice returns one choice per request")
	case b.BestOf != nil && *b.BestOf != 1:
		return badRequest("best_of", "best_of must be 1")
	case b.Echo != nil && *b.Echo:
		return badRequest("echo", "echo is not supported by sluice")
	case b.Logprobs != nil && *b.Logprobs != 0:
		return badRequest("logprobs", "logprobs is not supported by sluice")
	case b.Suffix != nil && *b.Suffix != "":
		return badRequest("suffix", "suffix is not supported by sluice")
	}
	return nil
}

// embeddingBody is an OpenAI embedding request, plus "fallbacks".
type embeddingBody struct {
	Model          string    `json:"model"`
	Input          inputList `json:"input"`
	Dimensions     *int      `json:"dimensions"`
	EncodingFormat string    `json:"encoding_format"`
	User           string    `json:"user"`
	Fallbacks      []string  `json:"fallbacks"`
}

func (b *embeddingBody) request(cat *catalog, def schemas.ModelProvider) (
	*schemas.EmbeddingRequest, *schemas.Error) {
	p, model, err := resolveModel(cat, b.Model, def)
	if err != nil {
		return nil, err
	}
	if len(b.Input) == 0 {
		return nil, badRequest("input", "input must hold at least one text")
	}
	switch b.EncodingFormat {
	case "", "float", "base64":
	default:
		return nil, badRequest("encoding_format",
			"encoding_format %q is not one of float, base64", b.EncodingFormat)
	}
	fallbacks, err := resolveFallbacks(cat, b.Fallbacks, def)
	if err != nil {
		return nil, err
	}
	return &schemas.EmbeddingRequest{Provider: p, Model: model, Input: b.Input,
		Dimensions: b.Dimensions, User: b.User, Fallbacks: fallbacks}, nil
}

// Top-level members each request type accepts; anything else is refused by name.
var (
	chatKeys       = jsonKeys(reflect.TypeFor[chatBody]())
	completionKeys = jsonKeys(reflect.TypeFor[completionBody]())
	embeddingKeys  = jsonKeys(reflect.TypeFor[embeddingBody]())
)

// decodeBody decodes the JSON object in data into v, refusing members not in known,
// and text that is not UTF-8 (see checkUTF8).
func decodeBody(data []byte, v any, known keySet) *schemas.Error {
	if err := checkUTF8(data); err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return decodeError(err)
	}
	if k, ok := unknownKey(data, known); ok {
		return badRequest(k, "unknown or unsupported parameter %q", k)
	}
	return nil
}

// decodeError turns a JSON decoding failure into a 400 naming the field at fault.
func decodeError(err error) *schemas.Error {
	if fe, ok := errors.AsType[*fieldError](err); ok {
		return badRequest(fe.param, "%s", fe.msg)
	}
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		field := jsonPath(te.Field)
		if field == "" {
			return badRequest("", "the request body must be a JSON object, not %s", te.Value)
		}
		return badRequest(field, "%s must be %s, not %s", field, jsonKind(te.Type), te.Value)
	}
	return badRequest("", "the request body is not valid JSON: %v", err)
}

// jsonPath turns encoding/json's path of a field into the client's: json names the
// fields of an embedded struct after the struct's Go type ("ChatParams.temperature"),
// which the client never wrote. Every member of the OpenAI API is lowercase, so a
// capitalized segment can only be such a type name.
func jsonPath(field string) string {
	segs := strings.Split(field, ".")
	kept := segs[:0]
	for _, s := range segs {
		if s != "" && !unicode.IsUpper(rune(s[0])) {
			kept = append(kept, s)
		}
	}
	return strings.Join(kept, ".")
}

// jsonKind names the JSON form of a Go type in an error message.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int64, reflect.Float64, reflect.Float32:
		return "a number"
	case reflect.Slice:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return "of type " + t.String()
}

// fieldError is a decoding failure of one named field.
type fieldError struct{ param, msg string }

func (e *fieldError) Error() string { return e.param + ": " + e.msg }

// resolveModel splits a request's model into provider and model (see catalog.resolve).
func resolveModel(cat *catalog, name string, def schemas.ModelProvider) (
	schemas.ModelProvider, string, *schemas.Error) {
	if name == "" {
		return "", "", badRequest("model", "model is required")
	}
	p, model, ok := cat.resolve(name, def)
	if !ok {
		return "", "", badRequest("model", "model %q must be \"provider/model\", such as "+
			"\"openai/gpt-4o-mini\"; the /openai routes also take bare OpenAI model names",
			name)
	}
	return p, model, nil
}

// resolveFallbacks resolves each "provider/model" of names like the model itself.
func resolveFallbacks(cat *catalog, names []string, def schemas.ModelProvider) (
	[]schemas.Fallback, *schemas.Error) {
	if len(names) == 0 {
		return nil, nil
	}
	fbs := make([]schemas.Fallback, len(names))
	for i, name := range names {
		p, model, ok := cat.resolve(name, def)
		if !ok {
			return nil, badRequest(fmt.Sprintf("fallbacks[%d]", i),
				"fallback %q must be \"provider/model\", such as "+
					"\"anthropic/claude-sonnet-4-5\"", name)
		}
		fbs[i] = schemas.Fallback{Provider: p, Model: model}
	}
	return fbs, nil
}

// stopList is OpenAI's stop: a string, a list of strings, or null.
type stopList []string

func (s *stopList) UnmarshalJSON(b []byte) error {
	if one, ok := jsonString(b); ok {
		*s = stopList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return &fieldError{"stop", "stop must be a string or an array of strings"}
	}
	*s = many
	return nil
}

// promptText is a legacy completion prompt: a string, or an array of one string.
type promptText string

func (p *promptText) UnmarshalJSON(b []byte) error {
	if one, ok := jsonString(b); ok {
		*p = promptText(one)
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil || len(many) != 1 {
		return &fieldError{"prompt", "prompt must be a string or an array of one string; " +
			"token arrays and batches are not supported"}
	}
	*p = promptText(many[0])
	return nil
}

// inputList is an embedding input: a string or an array of strings.
type inputList []string

func (l *inputList) UnmarshalJSON(b []byte) error {
	if one, ok := jsonString(b); ok {
		*l = inputList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return &fieldError{"input", "input must be a string or an array of strings; " +
			"token arrays are not supported"}
	}
	*l = many
	return nil
}

// jsonString decodes b when it is a JSON string.
func jsonString(b []byte) (string, bool) {
	if len(b) == 0 || b[0] != '"' {
		return "", false
	}
	var s string
	return s, json.Unmarshal(b, &s) == nil
}
