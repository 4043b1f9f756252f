package bench

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Mode is one kind of request a run sends to every target.
type Mode struct {
	Name        string // how reports label it
	Stream      bool   // ask for SSE and measure the time to the first event
	PromptBytes int    // size of the user message; 0 sends a one-line question
}

// modes are the request kinds [ParseModes] knows.
var modes = []Mode{
	{Name: "chat"},
	{Name: "stream", Stream: true},
	{Name: "prompt10k", PromptBytes: 10 << 10},
	{Name: "prompt100k", PromptBytes: 100 << 10},
}

// ParseModes reads a comma-separated list of mode names: chat, stream, prompt10k,
// prompt100k.
func ParseModes(s string) ([]Mode, error) {
	var out []Mode
	for name := range strings.SplitSeq(s, ",") {
		name = strings.TrimSpace(name)
		i := indexMode(name)
		if i < 0 {
			return nil, fmt.Errorf("unknown mode %q; use chat, stream, prompt10k or prompt100k",
				name)
		}
		out = append(out, modes[i])
	}
	return out, nil
}

func indexMode(name string) int {
	for i, m := range modes {
		if m.Name == name {
			return i
		}
	}
	return -1
}

// ParseInts reads a comma-separated list of positive integers, such as rates.
func ParseInts(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q in %q is not a positive integer", f, s)
		}
		out = append(out, n)
	}
	return out, nil
}

// Config says what one run measures. The zero value of a field means its default.
type Config struct {
	// Repo is the sluice checkout whose cmd/sluice and cmd/mockllm are built; empty
	// means the module enclosing the working directory.
	Repo string
	// Dir holds binaries, configs and process logs; empty means a temporary
	// directory removed at the end.
	Dir string

	Rates    []int         // requests per second, each in turn; default 1000, 5000
	Duration time.Duration // measured length of one round; default 15 s
	Warmup   time.Duration // unmeasured load before each round; default 2 s, negative none
	Rounds   int           // times each target is measured at each rate; default 2
	Modes    []Mode        // default chat only

	// MockLatency is how long the mock takes to answer; default 100 ms.
	MockLatency time.Duration
	// Nginx is the nginx binary: empty finds it in PATH and skips nginx when absent,
	// "off" skips it.
	Nginx string
	// Refs adds bare reverse proxies built from bench/cmd/refproxy as further
	// targets, one per HTTP stack named: "nethttp", "fasthttp". They show what the
	// stack alone costs at each rate.
	Refs []string
	// Baseline, when set, is another sluice checkout whose cmd/sluice is measured too,
	// as the target "sluice-base", with the same config: a change and the code before
	// it in one run, under the same load on the machine.
	Baseline string
	// Timeout bounds one request; default 10 s.
	Timeout time.Duration
	// MaxConns bounds the connections, and so the requests in flight, of one attack;
	// default 10000.
	MaxConns int
	// GatewayArgs are extra flags for cmd/sluice, after -config, -host and -port.
	GatewayArgs []string
	// GatewayEnv are extra NAME=value environment entries for cmd/sluice, such as
	// GOGC or GOMAXPROCS, to measure runtime settings without rebuilding.
	GatewayEnv []string
	// ProfileDir, when set, builds the gateway with a net/http/pprof listener on
	// loopback and writes its CPU, allocation, heap and goroutine profiles here,
	// taken during the first round at the highest rate of each mode.
	ProfileDir string
	// Progress gets a line per round; nil means silence.
	Progress io.Writer
}

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	if len(c.Rates) == 0 {
		c.Rates = []int{1000, 5000}
	}
	if c.Duration <= 0 {
		c.Duration = 15 * time.Second
	}
	if c.Warmup < 0 {
		c.Warmup = 0
	} else if c.Warmup == 0 {
		c.Warmup = 2 * time.Second
	}
	if c.Rounds <= 0 {
		c.Rounds = 2
	}
	if len(c.Modes) == 0 {
		c.Modes = modes[:1]
	}
	if c.MockLatency <= 0 {
		c.MockLatency = 100 * time.Millisecond
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.MaxConns <= 0 {
		c.MaxConns = 10000
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	return c
}
