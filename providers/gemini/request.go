package gemini

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/url"
	"path"
	"strings"

	"github.com/sluicegw/sluice/schemas"
)

// Gemini's two conversation roles.
const (
	roleUser  = "user"
	roleModel = "model"
)

// defaultImageType is the MIME type sent for an image URL whose extension names none.
// Gemini requires a type with every file reference, and JPEG is the most common.
const defaultImageType = "image/jpeg"

// translator builds one generateContent request and reports the first field it cannot
// represent as a 400 naming that field.
type translator struct {
	provider schemas.ModelProvider
}

// badField returns the error for a request field Gemini cannot take.
func (t translator) badField(field, format string, args ...any) error {
	e := schemas.NewError(schemas.ErrUnsupported, t.provider, "%s: %s", field,
		fmt.Sprintf(format, args...))
	e.Param = field
	return e
}

// request translates req to the generateContent wire format.
func (t translator) request(req *schemas.ChatRequest) (*generateRequest, error) {
	out := &generateRequest{}
	if err := t.messages(out, req.Messages); err != nil {
		return nil, err
	}
	if len(out.Contents) == 0 {
		return nil, t.badField("messages",
			"needs at least one user, assistant or tool message besides system ones")
	}
	if err := t.params(out, req.Params); err != nil {
		return nil, err
	}
	return out, nil
}

// messages fills the system instruction and the contents. System and developer
// messages become the system instruction, in order; consecutive tool results become
// one user turn, as Gemini expects all answers to one model turn's calls together.
func (t translator) messages(out *generateRequest, msgs []schemas.Message) error {
	for i := range msgs {
		m := &msgs[i]
		field := fmt.Sprintf("messages[%d]", i)
		if m.Name != "" && m.Role != schemas.RoleTool {
			return t.badField(field+".name", "gemini has no participant names")
		}
		switch m.Role {
		case schemas.RoleSystem, schemas.RoleDeveloper:
			if err := t.system(out, m, field); err != nil {
				return err
			}
		case schemas.RoleUser:
			parts, err := t.parts(m.Content, field+".content")
			if err != nil {
				return err
			}
			out.Contents = append(out.Contents, content{Role: roleUser, Parts: parts})
		case schemas.RoleAssistant:
			c, err := t.assistant(m, field)
			if err != nil {
				return err
			}
			out.Contents = append(out.Contents, c)
		case schemas.RoleTool:
			p, err := t.toolResult(msgs, i)
			if err != nil {
				return err
			}
			out.Contents = appendToolResult(out.Contents, p)
		default:
			return t.badField(field+".role", "unknown role %q", m.Role)
		}
	}
	return nil
}

// system appends a system message's text to the system instruction.
func (t translator) system(out *generateRequest, m *schemas.Message, field string) error {
	for j, p := range m.Content.Parts() {
		if p.Type != schemas.PartText {
			return t.badField(fmt.Sprintf("%s.content[%d]", field, j),
				"a system instruction holds only text")
		}
	}
	if out.SystemInstruction == nil {
		// The role is ignored by Gemini; Google's SDK sends "user", and so does sluice.
		out.SystemInstruction = &content{Role: roleUser}
	}
	out.SystemInstruction.Parts = append(out.SystemInstruction.Parts,
		part{Text: m.Content.String()})
	return nil
}

// appendToolResult adds p to the last turn when that turn already holds tool results,
// and as a new user turn otherwise.
func appendToolResult(cs []content, p part) []content {
	if n := len(cs); n > 0 && cs[n-1].Role == roleUser {
		last := cs[n-1].Parts
		if len(last) > 0 && last[len(last)-1].FunctionResponse != nil {
			cs[n-1].Parts = append(last, p)
			return cs
		}
	}
	return append(cs, content{Role: roleUser, Parts: []part{p}})
}

// parts translates user content: text, and images as inline data or file references.
func (t translator) parts(c schemas.Content, field string) ([]part, error) {
	if !c.IsParts() {
		return []part{{Text: c.String()}}, nil
	}
	out := make([]part, 0, len(c.Parts()))
	for j, p := range c.Parts() {
		f := fmt.Sprintf("%s[%d]", field, j)
		switch {
		case p.Type == schemas.PartText:
			out = append(out, part{Text: p.Text})
		case p.Type == schemas.PartImageURL && p.ImageURL != nil:
			ip, err := t.image(p.ImageURL.URL, f+".image_url.url")
			if err != nil {
				return nil, err
			}
			out = append(out, ip)
		default:
			return nil, t.badField(f+".type", "part type %q is not supported", p.Type)
		}
	}
	if len(out) == 0 {
		return nil, t.badField(field, "content has no parts")
	}
	return out, nil
}

// image turns an image URL into inline data (for a base64 "data:" URL) or a file
// reference (for any other URL, which Gemini fetches itself).
func (t translator) image(raw, field string) (part, error) {
	if rest, ok := strings.CutPrefix(raw, "data:"); ok {
		meta, data, ok := strings.Cut(rest, ",")
		mimeType, isBase64 := strings.CutSuffix(meta, ";base64")
		if !ok || !isBase64 || mimeType == "" {
			return part{}, t.badField(field,
				"a data URL must be data:<mime type>;base64,<data>")
		}
		return part{InlineData: &blob{MimeType: mimeType, Data: data}}, nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return part{}, t.badField(field, "not a URL or a base64 data URL")
	}
	mimeType := mime.TypeByExtension(path.Ext(u.Path))
	if mimeType == "" {
		mimeType = defaultImageType
	}
	if i := strings.IndexByte(mimeType, ';'); i >= 0 {
		mimeType = mimeType[:i]
	}
	return part{FileData: &fileData{MimeType: mimeType, FileURI: raw}}, nil
}

// assistant translates an assistant turn: its text, then one function call per tool
// call. Arguments must be a JSON object, as Gemini carries them as a structure.
func (t translator) assistant(m *schemas.Message, field string) (content, error) {
	c := content{Role: roleModel}
	if m.Content.IsParts() {
		for j, p := range m.Content.Parts() {
			if p.Type != schemas.PartText {
				return c, t.badField(fmt.Sprintf("%s.content[%d]", field, j),
					"an assistant message holds only text")
			}
		}
	}
	if text := m.Content.String(); text != "" {
		c.Parts = append(c.Parts, part{Text: text})
	}
	for j, tc := range m.ToolCalls {
		f := fmt.Sprintf("%s.tool_calls[%d].function.arguments", field, j)
		args, err := objectJSON(tc.Function.Arguments)
		if err != nil {
			return c, t.badField(f, "%v", err)
		}
		id, signature := splitCallID(tc.ID)
		c.Parts = append(c.Parts, part{ThoughtSignature: signature, FunctionCall: &functionCall{
			ID: id, Name: tc.Function.Name, Args: args}})
	}
	if len(c.Parts) == 0 {
		// An empty model turn is refused by Gemini; an empty text part keeps the turn
		// order the caller sent.
		c.Parts = []part{{Text: ""}}
	}
	return c, nil
}

// toolResult translates the tool message msgs[i] into a function response. Gemini
// names the function a result belongs to, so the name is taken from the assistant
// tool call the message answers, or from the message's own name.
func (t translator) toolResult(msgs []schemas.Message, i int) (part, error) {
	m := &msgs[i]
	field := fmt.Sprintf("messages[%d]", i)
	name := callName(msgs[:i], m.ToolCallID)
	if name == "" {
		name = m.Name
	}
	if name == "" {
		return part{}, t.badField(field+".tool_call_id",
			"%q matches no tool call of an earlier assistant message", m.ToolCallID)
	}
	id, _ := splitCallID(m.ToolCallID)
	return part{FunctionResponse: &functionResponse{
		ID: id, Name: name, Response: resultObject(m.Content.String()),
	}}, nil
}

// callName returns the function name of the latest tool call with the given ID.
func callName(earlier []schemas.Message, id string) string {
	if id == "" {
		return ""
	}
	for i := len(earlier) - 1; i >= 0; i-- {
		for _, tc := range earlier[i].ToolCalls {
			if tc.ID == id {
				return tc.Function.Name
			}
		}
	}
	return ""
}

// resultObject returns a tool's output as the JSON object Gemini requires: the output
// itself when it is an object, else {"output": value}, where value is the output's JSON
// value when it is valid JSON and the output as a string otherwise.
func resultObject(s string) json.RawMessage {
	b := bytes.TrimSpace([]byte(s))
	if len(b) > 0 && b[0] == '{' && json.Valid(b) {
		return b
	}
	var out struct {
		Output any `json:"output"`
	}
	out.Output = s
	if len(b) > 0 && json.Valid(b) {
		out.Output = json.RawMessage(b)
	}
	enc, _ := json.Marshal(out) // a string or valid raw JSON always encodes
	return enc
}

// objectJSON checks that s is a JSON object, treating empty as {}.
func objectJSON(s string) (json.RawMessage, error) {
	b := bytes.TrimSpace([]byte(s))
	if len(b) == 0 {
		return json.RawMessage("{}"), nil
	}
	if b[0] != '{' || !json.Valid(b) {
		return nil, fmt.Errorf("must be a JSON object")
	}
	return b, nil
}
