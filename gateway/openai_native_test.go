package gateway

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

// An OpenAI answer with members the unified types do not carry: they must reach the
// client all the same.
const nativeOpenAIAnswer = `{"id":"chatcmpl-native","object":"chat.completion",` +
	`"created":1764800000,"model":"gpt-4o-mini-2024-07-18","system_fingerprint":"fp_1",` +
	`"service_tier":"flex","choices":[{"index":0,"message":{"role":"assistant",` +
	`"content":"Two.","refusal":null,"annotations":[]},"logprobs":{"content":[]},` +
	`"finish_reason":"stop"},{"index":1,"message":{"role":"assistant","content":"2"},` +
	`"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":21,` +
	`"completion_tokens":4,"total_tokens":25,"prompt_tokens_details":{"cached_tokens":8}}}`

// A request with members that translation refuses (n, logprobs) or does not know
// (service_tier, reasoning_effort): forwarded, they are the provider's to judge.
const nativeOpenAIRequest = `{"model":%q,"messages":[{"role":"user","content":"1+1?"}],` +
	`"n":2,"logprobs":true,"service_tier":"flex","reasoning_effort":"low"}`

func TestOpenAIChatForwardedUntranslated(t *testing.T) {
	st, rp := replayStack(t, "application/json", []byte(nativeOpenAIAnswer))
	bare := strings.Replace(nativeOpenAIRequest, "%q", `"`+chatModel+`"`, 1)
	prefixed := strings.Replace(nativeOpenAIRequest, "%q", `"openai/`+chatModel+`"`, 1)

	for _, c := range []struct{ route, body string }{
		{"/v1/chat/completions", prefixed},
		{"/openai/v1/chat/completions", bare},
		{"/openai/v1/chat/completions", prefixed},
	} {
		resp, got := post(t, st.url+c.route, c.body)
		if resp.StatusCode != 200 || got != nativeOpenAIAnswer {
			t.Errorf("%s: client got %d\n%s\nwant the upstream's bytes", c.route,
				resp.StatusCode, got)
		}
		up := rp.last(t)
		if up.path != "/v1/chat/completions" || up.body == nil ||
			string(up.body) != bare {
			t.Errorf("%s: upstream got %s\n%s\nwant the client's bytes with a bare model",
				c.route, up.path, up.body)
		}
		if up.header.Get("Authorization") != "Bearer sk-test" {
			t.Errorf("%s: upstream credentials %q", c.route, up.header.Get("Authorization"))
		}
		if resp.Header.Get("X-Request-Id") == "" || resp.Header.Get("X-Sluice-Overhead") == "" {
			t.Errorf("%s: headers %v", c.route, resp.Header)
		}
	}

	fams := scrape(t, st.url)
	for kind, want := range map[string]float64{"prompt": 3 * 21, "completion": 3 * 4,
		"cached": 3 * 8} {
		if v, _ := metricValue(fams, "sluice_tokens_total", map[string]string{
			"provider": "openai", "model": chatModel, "kind": kind}); v != want {
			t.Errorf("tokens %s = %v, want %v", kind, v, want)
		}
	}

	// The official SDK reads the forwarded answer, both choices included.
	client := openai.NewClient(option.WithBaseURL(st.url+"/openai/v1"),
		option.WithAPIKey("sk-client"), option.WithMaxRetries(0))
	cc, err := client.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model:    chatModel,
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("1+1?")},
		N:        openai.Int(2),
	})
	if err != nil || len(cc.Choices) != 2 || cc.Choices[0].Message.Content != "Two." ||
		cc.SystemFingerprint != "fp_1" || cc.Usage.TotalTokens != 25 {
		t.Errorf("SDK read %+v, %v", cc, err)
	}
}

const nativeOpenAIStream = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\"," +
	"\"created\":1,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":" +
	"{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}],\"obfuscation\":\"x\"}\n\n" +
	": keep-alive\n\n" +
	"data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":" +
	"\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Two.\"}," +
	"\"finish_reason\":\"stop\"}]}\n\n" +
	"data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":" +
	"\"gpt-4o-mini\",\"choices\":[],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":2," +
	"\"total_tokens\":13}}\n\n" +
	"data: [DONE]\n\n"

func TestOpenAIChatStreamForwardedUntranslated(t *testing.T) {
	st, rp := replayStack(t, "text/event-stream", []byte(nativeOpenAIStream))

	// Without stream_options, usage is asked for, as a translated stream does; with
	// them, the client's choice stands.
	asked := `{"model":"openai/gpt-4o-mini","stream":true,"messages":[]}`
	want := `{"stream_options":{"include_usage":true},"model":"gpt-4o-mini",` +
		`"stream":true,"messages":[]}`
	own := `{"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":false},` +
		`"messages":[]}`
	for _, c := range []struct{ sent, up string }{{asked, want}, {own, own}} {
		resp, got := post(t, st.url+"/openai/v1/chat/completions", c.sent)
		if resp.StatusCode != 200 || got != nativeOpenAIStream ||
			resp.Header.Get("Content-Type") != "text/event-stream" {
			t.Errorf("client got %d %v\n%q\nwant the upstream's bytes", resp.StatusCode,
				resp.Header, got)
		}
		if up := rp.last(t); string(up.body) != c.up {
			t.Errorf("upstream got\n%s\nwant\n%s", up.body, c.up)
		}
	}
	fams := scrape(t, st.url)
	if v, _ := metricValue(fams, "sluice_tokens_total", map[string]string{
		"provider": "openai", "model": chatModel, "kind": "completion"}); v != 4 {
		t.Errorf("completion tokens = %v, want 4", v)
	}
}

func TestOpenAINativeStreamCutEndsWithAnError(t *testing.T) {
	cut, _, _ := strings.Cut(nativeOpenAIStream, ": keep-alive")
	st, _ := replayStack(t, "text/event-stream", []byte(cut))
	resp, got := post(t, st.url+"/v1/chat/completions",
		`{"model":"openai/gpt-4o-mini","stream":true,"messages":[]}`)
	if resp.StatusCode != 200 || !strings.HasPrefix(got, cut) ||
		strings.Contains(got, "\ndata: [DONE]\n") ||
		!strings.Contains(got[len(cut):], `data: {"error":{"message":`) ||
		!strings.Contains(got, "ended before data: [DONE]") {
		t.Errorf("client got %d\n%s\nwant the chunks, then an error event", resp.StatusCode, got)
	}
}

func TestOpenAIChatWithFallbacksIsTranslated(t *testing.T) {
	st, rp := replayStack(t, "application/json", []byte(nativeOpenAIAnswer))
	resp, got := post(t, st.url+"/v1/chat/completions", `{"model":"openai/gpt-4o-mini",`+
		`"messages":[{"role":"user","content":"hi"}],"fallbacks":null}`)
	if resp.StatusCode != 200 || !strings.Contains(got, `"chatcmpl-native"`) {
		t.Fatalf("client got %d\n%s", resp.StatusCode, got)
	}
	// Translation re-encodes the request from the unified types: the member that is
	// sluice's own is gone.
	if up := rp.last(t); bytes.Contains(up.body, []byte("fallbacks")) {
		t.Errorf("upstream got %s", up.body)
	}
	// A malformed body is answered by the translation path's errors.
	resp, got = post(t, st.url+"/v1/chat/completions", `{"model":"openai/gpt-4o-mini",`+
		`"messages":[{"role":"user","content":"hi"}],"stream":"yes"}`)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(got, `"param":"stream"`) {
		t.Errorf("client got %d\n%s", resp.StatusCode, got)
	}
}
