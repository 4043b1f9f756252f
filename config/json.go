package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// maxDepth bounds the nesting of the config document. Bifrost's shape needs six
// levels; the bound keeps a hostile or broken file from exhausting the stack.
const maxDepth = 32

// tree is a JSON document read into generic values: map[string]any, []any, string,
// json.Number, bool and nil. Reading it first, instead of decoding into structs,
// lets every later check name the JSON path of the value at fault.
type tree struct {
	dec      *json.Decoder
	data     []byte
	warnings []Warning
}

// parseTree reads one JSON value from data. Duplicate object keys are reported as
// warnings (the last value wins, as in encoding/json and hence in Bifrost); syntax
// errors carry the line and column.
func parseTree(data []byte) (any, []Warning, error) {
	t := &tree{dec: json.NewDecoder(bytes.NewReader(data)), data: data}
	t.dec.UseNumber()

	v, err := t.value("", 0)
	if err != nil {
		return nil, nil, err
	}
	if _, err := t.dec.Token(); err != io.EOF {
		return nil, nil, fmt.Errorf("%s: unexpected data after the top-level object", t.where())
	}
	return v, t.warnings, nil
}

// value reads the value that starts at the decoder's position.
func (t *tree) value(p jsonPath, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("%s: %s: nesting deeper than %d levels", t.where(), p, maxDepth)
	}
	tok, err := t.dec.Token()
	if err != nil {
		return nil, t.syntaxError(p, err)
	}
	switch tok {
	case json.Delim('{'):
		return t.object(p, depth)
	case json.Delim('['):
		return t.array(p, depth)
	}
	return tok, nil
}

func (t *tree) object(p jsonPath, depth int) (any, error) {
	m := make(map[string]any)
	for t.dec.More() {
		tok, err := t.dec.Token()
		if err != nil {
			return nil, t.syntaxError(p, err)
		}
		k, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("%s: %s: object key is not a string", t.where(), p)
		}
		v, err := t.value(p.key(k), depth+1)
		if err != nil {
			return nil, err
		}
		if _, dup := m[k]; dup {
			t.warnings = append(t.warnings, Warning{
				Path:    p.key(k).String(),
				Message: "duplicate key; the last value is used",
			})
		}
		m[k] = v
	}
	return m, t.closing(p)
}

func (t *tree) array(p jsonPath, depth int) (any, error) {
	a := make([]any, 0, 4)
	for t.dec.More() {
		v, err := t.value(p.index(len(a)), depth+1)
		if err != nil {
			return nil, err
		}
		a = append(a, v)
	}
	return a, t.closing(p)
}

// closing consumes the '}' or ']' that ends the current object or array.
func (t *tree) closing(p jsonPath) error {
	if _, err := t.dec.Token(); err != nil {
		return t.syntaxError(p, err)
	}
	return nil
}

func (t *tree) syntaxError(p jsonPath, err error) error {
	if errors.Is(err, io.EOF) {
		err = errors.New("unexpected end of JSON input")
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("%s: %s: %w", lineCol(t.data, se.Offset), p, err)
	}
	return fmt.Errorf("%s: %s: %w", t.where(), p, err)
}

// where is the decoder's position as "line L, column C".
func (t *tree) where() string { return lineCol(t.data, t.dec.InputOffset()) }

func lineCol(data []byte, offset int64) string {
	offset = min(max(offset, 0), int64(len(data)))
	before := data[:offset]
	line := bytes.Count(before, []byte{'\n'}) + 1
	col := offset - int64(bytes.LastIndexByte(before, '\n'))
	return fmt.Sprintf("line %d, column %d", line, col)
}
