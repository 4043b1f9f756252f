package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	ant "github.com/anthropics/anthropic-sdk-go/v2"
	antopt "github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/openai/openai-go/v3"
	"github.com/sluicegw/sluice/mockllm"
	"github.com/sluicegw/sluice/schemas"
)

// richParams asks for every parameter the echo reports, with a system prompt and two
// turns of conversation before the question.
func richParams(model string) ant.MessageNewParams {
	return ant.MessageNewParams{
		Model:     ant.Model(model),
		MaxTokens: 300,
		System:    []ant.TextBlockParam{{Text: "be brief"}},
		Messages: []ant.MessageParam{
			ant.NewUserMessage(ant.NewTextBlock("hello there")),
			ant.NewAssistantMessage(ant.NewTextBlock("hi")),
			ant.NewUserMessage(ant.NewTextBlock("what now")),
		},
		StopSequences: []string{"END"},
	}
}

// sampling sets temperature and top_p, which this SDK version only sends as extra
// members, and top_k when k is not zero.
func sampling(k int) []antopt.RequestOption {
	opts := []antopt.RequestOption{antopt.WithJSONSet("temperature", 0.5),
		antopt.WithJSONSet("top_p", 0.9)}
	if k != 0 {
		opts = append(opts, antopt.WithJSONSet("top_k", k))
	}
	return opts
}

// checkEcho compares what the echo says arrived upstream with richParams.
func checkEcho(t *testing.T, e mockllm.Echo, model string, stream bool) {
	t.Helper()
	if e.Model != model || e.Messages != 3 || !e.System || e.MaxTokens == nil ||
		*e.MaxTokens != 300 || e.Temperature == nil || *e.Temperature != 0.5 ||
		e.TopP == nil || *e.TopP != 0.9 || !slices.Equal(e.Stop, []string{"END"}) ||
		e.Stream != stream {
		t.Errorf("upstream saw %+v; want model %s, 3 turns, the system prompt, "+
			"max_tokens 300, temperature 0.5, top_p 0.9, stop END, stream %v",
			e, model, stream)
	}
}

func TestAnthropicSDKWithClaudeIsForwardedAsIs(t *testing.T) {
	st := echoStack(t)
	tap := &wireTap{}
	c := antClient(st.url, tap)
	msg, err := c.Messages.New(context.Background(), richParams(claudeModel), sampling(7)...)
	if err != nil {
		t.Fatal(err)
	}
	e := echoOf(t, antText(msg))
	checkEcho(t, e, claudeModel, false)
	if e.TopK == nil || *e.TopK != 7 {
		t.Errorf("top_k did not arrive: %+v", e.TopK)
	}
	sent, received, h := tap.last()
	rec := st.last(t)
	if rec.Provider != "anthropic" || string(rec.Body) != string(sent) {
		t.Errorf("upstream %s got\n%s\nwant the client's bytes\n%s", rec.Provider, rec.Body,
			sent)
	}
	if v := rec.Header.Get("Anthropic-Version"); rec.Key != "sk-test" || v != tap.version {
		t.Errorf("upstream key %q version %q; want the account's key and the client's "+
			"version %q", rec.Key, v, tap.version)
	}
	if h.Get("X-Sluice-Provider") != "anthropic" || h.Get("X-Request-Id") == "" {
		t.Errorf("headers %v", h)
	}
	if msg.Usage.InputTokens == 0 || msg.Usage.OutputTokens == 0 {
		t.Errorf("usage %+v", msg.Usage)
	}
	checkTokenMetrics(t, st.url, "anthropic", claudeModel, msg.Usage)
	if !strings.Contains(string(received), `"type":"message"`) {
		t.Errorf("answer %s", received)
	}
}

func TestAnthropicSDKWithClaudeStreamsAsIs(t *testing.T) {
	st := echoStack(t)
	tap := &wireTap{}
	c := antClient(st.url, tap)

	msg, types, err := antStream(t, c, richParams(claudeModel), sampling(0)...)
	if err != nil {
		t.Fatal(err)
	}
	checkEcho(t, echoOf(t, antText(&msg)), claudeModel, true)
	sent, received, _ := tap.last()
	if rec := st.last(t); string(rec.Body) != string(sent) {
		t.Errorf("upstream got %s, want the client's bytes %s", rec.Body, sent)
	}
	// The mock sends a ping, which a translated stream would not carry.
	if !strings.Contains(string(received), "event: ping\n") || types[len(types)-1] !=
		"message_stop" {
		t.Errorf("stream %s", received)
	}
	if msg.Usage.InputTokens == 0 || msg.Usage.OutputTokens == 0 {
		t.Errorf("usage %+v", msg.Usage)
	}
	checkTokenMetrics(t, st.url, "anthropic", claudeModel, msg.Usage)
}

// checkTokenMetrics checks that the gateway counted usage in sluice_tokens_total.
func checkTokenMetrics(t *testing.T, url, provider, model string, u ant.Usage) {
	t.Helper()
	fams := scrape(t, url)
	for kind, want := range map[string]int64{"prompt": u.InputTokens,
		"completion": u.OutputTokens} {
		got, _ := metricValue(fams, "sluice_tokens_total",
			map[string]string{"provider": provider, "model": model, "kind": kind})
		if int64(got) != want {
			t.Errorf("sluice_tokens_total{%s} = %v, want %d", kind, got, want)
		}
	}
}

func TestAnthropicSDKWithOpenAIModel(t *testing.T) {
	st := echoStack(t)
	c := antClient(st.url, nil)
	model := "openai/" + chatModel

	msg, err := c.Messages.New(context.Background(), richParams(model), sampling(0)...)
	if err != nil {
		t.Fatal(err)
	}
	checkEcho(t, echoOf(t, antText(msg)), chatModel, false)
	rec := st.last(t)
	var up struct {
		Messages []struct{ Role string } `json:"messages"`
		Stop     []string                `json:"stop"`
	}
	if err := json.Unmarshal(rec.Body, &up); err != nil || rec.Path != "/v1/chat/completions" ||
		len(up.Messages) != 4 || up.Messages[0].Role != "system" {
		t.Errorf("upstream got %s %s", rec.Path, rec.Body)
	}
	if msg.StopReason != "end_turn" || msg.Usage.InputTokens == 0 ||
		msg.Usage.OutputTokens == 0 || msg.Role != "assistant" {
		t.Errorf("answer %+v", msg)
	}
	checkTokenMetrics(t, st.url, "openai", chatModel, msg.Usage)
}

func TestAnthropicSDKWithOpenAIModelStreams(t *testing.T) {
	st := echoStack(t)
	tap := &wireTap{}
	c := antClient(st.url, tap)

	msg, types, err := antStream(t, c, richParams("openai/"+chatModel), sampling(0)...)
	if err != nil {
		t.Fatal(err)
	}
	checkEcho(t, echoOf(t, antText(&msg)), chatModel, true)
	want := []string{"message_start", "content_block_start", "content_block_delta",
		"content_block_stop", "message_delta", "message_stop"}
	if got := slices.Compact(types); !slices.Equal(got, want) {
		t.Errorf("events %v, want %v", got, want)
	}
	if msg.StopReason != "end_turn" || msg.Usage.InputTokens == 0 ||
		msg.Usage.OutputTokens == 0 {
		t.Errorf("answer %+v", msg)
	}
	_, received, _ := tap.last()
	if strings.Contains(string(received), "ping") {
		t.Errorf("a translated stream carries no ping:\n%s", received)
	}
}

func TestAnthropicParameterOpenAICannotTakeIsRefused(t *testing.T) {
	st := echoStack(t)
	c := antClient(st.url, nil)
	_, err := c.Messages.New(context.Background(), richParams("openai/"+chatModel),
		sampling(5)...)
	checkAntError(t, err, 400, "invalid_request_error", "top_k")
	if n := st.mock.Stats().Requests; n != 0 {
		t.Errorf("%d requests reached the upstream", n)
	}
}

// checkAntError checks that err is the SDK's API error with the given status, type and
// a message naming what.
func checkAntError(t *testing.T, err error, status int, typ, what string) {
	t.Helper()
	var ae *ant.Error
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want an API error", err)
	}
	if ae.StatusCode != status || string(ae.Type()) != typ ||
		!strings.Contains(ae.Message, what) {
		t.Errorf("got %d %s %q; want %d %s naming %q", ae.StatusCode, ae.Type(), ae.Message,
			status, typ, what)
	}
}

func TestOpenAISDKWithAnthropicModel(t *testing.T) {
	st := echoStack(t)
	for _, base := range []string{"/v1", "/openai/v1"} {
		c := sdk(st.url + base)
		p := openai.ChatCompletionNewParams{Model: "anthropic/" + claudeModel,
			Messages: []openai.ChatCompletionMessageParamUnion{
				openai.SystemMessage("be brief"), openai.UserMessage("hello there")},
			MaxCompletionTokens: openai.Int(300), Temperature: openai.Float(0.5),
			Stop: openai.ChatCompletionNewParamsStopUnion{OfString: openai.String("END")}}

		resp, err := c.Chat.Completions.New(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		e := echoOf(t, resp.Choices[0].Message.Content)
		if e.Model != claudeModel || !e.System || e.Messages != 1 || *e.MaxTokens != 300 ||
			*e.Temperature != 0.5 || !slices.Equal(e.Stop, []string{"END"}) || e.Stream {
			t.Errorf("%s: upstream saw %+v", base, e)
		}
		if rec := st.last(t); rec.Path != "/v1/messages" || resp.Usage.PromptTokens == 0 ||
			resp.Choices[0].FinishReason != "stop" {
			t.Errorf("%s: path %s, answer %+v", base, rec.Path, resp)
		}

		stream := c.Chat.Completions.NewStreaming(context.Background(), p)
		var acc openai.ChatCompletionAccumulator
		for stream.Next() {
			acc.AddChunk(stream.Current())
		}
		if err := stream.Err(); err != nil {
			t.Fatal(err)
		}
		e = echoOf(t, acc.Choices[0].Message.Content)
		if e.Model != claudeModel || !e.Stream || acc.Usage.CompletionTokens == 0 ||
			acc.Choices[0].FinishReason != "stop" {
			t.Errorf("%s stream: upstream saw %+v; answer %+v", base, e, acc.ChatCompletion)
		}
	}
}

func TestCountTokens(t *testing.T) {
	st := echoStack(t)
	c := antClient(st.url, nil)
	got, err := c.Messages.CountTokens(context.Background(), ant.MessageCountTokensParams{
		Model:    claudeModel,
		Messages: []ant.MessageParam{ant.NewUserMessage(ant.NewTextBlock("one two three"))},
	})
	if err != nil {
		t.Fatal(err)
	}
	if rec := st.last(t); got.InputTokens != 3 || rec.Path != "/v1/messages/count_tokens" {
		t.Errorf("count %d via %s, want 3 via count_tokens", got.InputTokens, rec.Path)
	}

	_, err = c.Messages.CountTokens(context.Background(), ant.MessageCountTokensParams{
		Model:    "openai/" + chatModel,
		Messages: []ant.MessageParam{ant.NewUserMessage(ant.NewTextBlock("one"))},
	})
	checkAntError(t, err, 400, "invalid_request_error", "count_tokens")
}

func TestAnthropicErrorTypes(t *testing.T) {
	cases := []struct {
		status int
		typ    string
		want   string
	}{
		{400, "", "invalid_request_error"}, {401, "", "authentication_error"},
		{403, "", "permission_error"}, {404, "", "not_found_error"},
		{413, "", "request_too_large"}, {429, "", "rate_limit_error"},
		{502, schemas.TypeUpstream, "api_error"}, {503, schemas.TypeQueueFull,
			"overloaded_error"}, {504, schemas.TypeTimeout, "timeout_error"},
		{502, "overloaded_error", "overloaded_error"}, {500, "server_error", "api_error"},
	}
	for _, c := range cases {
		e := &schemas.Error{StatusCode: c.status, Type: c.typ}
		if got := anthropicErrorType(e, c.status); got != c.want {
			t.Errorf("%d %q: %s, want %s", c.status, c.typ, got, c.want)
		}
	}
}
