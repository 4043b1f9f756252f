package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// pprofEnv names the variable that tells a profiling build of the gateway where to
// serve net/http/pprof.
const pprofEnv = "SLUICE_BENCH_PPROF_ADDR"

// pprofSource is added to package main of cmd/sluice, through go build -overlay, when
// a run profiles: the gateway's own code stays as it is, and the profiles come from
// the very binary being measured. The listener lives as long as the process.
const pprofSource = `package main

import (
	"net/http"
	_ "net/http/pprof"
	"os"
)

func init() {
	if addr := os.Getenv("` + pprofEnv + `"); addr != "" {
		go func() { _ = http.ListenAndServe(addr, nil) }()
	}
}
`

// writeOverlay writes the pprof file and a go build overlay that adds it to the
// package at pkgDir, and returns the overlay's path.
func writeOverlay(dir, pkgDir string) (string, error) {
	src := filepath.Join(dir, "bench_pprof.go")
	if err := os.WriteFile(src, []byte(pprofSource), 0o644); err != nil {
		return "", fmt.Errorf("write pprof overlay: %w", err)
	}
	overlay := map[string]any{"Replace": map[string]string{
		filepath.Join(pkgDir, "zz_bench_pprof.go"): src,
	}}
	b, err := json.Marshal(overlay)
	if err != nil {
		return "", fmt.Errorf("encode pprof overlay: %w", err)
	}
	path := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return "", fmt.Errorf("write pprof overlay: %w", err)
	}
	return path, nil
}

// profiler fetches pprof profiles from a profiling gateway into a directory.
type profiler struct {
	addr string // host:port of the gateway's pprof listener
	dir  string // where profiles are written
}

// collect records a CPU profile of seconds and then the allocation and heap profiles,
// naming the files after label. Errors are returned for the progress log only: a
// missing profile must not void the measurements.
func (p *profiler) collect(ctx context.Context, label string, seconds int) error {
	profiles := []struct{ name, query string }{
		{"cpu", fmt.Sprintf("profile?seconds=%d", seconds)},
		{"allocs", "allocs"},
		{"heap", "heap"},
		{"goroutine", "goroutine"},
	}
	client := &http.Client{Timeout: time.Duration(seconds)*time.Second + 30*time.Second}
	for _, pr := range profiles {
		path := filepath.Join(p.dir, fmt.Sprintf("%s-%s.pprof", label, pr.name))
		if err := fetch(ctx, client, "http://"+p.addr+"/debug/pprof/"+pr.query, path); err != nil {
			return fmt.Errorf("fetch %s profile: %w", pr.name, err)
		}
	}
	return nil
}

// fetch saves the body of a GET of url to path.
func fetch(ctx context.Context, client *http.Client, url, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
		return fmt.Errorf("%s answered %d: %s", url, resp.StatusCode, strings.TrimSpace(string(b)))
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
