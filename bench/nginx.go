package bench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"text/template"
)

// nginxConf is the reference proxy: keep-alive to the upstream, no access log, request
// bodies kept in memory up to the largest prompt mode, and no response buffering so
// that streams pass through as they arrive, as a gateway must pass them.
var nginxConf = template.Must(template.New("nginx").Parse(`daemon off;
worker_processes auto;
worker_rlimit_nofile 20000;
pid {{.Dir}}/nginx.pid;
error_log {{.Dir}}/error.log warn;

events {
	worker_connections 16384;
}

http {
	access_log off;
	client_body_temp_path {{.Dir}}/client_body;
	proxy_temp_path {{.Dir}}/proxy;
	client_max_body_size 8m;
	client_body_buffer_size 1m;
	keepalive_requests 1000000;
	keepalive_timeout 75s;

	upstream mock {
		server 127.0.0.1:{{.Upstream}};
		keepalive 1024;
		keepalive_requests 1000000;
	}

	server {
		listen 127.0.0.1:{{.Port}} backlog=4096;
		location / {
			proxy_pass http://mock;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_buffering off;
		}
	}
}
`))

// findNginx resolves the nginx binary: "off" disables it, "" looks it up in PATH (and
// the usual sbin directories, which a non-root PATH may lack). It returns "" when
// nginx is disabled or absent.
func findNginx(setting string) string {
	switch setting {
	case "off":
		return ""
	case "":
		if p, err := exec.LookPath("nginx"); err == nil {
			return p
		}
		for _, p := range []string{"/usr/sbin/nginx", "/usr/local/sbin/nginx"} {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
		return ""
	default:
		return setting
	}
}

// startNginx writes a configuration into its own directory under dir and runs nginx
// in the foreground on 127.0.0.1:port, proxying to the mock on upstream.
func startNginx(bin, dir string, port, upstream int) (*process, error) {
	prefix := filepath.Join(dir, "nginx")
	if err := os.MkdirAll(prefix, 0o755); err != nil {
		return nil, fmt.Errorf("create nginx directory: %w", err)
	}
	// Workers drop to an unprivileged user when the harness runs as root; they must
	// still reach the temporary directories under dir.
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, fmt.Errorf("open nginx directory to its workers: %w", err)
	}

	conf := filepath.Join(prefix, "nginx.conf")
	f, err := os.Create(conf)
	if err != nil {
		return nil, fmt.Errorf("write nginx config: %w", err)
	}
	data := struct{ Dir, Port, Upstream any }{prefix, port, upstream}
	if err := nginxConf.Execute(f, data); err != nil {
		f.Close()
		return nil, fmt.Errorf("write nginx config: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("write nginx config: %w", err)
	}

	argv := []string{bin, "-p", prefix, "-c", conf, "-e", filepath.Join(prefix, "error.log")}
	p, err := startProcess("nginx", dir, argv, nil)
	if err != nil {
		return nil, err
	}
	p.tree = true
	return p, nil
}
