package gateway

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sluicegw/sluice/internal/testcert"
)

// get fetches url with client and the given Authorization, returning status and body.
func get(t *testing.T, client *http.Client, url, auth string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestMetricsToken(t *testing.T) {
	const token = "metrics-token-3f9c"
	_, ts := startGateway(t, &fakeEngine{}, func(o *Options) { o.MetricsToken = token })
	c := http.DefaultClient
	cases := []struct {
		path, auth string
		status     int
	}{
		{"/metrics", "", 401},
		{"/metrics", "Bearer wrong", 401},
		{"/metrics", "Basic " + token, 401},
		{"/metrics", "Bearer " + token, 200},
		{"/health", "", 200}, // probes stay open for load balancers
		{"/ready", "", 200},
	}
	for _, tc := range cases {
		status, body := get(t, c, ts.URL+tc.path, tc.auth)
		if status != tc.status {
			t.Errorf("%s with %q: %d, want %d", tc.path, tc.auth, status, tc.status)
		}
		if status == 401 && (!strings.Contains(body, `"type":"authentication_error"`) ||
			strings.Contains(body, token)) {
			t.Errorf("401 body: %s", body)
		}
		if tc.status == 200 && tc.path == "/metrics" && !strings.Contains(body, "sluice_") {
			t.Errorf("metrics body lacks sluice metrics:\n%.300s", body)
		}
	}
}

func TestSeparateMetricsListener(t *testing.T) {
	s, ts := startGateway(t, &fakeEngine{}, func(o *Options) { o.SeparateMetrics = true })
	if status, _ := get(t, http.DefaultClient, ts.URL+"/metrics", ""); status != 404 {
		t.Errorf("/metrics on the API listener: %d, want 404", status)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.ServeMetrics(ctx, ln) }()
	admin := "http://" + ln.Addr().String()
	for path, want := range map[string]int{"/metrics": 200, "/health": 200, "/ready": 200,
		"/v1/chat/completions": 404} {
		if status, _ := get(t, http.DefaultClient, admin+path, ""); status != want {
			t.Errorf("%s on the metrics listener: %d, want %d", path, status, want)
		}
	}
	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("ServeMetrics: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ServeMetrics did not return after its context ended")
	}
}

func TestTLS(t *testing.T) {
	cert, err := testcert.New()
	if err != nil {
		t.Fatal(err)
	}
	conf, err := cert.TLS()
	if err != nil {
		t.Fatal(err)
	}
	url := serveReal(t, &fakeEngine{}, func(o *Options) { o.TLS = conf })
	secure := strings.Replace(url, "http://", "https://", 1)
	client := cert.Client()
	defer client.CloseIdleConnections()

	resp, err := client.Post(secure+"/v1/chat/completions", "application/json",
		strings.NewReader(`{"model":"openai/gpt-4o-mini","messages":[{"role":"user",`+
			`"content":"hi"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.TLS == nil || !strings.Contains(string(body), "choices") {
		t.Errorf("over TLS: %d, tls %v: %s", resp.StatusCode, resp.TLS != nil, body)
	}
	if resp.ProtoMajor != 2 {
		t.Errorf("protocol %s, want HTTP/2 over TLS", resp.Proto)
	}

	// Plain HTTP on the TLS port is refused, and so is a client that does not trust
	// the certificate.
	if status, _ := get(t, http.DefaultClient, url+"/health", ""); status != 400 {
		t.Errorf("plain HTTP to the TLS port: %d, want net/http's 400", status)
	}
	if _, err := http.Get(secure + "/health"); err == nil {
		t.Error("a client without the certificate connected")
	}
}
