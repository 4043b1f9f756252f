package config

import (
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/sluicegw/sluice/schemas"
)

// option is one setting that has a flag and an environment twin. Both spellings
// go through apply, so they accept the same values and fail with the same message.
type option struct {
	flag, env string
	boolean   bool
	def       string
	usage     string
	apply     func(s *Settings, v string) error
}

// options lists every flag in the order Usage prints them.
var options = []option{
	{flag: "config", env: "APP_CONFIG", def: "none",
		usage: "config file (Bifrost's config.json shape)",
		apply: func(s *Settings, v string) error { s.ConfigPath = v; return nil }},
	{flag: "host", env: "APP_HOST", def: DefaultHost,
		usage: "address to listen on; 0.0.0.0 for all",
		apply: func(s *Settings, v string) error { s.Host = v; return nil }},
	{flag: "port", env: "APP_PORT", def: strconv.Itoa(DefaultPort),
		usage: "TCP port; 0 picks a free one",
		apply: func(s *Settings, v string) error { return parseInt(v, 0, 65535, &s.Port) }},
	{flag: "pool-size", env: "APP_POOL_SIZE", def: strconv.Itoa(schemas.DefaultInitialPoolSize),
		usage: "objects prewarmed per pool",
		apply: func(s *Settings, v string) error {
			return parseInt(v, 1, maxPoolSize, &s.PoolSize)
		}},
	{flag: "drop-excess-requests", env: "APP_DROP_EXCESS_REQUESTS", boolean: true, def: "false",
		usage: "answer 503 at once when a provider queue is full, instead of waiting",
		apply: func(s *Settings, v string) error { return parseBool(v, &s.DropExcessRequests) }},
	{flag: "log-level", env: "APP_LOG_LEVEL", def: "info", usage: "debug, info, warn or error",
		apply: func(s *Settings, v string) error { return parseLevel(v, &s.LogLevel) }},
	{flag: "log-format", env: "APP_LOG_FORMAT", def: DefaultLogFormat, usage: "text or json",
		apply: func(s *Settings, v string) error { return parseFormat(v, &s.LogFormat) }},
	{flag: "demo", env: "APP_DEMO", boolean: true, def: "false",
		usage: "serve a built-in mock provider, for trying sluice offline",
		apply: func(s *Settings, v string) error { return parseBool(v, &s.Demo) }},
	{flag: "shutdown-grace", env: "APP_SHUTDOWN_GRACE", def: DefaultShutdownGrace.String(),
		usage: "how long to drain in-flight requests on SIGTERM",
		apply: func(s *Settings, v string) error { return parseGrace(v, &s.ShutdownGrace) }},
	{flag: "max-body-bytes", env: "APP_MAX_BODY_BYTES", def: "32MiB",
		usage: "largest request body; bytes, or with a KiB, MiB or GiB suffix",
		apply: func(s *Settings, v string) error { return parseSize(v, &s.MaxBodyBytes) }},
	{flag: "read-timeout", env: "APP_READ_TIMEOUT", def: DefaultReadTimeout.String(),
		usage: "longest a client may take to send a whole request (then 408)",
		apply: func(s *Settings, v string) error { return parseGrace(v, &s.ReadTimeout) }},
	{flag: "max-header-bytes", env: "APP_MAX_HEADER_BYTES", def: "64KiB",
		usage: "largest request line and headers (then 431); bytes or KiB, MiB",
		apply: func(s *Settings, v string) error { return parseHeaderSize(v, &s.MaxHeaderBytes) }},
	{flag: "metrics-addr", env: "APP_METRICS_ADDR", def: "with the API",
		usage: "host:port serving /metrics apart from the API, such as 127.0.0.1:9090",
		apply: func(s *Settings, v string) error { return parseAddr(v, &s.MetricsAddr) }},
	{flag: "metrics-token", env: "APP_METRICS_TOKEN", def: "none",
		usage: "bearer token /metrics requires; prefer the variable to the flag",
		apply: func(s *Settings, v string) error { s.MetricsToken = v; return nil }},
	{flag: "tls-cert", env: "APP_TLS_CERT", def: "none",
		usage: "PEM certificate file; with -tls-key, serve HTTPS",
		apply: func(s *Settings, v string) error { s.TLSCert = v; return nil }},
	{flag: "tls-key", env: "APP_TLS_KEY", def: "none",
		usage: "PEM private key file of -tls-cert",
		apply: func(s *Settings, v string) error { s.TLSKey = v; return nil }},
}

// Usage returns the flag reference printed for -h.
func Usage() string {
	var b strings.Builder
	b.WriteString("Usage: sluice [flags]\n\nFlags (each has an environment twin; " +
		"a flag wins over its variable, which wins over the config file):\n")
	for _, o := range options {
		fmt.Fprintf(&b, "  -%-21s %s\n  %-22s env %s, default %s\n",
			o.flag, o.usage, "", o.env, o.def)
	}
	return b.String()
}

func parseInt(v string, lo, hi int, dst *int) error {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < lo || n > hi {
		return fmt.Errorf("must be a whole number from %d to %d, got %q", lo, hi, v)
	}
	*dst = n
	return nil
}

func parseBool(v string, dst *bool) error {
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		return fmt.Errorf("must be true or false, got %q", v)
	}
	*dst = b
	return nil
}

func parseLevel(v string, dst *slog.Level) error {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "debug":
		*dst = slog.LevelDebug
	case "info":
		*dst = slog.LevelInfo
	case "warn", "warning":
		*dst = slog.LevelWarn
	case "error":
		*dst = slog.LevelError
	default:
		return fmt.Errorf("must be debug, info, warn or error, got %q", v)
	}
	return nil
}

func parseFormat(v string, dst *string) error {
	f := strings.ToLower(strings.TrimSpace(v))
	if f != "text" && f != "json" {
		return fmt.Errorf("must be text or json, got %q", v)
	}
	*dst = f
	return nil
}

func parseGrace(v string, dst *time.Duration) error {
	d, err := time.ParseDuration(strings.TrimSpace(v))
	if err != nil || d <= 0 {
		return fmt.Errorf("must be a positive duration such as 30s or 2m, got %q", v)
	}
	*dst = d
	return nil
}

// parseSize reads a byte count with an optional binary suffix (KiB, MiB, GiB).
func parseSize(v string, dst *int64) error {
	num, shift := strings.TrimSpace(v), 0
	for _, u := range []struct {
		suffix string
		shift  int
	}{{"KiB", 10}, {"MiB", 20}, {"GiB", 30}} {
		if n, ok := strings.CutSuffix(num, u.suffix); ok {
			num, shift = strings.TrimSpace(n), u.shift
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || n > maxBodyMB<<20>>shift {
		return fmt.Errorf("must be from 1 byte to %d MiB, such as 33554432 or 32MiB, got %q",
			maxBodyMB, v)
	}
	*dst = n << shift
	return nil
}

// maxHeaderBytes bounds -max-header-bytes: net/http itself defaults to 1 MiB.
const maxHeaderBytes = 1 << 20

// parseHeaderSize reads a header limit like parseSize, from 1 KiB to 1 MiB.
func parseHeaderSize(v string, dst *int) error {
	var n int64
	if err := parseSize(v, &n); err != nil || n < 1<<10 || n > maxHeaderBytes {
		return fmt.Errorf("must be from 1KiB to 1MiB, such as 65536 or 64KiB, got %q", v)
	}
	*dst = int(n)
	return nil
}

// parseAddr reads a host:port to listen on; the host may be empty for every interface.
func parseAddr(v string, dst *string) error {
	v = strings.TrimSpace(v)
	_, port, err := net.SplitHostPort(v)
	if err == nil {
		var n int
		err = parseInt(port, 0, 65535, &n)
	}
	if err != nil {
		return fmt.Errorf("must be host:port, such as 127.0.0.1:9090 or :9090, got %q", v)
	}
	*dst = v
	return nil
}
