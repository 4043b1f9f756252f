package config

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// loader walks a parsed tree, converting values to their Go types and collecting
// every problem with its path, so that one start-up reports all of them.
type loader struct {
	getenv   func(string) string
	warnings []Warning
	errs     []error
}

func (l *loader) fail(p jsonPath, format string, args ...any) {
	l.errs = append(l.errs, &FieldError{Path: p.String(), Message: fmt.Sprintf(format, args...)})
}

func (l *loader) warn(p jsonPath, format string, args ...any) {
	w := Warning{Path: p.String(), Message: fmt.Sprintf(format, args...)}
	l.warnings = append(l.warnings, w)
}

// fields maps the keys of a JSON object to the functions that read their values.
type fields map[string]func(p jsonPath, v any)

// object reads the members of the object v in key order. Null members are treated
// as absent, and members whose key starts with "//" are comments. Keys listed in
// bifrostOnly are Bifrost settings sluice does not implement; they and unknown keys
// are warned about and otherwise ignored.
func (l *loader) object(p jsonPath, v any, known fields, bifrostOnly ...string) {
	m, ok := v.(map[string]any)
	if !ok {
		l.fail(p, "must be an object, got %s", kindOf(v))
		return
	}
	for _, k := range sortedKeys(m) {
		member := m[k]
		switch read, isKnown := known[k]; {
		case isComment(k):
		case isKnown && member != nil:
			read(p.key(k), member)
		case isKnown:
		case slices.Contains(bifrostOnly, k):
			l.warn(p.key(k), "Bifrost setting not supported by sluice; ignored")
		default:
			l.warn(p.key(k), "unknown key; ignored")
		}
	}
}

// isComment reports whether an object key marks a comment. JSON has no comments;
// "//" keys are the usual stand-in, and Bifrost, which ignores unknown keys, reads
// a file that has them just as well.
func isComment(key string) bool { return strings.HasPrefix(key, "//") }

// str reads a string, replacing "env.NAME" by the environment variable NAME.
func (l *loader) str(p jsonPath, v any) (string, bool) {
	s, ok := v.(string)
	if !ok {
		l.fail(p, "must be a string, got %s", kindOf(v))
		return "", false
	}
	name, isRef := strings.CutPrefix(s, envPrefix)
	if !isRef {
		return s, true
	}
	if !validEnvName(name) {
		l.fail(p, "%q is not a valid environment variable name", name)
		return "", false
	}
	val := l.getenv(name)
	if val == "" {
		l.fail(p, "environment variable %s is not set", name)
		return "", false
	}
	return val, true
}

// envPrefix marks a string value that names an environment variable.
const envPrefix = "env."

func validEnvName(name string) bool {
	if name == "" || '0' <= name[0] && name[0] <= '9' {
		return false
	}
	for _, r := range name {
		if !(r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return false
		}
	}
	return true
}

// integer reads a whole number in [lo, hi]. 3.0 and 1e3 are accepted; 1.5 is not.
func (l *loader) integer(p jsonPath, v any, lo, hi int) (int, bool) {
	n, ok := v.(json.Number)
	if !ok {
		l.fail(p, "must be a number, got %s", kindOf(v))
		return 0, false
	}
	i, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(string(n), 64)
		if ferr != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			l.fail(p, "must be a whole number, got %s", n)
			return 0, false
		}
		i = int64(f)
	}
	return l.inRange(p, i, lo, hi)
}

func (l *loader) inRange(p jsonPath, i int64, lo, hi int) (int, bool) {
	if i < int64(lo) {
		l.fail(p, "must be ≥ %d, got %d", lo, i)
		return 0, false
	}
	if i > int64(hi) {
		l.fail(p, "must be ≤ %d, got %d", hi, i)
		return 0, false
	}
	return int(i), true
}

// weight reads a finite, non-negative number.
func (l *loader) weight(p jsonPath, v any) (float64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		l.fail(p, "must be a number, got %s", kindOf(v))
		return 0, false
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || f < 0 || math.IsInf(f, 0) {
		l.fail(p, "must be a finite number ≥ 0, got %s", n)
		return 0, false
	}
	return f, true
}

func (l *loader) boolean(p jsonPath, v any) (bool, bool) {
	b, ok := v.(bool)
	if !ok {
		l.fail(p, "must be true or false, got %s", kindOf(v))
	}
	return b, ok
}

// strings reads an array of non-empty strings.
func (l *loader) strings(p jsonPath, v any) []string {
	a, ok := v.([]any)
	if !ok {
		l.fail(p, "must be an array of strings, got %s", kindOf(v))
		return nil
	}
	out := make([]string, 0, len(a))
	for i, e := range a {
		s, ok := l.str(p.index(i), e)
		switch {
		case !ok:
		case s == "":
			l.fail(p.index(i), "must not be empty")
		default:
			out = append(out, s)
		}
	}
	return out
}

// stringMap reads an object whose values are non-empty strings.
func (l *loader) stringMap(p jsonPath, v any) map[string]string {
	m, ok := v.(map[string]any)
	if !ok {
		l.fail(p, "must be an object of strings, got %s", kindOf(v))
		return nil
	}
	out := make(map[string]string, len(m))
	for _, k := range sortedKeys(m) {
		s, ok := l.str(p.key(k), m[k])
		switch {
		case !ok:
		case s == "":
			l.fail(p.key(k), "must not be empty")
		default:
			out[k] = s
		}
	}
	return out
}

func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("BUG: unexpected %T", v)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
