package providers_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sluicegw/sluice/mockllm"
	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/providers/anthropic"
	"github.com/sluicegw/sluice/providers/openai"
	"github.com/sluicegw/sluice/schemas"
)

// adapters are the adapters of this module that mockllm speaks to, each checked
// against the same scenarios.
var adapters = []struct {
	name  schemas.ModelProvider
	model string
	build func(providers.Options) (providers.Provider, error)
}{
	{schemas.OpenAI, "gpt-4o-mini", func(o providers.Options) (providers.Provider, error) {
		return openai.New(o)
	}},
	{schemas.Anthropic, "claude-sonnet-4-5", func(o providers.Options) (providers.Provider, error) {
		return anthropic.New(o)
	}},
}

var mockKey = &schemas.Key{Value: "sk-mock-0123456789"}

// forEachAdapter runs test for each adapter against one mock server; headers are
// sent on every request, as configured extra headers.
func forEachAdapter(t *testing.T, headers map[string]string,
	test func(t *testing.T, p providers.Provider, model string)) {
	srv := httptest.NewServer(mockllm.New(mockllm.Options{}))
	t.Cleanup(srv.Close)
	for _, a := range adapters {
		t.Run(string(a.name), func(t *testing.T) {
			p, err := a.build(providers.Options{Provider: a.name, Config: &schemas.ProviderConfig{
				NetworkConfig: schemas.NetworkConfig{BaseURL: srv.URL, ExtraHeaders: headers}}})
			if err != nil {
				t.Fatal(err)
			}
			test(t, p, a.model)
		})
	}
}

func ask(model string, params *schemas.ChatParams, msgs ...schemas.Message) *schemas.ChatRequest {
	return &schemas.ChatRequest{Model: model, Params: params, Messages: msgs}
}

func user(s string) schemas.Message {
	return schemas.Message{Role: schemas.RoleUser, Content: schemas.Text(s)}
}

var weatherTool = schemas.Tool{Type: "function", Function: schemas.ToolFunction{
	Name: "get_weather", Parameters: json.RawMessage(`{"type":"object"}`)}}

func TestMockChat(t *testing.T) {
	forEachAdapter(t, nil, func(t *testing.T, p providers.Provider, model string) {
		resp, err := p.ChatCompletion(context.Background(), mockKey,
			ask(model, nil, user("three words here")))
		if err != nil {
			t.Fatal(err)
		}
		ch := resp.Choices[0]
		if n := len(strings.Fields(ch.Message.Content.String())); n != 12 ||
			ch.FinishReason != schemas.FinishStop || resp.Usage.PromptTokens != 3 ||
			resp.Usage.CompletionTokens != 12 {
			t.Errorf("answer %q (%d words), finish %q, usage %+v",
				ch.Message.Content.String(), n, ch.FinishReason, resp.Usage)
		}
	})
}

// TestMockEcho checks what reached the upstream after translation.
func TestMockEcho(t *testing.T) {
	temp := 0.3
	maxTokens := 50
	params := &schemas.ChatParams{MaxTokens: &maxTokens, Temperature: &temp,
		Stop: []string{"END"}, Tools: []schemas.Tool{weatherTool}}
	call := schemas.ToolCall{ID: "call_1", Type: "function", Function: schemas.ToolCallFunction{
		Name: "get_weather", Arguments: `{"city":"Paris"}`}}
	msgs := []schemas.Message{
		{Role: schemas.RoleSystem, Content: schemas.Text("be brief")},
		user("weather in Paris?"),
		{Role: schemas.RoleAssistant, ToolCalls: []schemas.ToolCall{call}},
		{Role: schemas.RoleTool, ToolCallID: "call_1", Content: schemas.Text("18C")},
	}
	forEachAdapter(t, map[string]string{"x-mock-echo": "1"},
		func(t *testing.T, p providers.Provider, model string) {
			resp, err := p.ChatCompletion(context.Background(), mockKey, ask(model, params, msgs...))
			if err != nil {
				t.Fatal(err)
			}
			e, err := mockllm.ParseEcho(resp.Choices[0].Message.Content.String())
			if err != nil {
				t.Fatal(err)
			}
			if e.Model != model || e.Messages != 3 || !e.System || len(e.Tools) != 1 ||
				e.Tools[0] != "get_weather" || *e.MaxTokens != 50 || *e.Temperature != 0.3 ||
				len(e.Stop) != 1 || e.Stop[0] != "END" || e.Stream {
				t.Errorf("upstream saw %+v", e)
			}
		})
}

func TestMockToolCall(t *testing.T) {
	params := &schemas.ChatParams{Tools: []schemas.Tool{weatherTool}}
	forEachAdapter(t, nil, func(t *testing.T, p providers.Provider, model string) {
		resp, err := p.ChatCompletion(context.Background(), mockKey,
			ask(model, params, user("Paris")))
		if err != nil {
			t.Fatal(err)
		}
		ch := resp.Choices[0]
		if len(ch.Message.ToolCalls) != 1 || ch.FinishReason != schemas.FinishToolCalls ||
			ch.Message.ToolCalls[0].Function.Name != "get_weather" ||
			ch.Message.ToolCalls[0].Function.Arguments != `{"text":"Paris"}` {
			t.Errorf("answer %+v", ch)
		}

		s, err := p.(providers.ChatStreamer).ChatCompletionStream(context.Background(), mockKey,
			ask(model, params, user("Paris")))
		if err != nil {
			t.Fatal(err)
		}
		var args, name string
		var finish *string
		for _, c := range drain(t, s) {
			for _, ch := range c.Choices {
				for _, tc := range ch.Delta.ToolCalls {
					args += tc.Function.Arguments
					name += tc.Function.Name
				}
				if ch.FinishReason != nil {
					finish = ch.FinishReason
				}
			}
		}
		if args != `{"text":"Paris"}` || name != "get_weather" || finish == nil ||
			*finish != schemas.FinishToolCalls {
			t.Errorf("streamed call %s(%s), finish %v", name, args, finish)
		}
	})
}

// drain reads s to io.EOF, failing the test on any other end.
func drain(t *testing.T, s providers.Stream) []*schemas.ChatStreamChunk {
	t.Helper()
	defer s.Close()
	var chunks []*schemas.ChatStreamChunk
	for {
		c, err := s.Next()
		if err == io.EOF {
			return chunks
		}
		if err != nil {
			t.Fatalf("stream failed after %d chunks: %v", len(chunks), err)
		}
		chunks = append(chunks, c)
	}
}

func TestMockStream(t *testing.T) {
	forEachAdapter(t, nil, func(t *testing.T, p providers.Provider, model string) {
		s, err := p.(providers.ChatStreamer).ChatCompletionStream(context.Background(), mockKey,
			ask(model, nil, user("two words")))
		if err != nil {
			t.Fatal(err)
		}
		chunks := drain(t, s)
		var text strings.Builder
		for _, c := range chunks {
			for _, ch := range c.Choices {
				text.WriteString(ch.Delta.Content)
			}
		}
		last := chunks[len(chunks)-1]
		if n := len(strings.Fields(text.String())); n != 12 || last.Usage == nil ||
			last.Usage.PromptTokens != 2 || last.Usage.CompletionTokens != 12 {
			t.Errorf("streamed %q (%d words), last usage %+v", text.String(), n, last.Usage)
		}
	})
}

// TestMockFaults checks the error each fault becomes, for plain and streamed calls.
func TestMockFaults(t *testing.T) {
	tests := []struct {
		fault  string
		stream bool
		kind   error
		msg    string
	}{
		{"400", false, schemas.ErrBadRequest, ""},
		{"429", false, schemas.ErrRateLimited, ""},
		{"500", false, schemas.ErrUpstream, ""},
		{"503", true, schemas.ErrUpstream, ""},
		{"reset", false, schemas.ErrUpstream, "cannot reach upstream"},
		{"reset", true, schemas.ErrUpstream, "cannot reach upstream"},
		{"reset-mid-body", false, schemas.ErrUpstream, ""},
		{"reset-mid-body", true, schemas.ErrUpstream, ""},
		{"malformed", false, schemas.ErrUpstream, "malformed"},
		{"malformed", true, schemas.ErrUpstream, "malformed"},
		{"cut", false, schemas.ErrUpstream, ""},
		{"cut", true, schemas.ErrUpstream, "stream ended before"},
		{"error-event", true, schemas.ErrUpstream, ""},
	}
	for _, tt := range tests {
		name := tt.fault
		if tt.stream {
			name += " stream"
		}
		t.Run(name, func(t *testing.T) {
			headers := map[string]string{"x-mock-fault": tt.fault, "x-mock-retry-after": "2"}
			forEachAdapter(t, headers, func(t *testing.T, p providers.Provider, model string) {
				err := call(t, p, model, tt.stream)
				var e *schemas.Error
				if !errors.As(err, &e) || !errors.Is(err, tt.kind) ||
					!strings.Contains(err.Error(), tt.msg) {
					t.Fatalf("err = %v, want %v containing %q", err, tt.kind, tt.msg)
				}
				if tt.fault == "429" && e.RetryAfter != 2*time.Second {
					t.Errorf("RetryAfter = %v", e.RetryAfter)
				}
			})
		})
	}
}

func TestMockBadKey(t *testing.T) {
	forEachAdapter(t, nil, func(t *testing.T, p providers.Provider, model string) {
		_, err := p.ChatCompletion(context.Background(), &schemas.Key{Value: "invalid"},
			ask(model, nil, user("hi")))
		if !errors.Is(err, schemas.ErrAuth) {
			t.Fatalf("err = %v, want ErrAuth", err)
		}
	})
}

// call makes one call and returns its error: for a stream, the error that ended it.
func call(t *testing.T, p providers.Provider, model string, stream bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req := ask(model, nil, user("hello there"))
	if !stream {
		_, err := p.ChatCompletion(ctx, mockKey, req)
		return err
	}
	s, err := p.(providers.ChatStreamer).ChatCompletionStream(ctx, mockKey, req)
	if err != nil {
		return err
	}
	defer s.Close()
	for {
		if _, err := s.Next(); err != nil {
			if err == io.EOF {
				t.Fatal("the stream ended normally despite the fault")
			}
			return err
		}
	}
}

// TestMockStallTimesOut checks that a deadline reached while the upstream holds an
// answer open is reported as a timeout, before and during a stream.
func TestMockStallTimesOut(t *testing.T) {
	for _, stream := range []bool{false, true} {
		forEachAdapter(t, map[string]string{"x-mock-fault": "stall"},
			func(t *testing.T, p providers.Provider, model string) {
				ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
				defer cancel()
				var err error
				if stream {
					var s providers.Stream
					s, err = p.(providers.ChatStreamer).ChatCompletionStream(ctx, mockKey,
						ask(model, nil, user("hi")))
					for err == nil {
						_, err = s.Next()
					}
				} else {
					_, err = p.ChatCompletion(ctx, mockKey, ask(model, nil, user("hi")))
				}
				if !errors.Is(err, schemas.ErrTimeout) {
					t.Fatalf("stream %v: err = %v, want ErrTimeout", stream, err)
				}
			})
	}
}
