package mockllm

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/fnv"
	"math"
	"net/http"
	"strings"
)

// writeJSON encodes v into out. The mock only encodes its own well-formed types, so a
// failure is a bug.
func writeJSON(out *bytes.Buffer, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic("BUG: mockllm: cannot encode response: " + err.Error())
	}
	out.Write(b)
}

// appendJSON appends the encoding of v to b.
func appendJSON(b []byte, v any) []byte {
	j, err := json.Marshal(v)
	if err != nil {
		panic("BUG: mockllm: cannot encode event: " + err.Error())
	}
	return append(b, j...)
}

// appendSSE appends one server-sent event; an empty name writes a data-only event.
func appendSSE(b []byte, name string, v any) []byte {
	if name != "" {
		b = append(b, "event: "...)
		b = append(b, name...)
		b = append(b, '\n')
	}
	b = append(b, "data: "...)
	b = appendJSON(b, v)
	return append(b, "\n\n"...)
}

// appendSSERaw appends one server-sent event whose data is taken as is.
func appendSSERaw(b []byte, name, data string) []byte {
	if name != "" {
		b = append(b, "event: "...)
		b = append(b, name...)
		b = append(b, '\n')
	}
	b = append(b, "data: "...)
	b = append(b, data...)
	return append(b, "\n\n"...)
}

// malformedJSON is the data of a malformed event: the start of an object, then nothing.
const malformedJSON = `{"mock": "malformed`

// badRequest is the error for a body that cannot be read as the route's request.
func badRequest(err error) *apiError {
	return &apiError{status: http.StatusBadRequest, msg: "cannot read request body: " + err.Error()}
}

// decode unmarshals a request body, refusing an empty one.
func decode(body []byte, v any) *apiError {
	if len(bytes.TrimSpace(body)) == 0 {
		return badRequest(errors.New("body is empty; send a JSON object"))
	}
	if err := json.Unmarshal(body, v); err != nil {
		return badRequest(err)
	}
	return nil
}

// flexText is a content field written either as a string or as an array of parts; it
// keeps the text of the parts, joined by newlines. Parts without text (images, tool
// calls) add nothing.
type flexText string

// UnmarshalJSON accepts a string, null, or an array of objects with "text" or nested
// "content".
func (t *flexText) UnmarshalJSON(b []byte) error {
	switch {
	case len(b) == 0 || b[0] == 'n':
		*t = ""
		return nil
	case b[0] == '"':
		return json.Unmarshal(b, (*string)(t))
	case b[0] != '[':
		return errors.New("content must be a string or an array of parts")
	}
	var parts []struct {
		Text    string   `json:"text"`
		Content flexText `json:"content"`
	}
	if err := json.Unmarshal(b, &parts); err != nil {
		return err
	}
	var sb strings.Builder
	for _, p := range parts {
		for _, s := range []string{p.Text, string(p.Content)} {
			if s == "" {
				continue
			}
			if sb.Len() > 0 {
				sb.WriteByte('\n')
			}
			sb.WriteString(s)
		}
	}
	*t = flexText(sb.String())
	return nil
}

// flexStrings is a field written either as one string or as an array of strings.
type flexStrings []string

// UnmarshalJSON accepts a string, null, or an array of strings.
func (s *flexStrings) UnmarshalJSON(b []byte) error {
	switch {
	case len(b) == 0 || b[0] == 'n':
		*s = nil
		return nil
	case b[0] == '"':
		var one string
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*s = flexStrings{one}
		return nil
	}
	return json.Unmarshal(b, (*[]string)(s))
}

// defaultDims is the length of an embedding when the request does not ask for one;
// maxDims bounds what a request may ask for, so a typo cannot make the mock allocate
// gigabytes.
const (
	defaultDims = 8
	maxDims     = 8192
)

// vector returns a deterministic unit-length embedding of text with dims values.
func vector(text string, dims int) []float32 {
	if dims <= 0 {
		dims = defaultDims
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte(text))
	seed := h.Sum64()
	v := make([]float32, dims)
	var norm float64
	for i := range v {
		// xorshift: cheap, deterministic, and different for every text.
		seed ^= seed << 13
		seed ^= seed >> 7
		seed ^= seed << 17
		x := float64(seed%2001)/1000 - 1
		v[i] = float32(x)
		norm += x * x
	}
	if norm == 0 {
		v[0], norm = 1, 1
	}
	scale := float32(1 / math.Sqrt(norm))
	for i := range v {
		v[i] *= scale
	}
	return v
}

// float32Bytes returns v as little-endian IEEE 754 bytes, the layout of base64 embeddings.
func float32Bytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// bearer returns the token of an "Authorization: Bearer" header, or "".
func bearer(r *http.Request) string {
	auth := r.Header.Get("Authorization")
	if len(auth) > 7 && strings.EqualFold(auth[:7], "bearer ") {
		return strings.TrimSpace(auth[7:])
	}
	return ""
}
