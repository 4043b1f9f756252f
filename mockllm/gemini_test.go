package mockllm

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"google.golang.org/genai"
)

func geminiClient(t *testing.T, srv, key string) *genai.Client {
	t.Helper()
	c, err := genai.NewClient(testCtx(t), &genai.ClientConfig{APIKey: key,
		Backend: genai.BackendGeminiAPI, HTTPOptions: genai.HTTPOptions{BaseURL: srv}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// bearerTransport adds a fixed OAuth token, standing in for Google credentials.
type bearerTransport struct{ token string }

func (b bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

func vertexClient(t *testing.T, srv, token string) *genai.Client {
	t.Helper()
	c, err := genai.NewClient(testCtx(t), &genai.ClientConfig{Backend: genai.BackendVertexAI,
		Project: "proj", Location: "us-central1",
		HTTPClient:  &http.Client{Transport: bearerTransport{token}},
		HTTPOptions: genai.HTTPOptions{BaseURL: srv}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func geminiConfig() *genai.GenerateContentConfig {
	return &genai.GenerateContentConfig{
		SystemInstruction: genai.NewContentFromText("Be brief.", genai.RoleUser)}
}

func TestGeminiGenerateContent(t *testing.T) {
	m, srv := serve(t, Options{})
	for name, client := range map[string]*genai.Client{
		"gemini": geminiClient(t, srv.URL, "AIza-test"),
		"vertex": vertexClient(t, srv.URL, "ya29.token"),
	} {
		t.Run(name, func(t *testing.T) {
			resp, err := client.Models.GenerateContent(testCtx(t), "gemini-2.5-flash",
				genai.Text("Say hello to the mock"), geminiConfig())
			if err != nil {
				t.Fatal(err)
			}
			if resp.Text() != sentence(12) || resp.Candidates[0].FinishReason != "STOP" {
				t.Errorf("text %q finish %q", resp.Text(), resp.Candidates[0].FinishReason)
			}
			u := resp.UsageMetadata
			if u.PromptTokenCount != 7 || u.CandidatesTokenCount != 12 || u.TotalTokenCount != 19 {
				t.Errorf("usage %+v", u)
			}
			rec, _ := m.LastRequest()
			if rec.Provider != name {
				t.Errorf("route taken as %q, path %s", rec.Provider, rec.Path)
			}
		})
	}
}

func TestGeminiStream(t *testing.T) {
	_, srv := serve(t, Options{TokensPerChunk: 5})
	var text strings.Builder
	var last *genai.GenerateContentResponse
	chunks := 0
	for resp, err := range geminiClient(t, srv.URL, "k").Models.GenerateContentStream(
		testCtx(t), "gemini-2.5-flash", genai.Text("Say hello to the mock"), geminiConfig()) {
		if err != nil {
			t.Fatal(err)
		}
		text.WriteString(resp.Text())
		last = resp
		chunks++
	}
	if text.String() != sentence(12) || chunks != 3 {
		t.Errorf("streamed %q in %d chunks", text.String(), chunks)
	}
	if last.Candidates[0].FinishReason != "STOP" || last.UsageMetadata.CandidatesTokenCount != 12 {
		t.Errorf("last chunk %+v", last.Candidates[0])
	}
}

func TestGeminiFunctionCall(t *testing.T) {
	_, srv := serve(t, Options{})
	cfg := geminiConfig()
	cfg.Tools = []*genai.Tool{{FunctionDeclarations: []*genai.FunctionDeclaration{
		{Name: "lookup"}, {Name: "get_time"}}}}
	cfg.ToolConfig = &genai.ToolConfig{FunctionCallingConfig: &genai.FunctionCallingConfig{
		Mode: genai.FunctionCallingConfigModeAny, AllowedFunctionNames: []string{"get_time"}}}
	client := geminiClient(t, srv.URL, "k")

	resp, err := client.Models.GenerateContent(testCtx(t), "gemini-2.5-flash",
		genai.Text("what time is it"), cfg)
	if err != nil {
		t.Fatal(err)
	}
	calls := resp.FunctionCalls()
	if len(calls) != 1 || calls[0].Name != "get_time" || calls[0].Args["text"] != "what time is it" {
		t.Fatalf("function calls %+v", calls)
	}

	for resp, err := range client.Models.GenerateContentStream(testCtx(t), "gemini-2.5-flash",
		genai.Text("what time is it"), cfg) {
		if err != nil {
			t.Fatal(err)
		}
		if fc := resp.FunctionCalls(); len(fc) != 1 || fc[0].Name != "get_time" {
			t.Errorf("streamed function calls %+v", fc)
		}
	}
}

func TestGeminiEmbedAndCount(t *testing.T) {
	_, srv := serve(t, Options{})
	client := geminiClient(t, srv.URL, "k")
	dims := int32(5)
	resp, err := client.Models.EmbedContent(testCtx(t), "gemini-embedding-001",
		[]*genai.Content{genai.NewContentFromText("one two", genai.RoleUser),
			genai.NewContentFromText("three", genai.RoleUser)},
		&genai.EmbedContentConfig{OutputDimensionality: &dims})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Embeddings) != 2 || len(resp.Embeddings[1].Values) != 5 {
		t.Errorf("embeddings %+v", resp.Embeddings)
	}

	n, err := client.Models.CountTokens(testCtx(t), "gemini-2.5-flash",
		genai.Text("four words right here"), nil)
	if err != nil || n.TotalTokens != 4 {
		t.Errorf("count tokens %+v, %v", n, err)
	}

	body, _ := readAll(post(t, srv.URL+"/v1beta/models/gemini-embedding-001:embedContent?key=k",
		`{"content":{"parts":[{"text":"x"}]}}`))
	if !strings.Contains(body, `"embedding":{"values":[`) {
		t.Errorf("embedContent: %s", body)
	}
}

func TestGeminiErrors(t *testing.T) {
	_, srv := serve(t, Options{})
	var apiErr genai.APIError

	_, err := geminiClient(t, srv.URL, "invalid").Models.GenerateContent(testCtx(t), "g",
		genai.Text("hi"), nil)
	if !errors.As(err, &apiErr) || apiErr.Code != 400 || apiErr.Status != "INVALID_ARGUMENT" ||
		!strings.Contains(apiErr.Details[0]["reason"].(string), "API_KEY_INVALID") {
		t.Errorf("invalid key: %#v", err)
	}
	_, err = vertexClient(t, srv.URL, "bad").Models.GenerateContent(testCtx(t), "g",
		genai.Text("hi"), nil)
	if !errors.As(err, &apiErr) || apiErr.Code != 401 || apiErr.Status != "UNAUTHENTICATED" {
		t.Errorf("vertex bad token: %v", err)
	}
	resp := post(t, srv.URL+"/v1beta/models/g:generateContent", `{"contents":[]}`)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("no key: status %d", resp.StatusCode)
	}

	cfg := &genai.GenerateContentConfig{HTTPOptions: &genai.HTTPOptions{
		Headers: http.Header{"X-Mock-Fault": {"503"}}}}
	_, err = geminiClient(t, srv.URL, "k").Models.GenerateContent(testCtx(t), "g",
		genai.Text("hi"), cfg)
	if !errors.As(err, &apiErr) || apiErr.Code != 503 || apiErr.Status != "UNAVAILABLE" {
		t.Errorf("503 fault: %v", err)
	}

	cfg.HTTPOptions.Headers.Set("X-Mock-Fault", "error-event")
	var gotText, gotErr bool
	for resp, err := range geminiClient(t, srv.URL, "k").Models.GenerateContentStream(
		testCtx(t), "g", genai.Text("hi"), cfg) {
		if err != nil {
			gotErr = errors.As(err, &apiErr) && apiErr.Status == "INTERNAL"
			break
		}
		gotText = gotText || resp.Text() != ""
	}
	if !gotText || !gotErr {
		t.Errorf("error event: text before %v, INTERNAL error %v", gotText, gotErr)
	}
}
