package gemini_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/providers/gemini"
	"github.com/sluicegw/sluice/providers/internal/golden"
	"github.com/sluicegw/sluice/providers/internal/wiretest"
	"github.com/sluicegw/sluice/schemas"
)

const (
	project      = "my-proj"
	region       = "us-central1"
	clientEmail  = "sluice@my-proj.iam.gserviceaccount.com"
	privateKeyID = "kid-0123"
	scope        = "https://www.googleapis.com/auth/cloud-platform"
)

// tokenServer is an OAuth token endpoint that accepts only JWT assertions signed by
// the service account's key, with the claims Google requires, and mints numbered
// access tokens.
type tokenServer struct {
	*httptest.Server
	pub       *rsa.PublicKey
	expiresIn int

	mu      sync.Mutex
	issued  []string
	refusal string // when set, every request is refused with this OAuth error
}

func newTokenServer(t *testing.T, pub *rsa.PublicKey) *tokenServer {
	ts := &tokenServer{pub: pub, expiresIn: 3600}
	ts.Server = httptest.NewServer(http.HandlerFunc(ts.serve))
	t.Cleanup(ts.Close)
	return ts
}

func (ts *tokenServer) serve(w http.ResponseWriter, r *http.Request) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if ts.refusal != "" {
		w.WriteHeader(400)
		fmt.Fprintf(w, `{"error":"%s","error_description":"Invalid JWT Signature."}`, ts.refusal)
		return
	}
	if err := ts.check(r); err != nil {
		w.WriteHeader(400)
		fmt.Fprintf(w, `{"error":"invalid_grant","error_description":%q}`, err.Error())
		return
	}
	tok := fmt.Sprintf("ya29.token-%d", len(ts.issued)+1)
	ts.issued = append(ts.issued, tok)
	fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":%d}`, tok, ts.expiresIn)
}

// check verifies the JWT bearer grant: its signature and its claims.
func (ts *tokenServer) check(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	if g := r.PostForm.Get("grant_type"); g != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
		return fmt.Errorf("grant type %q", g)
	}
	parts := strings.Split(r.PostForm.Get("assertion"), ".")
	if len(parts) != 3 {
		return fmt.Errorf("the assertion is not a JWT")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(ts.pub, crypto.SHA256, sum[:], sig); err != nil {
		return fmt.Errorf("bad signature: %v", err)
	}
	var header struct{ Alg, Kid string }
	var claims struct {
		Iss, Scope, Aud string
		Exp             int64
	}
	h, _ := base64.RawURLEncoding.DecodeString(parts[0])
	c, _ := base64.RawURLEncoding.DecodeString(parts[1])
	if json.Unmarshal(h, &header) != nil || json.Unmarshal(c, &claims) != nil {
		return fmt.Errorf("undecodable JWT")
	}
	if header.Alg != "RS256" || header.Kid != privateKeyID || claims.Iss != clientEmail ||
		claims.Scope != scope || claims.Aud != ts.URL+"/token" ||
		claims.Exp < time.Now().Unix() {
		return fmt.Errorf("unexpected JWT header %+v or claims %+v", header, claims)
	}
	return nil
}

func (ts *tokenServer) tokens() []string {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]string(nil), ts.issued...)
}

// testRSAKey is generated once: making a 2048-bit key takes a good part of a second.
var testRSAKey = sync.OnceValues(func() (*rsa.PrivateKey, error) {
	return rsa.GenerateKey(rand.Reader, 2048)
})

// serviceAccount returns the test RSA key and a function that makes a service-account
// JSON holding it, whose token_uri is the given URL.
func serviceAccount(t *testing.T) (*rsa.PrivateKey, func(tokenURL string) string) {
	t.Helper()
	priv, err := testRSAKey()
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	return priv, func(tokenURL string) string {
		b, _ := json.Marshal(map[string]string{
			"type": "service_account", "project_id": project, "private_key_id": privateKeyID,
			"private_key": keyPEM, "client_email": clientEmail, "client_id": "1234",
			"token_uri": tokenURL,
		})
		return string(b)
	}
}

// vertexSetup is a token endpoint, a service account it trusts, and a key using it.
type vertexSetup struct {
	tokens *tokenServer
	creds  string
	key    *schemas.Key
}

func newVertexSetup(t *testing.T) *vertexSetup {
	t.Helper()
	priv, creds := serviceAccount(t)
	ts := newTokenServer(t, &priv.PublicKey)
	vs := &vertexSetup{tokens: ts, creds: creds(ts.URL + "/token")}
	vs.key = &schemas.Key{ID: "vertex-1", VertexKeyConfig: &schemas.VertexKeyConfig{
		ProjectID: project, Region: region, AuthCredentials: vs.creds}}
	return vs
}

func newVertex(t *testing.T, baseURL string) *gemini.Provider {
	t.Helper()
	p, err := gemini.NewVertex(options(schemas.Vertex, baseURL))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// bearerUpstream answers with body when the request carries one of ts's tokens.
func bearerUpstream(t *testing.T, ts *tokenServer, answer http.HandlerFunc) *wiretest.Upstream {
	return wiretest.New(t, func(w http.ResponseWriter, r *http.Request) {
		tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		issued := ts.tokens()
		if len(issued) == 0 || tok != issued[len(issued)-1] {
			wiretest.JSON(401, googleError(401, "UNAUTHENTICATED", "Request had invalid credentials"))(w, r)
			return
		}
		answer(w, r)
	})
}

const vertexPath = "/v1/projects/" + project + "/locations/" + region +
	"/publishers/google/models/" + model

func TestVertexChatWithServiceAccount(t *testing.T) {
	vs := newVertexSetup(t)
	up := bearerUpstream(t, vs.tokens, wiretest.JSON(200, golden.Read(t, "response_text.json")))
	p := newVertex(t, up.URL+"/v1")

	for range 3 {
		resp, err := p.ChatCompletion(context.Background(), vs.key, richRequest())
		if err != nil {
			t.Fatal(err)
		}
		if resp.Provider != schemas.Vertex || resp.Choices[0].Message.Content.String() == "" {
			t.Fatalf("response %+v", resp)
		}
	}
	if n := len(vs.tokens.tokens()); n != 1 {
		t.Errorf("%d tokens fetched for 3 calls; a valid token must be reused", n)
	}
	got := up.Last()
	if got.Path != vertexPath+":generateContent" || got.Header.Get("x-goog-api-key") != "" {
		t.Errorf("request to %s, headers %v", got.Path, got.Header)
	}
	if canonical(t, got.Body) != canonical(t, golden.Read(t, "request_rich.json")) {
		t.Errorf("Vertex AI got another body than the Gemini API:\n%s", got.Body)
	}
}

func TestVertexTokenRefresh(t *testing.T) {
	// A token that expires within oauth2's safety margin is replaced before use.
	vs := newVertexSetup(t)
	vs.tokens.expiresIn = 5
	up := bearerUpstream(t, vs.tokens, wiretest.JSON(200, golden.Read(t, "response_text.json")))
	p := newVertex(t, up.URL+"/v1")
	for range 2 {
		if _, err := p.ChatCompletion(context.Background(), vs.key, richRequest()); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(vs.tokens.tokens()); n != 2 {
		t.Errorf("%d tokens fetched; an expiring token must be refreshed", n)
	}
}

func TestVertexTokenRefused(t *testing.T) {
	vs := newVertexSetup(t)
	vs.tokens.refusal = "invalid_grant"
	up := bearerUpstream(t, vs.tokens, wiretest.JSON(200, golden.Read(t, "response_text.json")))
	_, err := newVertex(t, up.URL+"/v1").ChatCompletion(context.Background(), vs.key,
		richRequest())
	e := wantKind(t, err, schemas.ErrAuth, 401)
	if !strings.Contains(e.Message, "invalid_grant") || strings.Contains(e.Error(), "PRIVATE KEY") {
		t.Errorf("message %q", e.Message)
	}
	if up.Count() != 0 {
		t.Error("a call without a token reached the upstream")
	}
}

func TestVertexKeyProblems(t *testing.T) {
	up := wiretest.New(t, wiretest.JSON(200, []byte(`{}`)))
	p := newVertex(t, up.URL+"/v1")
	cfg := func(c schemas.VertexKeyConfig) *schemas.Key {
		return &schemas.Key{ID: "k", VertexKeyConfig: &c}
	}
	for _, tc := range []struct {
		name string
		key  *schemas.Key
		kind error
	}{
		{"no vertex config", &schemas.Key{Value: "x"}, schemas.ErrNoKey},
		{"no project", cfg(schemas.VertexKeyConfig{Region: region, AuthCredentials: "{}"}),
			schemas.ErrNoKey},
		{"region unfit for a host", cfg(schemas.VertexKeyConfig{ProjectID: project,
			Region: "evil.com/x", AuthCredentials: "{}"}), schemas.ErrNoKey},
		{"credentials not JSON", cfg(schemas.VertexKeyConfig{ProjectID: project,
			Region: region, AuthCredentials: "not json"}), schemas.ErrAuth},
		{"user credentials", cfg(schemas.VertexKeyConfig{ProjectID: project, Region: region,
			AuthCredentials: `{"type":"authorized_user","client_id":"a"}`}), schemas.ErrAuth},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := p.ChatCompletion(context.Background(), tc.key, richRequest())
			if e, ok := err.(*schemas.Error); !ok || e.Kind != tc.kind {
				t.Fatalf("err = %v, want kind %v", err, tc.kind)
			}
		})
	}
	if up.Count() != 0 {
		t.Errorf("%d calls with unusable keys reached the upstream", up.Count())
	}
}

func TestVertexDeployments(t *testing.T) {
	vs := newVertexSetup(t)
	vs.key.VertexKeyConfig.Deployments = map[string]string{
		"my-tuned": "1234567890", "flash": "gemini-2.0-flash-001",
		"claude": "publishers/anthropic/models/claude-sonnet-4"}
	up := bearerUpstream(t, vs.tokens, wiretest.JSON(200, golden.Read(t, "response_text.json")))
	p := newVertex(t, up.URL+"/v1")
	loc := "/v1/projects/" + project + "/locations/" + region + "/"
	for model, want := range map[string]string{
		"my-tuned":         loc + "endpoints/1234567890:generateContent",
		"flash":            loc + "publishers/google/models/gemini-2.0-flash-001:generateContent",
		"claude":           loc + "publishers/anthropic/models/claude-sonnet-4:generateContent",
		"gemini-2.5-flash": vertexPath + ":generateContent",
	} {
		req := richRequest()
		req.Model = model
		if _, err := p.ChatCompletion(context.Background(), vs.key, req); err != nil {
			t.Fatal(err)
		}
		if got := up.Last().Path; got != want {
			t.Errorf("model %s went to %s, want %s", model, got, want)
		}
	}
}

func TestVertexStream(t *testing.T) {
	vs := newVertexSetup(t)
	up := bearerUpstream(t, vs.tokens, wiretest.SSE(golden.Read(t, "stream_text.sse")))
	s, err := newVertex(t, up.URL+"/v1").ChatCompletionStream(context.Background(), vs.key,
		richRequest())
	if err != nil {
		t.Fatal(err)
	}
	chunks, err := drain(t, s)
	if err != io.EOF || len(chunks) != 3 {
		t.Fatalf("%d chunks, then %v", len(chunks), err)
	}
	if got := up.Last(); got.Path != vertexPath+":streamGenerateContent" || got.Query != "alt=sse" {
		t.Errorf("stream request to %s?%s", got.Path, got.Query)
	}
}

func TestVertexEmbedding(t *testing.T) {
	vs := newVertexSetup(t)
	up := bearerUpstream(t, vs.tokens, wiretest.JSON(200, golden.Read(t, "predict_response.json")))
	resp, err := newVertex(t, up.URL+"/v1").Embedding(context.Background(), vs.key,
		&schemas.EmbeddingRequest{Model: "text-embedding-005", Input: []string{"a b c", "d e f g"},
			Dimensions: ptr(2)})
	if err != nil {
		t.Fatal(err)
	}
	got := up.Last()
	want := "/v1/projects/" + project + "/locations/" + region +
		"/publishers/google/models/text-embedding-005:predict"
	if got.Path != want {
		t.Errorf("request to %s", got.Path)
	}
	golden.Check(t, "predict_request.json", golden.Indent(t, got.Body))
	if len(resp.Data) != 2 || resp.Data[1].Embedding[0] != 1 || resp.Usage == nil ||
		resp.Usage.PromptTokens != 7 || resp.Usage.TotalTokens != 7 {
		t.Errorf("response %+v, usage %+v", resp, resp.Usage)
	}
}

func TestVertexApplicationDefaultCredentials(t *testing.T) {
	// A key without auth_credentials uses the application default credentials, here
	// a service-account file named by GOOGLE_APPLICATION_CREDENTIALS.
	vs := newVertexSetup(t)
	file := filepath.Join(t.TempDir(), "sa.json")
	if err := os.WriteFile(file, []byte(vs.creds), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", file)
	vs.key.VertexKeyConfig.AuthCredentials = ""

	up := bearerUpstream(t, vs.tokens, wiretest.JSON(200, golden.Read(t, "response_text.json")))
	if _, err := newVertex(t, up.URL+"/v1").ChatCompletion(context.Background(), vs.key,
		richRequest()); err != nil {
		t.Fatal(err)
	}
	if len(vs.tokens.tokens()) != 1 {
		t.Error("no token was minted from the default credentials")
	}
}

// regionTransport answers every request to a Google host itself, recording its URL,
// and sends the rest (the token endpoint) to the loopback servers.
type regionTransport struct {
	mu   sync.Mutex
	urls []string
	body []byte
}

func (rt *regionTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if !strings.HasSuffix(r.URL.Hostname(), "aiplatform.googleapis.com") {
		return http.DefaultTransport.RoundTrip(r)
	}
	rt.mu.Lock()
	rt.urls = append(rt.urls, r.URL.String())
	rt.mu.Unlock()
	rec := httptest.NewRecorder()
	wiretest.JSON(200, rt.body)(rec, r)
	return rec.Result(), nil
}

func TestVertexRegionalEndpoints(t *testing.T) {
	vs := newVertexSetup(t)
	rt := &regionTransport{body: golden.Read(t, "response_text.json")}
	p, err := gemini.NewVertex(providers.Options{Provider: schemas.Vertex,
		Client: &http.Client{Transport: rt}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{"europe-west4", "global"} {
		vs.key.VertexKeyConfig.Region = r
		if _, err := p.ChatCompletion(context.Background(), vs.key, richRequest()); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{
		"https://europe-west4-aiplatform.googleapis.com/v1/projects/my-proj/locations/" +
			"europe-west4/publishers/google/models/" + model + ":generateContent",
		"https://aiplatform.googleapis.com/v1/projects/my-proj/locations/global/" +
			"publishers/google/models/" + model + ":generateContent",
	}
	if strings.Join(rt.urls, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests went to\n%s\nwant\n%s", strings.Join(rt.urls, "\n"),
			strings.Join(want, "\n"))
	}
}
