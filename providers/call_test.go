package providers

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/sluicegw/sluice/schemas"
)

// callServer runs h and returns plumbing whose extra header and authorizer are set,
// so that a Call's hooks can be seen to run after both.
func callServer(t *testing.T, h http.HandlerFunc) (*HTTP, string) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	hx, err := NewHTTP(Options{Provider: "test", Config: &schemas.ProviderConfig{
		NetworkConfig: schemas.NetworkConfig{BaseURL: "http://unused.invalid",
			ExtraHeaders: map[string]string{"X-Extra": "1"}}}}, "", BearerAuth("test"))
	if err != nil {
		t.Fatal(err)
	}
	return hx, srv.URL
}

// TestCallSign checks that Do posts to the Call's URL, and that Sign runs last: it
// sees every other header and the exact body sent, and what it sets arrives.
func TestCallSign(t *testing.T) {
	var arrived http.Header
	var arrivedBody []byte
	hx, url := callServer(t, func(w http.ResponseWriter, r *http.Request) {
		arrived, arrivedBody = r.Header.Clone(), mustRead(t, r.Body)
		w.Write([]byte(`{}`))
	})
	var seen http.Header
	var seenBody string
	resp, err := hx.Do(context.Background(), Call{
		URL: url + "/deployments/d?api-version=1", Body: map[string]string{"a": "b"},
		Key: &schemas.Key{Value: testKey}, Accept: "application/vnd.amazon.eventstream",
		Sign: func(req *http.Request, body []byte) error {
			seen, seenBody = req.Header.Clone(), string(body)
			req.Header.Set("X-Signature", "sig")
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	if seen.Get("X-Extra") != "1" || seen.Get("Authorization") != "Bearer "+testKey ||
		seen.Get("Accept") != "application/vnd.amazon.eventstream" ||
		seen.Get("Content-Type") != "application/json" {
		t.Errorf("Sign saw headers %v", seen)
	}
	if seenBody != string(arrivedBody) || seenBody != "{\"a\":\"b\"}\n" {
		t.Errorf("Sign saw body %q, %q arrived", seenBody, arrivedBody)
	}
	if arrived.Get("X-Signature") != "sig" {
		t.Error("the header Sign set did not arrive")
	}
}

// TestCallHooksFail checks that a Sign error stops the call before it is sent, and
// that Fail replaces the shared reading of an error answer.
func TestCallHooksFail(t *testing.T) {
	calls := 0
	hx, url := callServer(t, func(w http.ResponseWriter, r *http.Request) {
		calls++
		w.Header().Set("X-Kind", "quota")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"message":"over quota"}`))
	})
	key := &schemas.Key{Value: testKey}

	refused := schemas.NewError(schemas.ErrAuth, "test", "cannot sign")
	_, err := hx.Do(context.Background(), Call{URL: url, Body: 1, Key: key,
		Sign: func(*http.Request, []byte) error { return refused }})
	if err != refused || calls != 0 {
		t.Errorf("Sign error: got %v after %d calls", err, calls)
	}

	_, err = hx.Do(context.Background(), Call{URL: url, Body: 1, Key: key,
		Fail: func(resp *http.Response) error {
			e := ResponseError("test", resp, key)
			if resp.Header.Get("X-Kind") == "quota" {
				e.Kind = schemas.ErrRateLimited
			}
			return e
		}})
	if !errors.Is(err, schemas.ErrRateLimited) || err.Error() != "test: over quota" {
		t.Errorf("Fail: got %v", err)
	}
}

func mustRead(t *testing.T, r io.Reader) []byte {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Error(err)
	}
	return b
}
