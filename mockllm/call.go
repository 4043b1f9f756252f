package mockllm

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// op is the kind of operation a route asks for.
type op uint8

const (
	opChat op = iota
	opCompletion
	opEmbed
	opBatchEmbed
	opModels
	opCountTokens
)

// Echo is what an echo-mode answer states about the request that arrived. The keys are
// the same for every wire format; parameters the request did not set are null.
type Echo struct {
	Model       string   `json:"model"`
	Messages    int      `json:"messages"` // conversation turns, system messages excluded
	System      bool     `json:"system"`   // a system prompt or system message was present
	Tools       []string `json:"tools"`    // names of the offered tools, in order
	ToolChoice  string   `json:"tool_choice"`
	MaxTokens   *int     `json:"max_tokens"`
	Temperature *float64 `json:"temperature"`
	TopP        *float64 `json:"top_p"`
	TopK        *int     `json:"top_k"`
	Stop        []string `json:"stop"`
	Stream      bool     `json:"stream"`
}

// ParseEcho decodes the answer text of an echo-mode response.
func ParseEcho(text string) (Echo, error) {
	var e Echo
	if err := json.Unmarshal([]byte(text), &e); err != nil {
		return Echo{}, fmt.Errorf("mockllm: answer is not an echo: %w", err)
	}
	return e, nil
}

// finish is why an answer ended, before each dialect names it its own way.
type finish uint8

const (
	finishStop finish = iota
	finishLength
	finishTool
)

// call is one request reduced to what the mock needs to answer it, whatever its format.
type call struct {
	Echo // what arrived; Stream is also how to answer

	op           op
	seq          uint64
	includeUsage bool // OpenAI stream_options.include_usage
	echo         bool
	models       []string // Options.Models, for model lists

	promptWords    int
	lastUser       string
	lastToolResult bool // the last message hands back a tool result

	inputs []string // embedding inputs
	dims   int      // embedding dimensions, 0 for the default
	base64 bool     // embeddings as base64 of little-endian float32

	ans answer
}

// answer is what the mock replies, decided once and then written in any wire format.
type answer struct {
	text   string // text reply; empty when the answer is a tool call
	tool   string // name of the called tool
	toolID string
	args   string // the tool call's arguments as a JSON object
	finish finish

	promptTokens     int
	completionTokens int
}

// addText counts the words of s as prompt input and remembers it when a user wrote it.
func (c *call) addText(s string, user bool) {
	c.promptWords += countWords(s)
	if user && s != "" {
		c.lastUser = s
	}
}

// wantsTool reports whether the answer should call a tool rather than reply in text.
func (c *call) wantsTool() bool {
	return len(c.Tools) > 0 && c.ToolChoice != "none" && !c.lastToolResult
}

// decide fills c.ans from the request: a tool call, an echo, or the plain sentence.
func (c *call) decide(o *Options) {
	a := &c.ans
	a.promptTokens = c.promptWords
	switch {
	case c.wantsTool():
		a.tool = c.Tools[0]
		for _, t := range c.Tools {
			if t == c.ToolChoice {
				a.tool = t
			}
		}
		a.toolID = fmt.Sprintf("call_mock%06d", c.seq)
		args, _ := json.Marshal(struct {
			Text string `json:"text"`
		}{c.lastUser})
		a.args = string(args)
		a.finish = finishTool
		a.completionTokens = countWords(a.args)
	case c.echo:
		a.text = c.echoText()
		a.completionTokens = countWords(a.text)
	default:
		n := o.AnswerWords
		if c.MaxTokens != nil && *c.MaxTokens < n {
			n = max(*c.MaxTokens, 0)
			a.finish = finishLength
		}
		a.text = answerText(n)
		a.completionTokens = n
	}
}

// echoText renders c.Echo as JSON whose members are separated by ", ".
func (c *call) echoText() string {
	e := c.Echo
	if e.Tools == nil {
		e.Tools = []string{}
	}
	b, err := json.Marshal(e)
	if err != nil {
		panic("BUG: mockllm: cannot encode echo: " + err.Error())
	}
	// A quote preceded by a comma is always structural in encoded JSON: quotes inside
	// strings are escaped, so this only widens the separators between members.
	return strings.ReplaceAll(string(b), `,"`, `, "`)
}

// words is the text plain answers are cut from.
var words = strings.Fields(`This is a deterministic answer from the sluice mock provider,
	written so tests can count its words and tokens exactly. It carries no meaning and
	repeats itself whenever a request asks for more words than it has.`)

// sentence returns the first n words of the mock text, cycling through it as needed.
func sentence(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(words[i%len(words)])
	}
	return b.String()
}

// sentences caches sentence(n) for the lengths most answers have, keeping string
// building off the hot path.
var sentences = func() []string {
	out := make([]string, 65)
	for n := range out {
		out[n] = sentence(n)
	}
	return out
}()

// answerText returns sentence(n), from the cache when it holds that length.
func answerText(n int) string {
	if n < len(sentences) {
		return sentences[n]
	}
	return sentence(n)
}

// countWords counts whitespace-separated words without allocating.
func countWords(s string) int {
	n, in := 0, false
	for _, r := range s {
		space := r == ' ' || r == '\n' || r == '\t' || r == '\r'
		if !space && !in {
			n++
		}
		in = !space
	}
	return n
}

// chunks splits text after every n-th space, so the pieces join back to text exactly.
func chunks(text string, n int) []string {
	var out []string
	count, start := 0, 0
	for i := 0; i < len(text); i++ {
		if text[i] != ' ' {
			continue
		}
		count++
		if count%n == 0 {
			out = append(out, text[start:i+1])
			start = i + 1
		}
	}
	if start < len(text) {
		out = append(out, text[start:])
	}
	return out
}

// byteChunks splits s into pieces of about size bytes without breaking a UTF-8 rune.
func byteChunks(s string, size int) []string {
	var out []string
	for len(s) > size {
		cut := size
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		if cut == 0 {
			cut = size
		}
		out = append(out, s[:cut])
		s = s[cut:]
	}
	if s != "" {
		out = append(out, s)
	}
	return out
}

// deltas returns the pieces a stream sends: words for text, byte runs for tool arguments.
func (c *call) deltas(perChunk int) []string {
	if c.ans.tool != "" {
		return byteChunks(c.ans.args, 4*perChunk)
	}
	return chunks(c.ans.text, perChunk)
}
