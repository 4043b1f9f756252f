package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Warning is a finding that does not stop start-up, such as an unknown key. Path is
// the JSON path of the offending element, for example "providers.openai.extra".
type Warning struct {
	Path    string
	Message string
}

// String returns "path: message".
func (w Warning) String() string { return w.Path + ": " + w.Message }

// FieldError is an invalid value in the configuration. Path is the JSON path of the
// value, or the flag or environment variable it came from. Message never contains
// the value of a string, so that a secret cannot leak through it.
type FieldError struct {
	Path    string
	Message string
}

// Error returns "path: message".
func (e *FieldError) Error() string { return e.Path + ": " + e.Message }

// maxErrors bounds how many problems one load reports, so that a file of garbage
// does not produce a wall of text.
const maxErrors = 20

// joinErrors combines the collected problems into one error, or returns nil.
func joinErrors(errs []error) error {
	if len(errs) > maxErrors {
		more := fmt.Errorf("and %d more problems", len(errs)-maxErrors)
		errs = append(errs[:maxErrors:maxErrors], more)
	}
	return errors.Join(errs...)
}

// jsonPath is the location of a value in the config file, in the dotted form users
// write: client.initial_pool_size, providers.openai.keys[0].value. The zero value is
// the document root.
type jsonPath string

// key returns the path of member k of the object at p. Keys that are not plain
// identifiers are quoted, so that a dot in a header or model name stays unambiguous.
func (p jsonPath) key(k string) jsonPath {
	if !plainKey(k) {
		return p + jsonPath("["+strconv.Quote(k)+"]")
	}
	if p == "" {
		return jsonPath(k)
	}
	return p + "." + jsonPath(k)
}

// index returns the path of element i of the array at p.
func (p jsonPath) index(i int) jsonPath {
	return p + jsonPath("["+strconv.Itoa(i)+"]")
}

// String names the root "(top level)" so that messages about it still read well.
func (p jsonPath) String() string {
	if p == "" {
		return "(top level)"
	}
	return string(p)
}

func plainKey(k string) bool {
	if k == "" {
		return false
	}
	return strings.IndexFunc(k, func(r rune) bool {
		return !(r == '_' || r == '-' || r == '$' ||
			'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
	}) < 0
}
