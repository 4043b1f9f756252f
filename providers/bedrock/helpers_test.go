package bedrock_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"

	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/providers/bedrock"
	"github.com/sluicegw/sluice/providers/internal/golden"
	"github.com/sluicegw/sluice/schemas"
)

// Static test credentials, in the shape of AWS's documentation examples.
const (
	accessKey    = "AKIDEXAMPLE"
	secretKey    = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	sessionToken = "FwoGZXIvYXdzEXAMPLEsessiontoken"
)

// staticKey signs with static credentials in us-west-2.
var staticKey = &schemas.Key{ID: "aws-static", BedrockKeyConfig: &schemas.BedrockKeyConfig{
	AccessKey: accessKey, SecretKey: secretKey, Region: "us-west-2",
	Deployments: map[string]string{
		"claude": "anthropic.claude-3-5-sonnet-20240620-v1:0",
		"claude-profile": "arn:aws:bedrock:us-west-2:123456789012:inference-profile/" +
			"us.anthropic.claude-3-5-sonnet-20240620-v1:0",
	},
}}

// received is one request as the upstream saw it.
type received struct {
	Method  string
	RawPath string // the path as sent, still escaped
	Header  http.Header
	Body    []byte
	Host    string
}

// upstream is a loopback server that records what arrives and answers with answer.
type upstream struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []received
}

func newUpstream(t *testing.T, answer http.HandlerFunc) *upstream {
	t.Helper()
	u := &upstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("upstream: reading the body: %v", err)
		}
		u.mu.Lock()
		u.reqs = append(u.reqs, received{Method: r.Method, RawPath: r.URL.EscapedPath(),
			Header: r.Header.Clone(), Body: body, Host: r.Host})
		u.mu.Unlock()
		answer(w, r)
	}))
	t.Cleanup(u.Close)
	return u
}

// last returns the last request received.
func (u *upstream) last(t *testing.T) received {
	t.Helper()
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.reqs) == 0 {
		t.Fatal("no request reached the upstream")
	}
	return u.reqs[len(u.reqs)-1]
}

func (u *upstream) count() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.reqs)
}

// newProvider returns an adapter whose base URL is u.
func newProvider(t *testing.T, baseURL string) *bedrock.Provider {
	t.Helper()
	p, err := bedrock.New(providers.Options{Provider: schemas.Bedrock,
		Config: &schemas.ProviderConfig{NetworkConfig: schemas.NetworkConfig{BaseURL: baseURL}}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// serveJSON answers with status and body, naming an AWS request ID and, when the
// status is an error, the exception in x-amzn-errortype.
func serveJSON(status int, exception string, body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-Requestid", "req-0001")
		if exception != "" {
			w.Header().Set("X-Amzn-Errortype", exception+":http://internal.amazon.com/coral/")
		}
		w.WriteHeader(status)
		w.Write(body)
	}
}

// serveStream answers with an event stream.
func serveStream(stream []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.amazon.eventstream")
		w.Header().Set("X-Amzn-Requestid", "req-0002")
		w.WriteHeader(http.StatusOK)
		w.Write(stream)
	}
}

// fixtureMessage is one event-stream message of a readable stream fixture: its
// headers and its JSON payload.
type fixtureMessage struct {
	Headers map[string]string `json:"headers"`
	Payload json.RawMessage   `json:"payload"`
}

// encodeStream frames the messages of a fixture (one JSON object a line, in
// testdata/name) with the AWS event-stream encoder, as Bedrock sends them.
func encodeStream(t testing.TB, name string) []byte {
	t.Helper()
	var out bytes.Buffer
	enc := eventstream.NewEncoder()
	for _, line := range bytes.Split(golden.Read(t, name), []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var m fixtureMessage
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		msg := eventstream.Message{}
		for _, h := range []string{":message-type", ":event-type", ":exception-type",
			":error-code", ":error-message", ":content-type"} {
			if v, ok := m.Headers[h]; ok {
				msg.Headers.Set(h, eventstream.StringValue(v))
			}
		}
		var compact bytes.Buffer
		if len(m.Payload) > 0 {
			if err := json.Compact(&compact, m.Payload); err != nil {
				t.Fatal(err)
			}
		}
		msg.Payload = compact.Bytes()
		if err := enc.Encode(&out, msg); err != nil {
			t.Fatal(err)
		}
	}
	return out.Bytes()
}

// drain reads s to its end, returning the chunks and the error that ended it.
func drain(t *testing.T, s providers.Stream) ([]*schemas.ChatStreamChunk, error) {
	t.Helper()
	defer s.Close()
	chunks := []*schemas.ChatStreamChunk{}
	for range 1000 {
		c, err := s.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return chunks, nil
			}
			return chunks, err
		}
		chunks = append(chunks, c)
	}
	t.Fatal("stream did not end")
	return nil, nil
}

// asError returns err as a *schemas.Error, failing t when it is not one.
func asError(t *testing.T, err error) *schemas.Error {
	t.Helper()
	var e *schemas.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *schemas.Error", err, err)
	}
	return e
}

func ptr[T any](v T) *T { return &v }
