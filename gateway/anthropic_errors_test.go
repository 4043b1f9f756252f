package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	ant "github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/sluicegw/sluice/mockllm"
	"github.com/sluicegw/sluice/schemas"
)

// TestStreamFailureBecomesErrorEvent: however an upstream stream fails after it began,
// native or translated, the client's stream ends with an Anthropic error event that
// the SDK reports, and never with message_stop.
func TestStreamFailureBecomesErrorEvent(t *testing.T) {
	cases := []struct {
		model string
		fault mockllm.Fault
		msg   string // part of the message the client gets
	}{
		{claudeModel, mockllm.FaultErrorEvent, "injected fault error-event"},
		{claudeModel, mockllm.FaultCut, "ended before message_stop"},
		{claudeModel, mockllm.FaultResetMidBody, "anthropic"},
		{"openai/" + chatModel, mockllm.FaultErrorEvent, "injected fault error-event"},
		{"openai/" + chatModel, mockllm.FaultCut, "[DONE]"},
	}
	st := startAntStack(t, nil, mockllm.Options{AnswerWords: 40, TokensPerChunk: 2},
		schemas.ConcurrencyAndBufferSize{}, false)
	for _, c := range cases {
		tap := &wireTap{}
		client := antClient(st.url, tap)
		st.mock.Arm(c.fault, 1)
		p := ant.MessageNewParams{Model: ant.Model(c.model), MaxTokens: 100,
			Messages: []ant.MessageParam{ant.NewUserMessage(ant.NewTextBlock("go on"))}}
		msg, types, err := antStream(t, client, p)

		_, received, _ := tap.last()
		events := string(received)
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s %s: stream error %v, want one naming %q", c.model, c.fault, err, c.msg)
		}
		if strings.Contains(events, "event: message_stop") || !strings.Contains(events,
			"event: error\ndata: ") || !strings.HasSuffix(events, "}\n\n") {
			t.Errorf("%s %s: stream\n%s\nwant an error event at the end and no message_stop",
				c.model, c.fault, events)
		}
		if len(types) == 0 || types[0] != "message_start" || antText(&msg) == "" {
			t.Errorf("%s %s: events %v, text %q; want part of the answer first", c.model,
				c.fault, types, antText(&msg))
		}
	}
}

// errorBody is what an Anthropic error answer holds.
func errorBody(t *testing.T, body string) anthropicError {
	t.Helper()
	var e anthropicError
	if err := json.Unmarshal([]byte(body), &e); err != nil || e.Type != "error" {
		t.Fatalf("body %q is not an Anthropic error", body)
	}
	return e
}

func TestAnthropicBadRequestsNameTheField(t *testing.T) {
	st := echoStack(t)
	msgs := `"messages":[{"role":"user","content":"hi"}]`
	openaiModel := `"model":"openai/gpt-4o-mini","max_tokens":10,`
	cases := []struct{ body, field string }{
		{`{` + openaiModel + msgs + `,"container":"c1"}`, "container"},
		{`{` + openaiModel + msgs + `,"thinking":{"type":"enabled","budget_tokens":1024}}`,
			"thinking"},
		{`{` + openaiModel + `"messages":[{"role":"user","content":[{"type":"document",` +
			`"source":{"type":"text","media_type":"text/plain","data":"x"}}]}]}`,
			"messages[0].content[0]"},
		{`{"model":"openai/gpt-4o-mini",` + msgs + `}`, "max_tokens"},
		{`{` + openaiModel + `"messages":[]}`, "messages"},
		{`{"max_tokens":10,` + msgs + `}`, "model"},
		{`{"model":5,` + msgs + `}`, "model"},
		{`{"model":"claude-x",` + msgs + `,"fallbacks":"openai/x"}`, "fallbacks"},
		{`{"model":"claude-x",` + msgs, "JSON"},
	}
	for _, c := range cases {
		resp, body := post(t, st.url+"/anthropic/v1/messages", c.body)
		e := errorBody(t, body)
		if resp.StatusCode != 400 || e.Error.Type != "invalid_request_error" ||
			!strings.Contains(e.Error.Message, c.field) {
			t.Errorf("%s: %d %s; want 400 naming %s", c.body, resp.StatusCode, body, c.field)
		}
	}
	if n := st.mock.Stats().Requests; n != 0 {
		t.Errorf("%d refused requests reached the upstream", n)
	}
}

func TestAnthropicRoutesAnswerInAnthropicShape(t *testing.T) {
	st := echoStack(t)
	resp, err := http.Get(st.url + "/anthropic/v1/messages")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET messages: %d allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
	resp, body := post(t, st.url+"/anthropic/v1/nothing", "{}")
	if e := errorBody(t, body); resp.StatusCode != 404 || e.Error.Type != "not_found_error" {
		t.Errorf("unknown route: %d %s", resp.StatusCode, body)
	}
}

func TestUpstreamRateLimitKeepsRetryAfter(t *testing.T) {
	st := echoStack(t)
	for _, model := range []string{claudeModel, "openai/" + chatModel} {
		st.mock.Arm(mockllm.Fault429, 1)
		c := antClient(st.url, nil)
		_, err := c.Messages.New(context.Background(), ant.MessageNewParams{
			Model: ant.Model(model), MaxTokens: 10,
			Messages: []ant.MessageParam{ant.NewUserMessage(ant.NewTextBlock("hi"))}})
		checkAntError(t, err, 429, "rate_limit_error", "injected fault 429")
		if retryAfterOf(err) != "1" {
			t.Errorf("%s: Retry-After not passed on", model)
		}
	}
}

// TestQueueFullIsOverloaded: a native request refused by a full queue is a 503
// overloaded_error, which the SDK knows to retry.
func TestQueueFullIsOverloaded(t *testing.T) {
	st := startAntStack(t, nil, mockllm.Options{Latency: 500 * time.Millisecond},
		schemas.ConcurrencyAndBufferSize{Concurrency: 1, BufferSize: 0}, true)
	c := antClient(st.url, nil)
	p := ant.MessageNewParams{Model: claudeModel, MaxTokens: 10,
		Messages: []ant.MessageParam{ant.NewUserMessage(ant.NewTextBlock("hi"))}}
	first := make(chan error, 1)
	go func() {
		_, err := c.Messages.New(context.Background(), p)
		first <- err
	}()
	deadline := time.Now().Add(2 * time.Second)
	for st.mock.Stats().InFlight == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	_, err := c.Messages.New(context.Background(), p)
	checkAntError(t, err, 503, "overloaded_error", "queue is full")
	if retryAfterOf(err) == "" {
		t.Error("503 without Retry-After")
	}
	if err := <-first; err != nil {
		t.Errorf("the request holding the worker: %v", err)
	}
}

// retryAfterOf returns the Retry-After header of the answer behind an SDK error.
func retryAfterOf(err error) string {
	var ae *ant.Error
	if !errors.As(err, &ae) || ae.Response == nil {
		return ""
	}
	return ae.Response.Header.Get("Retry-After")
}

// TestNativeStreamClientLeaving: a client that leaves a native stream ends the
// upstream call and frees the provider's worker.
func TestNativeStreamClientLeaving(t *testing.T) {
	st := startAntStack(t, nil, mockllm.Options{Latency: 2 * time.Second, AnswerWords: 40},
		schemas.ConcurrencyAndBufferSize{Concurrency: 1, BufferSize: 0}, true)
	c := antClient(st.url, nil)
	ctx, cancel := context.WithCancel(context.Background())
	s := c.Messages.NewStreaming(ctx, ant.MessageNewParams{
		Model: claudeModel, MaxTokens: 100,
		Messages: []ant.MessageParam{ant.NewUserMessage(ant.NewTextBlock("go on"))}})
	if !s.Next() || s.Current().Type != "message_start" {
		t.Fatalf("first event %v, %v", s.Current().Type, s.Err())
	}
	cancel()
	s.Close()

	deadline := time.Now().Add(time.Second)
	for st.mock.Stats().Canceled == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the upstream call went on after the client left")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// The provider's only worker is free again.
	for {
		busy, ok := metricValue(scrape(t, st.url), "sluice_workers_busy",
			map[string]string{"provider": "anthropic"})
		if ok && busy == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("busy workers %v after the client left", busy)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestFallbacksOnTheAnthropicRoute: a request naming fallbacks is translated, even for
// a claude model, so that a fallback to another provider answers in Anthropic's shape.
func TestFallbacksOnTheAnthropicRoute(t *testing.T) {
	st := echoStack(t)
	st.mock.Arm(mockllm.Fault503, 1)
	resp, body := post(t, st.url+"/anthropic/v1/messages", `{"model":"`+claudeModel+
		`","max_tokens":10,"messages":[{"role":"user","content":"hi"}],`+
		`"fallbacks":["openai/`+chatModel+`"]}`)
	var msg ant.Message
	if err := json.Unmarshal([]byte(body), &msg); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if e := echoOf(t, antText(&msg)); e.Model != chatModel ||
		resp.Header.Get("X-Sluice-Provider") != "openai" {
		t.Errorf("answered by %s: %+v", resp.Header.Get("X-Sluice-Provider"), e)
	}
	reqs := st.mock.Requests()
	if len(reqs) != 2 || reqs[0].Provider != "anthropic" || reqs[1].Provider != "openai" ||
		strings.Contains(string(reqs[0].Body), "fallbacks") {
		t.Errorf("upstream got %d requests; first %s", len(reqs), reqs[0].Body)
	}
}
