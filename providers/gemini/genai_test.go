package gemini_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"testing"

	"google.golang.org/genai"

	"github.com/sluicegw/sluice/providers/internal/golden"
	"github.com/sluicegw/sluice/providers/internal/wiretest"
)

// The tests in this file hold the fixtures against Google's official Go SDK, so that
// they are not only consistent with the adapter but also with what Google's own
// client sends and understands.

// TestRequestMatchesOfficialSDK has the SDK send the conversation of richRequest and
// compares its body with the golden request the adapter sends.
func TestRequestMatchesOfficialSDK(t *testing.T) {
	up := wiretest.New(t, wiretest.JSON(200, golden.Read(t, "response_text.json")))
	ctx := context.Background()
	client, err := genai.NewClient(ctx, &genai.ClientConfig{APIKey: testKey,
		Backend:     genai.BackendGeminiAPI,
		HTTPOptions: genai.HTTPOptions{BaseURL: up.URL, APIVersion: "v1beta"}})
	if err != nil {
		t.Fatal(err)
	}

	png, _ := base64.StdEncoding.DecodeString("iVBORw0KGgo=")
	var schema any
	json.Unmarshal([]byte(`{"type":"object","properties":{"city":{"type":"string"}},`+
		`"required":["city"],"additionalProperties":false}`), &schema)
	contents := []*genai.Content{
		{Role: "user", Parts: []*genai.Part{
			{Text: "Weather here, and in Tokyo?"},
			{InlineData: &genai.Blob{MIMEType: "image/png", Data: png}},
			{FileData: &genai.FileData{MIMEType: "image/png",
				FileURI: "https://example.com/paris.png"}},
		}},
		{Role: "model", Parts: []*genai.Part{
			{Text: "Checking."},
			{FunctionCall: &genai.FunctionCall{ID: "fc-1", Name: "get_weather",
				Args: map[string]any{"city": "Paris"}}},
			{FunctionCall: &genai.FunctionCall{Name: "get_weather",
				Args: map[string]any{"city": "Tokyo"}}},
		}},
		{Role: "user", Parts: []*genai.Part{
			{FunctionResponse: &genai.FunctionResponse{ID: "fc-1", Name: "get_weather",
				Response: map[string]any{"temp_c": 18}}},
			{FunctionResponse: &genai.FunctionResponse{Name: "get_weather",
				Response: map[string]any{"output": "25C, sun"}}},
		}},
		{Role: "user", Parts: []*genai.Part{{Text: "And tomorrow?"}}},
	}
	config := &genai.GenerateContentConfig{
		SystemInstruction: &genai.Content{Parts: []*genai.Part{
			{Text: "You are terse."}, {Text: "Use Celsius."}}},
		Tools: []*genai.Tool{{FunctionDeclarations: []*genai.FunctionDeclaration{{
			Name: "get_weather", Description: "Current weather of a city",
			ParametersJsonSchema: schema}}}},
		ToolConfig: &genai.ToolConfig{FunctionCallingConfig: &genai.FunctionCallingConfig{
			Mode: genai.FunctionCallingConfigModeAny, AllowedFunctionNames: []string{"get_weather"}}},
		MaxOutputTokens:  256,
		Temperature:      genai.Ptr[float32](0.2),
		TopP:             genai.Ptr[float32](0.9),
		TopK:             genai.Ptr[float32](40),
		StopSequences:    []string{"\n\n"},
		Seed:             genai.Ptr[int32](7),
		PresencePenalty:  genai.Ptr[float32](0.1),
		FrequencyPenalty: genai.Ptr[float32](0.3),
	}
	if _, err := client.Models.GenerateContent(ctx, model, contents, config); err != nil {
		t.Fatal(err)
	}
	sdk := up.Last()
	if sdk.Path != "/v1beta/models/"+model+":generateContent" {
		t.Errorf("the SDK posted to %s; the adapter's path differs", sdk.Path)
	}
	want := canonical(t, golden.Read(t, "request_rich.json"))
	if got := canonical(t, sdk.Body); got != want {
		t.Errorf("the SDK sent\n%s\nthe golden request is\n%s", got, want)
	}
}

// TestResponseFixturesParseWithOfficialSDK decodes each answer fixture with the SDK's
// types and encodes it again: a field the SDK does not know, or a value of the wrong
// type, would be lost or refused on the way.
func TestResponseFixturesParseWithOfficialSDK(t *testing.T) {
	for _, name := range []string{"response_text.json", "response_tools.json",
		"response_length.json", "response_blocked.json", "response_signed_call.json"} {
		raw := golden.Read(t, name)
		var r genai.GenerateContentResponse
		if err := json.Unmarshal(raw, &r); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		again, err := json.Marshal(&r)
		if err != nil {
			t.Fatal(err)
		}
		if withoutZeros(t, again) != withoutZeros(t, raw) {
			t.Errorf("%s does not survive the SDK's types:\n%s\n%s", name, again, raw)
		}
	}
}

// TestStreamFixturesParseWithOfficialSDK serves the stream fixtures to the SDK's
// streaming call, which must read every event of a complete stream.
func TestStreamFixturesParseWithOfficialSDK(t *testing.T) {
	for name, want := range map[string]string{
		"stream_text.sse":  "Paris is 18C and rainy.",
		"stream_tools.sse": "",
	} {
		up := wiretest.New(t, wiretest.SSE(golden.Read(t, name)))
		client, err := genai.NewClient(context.Background(), &genai.ClientConfig{
			APIKey: testKey, Backend: genai.BackendGeminiAPI,
			HTTPOptions: genai.HTTPOptions{BaseURL: up.URL}})
		if err != nil {
			t.Fatal(err)
		}
		text, finish := "", genai.FinishReason("")
		for r, err := range client.Models.GenerateContentStream(context.Background(), model,
			genai.Text("hi"), nil) {
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			text += r.Text()
			if fr := r.Candidates[0].FinishReason; fr != "" {
				finish = fr
			}
		}
		if text != want || finish != genai.FinishReasonStop {
			t.Errorf("%s: the SDK read %q, finish %q", name, text, finish)
		}
		if q := up.Last().Query; q != "alt=sse" {
			t.Errorf("the SDK streams with ?%s", q)
		}
	}
}

// withoutZeros is canonical without the members whose value is 0, false or "", which
// the SDK's types drop when they encode (a candidate's "index": 0, for example).
func withoutZeros(t *testing.T, b []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(prune(v))
	return string(out)
}

func prune(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if e == 0.0 || e == false || e == "" {
				delete(x, k)
				continue
			}
			x[k] = prune(e)
		}
	case []any:
		for i := range x {
			x[i] = prune(x[i])
		}
	}
	return v
}
