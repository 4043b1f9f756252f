package sluice

import (
	"github.com/sluicegw/sluice/providers"
	"github.com/sluicegw/sluice/schemas"
)

// What a provider can do is settled when its adapter is built: the optional interfaces
// the adapter's type implements, narrowed by providers.Capabilities where one type
// serves several APIs. A call asking for anything else is refused with a 400 before it
// takes a queue slot, so that it never reaches an upstream that would answer 404, or
// one that would drop the tools and answer as if none had been offered.

// narrow removes from l the operations that adapter's type implements but its
// provider lacks.
func (l *lane) narrow(adapter providers.Provider) {
	caps, ok := adapter.(providers.Capabilities)
	if !ok {
		return
	}
	if !caps.Supports(providers.OpStream) {
		l.streamer = nil
	}
	if !caps.Supports(providers.OpEmbedding) {
		l.embedder = nil
	}
	if !caps.Supports(providers.OpTextCompletion) {
		l.texter = nil
	}
	l.noTools = !caps.Supports(providers.OpTools)
}

// supports checks that the lane's provider can do what cl asks.
func (l *lane) supports(cl *call) error {
	var what providers.Op
	switch {
	case cl.op == opStream && l.streamer == nil:
		what = providers.OpStream
	case cl.op == opEmbedding && l.embedder == nil:
		what = providers.OpEmbedding
	case cl.op == opText && l.texter == nil:
		what = providers.OpTextCompletion
	case cl.op == opForward && l.forwarder == nil:
		what = "requests in its own wire format"
	case l.noTools && cl.chat != nil:
		if field := toolField(cl.chat.Params); field != "" {
			e := unsupported(l.name, providers.OpTools)
			e.Param = field
			return e
		}
		return nil
	default:
		return nil
	}
	return unsupported(l.name, what)
}

// toolField names the parameter by which prm asks for tool calls, or returns "".
// A tool_choice of "auto" or "none" without tools asks for nothing and passes.
func toolField(prm *schemas.ChatParams) string {
	switch {
	case prm == nil:
		return ""
	case len(prm.Tools) > 0:
		return "tools"
	case prm.ToolChoice != nil && (prm.ToolChoice.Mode == schemas.ToolChoiceRequired ||
		prm.ToolChoice.Mode == schemas.ToolChoiceFunction):
		return "tool_choice"
	}
	return ""
}

func unsupported(p schemas.ModelProvider, what providers.Op) *schemas.Error {
	return schemas.NewError(schemas.ErrUnsupported, p, "provider %s does not support %s",
		p, what)
}
