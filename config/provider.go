package config

import (
	"maps"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/sluicegw/sluice/schemas"
)

// provider reads one member of "providers" and checks what the provider requires.
func (l *loader) provider(p jsonPath, name schemas.ModelProvider, v any) *ProviderEntry {
	e := &ProviderEntry{}
	l.object(p, v, fields{
		"keys": func(p jsonPath, v any) { e.Keys = l.keys(p, name, v) },
		"network_config": func(p jsonPath, v any) {
			e.Config.NetworkConfig = l.network(p, v)
		},
		"concurrency_and_buffer_size": func(p jsonPath, v any) {
			e.Config.ConcurrencyAndBufferSize = l.concurrency(p, v)
		},
		"meta_config": func(p jsonPath, _ any) {
			l.warn(p, "Bifrost's legacy meta_config is not supported; move its settings "+
				"to each key's azure_key_config, bedrock_key_config or vertex_key_config")
		},
	}, "proxy_config", "send_back_raw_request", "send_back_raw_response",
		"store_raw_request_response", "custom_provider_config", "pricing_overrides")
	l.checkProvider(p, name, e)
	return e
}

func (l *loader) network(p jsonPath, v any) schemas.NetworkConfig {
	var n schemas.NetworkConfig
	seconds := func(dst *int) func(jsonPath, any) {
		return func(p jsonPath, v any) { *dst, _ = l.integer(p, v, 0, maxSeconds) }
	}
	millis := func(dst *time.Duration) func(jsonPath, any) {
		return func(p jsonPath, v any) {
			ms, _ := l.integer(p, v, 0, maxBackoffMS)
			*dst = time.Duration(ms) * time.Millisecond
		}
	}
	l.object(p, v, fields{
		"base_url":      func(p jsonPath, v any) { n.BaseURL = l.baseURL(p, v) },
		"extra_headers": func(p jsonPath, v any) { n.ExtraHeaders = l.headers(p, v) },
		"max_retries": func(p jsonPath, v any) {
			n.MaxRetries, _ = l.integer(p, v, 0, maxRetries)
		},
		"default_request_timeout_in_seconds": seconds(&n.DefaultRequestTimeoutInSeconds),
		"stream_idle_timeout_in_seconds":     seconds(&n.StreamIdleTimeoutInSeconds),
		"retry_backoff_initial":              millis(&n.RetryBackoffInitial),
		"retry_backoff_max":                  millis(&n.RetryBackoffMax),
	}, "insecure_skip_verify", "ca_cert_pem", "max_conns_per_host", "enforce_http2")

	if n.RetryBackoffMax > 0 && n.RetryBackoffInitial > n.RetryBackoffMax {
		l.fail(p.key("retry_backoff_initial"), "must be ≤ retry_backoff_max (%d), got %d",
			n.RetryBackoffMax.Milliseconds(), n.RetryBackoffInitial.Milliseconds())
	}
	return n
}

// concurrency reads concurrency_and_buffer_size. Zero or absent fields are left zero
// for the engine to default; a buffer smaller than the concurrency is allowed.
func (l *loader) concurrency(p jsonPath, v any) schemas.ConcurrencyAndBufferSize {
	var c schemas.ConcurrencyAndBufferSize
	l.object(p, v, fields{
		"concurrency": func(p jsonPath, v any) {
			c.Concurrency, _ = l.integer(p, v, 0, maxConcurrency)
		},
		"buffer_size": func(p jsonPath, v any) {
			c.BufferSize, _ = l.integer(p, v, 0, maxBufferSize)
		},
	})
	return c
}

// baseURL reads a provider root URL. A trailing slash is dropped because adapters
// append paths that start with one.
func (l *loader) baseURL(p jsonPath, v any) string {
	s, ok := l.str(p, v)
	if !ok || !l.checkURL(p, s) {
		return ""
	}
	return strings.TrimRight(s, "/")
}

// checkURL reports whether s is an absolute http(s) URL with a host and no query or
// fragment. The message does not repeat s: a URL may carry credentials.
func (l *loader) checkURL(p jsonPath, s string) bool {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		l.fail(p, "must be an absolute http:// or https:// URL")
		return false
	}
	if u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		l.fail(p, "must not have a query or fragment")
		return false
	}
	return true
}

// headers reads extra_headers, refusing names and values that could not be sent or
// that would split a request.
func (l *loader) headers(p jsonPath, v any) map[string]string {
	h := l.stringMap(p, v)
	for _, name := range slices.Sorted(maps.Keys(h)) {
		switch val := h[name]; {
		case !validHeaderName(name):
			l.fail(p.key(name), "is not a valid HTTP header name")
		case strings.ContainsAny(val, "\r\n\x00"):
			l.fail(p.key(name), "value must not contain CR, LF or NUL")
		}
	}
	return h
}

// validHeaderName reports whether name is an RFC 9110 token.
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}
