package mockllm

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/azure"
	"github.com/openai/openai-go/v3/option"
)

func azureClient(srv, key string) *openai.Client {
	c := openai.NewClient(azure.WithEndpoint(srv, "2024-10-21"), azure.WithAPIKey(key),
		azure.WithUnsafeAllowHTTP(), option.WithMaxRetries(0))
	return &c
}

func TestAzureChatAndEmbeddings(t *testing.T) {
	m, srv := serve(t, Options{})
	client := azureClient(srv.URL, "azkey")
	p := chatParams()
	p.Model = "my-deployment"

	resp, err := client.Chat.Completions.New(testCtx(t), p)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Choices[0].Message.Content != sentence(12) {
		t.Errorf("content %q", resp.Choices[0].Message.Content)
	}
	rec, _ := m.LastRequest()
	if rec.Provider != "azure" || rec.Path != "/openai/deployments/my-deployment/chat/completions" ||
		rec.Query.Get("api-version") != "2024-10-21" || rec.Key != "azkey" {
		t.Errorf("recorded %s %s %v key %q", rec.Provider, rec.Path, rec.Query, rec.Key)
	}

	stream := client.Chat.Completions.NewStreaming(testCtx(t), p)
	var acc openai.ChatCompletionAccumulator
	for stream.Next() {
		acc.AddChunk(stream.Current())
	}
	if stream.Err() != nil || acc.Choices[0].Message.Content != sentence(12) {
		t.Errorf("stream %q, %v", acc.Choices[0].Message.Content, stream.Err())
	}

	emb, err := client.Embeddings.New(testCtx(t), openai.EmbeddingNewParams{Model: "emb",
		Input: openai.EmbeddingNewParamsInputUnion{OfString: openai.String("hello")}})
	if err != nil || len(emb.Data) != 1 || len(emb.Data[0].Embedding) != defaultDims {
		t.Errorf("embeddings %+v, %v", emb, err)
	}
}

func TestAzureErrors(t *testing.T) {
	_, srv := serve(t, Options{})
	var apiErr *openai.Error
	_, err := azureClient(srv.URL, "bad").Chat.Completions.New(testCtx(t), chatParams())
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 || apiErr.Code != "401" {
		t.Errorf("bad key: %v", err)
	}

	resp := post(t, srv.URL+"/openai/deployments/d/chat/completions",
		`{"messages":[{"role":"user","content":"hi"}]}`, "api-key: k")
	body, _ := readAll(resp)
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, `"code":"404"`) {
		t.Errorf("missing api-version: %d %s", resp.StatusCode, body)
	}
}

// Cohere has no official Go SDK here, so these structs follow Cohere's documented v2
// fields and the test decodes into them strictly.
type cohereChatResponse struct {
	ID           string `json:"id"`
	FinishReason string `json:"finish_reason"`
	Message      struct {
		Role    string `json:"role"`
		Content []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		} `json:"content"`
		ToolPlan  string `json:"tool_plan"`
		ToolCalls []struct {
			ID       string `json:"id"`
			Type     string `json:"type"`
			Function struct {
				Name      string `json:"name"`
				Arguments string `json:"arguments"`
			} `json:"function"`
		} `json:"tool_calls"`
	} `json:"message"`
	Usage struct {
		BilledUnits struct {
			InputTokens  int `json:"input_tokens"`
			OutputTokens int `json:"output_tokens"`
		} `json:"billed_units"`
		Tokens struct {
			InputTokens  int `json:"input_tokens"`
			OutputTokens int `json:"output_tokens"`
		} `json:"tokens"`
	} `json:"usage"`
}

type cohereStreamEvent struct {
	Type  string `json:"type"`
	Index int    `json:"index"`
	Delta struct {
		Message struct {
			Content struct {
				Text string `json:"text"`
			} `json:"content"`
			ToolCalls struct {
				ID       string `json:"id"`
				Function struct {
					Name      string `json:"name"`
					Arguments string `json:"arguments"`
				} `json:"function"`
			} `json:"tool_calls"`
		} `json:"message"`
		FinishReason string `json:"finish_reason"`
		Error        string `json:"error"`
	} `json:"delta"`
}

func decodeStrict(t *testing.T, data string, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
}

const cohereChat = `{"model":"command-r","messages":[{"role":"system","content":"Be brief."},
	{"role":"user","content":"Say hello to the mock"}]`

func TestCohereChat(t *testing.T) {
	_, srv := serve(t, Options{})
	body, _ := readAll(post(t, srv.URL+"/v2/chat", cohereChat+"}", "Authorization: Bearer co"))
	var resp cohereChatResponse
	decodeStrict(t, body, &resp)
	if resp.FinishReason != "COMPLETE" || resp.Message.Content[0].Text != sentence(12) ||
		resp.Usage.Tokens.InputTokens != 7 || resp.Usage.BilledUnits.OutputTokens != 12 {
		t.Errorf("chat %+v", resp)
	}

	tools := `, "tools":[{"type":"function","function":{"name":"f","parameters":{}}}]}`
	body, _ = readAll(post(t, srv.URL+"/v2/chat", cohereChat+tools, "Authorization: Bearer co"))
	resp = cohereChatResponse{}
	decodeStrict(t, body, &resp)
	if resp.FinishReason != "TOOL_CALL" || resp.Message.ToolCalls[0].Function.Name != "f" {
		t.Errorf("tool call %+v", resp)
	}
}

func TestCohereChatStream(t *testing.T) {
	_, srv := serve(t, Options{})
	for _, tc := range []struct{ extra, events, text string }{
		{`, "stream":true}`, "message-start content-start content-delta content-delta " +
			"content-delta content-end message-end", sentence(12)},
		{`, "stream":true, "tools":[{"type":"function","function":{"name":"f"}}]}`,
			"message-start tool-call-start tool-call-delta tool-call-delta tool-call-end " +
				"message-end", `{"text":"Say hello to the mock"}`},
	} {
		body, _ := readAll(post(t, srv.URL+"/v2/chat", cohereChat+tc.extra,
			"Authorization: Bearer co"))
		if got := strings.Join(sseEvents(body), " "); got != tc.events {
			t.Errorf("events %s, want %s", got, tc.events)
		}
		var text strings.Builder
		var last cohereStreamEvent
		for _, d := range sseData(body)[1:] { // message-start carries an empty message
			var ev cohereStreamEvent
			if err := json.Unmarshal([]byte(d), &ev); err != nil {
				t.Fatal(err)
			}
			text.WriteString(ev.Delta.Message.Content.Text)
			text.WriteString(ev.Delta.Message.ToolCalls.Function.Arguments)
			last = ev
		}
		if text.String() != tc.text || last.Delta.FinishReason == "" {
			t.Errorf("streamed %q, finish %q", text.String(), last.Delta.FinishReason)
		}
	}
}

func TestCohereEmbedAndErrors(t *testing.T) {
	_, srv := serve(t, Options{})
	body, _ := readAll(post(t, srv.URL+"/v2/embed", `{"model":"embed-v4.0","texts":["a b","c"],
		"input_type":"search_document","embedding_types":["float"]}`, "Authorization: Bearer co"))
	var resp struct {
		ID         string `json:"id"`
		Embeddings struct {
			Float [][]float32 `json:"float"`
		} `json:"embeddings"`
		Texts []string `json:"texts"`
		Meta  struct {
			APIVersion  map[string]string `json:"api_version"`
			BilledUnits map[string]int    `json:"billed_units"`
		} `json:"meta"`
		ResponseType string `json:"response_type"`
	}
	decodeStrict(t, body, &resp)
	if len(resp.Embeddings.Float) != 2 || resp.Meta.BilledUnits["input_tokens"] != 3 ||
		resp.ResponseType != "embeddings_by_type" {
		t.Errorf("embed %+v", resp)
	}

	r := post(t, srv.URL+"/v2/chat", cohereChat+"}", "Authorization: Bearer bad")
	body, _ = readAll(r)
	if r.StatusCode != 401 || !strings.Contains(body, `"message":"invalid api token"`) {
		t.Errorf("bad key: %d %s", r.StatusCode, body)
	}

	body, _ = readAll(post(t, srv.URL+"/v2/chat", cohereChat+`, "stream":true}`,
		"Authorization: Bearer co", "x-mock-fault: error-event"))
	data := sseData(body)
	var last cohereStreamEvent
	_ = json.Unmarshal([]byte(data[len(data)-1]), &last)
	if last.Type != "message-end" || last.Delta.FinishReason != "ERROR" || last.Delta.Error == "" {
		t.Errorf("error event: %s", data[len(data)-1])
	}
}
