package main

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/sluicegw/sluice/internal/testcert"
)

var metricsAddr = regexp.MustCompile(`"msg":"metrics listening","addr":"([^"]+)"`)

// TestTLSAndSeparateMetricsByFlags starts the binary with a certificate, a metrics
// address and a metrics token, and checks what each listener serves to a client that
// trusts the certificate.
func TestTLSAndSeparateMetricsByFlags(t *testing.T) {
	cert, err := testcert.New()
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile, err := cert.Write(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	_, base := startMock(t, 0)
	conf := writeConfig(t, base, 4, 4, "")
	p := start(t, []string{"APP_METRICS_TOKEN=tls-test-token", "APP_TLS_KEY=" + keyFile},
		"-config", conf, "-tls-cert", certFile, "-metrics-addr", "127.0.0.1:0")
	api := strings.Replace(p.url, "http://", "https://", 1)
	var admin string
	waitFor(t, "the metrics listener", func() bool {
		m := metricsAddr.FindStringSubmatch(p.output())
		if m != nil {
			admin = "https://" + m[1]
		}
		return m != nil
	})

	client := cert.Client()
	defer client.CloseIdleConnections()
	fetch := func(method, url, body, auth string) int {
		req, err := http.NewRequest(method, url, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, url, err)
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		if resp.TLS == nil {
			t.Errorf("%s answered without TLS", url)
		}
		return resp.StatusCode
	}
	cases := []struct {
		method, url, body, auth string
		status                  int
	}{
		{"POST", api + "/v1/chat/completions", chatBody, "", 200},
		{"GET", api + "/metrics", "", "tls-test-token", 404},
		{"GET", api + "/ready", "", "", 200},
		{"GET", admin + "/metrics", "", "", 401},
		{"GET", admin + "/metrics", "", "tls-test-token", 200},
		{"GET", admin + "/health", "", "", 200},
		{"POST", admin + "/v1/chat/completions", chatBody, "", 404},
	}
	for _, c := range cases {
		if got := fetch(c.method, c.url, c.body, c.auth); got != c.status {
			t.Errorf("%s %s: %d, want %d", c.method, c.url, got, c.status)
		}
	}
	// net/http answers plain HTTP on a TLS port with a 400 of its own.
	if resp, err := http.Get(p.url + "/health"); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("plain HTTP to the API listener: %d, want 400", resp.StatusCode)
		}
	}
}
