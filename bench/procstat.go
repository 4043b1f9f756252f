package bench

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat. It is 100 on
// every Linux architecture Go supports; reading it would need sysconf and so cgo.
const clockTicks = 100

// procUsage is what /proc says about a group of processes at one moment.
type procUsage struct {
	RSS int64   // resident set size now, bytes, summed over the group
	HWM int64   // peak resident set size over each process's life, bytes, summed
	CPU float64 // user plus system CPU time so far, seconds, summed
}

// readUsage sums the usage of the given processes. A process that has exited is
// skipped: nginx may replace a worker, and the group is read again next time.
func readUsage(pids []int) procUsage {
	var u procUsage
	for _, pid := range pids {
		rss, hwm, err := readMemory(pid)
		if err != nil {
			continue
		}
		cpu, err := readCPU(pid)
		if err != nil {
			continue
		}
		u.RSS += rss
		u.HWM += hwm
		u.CPU += cpu
	}
	return u
}

// readMemory returns VmRSS and VmHWM of pid in bytes.
func readMemory(pid int) (rss, hwm int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, fmt.Errorf("read status of process %d: %w", pid, err)
	}
	for line := range bytes.Lines(b) {
		switch {
		case bytes.HasPrefix(line, []byte("VmRSS:")):
			rss, err = parseKB(line)
		case bytes.HasPrefix(line, []byte("VmHWM:")):
			hwm, err = parseKB(line)
		}
		if err != nil {
			return 0, 0, fmt.Errorf("parse status of process %d: %w", pid, err)
		}
	}
	return rss, hwm, nil
}

// parseKB reads a status line such as "VmRSS:	   12345 kB" as bytes.
func parseKB(line []byte) (int64, error) {
	f := strings.Fields(string(line))
	if len(f) != 3 || f[2] != "kB" {
		return 0, fmt.Errorf("unexpected status line %q", line)
	}
	n, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("unexpected status line %q: %w", line, err)
	}
	return n << 10, nil
}

// readCPU returns the user plus system CPU seconds pid has used.
func readCPU(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("read stat of process %d: %w", pid, err)
	}
	f, err := statFields(b)
	if err != nil {
		return 0, fmt.Errorf("parse stat of process %d: %w", pid, err)
	}
	// After the command name, utime and stime are the 12th and 13th fields.
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("parse cpu times of process %d: %q %q", pid, f[11], f[12])
	}
	return float64(utime+stime) / clockTicks, nil
}

// statFields splits /proc/PID/stat after the command name, which is in parentheses
// and may itself hold spaces and parentheses. Field 0 of the result is the state.
func statFields(b []byte) ([]string, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return nil, fmt.Errorf("no command name in %q", b)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return nil, fmt.Errorf("only %d fields after the command name", len(f))
	}
	return f, nil
}

// processTree returns root and all its descendants, so that nginx's master and
// workers are measured together.
func processTree(root int) []int {
	children := map[int][]int{}
	dirs, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, d := range dirs {
		b, err := os.ReadFile(d)
		if err != nil {
			continue
		}
		f, err := statFields(b)
		if err != nil {
			continue
		}
		pid, err1 := strconv.Atoi(filepath.Base(filepath.Dir(d)))
		ppid, err2 := strconv.Atoi(f[1])
		if err1 == nil && err2 == nil {
			children[ppid] = append(children[ppid], pid)
		}
	}
	tree := []int{root}
	for i := 0; i < len(tree); i++ {
		tree = append(tree, children[tree[i]]...)
	}
	return tree
}
