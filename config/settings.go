package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/sluicegw/sluice/schemas"
)

// Settings is the resolved start-up configuration of the gateway. Each field comes
// from its flag if given, else its APP_* environment variable if set and not empty,
// else the config file where the file has the setting, else the default.
type Settings struct {
	// ConfigPath is the config file (-config, APP_CONFIG). Empty means none: there is
	// no implicit search, so a stray config.json in the working directory is never
	// picked up by surprise.
	ConfigPath string
	// Host is the address to listen on (-host, APP_HOST; default 127.0.0.1). Use
	// 0.0.0.0 or "" to listen on every interface, as a container must.
	Host string
	// Port is the TCP port (-port, APP_PORT; default 8080). Zero picks a free port.
	Port int
	// PoolSize is the engine's InitialPoolSize (-pool-size, APP_POOL_SIZE,
	// client.initial_pool_size; default schemas.DefaultInitialPoolSize).
	PoolSize int
	// DropExcessRequests refuses requests at once when a provider queue is full
	// (-drop-excess-requests, APP_DROP_EXCESS_REQUESTS, client.drop_excess_requests;
	// default false: wait for room).
	DropExcessRequests bool
	// LogLevel is the least severe level logged (-log-level, APP_LOG_LEVEL:
	// debug, info, warn or error; default info).
	LogLevel slog.Level
	// LogFormat is "text" or "json" (-log-format, APP_LOG_FORMAT; default text).
	LogFormat string
	// Demo starts the built-in mock provider (-demo, APP_DEMO; default false).
	Demo bool
	// ShutdownGrace bounds the drain after SIGTERM or SIGINT (-shutdown-grace,
	// APP_SHUTDOWN_GRACE; default 25s, inside Kubernetes' default 30 s grace).
	ShutdownGrace time.Duration
	// MaxBodyBytes is the largest request body accepted (-max-body-bytes,
	// APP_MAX_BODY_BYTES, client.max_request_body_size_mb; default 32 MiB).
	MaxBodyBytes int64
	// ReadTimeout bounds the wait for a whole request, headers and body; a client
	// still sending its body then is answered 408 (-read-timeout, APP_READ_TIMEOUT;
	// default 60s). It does not bound the answer, so long streams are unaffected.
	ReadTimeout time.Duration
	// MaxHeaderBytes bounds a request's line and headers; larger ones are answered
	// 431 (-max-header-bytes, APP_MAX_HEADER_BYTES; default 64 KiB).
	MaxHeaderBytes int
	// MetricsAddr, when set, serves /metrics on this host:port instead of the API's
	// address, with /health and /ready on both (-metrics-addr, APP_METRICS_ADDR).
	MetricsAddr string
	// MetricsToken, when set, must be sent as "Authorization: Bearer <token>" to
	// read /metrics (-metrics-token, APP_METRICS_TOKEN). Prefer the variable: other
	// users of the machine can read a process's flags.
	MetricsToken string
	// TLSCert and TLSKey are PEM files of a certificate (chain) and its key; with
	// both set every listener speaks HTTPS (-tls-cert, APP_TLS_CERT, -tls-key,
	// APP_TLS_KEY). See TLSConfig.
	TLSCert, TLSKey string
	// File is the loaded config file, or nil when ConfigPath is empty. Without a
	// file, FromEnvironment supplies the providers.
	File *File
}

// Defaults of Settings.
const (
	DefaultHost          = "127.0.0.1"
	DefaultPort          = 8080
	DefaultShutdownGrace = 25 * time.Second
	DefaultMaxBodyBytes  = 32 << 20
	DefaultLogFormat     = "text"
	DefaultReadTimeout   = 60 * time.Second
	DefaultHeaderBytes   = 64 << 10
)

// Addr is Host:Port, ready for net.Listen.
func (s *Settings) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

func defaults() *Settings {
	return &Settings{
		Host:          DefaultHost,
		Port:          DefaultPort,
		PoolSize:      schemas.DefaultInitialPoolSize,
		LogLevel:      slog.LevelInfo,
		LogFormat:     DefaultLogFormat,
		ShutdownGrace: DefaultShutdownGrace,
		MaxBodyBytes:  DefaultMaxBodyBytes,

		ReadTimeout:    DefaultReadTimeout,
		MaxHeaderBytes: DefaultHeaderBytes,
	}
}

// Parse resolves the settings from args (without the program name), the
// environment read through getenv, and the config file they name. The warnings
// come from the config file and should be logged. On -h or -help the error matches
// flag.ErrHelp; print Usage then. Every invalid flag, variable or file value is
// reported, naming where it came from. The config file is loaded even with -demo;
// which of the two to serve is the caller's decision.
func Parse(args []string, getenv func(string) string) (*Settings, []Warning, error) {
	fs := flag.NewFlagSet("sluice", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	given := make(map[string]string, len(options))
	for _, o := range options {
		record := func(v string) error { given[o.flag] = v; return nil }
		if o.boolean {
			fs.BoolFunc(o.flag, o.usage, record)
		} else {
			fs.Func(o.flag, o.usage, record)
		}
	}
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	if fs.NArg() > 0 {
		return nil, nil, fmt.Errorf("unexpected argument %q; run sluice -h for usage", fs.Arg(0))
	}

	s := defaults()
	var errs []error
	var warnings []Warning

	// The file sits between the environment and the defaults, so it is applied
	// first and overridden by the environment, then by the flags.
	path, ok := given["config"]
	if !ok {
		path = getenv("APP_CONFIG")
	}
	if path != "" {
		f, w, err := loadPath(path, getenv)
		warnings = w
		if err != nil {
			errs = append(errs, err)
		}
		s.applyFile(f)
	}
	for _, o := range options {
		if v := getenv(o.env); v != "" {
			errs = appendErr(errs, "environment variable "+o.env, o.apply(s, v))
		}
	}
	fs.Visit(func(fl *flag.Flag) {
		o := optionByFlag(fl.Name)
		errs = appendErr(errs, "flag -"+o.flag, o.apply(s, given[o.flag]))
	})
	if (s.TLSCert == "") != (s.TLSKey == "") {
		errs = append(errs, &FieldError{Path: "flags -tls-cert and -tls-key",
			Message: "set both (APP_TLS_CERT and APP_TLS_KEY), or neither"})
	}
	if len(errs) > 0 {
		return nil, warnings, joinErrors(errs)
	}
	return s, warnings, nil
}

func loadPath(path string, getenv func(string) string) (*File, []Warning, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, nil, err
	}
	return loadNamed(path, data, getenv)
}

// applyFile takes the client section's settings. Zero values mean "not in the
// file"; drop_excess_requests: false equals the default, so only true matters.
func (s *Settings) applyFile(f *File) {
	if f == nil {
		return
	}
	s.File = f
	if n := f.Client.InitialPoolSize; n > 0 {
		s.PoolSize = n
	}
	if f.Client.DropExcessRequests {
		s.DropExcessRequests = true
	}
	if mb := f.Client.MaxRequestBodySizeMB; mb > 0 {
		s.MaxBodyBytes = int64(mb) << 20
	}
}

func appendErr(errs []error, source string, err error) []error {
	if err == nil {
		return errs
	}
	return append(errs, &FieldError{Path: source, Message: err.Error()})
}

var errBUG = errors.New("BUG: flag registered without an option")

func optionByFlag(name string) option {
	for _, o := range options {
		if o.flag == name {
			return o
		}
	}
	return option{flag: name, apply: func(*Settings, string) error { return errBUG }}
}
