package gateway

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/sluicegw/sluice/internal/pool"
	"github.com/sluicegw/sluice/schemas"
)

// DefaultMaxBodyBytes is the request body limit when Options.MaxBodyBytes is zero.
const DefaultMaxBodyBytes = 32 << 20

// Options configures a Server.
type Options struct {
	// Engine answers the API calls. It is required. When it also implements
	// StatsSource, /metrics exports its queues, workers and pools.
	Engine Engine
	// Account lists the providers and models: /v1/models shows them, and metrics use
	// them as the only label values besides "other". It is required.
	Account schemas.Account
	// Logger receives the gateway's logs. Nil means slog.Default().
	Logger *slog.Logger
	// MaxBodyBytes is the largest request body accepted; a larger one is answered
	// with 413 as soon as the limit is crossed. Zero means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// PoolSize is how many body buffers are prewarmed and kept for reuse. Zero means
	// schemas.DefaultInitialPoolSize.
	PoolSize int
	// Registry receives the gateway's metrics and is what /metrics serves. Nil means
	// a new registry with the Go runtime and process collectors.
	Registry *prometheus.Registry

	// ReadHeaderTimeout, ReadTimeout and MaxHeaderBytes bound what one client may
	// send; zero means DefaultReadHeaderTimeout, DefaultReadTimeout and
	// DefaultMaxHeaderBytes. A body still arriving at ReadTimeout is answered 408;
	// headers past MaxHeaderBytes are answered 431 by net/http, in plain text; late
	// headers close the connection. None of them bounds the answer.
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	MaxHeaderBytes    int
	// TLS, when set, makes Serve, Run and ServeMetrics speak HTTPS (HTTP/2 included).
	// It must hold a certificate or a GetCertificate function.
	TLS *tls.Config
	// MetricsToken, when set, must be sent as "Authorization: Bearer <token>" to read
	// /metrics; anything else is answered 401. The probes stay open.
	MetricsToken string
	// SeparateMetrics takes /metrics off the API routes, for serving it only through
	// ServeMetrics, on an address that only the monitoring network reaches.
	SeparateMetrics bool
}

// Server is the HTTP gateway. Create it with New, run it with Serve, stop it with
// Shutdown. It is also an http.Handler, for tests and for embedding in another server.
type Server struct {
	engine  Engine
	account schemas.Account
	log     *slog.Logger
	maxBody int64
	bufs    *pool.Pool[buffer]
	cat     *catalog
	met     *metrics
	reg     *prometheus.Registry
	mux     *http.ServeMux
	admin   http.Handler // /metrics and the probes, for ServeMetrics
	http    *http.Server

	readTimeout     time.Duration
	metricsToken    string
	separateMetrics bool
	// forwards: the engine is a Forwarder, so requests whose provider speaks the
	// client's dialect go untranslated (see chatNative).
	forwards bool

	draining atomic.Bool
}

var _ http.Handler = (*Server)(nil)

// New returns a Server for opts. It reads the account's providers and models once, to
// bound the metric labels.
func New(opts Options) (*Server, error) {
	if opts.Engine == nil || opts.Account == nil {
		return nil, errors.New("gateway: Options.Engine and Options.Account are required")
	}
	s := &Server{
		engine:  opts.Engine,
		account: opts.Account,
		log:     opts.Logger,
		maxBody: opts.MaxBodyBytes,
		reg:     opts.Registry,
		mux:     http.NewServeMux(),

		readTimeout:     orDefault(opts.ReadTimeout, DefaultReadTimeout),
		metricsToken:    opts.MetricsToken,
		separateMetrics: opts.SeparateMetrics,
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBodyBytes
	}
	size := opts.PoolSize
	if size <= 0 {
		size = schemas.DefaultInitialPoolSize
	}
	s.bufs = newBufferPool(size)
	_, s.forwards = s.engine.(Forwarder)

	cat, err := loadCatalog(context.Background(), s.account, s.log)
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	s.cat = cat
	if s.reg == nil {
		s.reg = prometheus.NewRegistry()
		s.reg.MustRegister(collectors.NewGoCollector(),
			collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	s.met = newMetrics(s.reg, cat)
	stats, _ := s.engine.(StatsSource)
	s.reg.MustRegister(newEngineCollector(stats, s.bufs.Stats))

	s.routes()
	s.admin = s.adminRoutes()
	s.http = s.newHTTPServer(&opts)
	return s, nil
}

// routes registers every route. A new dialect (such as /anthropic) adds its own
// registration function beside openAIRoutes and a line here.
func (s *Server) routes() {
	s.openAIRoutes("/v1", "")
	s.openAIRoutes("/openai/v1", schemas.OpenAI)
	s.openAIRoutes("/openai", schemas.OpenAI)
	s.anthropicRoutes()

	s.handle(http.MethodGet, "/health", s.health)
	s.handle(http.MethodGet, "/ready", s.ready)
	if !s.separateMetrics {
		s.handle(http.MethodGet, "/metrics", s.metricsHandler())
	}
	s.mux.HandleFunc("/", s.notFound)
}

// handle registers h for method and path, and an OpenAI-shaped 405 for the path's
// other methods.
func (s *Server) handle(method, path string, h http.HandlerFunc) {
	s.handleOn(s.mux, method, path, h)
}

// handleOn is handle on another mux.
func (s *Server) handleOn(mux *http.ServeMux, method, path string, h http.HandlerFunc) {
	mux.HandleFunc(method+" "+path, h)
	mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
		x := s.begin(w, r, routeNone)
		defer x.end()
		w.Header()["Allow"] = []string{method}
		e := badRequest("", "%s is not allowed on %s; use %s", r.Method, path, method)
		e.StatusCode, e.Code = http.StatusMethodNotAllowed, "method_not_allowed"
		x.fail(e)
	})
}

// ServeHTTP routes r. A handler that panics is answered with a 500 in OpenAI's shape
// rather than a dropped connection, and the panic is logged with its stack.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer s.recoverPanic(w, r)
	s.mux.ServeHTTP(w, r)
}

func (s *Server) recoverPanic(w http.ResponseWriter, r *http.Request) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler {
		panic(v) // net/http's own way to abort a response; let it do so
	}
	x := s.begin(w, r, routeNone)
	s.log.LogAttrs(r.Context(), slog.LevelError, "BUG: handler panicked",
		slog.String("request_id", x.id), slog.String("panic", fmt.Sprint(v)),
		slog.String("stack", string(debug.Stack())))
	e := schemas.NewError(schemas.ErrUpstream, "", "internal error in the gateway; "+
		"the request id is %s", x.id)
	e.StatusCode, e.Type = http.StatusInternalServerError, "server_error"
	// When the handler had already written, this write fails quietly: the client sees
	// a cut response, which is all that can be done by then.
	x.fail(e)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	x := s.begin(w, r, routeNone)
	defer x.end()
	e := schemas.NewError(schemas.ErrNotFound, "", "no route %s %s", r.Method, r.URL.Path)
	e.Code = "unknown_url"
	x.fail(e)
}

// health answers 200 while the process can serve at all.
func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	x := s.begin(w, r, routeNone)
	defer x.end()
	x.writeJSON(statusBody{Status: "ok"})
}

// ready answers 200, or 503 once draining has begun so that load balancers stop
// sending new requests while the in-flight ones finish.
func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	x := s.begin(w, r, routeNone)
	defer x.end()
	if s.draining.Load() {
		e := schemas.NewError(schemas.ErrClosed, "", "the gateway is draining")
		x.fail(e)
		return
	}
	x.writeJSON(statusBody{Status: "ready"})
}

type statusBody struct {
	Status string `json:"status"`
}

// Serve accepts connections on ln until Shutdown, over TLS when Options.TLS is set.
// It returns http.ErrServerClosed after Shutdown, or the error that stopped it.
func (s *Server) Serve(ln net.Listener) error {
	s.log.LogAttrs(context.Background(), slog.LevelInfo, "gateway listening",
		slog.String("addr", ln.Addr().String()), slog.Bool("tls", s.http.TLSConfig != nil))
	return serve(s.http, ln)
}

// Run serves on ln until ctx ends, then drains as Shutdown does, giving the requests
// in flight at most grace to finish. It returns nil after a complete drain, the error
// that stopped serving, or an error saying the drain was cut short.
func (s *Server) Run(ctx context.Context, ln net.Listener, grace time.Duration) error {
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("gateway: cannot serve: %w", err)
	case <-ctx.Done():
	}

	s.log.LogAttrs(ctx, slog.LevelInfo, "draining", slog.Duration("grace", grace))
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), grace)
	defer cancel()
	err := s.Shutdown(dctx)
	<-served // Serve returns ErrServerClosed as soon as Shutdown begins
	if err != nil {
		return fmt.Errorf("gateway: drain cut short after %s, requests in flight were "+
			"ended: %w", grace, err)
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "drained")
	return nil
}

// Shutdown drains the server: /ready turns 503, listeners close, idle connections
// close, and Shutdown waits for the requests in flight, streams included, to finish.
// When ctx ends first, the remaining connections are closed, which cancels their
// requests and upstream calls, and ctx's error is returned.
//
// The engine is not stopped here: the caller stops it afterwards (Client.Cleanup), once
// no handler can submit more work.
func (s *Server) Shutdown(ctx context.Context) error {
	s.draining.Store(true)
	err := s.http.Shutdown(ctx)
	if err != nil {
		_ = s.http.Close() // ctx ended: cut what is left
	}
	return err
}

// Draining reports whether Shutdown has begun.
func (s *Server) Draining() bool { return s.draining.Load() }
