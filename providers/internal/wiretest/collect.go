package wiretest

import (
	"testing"
	"time"

	"github.com/sluicegw/sluice/schemas"
)

// Collected is a drained stream: its text, its tool call (fragments joined), the last
// finish reason, the usage it reported, and the error it ended with, if any.
type Collected struct {
	Text, ToolID, ToolName, ToolArgs, Finish string
	Usage                                    *schemas.Usage
	Err                                      error
}

// Collect reads ch until it is closed, failing the test if that takes over 10 s.
func Collect(t testing.TB, ch <-chan schemas.StreamEvent) Collected {
	t.Helper()
	var c Collected
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				return c
			}
			if ev.Err != nil {
				c.Err = ev.Err
				continue
			}
			c.add(ev.Chunk)
		case <-timeout:
			t.Fatal("stream did not end")
		}
	}
}

func (c *Collected) add(chunk *schemas.ChatStreamChunk) {
	for _, choice := range chunk.Choices {
		c.Text += choice.Delta.Content
		for _, tc := range choice.Delta.ToolCalls {
			c.ToolID += tc.ID
			c.ToolName += tc.Function.Name
			c.ToolArgs += tc.Function.Arguments
		}
		if choice.FinishReason != nil {
			c.Finish = *choice.FinishReason
		}
	}
	if chunk.Usage != nil {
		c.Usage = chunk.Usage
	}
}
