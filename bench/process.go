package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// stopGrace is how long a child has to exit after SIGTERM before it is killed.
const stopGrace = 5 * time.Second

// process is a child the harness started; whoever starts it must call stop.
type process struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	tree    bool          // measure the descendants too (nginx workers)
	exited  chan struct{} // closed when the child has been reaped
	err     error         // set before exited closes
}

// startProcess runs argv with its output in dir/name.log. The child is killed if the
// harness dies, so an interrupted run leaves nothing listening.
func startProcess(name, dir string, argv, env []string) (*process, error) {
	logPath := filepath.Join(dir, name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("create log for %s: %w", name, err)
	}
	defer logFile.Close()

	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}

	p := &process{name: name, cmd: cmd, logPath: logPath, exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// pids lists the processes whose memory and CPU count for this child.
func (p *process) pids() []int {
	if p.tree {
		return processTree(p.cmd.Process.Pid)
	}
	return []int{p.cmd.Process.Pid}
}

// running reports whether the child has not exited yet.
func (p *process) running() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// stop asks the child to exit, kills it after stopGrace, and waits for it.
func (p *process) stop() {
	if !p.running() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(stopGrace):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// logTail returns the end of the child's output, for error messages.
func (p *process) logTail() string {
	b, err := os.ReadFile(p.logPath)
	if err != nil {
		return ""
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(bytes.TrimSpace(b))
}

// waitReady calls probe until it succeeds, the child exits, or timeout passes.
func (p *process) waitReady(ctx context.Context, timeout time.Duration,
	probe func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		err := probe(ctx)
		if err == nil {
			return nil
		}
		if errors.Is(err, errRefused) {
			return fmt.Errorf("%s is not usable: %w; its output:\n%s", p.name, err, p.logTail())
		}
		select {
		case <-p.exited:
			return fmt.Errorf("%s exited before it was ready (%v); its output:\n%s",
				p.name, p.err, p.logTail())
		case <-ctx.Done():
			return fmt.Errorf("%s not ready after %s: %w; its output:\n%s",
				p.name, timeout, err, p.logTail())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// freePort asks the kernel for a loopback port that is free now. Another program
// could take it before the child binds it; the child's start-up then fails loudly.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free loopback port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// build compiles the given main packages of the module at repo into dir, with the
// go build overlay file when it is not empty, and returns the path of each binary by
// package path.
func build(ctx context.Context, repo, dir, overlay string,
	pkgs ...string) (map[string]string, error) {
	args := []string{"build", "-o", dir + string(filepath.Separator)}
	if overlay != "" {
		args = append(args, "-overlay", overlay)
	}
	args = append(args, pkgs...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = repo
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("go build %v in %s: %w\n%s", pkgs, repo, err, out)
	}
	bins := make(map[string]string, len(pkgs))
	for _, pkg := range pkgs {
		bins[pkg] = filepath.Join(dir, filepath.Base(pkg))
	}
	return bins, nil
}

// moduleRoot returns the directory of the main module enclosing the working directory.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("find the module root with go env GOMOD: %w", err)
	}
	gomod := string(bytes.TrimSpace(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside a Go module; pass the sluice checkout with -repo")
	}
	return filepath.Dir(gomod), nil
}

// itoa is strconv.Itoa, short for building argument lists.
func itoa(n int) string { return strconv.Itoa(n) }
