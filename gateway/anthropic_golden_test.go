package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	ant "github.com/anthropics/anthropic-sdk-go/v2"
	antopt "github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/sluicegw/sluice/mockllm"
	"github.com/sluicegw/sluice/schemas"
)

// The golden files of testdata/anthropic hold, for each direction of translation, the
// client's request, the upstream's recorded answers (upstream_*), and what the gateway
// must send: the request the upstream gets and the answer the client gets. Run the
// tests with -update-anthropic to rewrite the expected files, then read the diff.
var updateAnthropic = flag.Bool("update-anthropic", false,
	"rewrite the expected files of testdata/anthropic from the gateway's output")

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "anthropic", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// created is the one field of OpenAI's answers that depends on the clock.
var created = regexp.MustCompile(`"created":\s*\d+`)

// checkGolden compares got with the expected file name: JSON by value, with its
// "created" members zeroed, and anything else byte for byte.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	isJSON := filepath.Ext(name) == ".json"
	if isJSON {
		got = indentJSON(t, created.ReplaceAll(got, []byte(`"created":0`)))
	}
	path := filepath.Join("testdata", "anthropic", name)
	if *updateAnthropic {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want := fixture(t, name)
	if isJSON {
		want = indentJSON(t, want)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs; got:\n%s", name, got)
	}
}

func indentJSON(t *testing.T, b []byte) []byte {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(out, '\n')
}

// withStream returns a JSON object with "stream": true added in front.
func withStream(body []byte) []byte {
	return append([]byte(`{"stream":true,`), bytes.TrimSpace(body)[1:]...)
}

// withoutMembers returns a JSON object without the named members, re-encoded.
func withoutMembers(t *testing.T, body []byte, names ...string) []byte {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		delete(m, n)
	}
	out, _ := json.Marshal(m)
	return out
}

func replayStack(t *testing.T, contentType string, body []byte) (*antStack, *replay) {
	rp := &replay{status: http.StatusOK, contentType: contentType, body: body}
	return startAntStack(t, rp, mockllm.Options{}, schemas.ConcurrencyAndBufferSize{}, false), rp
}

// checkAntAnswer checks what the Anthropic SDK read from the to_openai answers: text,
// two parallel tool calls, the stop reason, and the usage with cache reads apart.
func checkAntAnswer(t *testing.T, msg *ant.Message) {
	t.Helper()
	if len(msg.Content) != 3 || msg.Content[0].Text != "Checking flights to both." {
		t.Fatalf("content %+v", msg.Content)
	}
	for i, to := range map[int]string{1: "OSL", 2: "LIS"} {
		b := msg.Content[i]
		if b.Type != "tool_use" || b.Name != "flights" || compactJSON(t, b.Input) !=
			`{"to":"`+to+`"}` {
			t.Errorf("block %d: %+v %s", i, b, b.Input)
		}
	}
	u := msg.Usage
	if msg.StopReason != "tool_use" || u.InputTokens+u.CacheReadInputTokens != 310 ||
		u.CacheReadInputTokens != 128 || u.OutputTokens != 42 {
		t.Errorf("stop %s, usage %+v", msg.StopReason, u)
	}
}

func TestGoldenAnthropicClientToOpenAI(t *testing.T) {
	request := fixture(t, "to_openai/request.json")

	st, rp := replayStack(t, "application/json", fixture(t, "to_openai/upstream_response.json"))
	tap := &wireTap{}
	c := antClient(st.url, tap)
	msg, err := c.Messages.New(context.Background(),
		ant.MessageNewParams{}, antopt.WithRequestBody("application/json", request))
	if err != nil {
		t.Fatal(err)
	}
	_, received, _ := tap.last()
	upstream := rp.last(t)
	if upstream.path != "/v1/chat/completions" {
		t.Errorf("upstream path %s", upstream.path)
	}
	checkGolden(t, "to_openai/upstream_request.json", upstream.body)
	checkGolden(t, "to_openai/response.json", received)
	checkAntAnswer(t, msg)

	st, rp = replayStack(t, "text/event-stream", fixture(t, "to_openai/upstream_stream.sse"))
	tap = &wireTap{}
	streamed, _, err := antStream(t, antClient(st.url, tap), ant.MessageNewParams{},
		antopt.WithRequestBody("application/json", withStream(request)))
	if err != nil {
		t.Fatal(err)
	}
	_, received, _ = tap.last()
	checkGolden(t, "to_openai/stream.sse", received)
	checkAntAnswer(t, &streamed)
	// The streamed request is the same one, asking for a stream with usage.
	sent := rp.last(t).body
	if !bytes.Contains(sent, []byte(`"stream":true,"stream_options":{"include_usage":true}`)) ||
		!bytes.Equal(indentJSON(t, withoutMembers(t, sent, "stream", "stream_options")),
			indentJSON(t, fixture(t, "to_openai/upstream_request.json"))) {
		t.Errorf("streamed upstream request %s", sent)
	}
}

// checkOpenAIAnswer checks what the OpenAI SDK read from the from_openai answers.
func checkOpenAIAnswer(t *testing.T, ch openai.ChatCompletionChoice, u openai.CompletionUsage) {
	t.Helper()
	tc := ch.Message.ToolCalls
	if ch.Message.Content != "Checking flights to both." || len(tc) != 2 ||
		ch.FinishReason != "tool_calls" {
		t.Fatalf("choice %+v", ch)
	}
	for i, to := range []string{"OSL", "LIS"} {
		if tc[i].Function.Name != "flights" || compactJSON(t,
			[]byte(tc[i].Function.Arguments)) != `{"to":"`+to+`"}` {
			t.Errorf("call %d: %+v", i, tc[i])
		}
	}
	if u.PromptTokens != 310 || u.PromptTokensDetails.CachedTokens != 128 ||
		u.CompletionTokens != 42 || u.TotalTokens != 352 {
		t.Errorf("usage %+v", u)
	}
}

func TestGoldenOpenAIClientToAnthropic(t *testing.T) {
	request := fixture(t, "from_openai/request.json")
	client := func(url string, tap *wireTap) openai.Client {
		return openai.NewClient(option.WithBaseURL(url+"/v1"), option.WithAPIKey("sk-client"),
			option.WithMaxRetries(0), option.WithMiddleware(tap.middleware))
	}

	st, rp := replayStack(t, "application/json",
		fixture(t, "from_openai/upstream_response.json"))
	tap := &wireTap{}
	c := client(st.url, tap)
	resp, err := c.Chat.Completions.New(context.Background(),
		openai.ChatCompletionNewParams{}, option.WithRequestBody("application/json", request))
	if err != nil {
		t.Fatal(err)
	}
	_, received, _ := tap.last()
	if up := rp.last(t); up.path != "/v1/messages" || up.header.Get("X-Api-Key") != "sk-test" {
		t.Errorf("upstream path %s key %q", up.path, up.header.Get("X-Api-Key"))
	}
	checkGolden(t, "from_openai/upstream_request.json", rp.last(t).body)
	checkGolden(t, "from_openai/response.json", received)
	checkOpenAIAnswer(t, resp.Choices[0], resp.Usage)

	st, _ = replayStack(t, "text/event-stream", fixture(t, "from_openai/upstream_stream.sse"))
	tap = &wireTap{}
	c = client(st.url, tap)
	stream := c.Chat.Completions.NewStreaming(context.Background(),
		openai.ChatCompletionNewParams{},
		option.WithRequestBody("application/json", withStream(request)))
	var acc openai.ChatCompletionAccumulator
	for stream.Next() {
		acc.AddChunk(stream.Current())
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	_, received, _ = tap.last()
	checkGolden(t, "from_openai/stream.sse", created.ReplaceAll(received,
		[]byte(`"created":0`)))
	checkOpenAIAnswer(t, acc.Choices[0], acc.Usage)
}

func TestNativePassthroughPreservesBytes(t *testing.T) {
	request := fixture(t, "native/request.json")
	answer := fixture(t, "native/upstream_stream.sse")
	st, rp := replayStack(t, "text/event-stream", answer)

	req, _ := http.NewRequest(http.MethodPost, st.url+"/anthropic/v1/messages",
		bytes.NewReader(request))
	req.Header.Set("Anthropic-Version", "2023-06-01")
	req.Header.Set("Anthropic-Beta", "interleaved-thinking-2025-05-14")
	req.Header.Set("X-Api-Key", "sk-client-key")
	resp, got := do(t, req)
	up := rp.last(t)
	if got != string(answer) || resp.StatusCode != 200 {
		t.Errorf("client got %d\n%s\nwant the upstream's bytes", resp.StatusCode, got)
	}
	if !bytes.Equal(up.body, request) {
		t.Errorf("upstream got\n%s\nwant the client's bytes", up.body)
	}
	if up.header.Get("X-Api-Key") != "sk-test" || up.header.Get("Anthropic-Beta") !=
		"interleaved-thinking-2025-05-14" || up.header.Get("Anthropic-Version") != "2023-06-01" {
		t.Errorf("upstream headers %v", up.header)
	}
	if resp.Header.Get("Request-Id") != "req_replay" ||
		resp.Header.Get("Anthropic-Organization-Id") != "" {
		t.Errorf("client headers %v", resp.Header)
	}
	fams := scrape(t, st.url)
	for kind, want := range map[string]float64{"prompt": 1436, "completion": 57,
		"cached": 1024} {
		if v, _ := metricValue(fams, "sluice_tokens_total", map[string]string{
			"provider": "anthropic", "model": claudeModel, "kind": kind}); v != want {
			t.Errorf("tokens %s = %v, want %v", kind, v, want)
		}
	}

	// The official SDK reads the relayed stream, thinking block included.
	msg, _, err := antStream(t, antClient(st.url, nil), ant.MessageNewParams{},
		antopt.WithRequestBody("application/json", request))
	if err != nil || len(msg.Content) != 2 || msg.Content[0].Type != "thinking" ||
		msg.Content[1].Text != "Yes: été <b>&</b> light nights." || msg.Usage.OutputTokens != 57 {
		t.Errorf("SDK read %+v, %v", msg, err)
	}
}

func TestNativePassthroughWholeAnswer(t *testing.T) {
	answer := fixture(t, "native/upstream_response.json")
	st, rp := replayStack(t, "application/json", answer)
	// A prefixed model is the one thing that changes on the way.
	request := bytes.Replace(fixture(t, "native/request.json"), []byte(`"stream":true`),
		[]byte(`"stream":false`), 1)
	prefixed := bytes.Replace(request, []byte(`"claude-sonnet-4-5"`),
		[]byte(`"anthropic/claude-sonnet-4-5"`), 1)

	for _, body := range [][]byte{request, prefixed} {
		resp, got := post(t, st.url+"/anthropic/v1/messages", string(body))
		if got != string(answer) || resp.StatusCode != 200 {
			t.Errorf("client got %d\n%s\nwant the upstream's bytes", resp.StatusCode, got)
		}
		if up := rp.last(t); !bytes.Equal(up.body, request) {
			t.Errorf("upstream got\n%s\nwant\n%s", up.body, request)
		}
	}
}

// do sends req and returns the response with its body read.
func do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	return resp, b.String()
}
