package sluice_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/sluicegw/sluice/schemas"
)

// matrixAccount configures every row's provider with its base URL and key.
type matrixAccount map[schemas.ModelProvider]matrixRow

func newMatrixAccount(rows []matrixRow) matrixAccount {
	a := matrixAccount{}
	for _, r := range rows {
		a[r.p] = r
	}
	return a
}

func (a matrixAccount) GetConfiguredProviders() ([]schemas.ModelProvider, error) {
	var ps []schemas.ModelProvider
	for p := range a {
		ps = append(ps, p)
	}
	return ps, nil
}

func (a matrixAccount) GetKeysForProvider(_ context.Context, p schemas.ModelProvider) (
	[]schemas.Key, error) {
	return []schemas.Key{a[p].key}, nil
}

func (a matrixAccount) GetConfigForProvider(p schemas.ModelProvider) (
	*schemas.ProviderConfig, error) {
	return &schemas.ProviderConfig{
		NetworkConfig: schemas.NetworkConfig{BaseURL: a[p].baseURL,
			DefaultRequestTimeoutInSeconds: 10},
		ConcurrencyAndBufferSize: schemas.ConcurrencyAndBufferSize{Concurrency: 2,
			BufferSize: 8},
	}, nil
}

// vertexToken is the access token the matrix's OAuth endpoint mints.
const vertexToken = "ya29.matrix"

// vertexCredentials starts an OAuth token endpoint on loopback and returns a
// service-account JSON whose token_uri is that endpoint. The endpoint answers a JWT
// bearer grant with vertexToken; the signature is checked by providers/gemini's own
// Vertex tests, not here.
func vertexCredentials(t *testing.T) string {
	t.Helper()
	tokens := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter,
		r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.ParseForm() != nil || r.PostForm.Get("assertion") == "" ||
			r.PostForm.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"error":"invalid_grant"}`))
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"access_token": vertexToken,
			"token_type": "Bearer", "expires_in": 3600})
	}))
	t.Cleanup(tokens.Close)

	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	creds, _ := json.Marshal(map[string]string{
		"type": "service_account", "project_id": "matrix-proj", "private_key_id": "kid",
		"private_key": string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY",
			Bytes: der})),
		"client_email": "matrix@matrix-proj.iam.gserviceaccount.com",
		"token_uri":    tokens.URL + "/token",
	})
	return string(creds)
}

// drained is what a stream delivered: its text, how many chunks carried text, the
// streamed tool call, the finish reason, the usage and the error that ended it.
type drained struct {
	text, toolName, toolArgs, finish string
	contentChunks                    int
	usage                            *schemas.Usage
	err                              error
}

// drain reads ch until it is closed.
func drain(t *testing.T, ch <-chan schemas.StreamEvent) drained {
	t.Helper()
	var d drained
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				return d
			}
			if ev.Err != nil {
				d.err = ev.Err
				continue
			}
			d.add(ev.Chunk)
		case <-timeout:
			t.Fatal("the stream did not end")
		}
	}
}

func (d *drained) add(c *schemas.ChatStreamChunk) {
	for _, choice := range c.Choices {
		if choice.Delta.Content != "" {
			d.text += choice.Delta.Content
			d.contentChunks++
		}
		for _, tc := range choice.Delta.ToolCalls {
			d.toolName += tc.Function.Name
			d.toolArgs += tc.Function.Arguments
		}
		if choice.FinishReason != nil {
			d.finish = *choice.FinishReason
		}
	}
	if c.Usage != nil {
		d.usage = c.Usage
	}
}
