package config

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluicegw/sluice/schemas"
)

func TestParseDefaults(t *testing.T) {
	s, warnings, err := Parse(nil, env())
	if err != nil || len(warnings) > 0 {
		t.Fatalf("Parse = %v, %v", warnings, err)
	}
	want := Settings{Host: "127.0.0.1", Port: 8080, PoolSize: schemas.DefaultInitialPoolSize,
		LogLevel: slog.LevelInfo, LogFormat: "text", ShutdownGrace: 25 * time.Second,
		MaxBodyBytes: 32 << 20, ReadTimeout: time.Minute, MaxHeaderBytes: 64 << 10}
	if *s != want {
		t.Errorf("defaults = %+v, want %+v", *s, want)
	}
	if s.Addr() != "127.0.0.1:8080" {
		t.Errorf("Addr = %q", s.Addr())
	}
}

// writeConfig writes a config file with the given client section and returns its path.
func writeConfig(t *testing.T, client string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.json")
	doc := `{"client":{` + client + `},"providers":{"openai":{"keys":[{"value":"env.K"}]}}}`
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Flag beats environment beats file beats default, for each layer present.
func TestParsePrecedence(t *testing.T) {
	tests := []struct {
		name       string
		flags      []string
		env        []string
		file       string // client section; empty: no config file
		wantPool   int
		wantDrop   bool
		wantMaxBod int64
	}{
		{"default", nil, nil, "", 100, false, 32 << 20},
		{"file", nil, nil,
			`"initial_pool_size":300,"drop_excess_requests":true,"max_request_body_size_mb":8`,
			300, true, 8 << 20},
		{"env over file", nil,
			[]string{"APP_POOL_SIZE", "400", "APP_DROP_EXCESS_REQUESTS", "false",
				"APP_MAX_BODY_BYTES", "1MiB"},
			`"initial_pool_size":300,"drop_excess_requests":true,"max_request_body_size_mb":8`,
			400, false, 1 << 20},
		{"env over default", nil,
			[]string{"APP_POOL_SIZE", "400", "APP_DROP_EXCESS_REQUESTS", "true"}, "",
			400, true, 32 << 20},
		{"flag over env and file",
			[]string{"-pool-size", "500", "-drop-excess-requests", "-max-body-bytes", "2048"},
			[]string{"APP_POOL_SIZE", "400", "APP_DROP_EXCESS_REQUESTS", "false",
				"APP_MAX_BODY_BYTES", "1MiB"},
			`"initial_pool_size":300,"drop_excess_requests":false`,
			500, true, 2048},
		{"explicit false flag over true env",
			[]string{"-drop-excess-requests=false"},
			[]string{"APP_DROP_EXCESS_REQUESTS", "true"}, "", 100, false, 32 << 20},
		{"explicit false flag over true env and file",
			[]string{"-drop-excess-requests=false"},
			[]string{"APP_DROP_EXCESS_REQUESTS", "true"}, `"drop_excess_requests":true`,
			100, false, 32 << 20},
		{"empty env is unset", nil, []string{"APP_POOL_SIZE", "", "APP_DROP_EXCESS_REQUESTS", ""},
			`"initial_pool_size":300,"drop_excess_requests":true`, 300, true, 32 << 20},
		{"zero in file is default", nil, nil, `"initial_pool_size":0`, 100, false, 32 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kv := append([]string{"K", "sk-x"}, tt.env...)
			flags := tt.flags
			if tt.file != "" {
				flags = append([]string{"-config", writeConfig(t, tt.file)}, flags...)
			}
			s, _, err := Parse(flags, env(kv...))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if s.PoolSize != tt.wantPool || s.DropExcessRequests != tt.wantDrop ||
				s.MaxBodyBytes != tt.wantMaxBod {
				t.Errorf("pool=%d drop=%v maxBody=%d, want pool=%d drop=%v maxBody=%d",
					s.PoolSize, s.DropExcessRequests, s.MaxBodyBytes,
					tt.wantPool, tt.wantDrop, tt.wantMaxBod)
			}
			if (tt.file != "") != (s.File != nil) {
				t.Errorf("File = %v with file section %q", s.File, tt.file)
			}
		})
	}
}

// Every flag and its twin reach Settings.
func TestParseAllSettings(t *testing.T) {
	path := writeConfig(t, "")
	s, _, err := Parse([]string{"-host", "0.0.0.0", "-port", "0", "-log-level", "DEBUG",
		"-log-format", "json", "-demo", "-shutdown-grace", "1m"},
		env("APP_CONFIG", path, "K", "k"))
	if err != nil {
		t.Fatalf("Parse flags: %v", err)
	}
	if s.ConfigPath != path || s.Host != "0.0.0.0" || s.Port != 0 ||
		s.LogLevel != slog.LevelDebug || s.LogFormat != "json" || !s.Demo ||
		s.ShutdownGrace != time.Minute || s.File == nil {
		t.Errorf("settings from flags = %+v", *s)
	}

	s, _, err = Parse(nil, env("APP_HOST", "::1", "APP_PORT", "9090", "APP_LOG_LEVEL", "warn",
		"APP_LOG_FORMAT", "text", "APP_DEMO", "1", "APP_SHUTDOWN_GRACE", "5s"))
	if err != nil {
		t.Fatalf("Parse env: %v", err)
	}
	if s.Addr() != "[::1]:9090" || s.LogLevel != slog.LevelWarn || !s.Demo ||
		s.ShutdownGrace != 5*time.Second || s.File != nil {
		t.Errorf("settings from env = %+v", *s)
	}

	s, _, err = Parse([]string{"-config", "flag-wins.json"}, env("APP_CONFIG", path))
	if err == nil || !strings.Contains(err.Error(), "flag-wins.json") {
		t.Errorf("-config over APP_CONFIG: err = %v, want the flag's missing file", err)
	}
}

// Bad values name the flag or variable they came from; all are reported at once.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name  string
		flags []string
		env   []string
		want  []string
	}{
		{"env port", nil, []string{"APP_PORT", "80a"},
			[]string{`environment variable APP_PORT: ` +
				`must be a whole number from 0 to 65535, got "80a"`}},
		{"flag port", []string{"-port", "70000"}, nil,
			[]string{`flag -port: must be a whole number from 0 to 65535, got "70000"`}},
		{"env drop", nil, []string{"APP_DROP_EXCESS_REQUESTS", "maybe"},
			[]string{`environment variable APP_DROP_EXCESS_REQUESTS: ` +
				`must be true or false, got "maybe"`}},
		{"zero pool", []string{"-pool-size", "0"}, nil,
			[]string{"flag -pool-size: must be a whole number from 1 to 1000000"}},
		{"level", nil, []string{"APP_LOG_LEVEL", "verbose"},
			[]string{`environment variable APP_LOG_LEVEL: must be debug, info, warn or error`}},
		{"format", []string{"-log-format", "xml"}, nil,
			[]string{"flag -log-format: must be text or json"}},
		{"grace", nil, []string{"APP_SHUTDOWN_GRACE", "30"},
			[]string{"environment variable APP_SHUTDOWN_GRACE: must be a positive duration"}},
		{"body", []string{"-max-body-bytes", "5GiB"}, nil,
			[]string{"flag -max-body-bytes: must be from 1 byte to 4096 MiB"}},
		{"several", []string{"-port", "x"}, []string{"APP_POOL_SIZE", "-3"},
			[]string{"flag -port", "environment variable APP_POOL_SIZE"}},
		{"unknown flag", []string{"-prot", "1"}, nil,
			[]string{"flag provided but not defined: -prot"}},
		{"positional", []string{"config.json"}, nil,
			[]string{`unexpected argument "config.json"`}},
		{"missing file", []string{"-config", "/nonexistent/sluice.json"}, nil,
			[]string{"/nonexistent/sluice.json"}},
		{"bad file", nil, []string{"APP_CONFIG", "testdata/bifrost.json"},
			[]string{"providers.openai.keys[0].value: " +
				"environment variable OPENAI_API_KEY is not set"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, err := Parse(tt.flags, env(tt.env...))
			if err == nil {
				t.Fatalf("Parse succeeded with %+v, want an error", s)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error:\n%v\nwant it to contain %q", err, w)
				}
			}
		})
	}
}

func TestParseHelp(t *testing.T) {
	_, _, err := Parse([]string{"-h"}, env())
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("Parse(-h) error = %v, want flag.ErrHelp", err)
	}
	u := Usage()
	for _, o := range options {
		if !strings.Contains(u, "-"+o.flag) || !strings.Contains(u, o.env) {
			t.Errorf("Usage lacks -%s or %s:\n%s", o.flag, o.env, u)
		}
	}
}

// Warnings from the config file come back from Parse.
func TestParseWarnings(t *testing.T) {
	path := writeConfig(t, `"prometheus_labels":["a"]`)
	_, warnings, err := Parse([]string{"-config", path}, env("K", "k"))
	if err != nil {
		t.Fatal(err)
	}
	want := "client.prometheus_labels: Bifrost setting not supported by sluice; ignored"
	if got := fmt.Sprint(warningStrings(warnings)); got != want {
		t.Errorf("warnings = %q, want %q", got, want)
	}
}
