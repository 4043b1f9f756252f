package gateway

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/sluicegw/sluice/schemas"
)

// adminGrace bounds the drain of the metrics listener: a scrape takes milliseconds.
const adminGrace = 5 * time.Second

// metricsHandler serves the Prometheus exposition of s.reg, behind the metrics token
// when one is configured.
func (s *Server) metricsHandler() http.HandlerFunc {
	prom := promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(
		s.log.Handler(), slog.LevelWarn)})
	return func(w http.ResponseWriter, r *http.Request) {
		x := s.begin(w, r, routeNone)
		defer x.end()
		if !s.metricsAllowed(r) {
			w.Header()["Www-Authenticate"] = []string{`Bearer realm="metrics"`}
			x.fail(schemas.NewError(schemas.ErrAuth, "", "reading metrics needs the "+
				"metrics token, sent as Authorization: Bearer <token>"))
			return
		}
		x.stamp(http.StatusOK)
		prom.ServeHTTP(w, r)
	}
}

// metricsAllowed reports whether r may read metrics. The comparison takes the same
// time whatever the guess, so the token cannot be found a byte at a time.
func (s *Server) metricsAllowed(r *http.Request) bool {
	if s.metricsToken == "" {
		return true
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(got), []byte(s.metricsToken)) == 1
}

// adminRoutes builds the handler of the operator's endpoints: /metrics and the
// probes, which a load balancer or kubelet may call on either listener.
func (s *Server) adminRoutes() http.Handler {
	mux := http.NewServeMux()
	s.handleOn(mux, http.MethodGet, "/metrics", s.metricsHandler())
	s.handleOn(mux, http.MethodGet, "/health", s.health)
	s.handleOn(mux, http.MethodGet, "/ready", s.ready)
	mux.HandleFunc("/", s.notFound)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer s.recoverPanic(w, r)
		mux.ServeHTTP(w, r)
	})
}

// MetricsHandler returns the handler of /metrics, /health and /ready alone, for a
// listener of their own; see Options.SeparateMetrics and ServeMetrics.
func (s *Server) MetricsHandler() http.Handler { return s.admin }

// ServeMetrics serves MetricsHandler on ln, over TLS when Options.TLS is set, until
// ctx ends; then it lets the scrapes in flight finish and returns nil, or the error
// that stopped it serving.
func (s *Server) ServeMetrics(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.admin,
		ReadHeaderTimeout: s.http.ReadHeaderTimeout,
		ReadTimeout:       s.http.ReadTimeout,
		MaxHeaderBytes:    s.http.MaxHeaderBytes,
		TLSConfig:         s.http.TLSConfig,
		ErrorLog:          s.http.ErrorLog,
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "metrics listening",
		slog.String("addr", ln.Addr().String()), slog.Bool("tls", srv.TLSConfig != nil))
	served := make(chan error, 1)
	go func() { served <- serve(srv, ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("gateway: cannot serve metrics: %w", err)
	case <-ctx.Done():
	}
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), adminGrace)
	defer cancel()
	if err := srv.Shutdown(dctx); err != nil {
		_ = srv.Close()
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("gateway: cannot serve metrics: %w", err)
	}
	return nil
}

// serve runs srv on ln, with TLS when srv has a TLS configuration.
func serve(srv *http.Server, ln net.Listener) error {
	if srv.TLSConfig != nil {
		return srv.ServeTLS(ln, "", "")
	}
	return srv.Serve(ln)
}
