package bench

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// tcpListen is the state of a listening socket in /proc/net/tcp.
const tcpListen = "0A"

// ConnCounts are the TCP connections a process holds open, told apart by port.
type ConnCounts struct {
	Upstream int // to the provider (the mock)
	Clients  int // accepted from clients of the gateway
}

// countConns counts the open TCP connections of pid whose remote port is
// upstreamPort or whose local port is listenPort. Half-closed connections count: a
// handler that never returns keeps its socket in CLOSE_WAIT.
func countConns(pid, listenPort, upstreamPort int) (ConnCounts, error) {
	inodes, err := socketInodes(pid)
	if err != nil {
		return ConnCounts{}, err
	}
	var c ConnCounts
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		if err := scanTCP(table, func(local, remote int, state, inode string) {
			if !inodes[inode] || state == tcpListen {
				return
			}
			switch {
			case remote == upstreamPort:
				c.Upstream++
			case local == listenPort:
				c.Clients++
			}
		}); err != nil {
			return ConnCounts{}, err
		}
	}
	return c, nil
}

// socketInodes returns the inodes of the sockets pid has open.
func socketInodes(pid int) (map[string]bool, error) {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list open files of process %d: %w", pid, err)
	}
	inodes := make(map[string]bool, len(entries))
	for _, e := range entries {
		target, err := os.Readlink(filepath.Join(dir, e.Name()))
		if err != nil {
			continue // closed since the listing
		}
		if in, ok := strings.CutPrefix(target, "socket:["); ok {
			inodes[strings.TrimSuffix(in, "]")] = true
		}
	}
	return inodes, nil
}

// scanTCP calls f for each socket of a /proc/net/tcp table.
func scanTCP(path string, f func(local, remote int, state, inode string)) error {
	file, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil // no IPv6
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	sc.Scan() // the header
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 10 {
			continue
		}
		f(hexPort(fields[1]), hexPort(fields[2]), fields[3], fields[9])
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	return nil
}

// hexPort returns the port of an address such as "0100007F:1F90", or -1.
func hexPort(addr string) int {
	i := strings.LastIndexByte(addr, ':')
	if i < 0 {
		return -1
	}
	n, err := strconv.ParseUint(addr[i+1:], 16, 16)
	if err != nil {
		return -1
	}
	return int(n)
}
