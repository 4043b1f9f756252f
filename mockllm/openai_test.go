package mockllm

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"
)

func openaiClient(srv string, key string) *openai.Client {
	c := openai.NewClient(option.WithBaseURL(srv+"/v1"), option.WithAPIKey(key),
		option.WithMaxRetries(0))
	return &c
}

func chatParams() openai.ChatCompletionNewParams {
	return openai.ChatCompletionNewParams{
		Model: "gpt-4o-mini",
		Messages: []openai.ChatCompletionMessageParamUnion{
			openai.SystemMessage("Be brief."),
			openai.UserMessage("Say hello to the mock"),
		},
	}
}

func weatherTool() openai.ChatCompletionToolUnionParam {
	return openai.ChatCompletionFunctionTool(shared.FunctionDefinitionParam{
		Name:       "get_weather",
		Parameters: shared.FunctionParameters{"type": "object"},
	})
}

func TestOpenAIChat(t *testing.T) {
	m, srv := serve(t, Options{})
	client := openaiClient(srv.URL, "sk-test")

	resp, err := client.Chat.Completions.New(testCtx(t), chatParams())
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.Choices[0].Message.Content; got != sentence(12) {
		t.Errorf("content = %q, want the 12-word sentence", got)
	}
	if resp.Choices[0].FinishReason != "stop" || resp.Model != "gpt-4o-mini" {
		t.Errorf("finish = %q, model = %q", resp.Choices[0].FinishReason, resp.Model)
	}
	// "Be brief." and "Say hello to the mock" hold 2 + 5 words.
	if u := resp.Usage; u.PromptTokens != 7 || u.CompletionTokens != 12 || u.TotalTokens != 19 {
		t.Errorf("usage = %+v, want 7 + 12 = 19", u)
	}

	rec, ok := m.LastRequest()
	if !ok || rec.Path != "/v1/chat/completions" || rec.Key != "sk-test" {
		t.Fatalf("recorded %+v", rec)
	}
	if rec.Header.Get("Authorization") != "REDACTED" || !strings.Contains(string(rec.Body),
		"Say hello") {
		t.Errorf("recorded header %q, body %s", rec.Header.Get("Authorization"), rec.Body)
	}
}

func TestOpenAIChatMaxTokensCutsTheAnswer(t *testing.T) {
	_, srv := serve(t, Options{})
	p := chatParams()
	p.MaxCompletionTokens = openai.Int(5)
	resp, err := openaiClient(srv.URL, "k").Chat.Completions.New(testCtx(t), p)
	if err != nil {
		t.Fatal(err)
	}
	c := resp.Choices[0]
	if c.Message.Content != sentence(5) || c.FinishReason != "length" ||
		resp.Usage.CompletionTokens != 5 {
		t.Errorf("got %q finish %q usage %+v", c.Message.Content, c.FinishReason, resp.Usage)
	}
}

func TestOpenAIChatStream(t *testing.T) {
	_, srv := serve(t, Options{TokensPerChunk: 3})
	p := chatParams()
	p.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}

	stream := openaiClient(srv.URL, "k").Chat.Completions.NewStreaming(testCtx(t), p)
	var acc openai.ChatCompletionAccumulator
	chunks := 0
	for stream.Next() {
		acc.AddChunk(stream.Current())
		chunks++
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	if got := acc.Choices[0].Message.Content; got != sentence(12) {
		t.Errorf("streamed content = %q", got)
	}
	if acc.Choices[0].FinishReason != "stop" || acc.Usage.CompletionTokens != 12 {
		t.Errorf("finish %q usage %+v", acc.Choices[0].FinishReason, acc.Usage)
	}
	// Role chunk, 12/3 deltas, finish chunk, usage chunk.
	if chunks != 7 {
		t.Errorf("chunks = %d, want 7", chunks)
	}

	// On the wire: the usage chunk has empty choices and [DONE] ends the stream.
	body, _ := readAll(post(t, srv.URL+"/v1/chat/completions", `{"model":"m","stream":true,
		"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}`,
		"Authorization: Bearer k"))
	data := sseData(body)
	if data[len(data)-1] != "[DONE]" {
		t.Fatalf("last event %q, want [DONE]", data[len(data)-1])
	}
	var usage struct {
		Choices []any     `json:"choices"`
		Usage   *oaiUsage `json:"usage"`
	}
	if err := json.Unmarshal([]byte(data[len(data)-2]), &usage); err != nil ||
		usage.Choices == nil || len(usage.Choices) != 0 || usage.Usage == nil {
		t.Errorf("usage chunk %s (%v)", data[len(data)-2], err)
	}
}

func TestOpenAIToolCall(t *testing.T) {
	_, srv := serve(t, Options{})
	client := openaiClient(srv.URL, "k")
	p := chatParams()
	p.Tools = []openai.ChatCompletionToolUnionParam{weatherTool()}

	resp, err := client.Chat.Completions.New(testCtx(t), p)
	if err != nil {
		t.Fatal(err)
	}
	calls := resp.Choices[0].Message.ToolCalls
	if len(calls) != 1 || resp.Choices[0].FinishReason != "tool_calls" {
		t.Fatalf("tool calls %+v finish %q", calls, resp.Choices[0].FinishReason)
	}
	fn := calls[0].Function
	if fn.Name != "get_weather" || fn.Arguments != `{"text":"Say hello to the mock"}` {
		t.Errorf("call %s(%s)", fn.Name, fn.Arguments)
	}

	stream := client.Chat.Completions.NewStreaming(testCtx(t), p)
	var acc openai.ChatCompletionAccumulator
	for stream.Next() {
		acc.AddChunk(stream.Current())
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	got := acc.Choices[0].Message.ToolCalls
	if len(got) != 1 || got[0].Function.Arguments != fn.Arguments ||
		!strings.HasPrefix(got[0].ID, "call_mock") || got[0].Function.Name != "get_weather" {
		t.Errorf("streamed tool calls %+v", got)
	}

	// A tool result as last message, or tool_choice none, gets a text answer.
	p.Messages = append(p.Messages, resp.Choices[0].Message.ToParam(),
		openai.ToolMessage("sunny", calls[0].ID))
	resp, err = client.Chat.Completions.New(testCtx(t), p)
	if err != nil || resp.Choices[0].Message.Content != sentence(12) {
		t.Errorf("after tool result: %v %+v", err, resp)
	}
}

func TestOpenAICompletions(t *testing.T) {
	_, srv := serve(t, Options{AnswerWords: 6})
	client := openaiClient(srv.URL, "k")
	p := openai.CompletionNewParams{Model: "gpt-3.5-turbo-instruct",
		Prompt: openai.CompletionNewParamsPromptUnion{OfString: openai.String("Once upon")}}

	resp, err := client.Completions.New(testCtx(t), p)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Choices[0].Text != sentence(6) || resp.Usage.PromptTokens != 2 {
		t.Errorf("completion %q usage %+v", resp.Choices[0].Text, resp.Usage)
	}

	stream := client.Completions.NewStreaming(testCtx(t), p)
	var text strings.Builder
	for stream.Next() {
		text.WriteString(stream.Current().Choices[0].Text)
	}
	if err := stream.Err(); err != nil || text.String() != sentence(6) {
		t.Errorf("streamed %q, err %v", text.String(), err)
	}
}

func TestOpenAIEmbeddings(t *testing.T) {
	_, srv := serve(t, Options{})
	resp, err := openaiClient(srv.URL, "k").Embeddings.New(testCtx(t), openai.EmbeddingNewParams{
		Model:          "text-embedding-3-small",
		Input:          openai.EmbeddingNewParamsInputUnion{OfArrayOfStrings: []string{"a b", "c"}},
		Dimensions:     openai.Int(4),
		EncodingFormat: openai.EmbeddingNewParamsEncodingFormatFloat,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Data) != 2 || len(resp.Data[0].Embedding) != 4 || resp.Usage.PromptTokens != 3 {
		t.Fatalf("embeddings %+v", resp)
	}
	if resp.Data[0].Embedding[0] == resp.Data[1].Embedding[0] {
		t.Error("different inputs got the same vector")
	}

	// base64 carries the same values as little-endian float32.
	body, _ := readAll(post(t, srv.URL+"/v1/embeddings", `{"model":"e","input":"a b",
		"dimensions":4,"encoding_format":"base64"}`, "Authorization: Bearer k"))
	var b64 struct {
		Data []struct {
			Embedding string `json:"embedding"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(body), &b64); err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(b64.Data[0].Embedding)
	if err != nil || len(raw) != 16 {
		t.Fatalf("base64 embedding %q: %v", b64.Data[0].Embedding, err)
	}
	for i := range 4 {
		got := math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		if float64(got) != float64(float32(resp.Data[0].Embedding[i])) {
			t.Errorf("value %d: base64 %v, float %v", i, got, resp.Data[0].Embedding[i])
		}
	}
}

func TestOpenAIModels(t *testing.T) {
	_, srv := serve(t, Options{Models: []string{"a", "b"}})
	page, err := openaiClient(srv.URL, "k").Models.List(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Data) != 2 || page.Data[1].ID != "b" {
		t.Errorf("models %+v", page.Data)
	}
}

func TestOpenAIErrors(t *testing.T) {
	_, srv := serve(t, Options{})
	var apiErr *openai.Error

	_, err := openaiClient(srv.URL, "bad").Chat.Completions.New(testCtx(t), chatParams())
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 || apiErr.Code != "invalid_api_key" ||
		apiErr.Type != "invalid_request_error" {
		t.Errorf("bad key: %v", err)
	}
	if strings.Contains(apiErr.RawJSON(), "bad") {
		t.Errorf("error body repeats the key: %s", apiErr.RawJSON())
	}

	resp := post(t, srv.URL+"/v1/chat/completions", `{}`)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("no key: status %d", resp.StatusCode)
	}

	_, err = openaiClient(srv.URL, "k").Chat.Completions.New(testCtx(t), chatParams(),
		option.WithHeader("x-mock-fault", "429"), option.WithHeader("x-mock-retry-after", "7"))
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 429 || apiErr.Code != "rate_limit_exceeded" {
		t.Fatalf("429 fault: %v", err)
	}
	if ra := apiErr.Response.Header.Get("Retry-After"); ra != "7" {
		t.Errorf("Retry-After = %q, want 7", ra)
	}

	resp = post(t, srv.URL+"/v1/chat/completions", `{"messages":[]}`, "Authorization: Bearer k")
	body, _ := readAll(resp)
	if resp.StatusCode != 400 || !strings.Contains(body, "model is required") {
		t.Errorf("missing model: %d %s", resp.StatusCode, body)
	}
}

func TestOpenAIEcho(t *testing.T) {
	_, srv := serve(t, Options{})
	p := chatParams()
	p.Tools = []openai.ChatCompletionToolUnionParam{weatherTool()}
	p.ToolChoice = openai.ChatCompletionToolChoiceOptionUnionParam{OfAuto: openai.String("none")}
	p.MaxTokens = openai.Int(100)
	p.Temperature = openai.Float(0.5)
	p.TopP = openai.Float(0.9)
	p.Stop = openai.ChatCompletionNewParamsStopUnion{OfStringArray: []string{"END"}}

	resp, err := openaiClient(srv.URL, "k").Chat.Completions.New(testCtx(t), p,
		option.WithHeader("x-mock-echo", "1"))
	if err != nil {
		t.Fatal(err)
	}
	e, err := ParseEcho(resp.Choices[0].Message.Content)
	if err != nil {
		t.Fatal(err)
	}
	if e.Model != "gpt-4o-mini" || e.Messages != 1 || !e.System || len(e.Tools) != 1 ||
		e.ToolChoice != "none" || *e.MaxTokens != 100 || *e.Temperature != 0.5 ||
		*e.TopP != 0.9 || e.TopK != nil || e.Stop[0] != "END" || e.Stream {
		t.Errorf("echo %+v", e)
	}
}
