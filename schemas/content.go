package schemas

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
)

// Content part types.
const (
	PartText     = "text"
	PartImageURL = "image_url"
)

// Content is the content of a message: either plain text, or a list of parts (text and
// images). It marshals as a JSON string when it holds no parts, as OpenAI does, and
// unmarshals from either form. The zero value is empty text, which marshals as null
// on assistant messages that only carry tool calls.
type Content struct {
	text  string
	parts []ContentPart
}

// Text returns content made of a single text.
func Text(s string) Content { return Content{text: s} }

// Parts returns content made of the given parts.
func Parts(parts ...ContentPart) Content { return Content{parts: parts} }

// ContentPart is one part of a multi-part message.
type ContentPart struct {
	Type     string    `json:"type"`
	Text     string    `json:"text,omitempty"`
	ImageURL *ImageURL `json:"image_url,omitempty"`
}

// ImageURL references an image by URL, or inline as a "data:" URL with base64 data.
type ImageURL struct {
	URL    string `json:"url"`
	Detail string `json:"detail,omitempty"`
}

// IsParts reports whether c holds a list of parts rather than plain text.
func (c Content) IsParts() bool { return c.parts != nil }

// Parts returns the parts of c, or nil when c is plain text.
func (c Content) Parts() []ContentPart { return c.parts }

// String returns the text of c; for multi-part content, its text parts joined.
func (c Content) String() string {
	if c.parts == nil {
		return c.text
	}
	var b strings.Builder
	for _, p := range c.parts {
		if p.Type == PartText {
			b.WriteString(p.Text)
		}
	}
	return b.String()
}

// IsEmpty reports whether c has neither text nor parts.
func (c Content) IsEmpty() bool { return c.text == "" && len(c.parts) == 0 }

// MarshalJSON encodes c as a string, an array of parts, or null when empty.
func (c Content) MarshalJSON() ([]byte, error) {
	if c.parts != nil {
		return json.Marshal(c.parts)
	}
	if c.text == "" {
		return []byte("null"), nil
	}
	return json.Marshal(c.text)
}

var errBadContent = errors.New("content must be a string, an array of parts, or null")

// UnmarshalJSON accepts a string, an array of parts, or null.
func (c *Content) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	*c = Content{}
	if len(b) == 0 {
		return errBadContent
	}
	switch b[0] {
	case 'n':
		if string(b) != "null" {
			return errBadContent
		}
		return nil
	case '"':
		return json.Unmarshal(b, &c.text)
	case '[':
		parts := []ContentPart{}
		if err := json.Unmarshal(b, &parts); err != nil {
			return err
		}
		c.parts = parts
		return nil
	}
	return errBadContent
}
