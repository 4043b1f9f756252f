package config

import (
	"log/slog"
	"maps"
	"net/url"
	"slices"

	"github.com/sluicegw/sluice/schemas"
)

// The types below log themselves through slog.LogValuer and print through
// fmt.Stringer, and both leave secrets out: key values, AWS secrets, Vertex
// credentials, extra header values and any user:password in a URL. What remains
// tells an operator which providers and keys are live and how they are tuned.

// redacted stands in for a secret that is set.
const redacted = "[redacted]"

// LogValue groups the effective settings, with the config file's secrets redacted.
func (s *Settings) LogValue() slog.Value {
	attrs := []slog.Attr{
		slog.String("config_path", s.ConfigPath),
		slog.String("addr", s.Addr()),
		slog.Int("pool_size", s.PoolSize),
		slog.Bool("drop_excess_requests", s.DropExcessRequests),
		slog.String("log_level", s.LogLevel.String()),
		slog.String("log_format", s.LogFormat),
		slog.Bool("demo", s.Demo),
		slog.String("shutdown_grace", s.ShutdownGrace.String()),
		slog.Int64("max_body_bytes", s.MaxBodyBytes),
		slog.String("read_timeout", s.ReadTimeout.String()),
		slog.Int("max_header_bytes", s.MaxHeaderBytes),
		slog.String("metrics_addr", s.MetricsAddr),
		slog.String("metrics_token", secret(s.MetricsToken)),
		slog.String("tls_cert", s.TLSCert),
		slog.String("tls_key", s.TLSKey),
	}
	if s.File != nil {
		attrs = append(attrs, slog.Any("file", s.File))
	}
	return slog.GroupValue(attrs...)
}

// String renders LogValue.
func (s *Settings) String() string { return s.LogValue().Resolve().String() }

// LogValue groups the client section and the providers, secrets redacted.
func (f *File) LogValue() slog.Value {
	provs := make([]slog.Attr, 0, len(f.Providers))
	for _, name := range slices.Sorted(maps.Keys(f.Providers)) {
		if e := f.Providers[name]; e != nil {
			provs = append(provs, slog.Any(string(name), e))
		}
	}
	return slog.GroupValue(
		slog.Group("client",
			slog.Int("initial_pool_size", f.Client.InitialPoolSize),
			slog.Bool("drop_excess_requests", f.Client.DropExcessRequests),
			slog.Int("max_request_body_size_mb", f.Client.MaxRequestBodySizeMB)),
		slog.Attr{Key: "providers", Value: slog.GroupValue(provs...)},
	)
}

// String renders LogValue.
func (f *File) String() string { return f.LogValue().Resolve().String() }

// LogValue lists the provider's keys by ID and its settings, secrets redacted.
func (e *ProviderEntry) LogValue() slog.Value {
	keys := make([]slog.Attr, len(e.Keys))
	for i := range e.Keys {
		keys[i] = keyAttr(&e.Keys[i])
	}
	n, c := e.Config.NetworkConfig, e.Config.ConcurrencyAndBufferSize
	return slog.GroupValue(
		slog.Attr{Key: "keys", Value: slog.GroupValue(keys...)},
		slog.Group("network_config",
			slog.String("base_url", safeURL(n.BaseURL)),
			slog.Any("extra_headers", slices.Sorted(maps.Keys(n.ExtraHeaders))),
			slog.Int("default_request_timeout_in_seconds", n.DefaultRequestTimeoutInSeconds),
			slog.Int("stream_idle_timeout_in_seconds", n.StreamIdleTimeoutInSeconds),
			slog.Int("max_retries", n.MaxRetries),
			slog.String("retry_backoff_initial", n.RetryBackoffInitial.String()),
			slog.String("retry_backoff_max", n.RetryBackoffMax.String())),
		slog.Group("concurrency_and_buffer_size",
			slog.Int("concurrency", c.Concurrency),
			slog.Int("buffer_size", c.BufferSize)),
	)
}

// String renders LogValue.
func (e *ProviderEntry) String() string { return e.LogValue().Resolve().String() }

// LogValue lists the account's providers the way File.LogValue does.
func (a *Account) LogValue() slog.Value {
	return (&File{Providers: a.entries}).LogValue()
}

// String renders LogValue.
func (a *Account) String() string { return a.LogValue().Resolve().String() }

// keyAttr describes a key by its ID, models and weight, and says which secrets are
// set without showing them.
func keyAttr(k *schemas.Key) slog.Attr {
	attrs := []slog.Attr{
		slog.String("value", secret(k.Value)),
		slog.Any("models", k.Models),
		slog.Float64("weight", k.Weight),
	}
	if az := k.AzureKeyConfig; az != nil {
		attrs = append(attrs, slog.Group("azure_key_config",
			slog.String("endpoint", safeURL(az.Endpoint)),
			slog.String("api_version", az.APIVersion),
			slog.Any("deployments", az.Deployments)))
	}
	if br := k.BedrockKeyConfig; br != nil {
		attrs = append(attrs, slog.Group("bedrock_key_config",
			slog.String("access_key", secret(br.AccessKey)),
			slog.String("secret_key", secret(br.SecretKey)),
			slog.String("session_token", secret(br.SessionToken)),
			slog.String("region", br.Region),
			slog.Any("deployments", br.Deployments)))
	}
	if vx := k.VertexKeyConfig; vx != nil {
		attrs = append(attrs, slog.Group("vertex_key_config",
			slog.String("project_id", vx.ProjectID),
			slog.String("region", vx.Region),
			slog.String("auth_credentials", secret(vx.AuthCredentials)),
			slog.Any("deployments", vx.Deployments)))
	}
	return slog.Attr{Key: k.ID, Value: slog.GroupValue(attrs...)}
}

func secret(s string) string {
	if s == "" {
		return ""
	}
	return redacted
}

// safeURL drops any user information and query from raw, which may hold
// credentials; a URL that does not parse is not shown at all.
func safeURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "[unparsable URL]"
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}

// GoString keeps %#v from printing secrets.
func (s *Settings) GoString() string { return s.String() }

// GoString keeps %#v from printing secrets.
func (f *File) GoString() string { return f.String() }

// GoString keeps %#v from printing secrets.
func (e *ProviderEntry) GoString() string { return e.String() }

// GoString keeps %#v from printing secrets.
func (a *Account) GoString() string { return a.String() }
