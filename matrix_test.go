package sluice_test

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/sluicegw/sluice"
	"github.com/sluicegw/sluice/mockllm"
	"github.com/sluicegw/sluice/schemas"
)

// The provider matrix runs every registered provider through the whole path a user
// takes (sluice.Init with an Account, queues and workers, the provider's adapter)
// against mockllm serving that provider's wire format on loopback. Each operation a
// provider offers is proved here, or by the e2e test a row names where mockllm lacks
// the route; each operation it lacks must be refused with a 400 that reaches no
// upstream. The README's provider table is this table.

// claim is what a row says of one operation.
type claim int

const (
	refused  claim = iota // not offered: a 400 naming the operation, no upstream call
	proved                // offered, and proved here against mockllm
	provedBy              // offered, and proved by the e2e test in the row's provedIn
)

// matrixRow is one provider: how it is reached, and what it offers.
type matrixRow struct {
	p       schemas.ModelProvider
	baseURL string // network_config.base_url; empty for none
	key     schemas.Key
	cred    string // the credential the mock must see: key, token or access key ID
	model   string

	chatPath    string // where a chat request must arrive
	stream      claim
	streamUsage bool // whether this wire format's stream, as mockllm sends it, has usage
	embed       claim
	embedModel  string
	embedPath   string
	tools       claim
	text        claim
	provedIn    string // the test proving the provedBy cells
}

// matrixRows is the table, for a mock at mock and the Vertex service account creds.
// Paths are those the providers document, from the root in their default base URL.
func matrixRows(mock, creds string) []matrixRow {
	// compat is a member of the OpenAI-compatible family whose documented endpoints
	// sit at root+api: "https://api.groq.com" + "/openai" + "/v1" + "/chat/completions".
	compat := func(p schemas.ModelProvider, root, api string, embed, tools, text claim,
	) matrixRow {
		return matrixRow{p: p, baseURL: mock + root, cred: "sk-" + string(p),
			key: schemas.Key{ID: "k", Value: "sk-" + string(p)}, model: "m-" + string(p),
			chatPath: root + api + "/chat/completions", stream: proved, streamUsage: true,
			embed: embed, embedModel: "e-" + string(p), embedPath: root + api + "/embeddings",
			tools: tools, text: text}
	}
	// Mistral refuses stream_options and reports usage on its own, which mockllm,
	// answering as OpenAI does, does not imitate.
	mistral := compat(schemas.Mistral, "", "/v1", proved, proved, refused)
	mistral.streamUsage = false

	const bedrockModel = "anthropic.claude-3-haiku-20240307-v1:0"
	const vertexRoot = "/v1/projects/matrix-proj/locations/us-central1/publishers/google"
	return []matrixRow{
		compat(schemas.OpenAI, "", "/v1", proved, proved, proved),
		compat(schemas.Groq, "/openai", "/v1", refused, proved, refused),
		mistral,
		compat(schemas.OpenRouter, "/api", "/v1", proved, proved, proved),
		compat(schemas.Together, "", "/v1", proved, proved, proved),
		compat(schemas.Fireworks, "/inference", "/v1", proved, proved, proved),
		compat(schemas.DeepSeek, "", "/v1", refused, proved, refused),
		compat(schemas.XAI, "", "/v1", refused, proved, proved),
		compat(schemas.Perplexity, "", "", refused, refused, refused),
		compat(schemas.Cerebras, "", "/v1", refused, proved, proved),
		compat(schemas.Ollama, "", "/v1", proved, proved, proved),
		compat(schemas.VLLM, "", "/v1", proved, proved, proved),
		{p: schemas.Anthropic, baseURL: mock, key: schemas.Key{Value: "sk-ant-matrix"},
			cred: "sk-ant-matrix", model: "claude-sonnet-4-5", chatPath: "/v1/messages",
			stream: proved, streamUsage: true, embed: refused, tools: proved, text: refused},
		{p: schemas.Azure, key: schemas.Key{Value: "az-matrix",
			AzureKeyConfig: &schemas.AzureKeyConfig{Endpoint: mock, APIVersion: "2024-10-21",
				Deployments: map[string]string{"gpt-4o": "chat-dep", "emb": "emb-dep"}}},
			cred: "az-matrix", model: "gpt-4o",
			chatPath: "/openai/deployments/chat-dep/chat/completions",
			stream:   proved, streamUsage: true, embed: proved, embedModel: "emb",
			embedPath: "/openai/deployments/emb-dep/embeddings", tools: proved, text: proved},
		{p: schemas.Bedrock, baseURL: mock, key: schemas.Key{
			BedrockKeyConfig: &schemas.BedrockKeyConfig{AccessKey: "AKIDMATRIX",
				SecretKey: "matrix-secret", Region: "us-east-1"}},
			cred: "AKIDMATRIX", model: bedrockModel,
			chatPath: "/model/" + bedrockModel + "/converse", stream: proved,
			streamUsage: true, embed: provedBy, tools: proved, text: refused,
			provedIn: "providers/bedrock TestE2EEmbeddings (Titan; mockllm has no InvokeModel)"},
		{p: schemas.Gemini, baseURL: mock + "/v1beta", key: schemas.Key{Value: "AIza-matrix"},
			cred: "AIza-matrix", model: "gemini-2.0-flash",
			chatPath: "/v1beta/models/gemini-2.0-flash:generateContent", stream: proved,
			streamUsage: true, embed: proved, embedModel: "text-embedding-004",
			embedPath: "/v1beta/models/text-embedding-004:batchEmbedContents",
			tools:     proved, text: refused},
		{p: schemas.Vertex, baseURL: mock + "/v1", key: schemas.Key{
			VertexKeyConfig: &schemas.VertexKeyConfig{ProjectID: "matrix-proj",
				Region: "us-central1", AuthCredentials: creds}},
			cred: vertexToken, model: "gemini-2.0-flash",
			chatPath: vertexRoot + "/models/gemini-2.0-flash:generateContent", stream: proved,
			streamUsage: true, embed: provedBy, tools: proved, text: refused,
			provedIn: "providers/gemini TestE2EVertexEmbedding (mockllm has no :predict)"},
		{p: schemas.Cohere, baseURL: mock, key: schemas.Key{Value: "co-matrix"},
			cred: "co-matrix", model: "command-r-plus", chatPath: "/v2/chat", stream: proved,
			streamUsage: true, embed: proved, embedModel: "embed-english-v3.0",
			embedPath: "/v2/embed", tools: proved, text: refused},
	}
}

func TestProviderMatrix(t *testing.T) {
	mock := mockllm.New(mockllm.Options{})
	srv := httptest.NewServer(mock)
	t.Cleanup(srv.Close)
	rows := matrixRows(srv.URL, vertexCredentials(t))

	var listed []schemas.ModelProvider
	for _, r := range rows {
		listed = append(listed, r.p)
	}
	slices.Sort(listed)
	if reg := sluice.RegisteredProviders(); !slices.Equal(listed, reg) {
		t.Fatalf("the matrix lists %v; the registry holds %v", listed, reg)
	}

	c, err := sluice.Init(schemas.Config{Account: newMatrixAccount(rows),
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Cleanup)
	m := matrix{t: t, c: c, mock: mock}
	for _, r := range rows {
		t.Run(string(r.p), func(t *testing.T) {
			m := m.with(t)
			t.Run("chat", func(t *testing.T) { m.with(t).chat(r) })
			m.claimed(r, "stream", r.stream, matrix.stream, matrix.refuseStream)
			m.claimed(r, "embeddings", r.embed, matrix.embedding, matrix.refuseEmbedding)
			m.claimed(r, "tools", r.tools, matrix.tools, matrix.refuseTools)
			m.claimed(r, "text_completions", r.text, matrix.text, matrix.refuseText)
		})
	}
}

// matrix runs one row's checks; t is the current subtest.
type matrix struct {
	t    *testing.T
	c    *sluice.Client
	mock *mockllm.Mock
}

func (m matrix) with(t *testing.T) matrix {
	m.t = t
	return m
}

// claimed runs, as a subtest named op, the check that the row's claim calls for.
func (m matrix) claimed(r matrixRow, op string, cl claim, prove, refuse func(matrix,
	matrixRow)) {
	m.t.Run(op, func(t *testing.T) {
		m := m.with(t)
		switch cl {
		case proved:
			prove(m, r)
		case refused:
			before := m.mock.Stats().Requests
			refuse(m, r)
			if after := m.mock.Stats().Requests; after != before {
				t.Errorf("a refused %s reached the upstream (%d requests)", op, after-before)
			}
		default:
			t.Skipf("offered; proved by %s", r.provedIn)
		}
	})
}

func (m matrix) ctx() context.Context { return m.t.Context() }

func chatOf(r matrixRow, text string, prm *schemas.ChatParams) *schemas.ChatRequest {
	return &schemas.ChatRequest{Provider: r.p, Model: r.model, Params: prm,
		Messages: []schemas.Message{{Role: schemas.RoleUser, Content: schemas.Text(text)}}}
}

// chat checks a whole answer: mockllm's 12 words, usage counting the 3 prompt words,
// at the documented path with the row's credential.
func (m matrix) chat(r matrixRow) {
	resp, err := m.c.ChatCompletion(m.ctx(), chatOf(r, "three words here", nil))
	if err != nil {
		m.t.Fatal(err)
	}
	ch := resp.Choices[0]
	if n := len(strings.Fields(ch.Message.Content.String())); n != 12 ||
		ch.FinishReason != schemas.FinishStop || resp.Usage == nil ||
		resp.Usage.PromptTokens != 3 || resp.Usage.CompletionTokens != 12 || resp.Provider != r.p {
		m.t.Errorf("answer %+v, usage %+v", resp, resp.Usage)
	}
	m.arrived(r.chatPath, r.cred)
}

// arrived checks the mock's last request: its path and the credential presented.
func (m matrix) arrived(path, cred string) {
	rec, ok := m.mock.LastRequest()
	if !ok || rec.Path != path || rec.Key != cred {
		m.t.Errorf("the mock saw %s %s with credential %q; want %s with %q",
			rec.Method, rec.Path, rec.Key, path, cred)
	}
}

// stream checks that chunks arrive and the stream ends cleanly, with usage where the
// format carries it.
func (m matrix) stream(r matrixRow) {
	ch, err := m.c.ChatCompletionStream(m.ctx(), chatOf(r, "a b c d", nil))
	if err != nil {
		m.t.Fatal(err)
	}
	got := drain(m.t, ch)
	if got.err != nil || got.contentChunks < 2 || len(strings.Fields(got.text)) != 12 ||
		got.finish != schemas.FinishStop {
		m.t.Errorf("stream ended with %+v", got)
	}
	switch {
	case r.streamUsage && (got.usage == nil || got.usage.PromptTokens != 4 ||
		got.usage.CompletionTokens != 12):
		m.t.Errorf("stream usage %+v, want 4 prompt and 12 completion tokens", got.usage)
	case !r.streamUsage:
		// The dialect must not have asked for usage in a field the API refuses.
		if rec, _ := m.mock.LastRequest(); strings.Contains(string(rec.Body), "stream_options") {
			m.t.Errorf("stream_options sent: %s", rec.Body)
		}
	}
}

var weatherTool = []schemas.Tool{{Type: "function", Function: schemas.ToolFunction{
	Name: "get_weather", Parameters: json.RawMessage(`{"type":"object"}`)}}}

// tools checks that a tool call comes back with its name and JSON arguments, whole
// and streamed; mockllm calls the offered tool with the user's text as argument.
func (m matrix) tools(r matrixRow) {
	prm := &schemas.ChatParams{Tools: weatherTool}
	resp, err := m.c.ChatCompletion(m.ctx(), chatOf(r, "weatherTool in Paris", prm))
	if err != nil {
		m.t.Fatal(err)
	}
	ch := resp.Choices[0]
	if ch.FinishReason != schemas.FinishToolCalls || len(ch.Message.ToolCalls) != 1 {
		m.t.Fatalf("answer %+v", ch)
	}
	call := ch.Message.ToolCalls[0].Function
	wantCall(m.t, "whole", call.Name, call.Arguments, "weatherTool in Paris")

	stream, err := m.c.ChatCompletionStream(m.ctx(), chatOf(r, "weatherTool in Rome", prm))
	if err != nil {
		m.t.Fatal(err)
	}
	got := drain(m.t, stream)
	if got.err != nil || got.finish != schemas.FinishToolCalls {
		m.t.Errorf("streamed call ended with %+v", got)
	}
	wantCall(m.t, "streamed", got.toolName, got.toolArgs, "weatherTool in Rome")
}

func wantCall(t *testing.T, how, name, args, text string) {
	t.Helper()
	var a struct{ Text string }
	if name != "get_weather" || json.Unmarshal([]byte(args), &a) != nil || a.Text != text {
		t.Errorf("%s call of %q with arguments %q", how, name, args)
	}
}

func (m matrix) embedding(r matrixRow) {
	resp, err := m.c.Embedding(m.ctx(), embedReq(r))
	if err != nil {
		m.t.Fatal(err)
	}
	if len(resp.Data) != 2 || len(resp.Data[0].Embedding) == 0 || resp.Data[1].Index != 1 ||
		resp.Provider != r.p {
		m.t.Errorf("embeddings %+v", resp)
	}
	m.arrived(r.embedPath, r.cred)
}

// embedReq asks for two vectors, from the row's chat model when it names no
// embedding model.
func embedReq(r matrixRow) *schemas.EmbeddingRequest {
	model := cmp.Or(r.embedModel, r.model)
	return &schemas.EmbeddingRequest{Provider: r.p, Model: model,
		Input: []string{"one", "two words"}}
}

func (m matrix) text(r matrixRow) {
	resp, err := m.c.TextCompletion(m.ctx(), textReq(r))
	if err != nil {
		m.t.Fatal(err)
	}
	if len(resp.Choices) != 1 || len(strings.Fields(resp.Choices[0].Text)) != 12 {
		m.t.Errorf("completion %+v", resp)
	}
	if rec, _ := m.mock.LastRequest(); !strings.HasSuffix(rec.Path, "/completions") ||
		strings.HasSuffix(rec.Path, "/chat/completions") {
		m.t.Errorf("the mock saw %s", rec.Path)
	}
}

func textReq(r matrixRow) *schemas.TextCompletionRequest {
	return &schemas.TextCompletionRequest{Provider: r.p, Model: r.model, Prompt: "say it"}
}

func (m matrix) refuseStream(r matrixRow) {
	_, err := m.c.ChatCompletionStream(m.ctx(), chatOf(r, "hi", nil))
	wantRefusal(m.t, err, r.p, "streaming", "")
}

func (m matrix) refuseEmbedding(r matrixRow) {
	_, err := m.c.Embedding(m.ctx(), embedReq(r))
	wantRefusal(m.t, err, r.p, "embeddings", "")
}

func (m matrix) refuseText(r matrixRow) {
	_, err := m.c.TextCompletion(m.ctx(), textReq(r))
	wantRefusal(m.t, err, r.p, "text completions", "")
}

// refuseTools checks that tools are refused, streamed or not, and that the same
// request without them is answered.
func (m matrix) refuseTools(r matrixRow) {
	prm := &schemas.ChatParams{Tools: weatherTool}
	_, err := m.c.ChatCompletion(m.ctx(), chatOf(r, "weatherTool in Paris", prm))
	wantRefusal(m.t, err, r.p, "tools", "tools")
	_, err = m.c.ChatCompletionStream(m.ctx(), chatOf(r, "weatherTool in Paris", prm))
	wantRefusal(m.t, err, r.p, "tools", "tools")
}

// wantRefusal checks for the 400 that names the provider and what it lacks.
func wantRefusal(t *testing.T, err error, p schemas.ModelProvider, what, param string) {
	t.Helper()
	var e *schemas.Error
	want := "provider " + string(p) + " does not support " + what
	if !errors.As(err, &e) || !errors.Is(err, schemas.ErrUnsupported) ||
		e.StatusCode != http.StatusBadRequest || e.Message != want || e.Param != param {
		t.Errorf("got %v; want a 400 saying %q", err, want)
	}
}
