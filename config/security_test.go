package config

import (
	"crypto/tls"
	"strings"
	"testing"
	"time"

	"github.com/sluicegw/sluice/internal/testcert"
)

func TestParseLimitsMetricsAndTLS(t *testing.T) {
	s, _, err := Parse([]string{"-read-timeout", "5s", "-max-header-bytes", "16KiB",
		"-metrics-addr", "127.0.0.1:9090", "-tls-cert", "c.pem"},
		env("APP_METRICS_TOKEN", "tok-5150", "APP_TLS_KEY", "k.pem",
			"APP_MAX_HEADER_BYTES", "1MiB"))
	if err != nil {
		t.Fatal(err)
	}
	if s.ReadTimeout != 5*time.Second || s.MaxHeaderBytes != 16<<10 ||
		s.MetricsAddr != "127.0.0.1:9090" || s.MetricsToken != "tok-5150" ||
		s.TLSCert != "c.pem" || s.TLSKey != "k.pem" {
		t.Errorf("settings %+v", *s)
	}
	if logged := s.String(); strings.Contains(logged, "tok-5150") ||
		!strings.Contains(logged, "metrics_token=[redacted]") {
		t.Errorf("the metrics token is not redacted: %s", logged)
	}
}

func TestParseRefusesBadLimitsMetricsAndTLS(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"-read-timeout", "0s"}, "flag -read-timeout"},
		{[]string{"-max-header-bytes", "100"}, "from 1KiB to 1MiB"},
		{[]string{"-max-header-bytes", "2MiB"}, "from 1KiB to 1MiB"},
		{[]string{"-metrics-addr", "9090"}, "must be host:port"},
		{[]string{"-metrics-addr", "127.0.0.1:70000"}, "must be host:port"},
		{[]string{"-tls-cert", "c.pem"}, "set both"},
		{[]string{"-tls-key", "k.pem"}, "set both"},
	}
	for _, c := range cases {
		_, _, err := Parse(c.args, env())
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want an error saying %q", c.args, err, c.want)
		}
	}
}

func TestTLSConfig(t *testing.T) {
	if c, err := (&Settings{}).TLSConfig(); c != nil || err != nil {
		t.Errorf("without files: %v, %v; want nothing", c, err)
	}
	cert, err := testcert.New()
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile, err := cert.Write(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c, err := (&Settings{TLSCert: certFile, TLSKey: keyFile}).TLSConfig()
	if err != nil || len(c.Certificates) != 1 || c.MinVersion != tls.VersionTLS12 {
		t.Errorf("TLSConfig = %+v, %v", c, err)
	}
	_, err = (&Settings{TLSCert: keyFile, TLSKey: certFile}).TLSConfig()
	if err == nil || !strings.Contains(err.Error(), "check -tls-cert and -tls-key") {
		t.Errorf("swapped files: %v, want an actionable error", err)
	}
}
