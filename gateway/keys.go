package gateway

import (
	"reflect"
	"strings"
)

// keySet is the set of top-level members a request body may have.
type keySet map[string]struct{}

// jsonKeys returns the JSON member names of struct type t, including those of embedded
// structs, as encoding/json would see them. Fields tagged "-" are left out.
func jsonKeys(t reflect.Type) keySet {
	ks := keySet{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			for k := range jsonKeys(f.Type) {
				ks[k] = struct{}{}
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		ks[name] = struct{}{}
	}
	return ks
}

// unknownKey returns the first top-level member of the JSON object in data that is not
// in known, and whether there is one. data must be valid JSON, which json.Unmarshal has
// checked by then; anything but an object has no members.
//
// It exists because encoding/json silently drops members it does not know, and a
// parameter the gateway cannot honour must be refused, not ignored. It scans in place
// without allocating, unlike a json.Decoder with DisallowUnknownFields, which copies the
// whole body. A key written with escape sequences is compared as written, so it is
// reported as unknown even if it decodes to a known name.
func unknownKey(data []byte, known keySet) (string, bool) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return "", false
	}
	i++
	for {
		i = skipSpace(data, i)
		if i >= len(data) || data[i] != '"' {
			return "", false
		}
		end := stringEnd(data, i)
		if _, ok := known[string(data[i+1:end-1])]; !ok {
			return string(data[i+1 : end-1]), true
		}
		i = skipSpace(data, end) + 1 // past the colon
		i = skipSpace(data, skipValue(data, skipSpace(data, i)))
		if i >= len(data) || data[i] != ',' {
			return "", false
		}
		i++
	}
}

// skipSpace returns the index of the first non-space byte at or after i.
func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// stringEnd returns the index just past the string that starts with the quote at i.
func stringEnd(data []byte, i int) int {
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(data)
}

// skipValue returns the index just past the value that starts at i.
func skipValue(data []byte, i int) int {
	if i >= len(data) {
		return i
	}
	switch data[i] {
	case '"':
		return stringEnd(data, i)
	case '{', '[':
		depth := 0
		for i < len(data) {
			switch data[i] {
			case '"':
				i = stringEnd(data, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	}
	// A number or a literal runs until a delimiter.
	for i < len(data) {
		switch data[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}
