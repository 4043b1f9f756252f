package sluice_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/sluicegw/sluice"
	"github.com/sluicegw/sluice/schemas"
)

// staticAccount is the smallest useful Account: one provider, one key from the
// application's own secret store, and one configuration.
type staticAccount struct {
	baseURL string
	apiKey  string
}

func (a staticAccount) GetConfiguredProviders() ([]schemas.ModelProvider, error) {
	return []schemas.ModelProvider{schemas.OpenAI}, nil
}

func (a staticAccount) GetKeysForProvider(_ context.Context, p schemas.ModelProvider) (
	[]schemas.Key, error) {
	if p != schemas.OpenAI {
		return nil, fmt.Errorf("no keys for %s", p)
	}
	return []schemas.Key{{ID: "main", Value: a.apiKey, Weight: 1}}, nil
}

func (a staticAccount) GetConfigForProvider(p schemas.ModelProvider) (
	*schemas.ProviderConfig, error) {
	return &schemas.ProviderConfig{
		NetworkConfig: schemas.NetworkConfig{
			BaseURL:                        a.baseURL,
			DefaultRequestTimeoutInSeconds: 30,
			MaxRetries:                     2,
		},
		ConcurrencyAndBufferSize: schemas.ConcurrencyAndBufferSize{
			Concurrency: 20,
			BufferSize:  200,
		},
	}, nil
}

// exampleServer stands in for api.openai.com: it answers every chat completion with
// the same message.
func exampleServer() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":"chatcmpl-1","object":"chat.completion","created":1,
			"model":"gpt-4o-mini","choices":[{"index":0,"finish_reason":"stop",
			"message":{"role":"assistant","content":"Hello! How can I help?"}}],
			"usage":{"prompt_tokens":9,"completion_tokens":6,"total_tokens":15}}`)
	}))
}

// Init with an Account of the application's own, then a chat completion.
func Example() {
	srv := exampleServer()
	defer srv.Close()

	client, err := sluice.Init(schemas.Config{
		Account:            staticAccount{baseURL: srv.URL, apiKey: "sk-example"},
		InitialPoolSize:    100,
		DropExcessRequests: true,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Cleanup()

	resp, err := client.ChatCompletion(context.Background(), &schemas.ChatRequest{
		Provider: schemas.OpenAI,
		Model:    "gpt-4o-mini",
		Messages: []schemas.Message{{Role: schemas.RoleUser, Content: schemas.Text("hi")}},
	})
	if errors.Is(err, schemas.ErrQueueFull) {
		log.Print("overloaded: try again later")
		return
	}
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.Choices[0].Message.Content.String())
	fmt.Println("tokens:", resp.Usage.TotalTokens)
	// Output:
	// Hello! How can I help?
	// tokens: 15
}

// envAccount sizes each provider's workers and queue for the environment it runs in.
type envAccount struct {
	staticAccount
	env string
}

// sizes holds the concurrency and buffer of each environment. Development keeps a
// laptop quiet; production sizes by Little's law: about 200 requests/s at 2 s of
// latency need 400 workers, and the buffer absorbs a burst of 5 s at that rate.
var sizes = map[string]schemas.ConcurrencyAndBufferSize{
	"development": {Concurrency: 2, BufferSize: 10},
	"staging":     {Concurrency: 20, BufferSize: 100},
	"production":  {Concurrency: 400, BufferSize: 1000},
}

func (a envAccount) GetConfigForProvider(p schemas.ModelProvider) (
	*schemas.ProviderConfig, error) {
	cfg, err := a.staticAccount.GetConfigForProvider(p)
	if err != nil {
		return nil, err
	}
	size, ok := sizes[a.env]
	if !ok {
		return nil, fmt.Errorf("unknown environment %q", a.env)
	}
	cfg.ConcurrencyAndBufferSize = size
	return cfg, nil
}

// Pick concurrency and buffer per environment: the Account decides, and Stats shows
// what each client runs with.
func Example_perEnvironment() {
	srv := exampleServer()
	defer srv.Close()

	for _, env := range []string{"development", "staging", "production"} {
		client, err := sluice.Init(schemas.Config{
			Account: envAccount{staticAccount{srv.URL, "sk-example"}, env},
			// Production sheds load at once; elsewhere callers wait for room.
			DropExcessRequests: env == "production",
		})
		if err != nil {
			log.Fatal(err)
		}
		_, err = client.ChatCompletion(context.Background(), &schemas.ChatRequest{
			Provider: schemas.OpenAI,
			Model:    "gpt-4o-mini",
			Messages: []schemas.Message{{Role: schemas.RoleUser, Content: schemas.Text("hi")}},
		})
		if err != nil {
			log.Fatal(err)
		}
		p := client.Stats().Providers[0]
		fmt.Printf("%s: %d workers, %d waiting places\n", env, p.Workers, p.QueueCapacity)
		client.Cleanup()
	}
	// Output:
	// development: 2 workers, 10 waiting places
	// staging: 20 workers, 100 waiting places
	// production: 400 workers, 1000 waiting places
}
