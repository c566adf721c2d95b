package telemetry

import (
	"context"
	"log/slog"
	"slices"

	"go.opentelemetry.io/otel/trace"
)

// LogHandler is a slog.Handler that adds the conventions' trace id, span id
// and trace flags fields to every record logged with a context that carries
// a span. The fields stay at the top level of the record even inside groups
// opened with WithGroup.
type LogHandler struct {
	base slog.Handler // the wrapped handler with the attributes added before any group
	next slog.Handler // base with every group and attribute added
	ops  []logOp      // the WithGroup and WithAttrs calls from the first group on
}

// logOp is one WithGroup (group set) or WithAttrs call.
type logOp struct {
	group string
	attrs []slog.Attr
}

var _ slog.Handler = LogHandler{}

// NewLogHandler wraps next.
func NewLogHandler(next slog.Handler) LogHandler { return LogHandler{base: next, next: next} }

// Enabled implements slog.Handler.
func (h LogHandler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

// Handle implements slog.Handler.
func (h LogHandler) Handle(ctx context.Context, r slog.Record) error {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return h.next.Handle(ctx, r)
	}
	fields := []slog.Attr{
		slog.String(conv.logTraceID, sc.TraceID().String()),
		slog.String(conv.logSpanID, sc.SpanID().String()),
		slog.String(conv.logTraceFlags, sc.TraceFlags().String()),
	}
	if len(h.ops) == 0 {
		r = r.Clone()
		r.AddAttrs(fields...)
		return h.next.Handle(ctx, r)
	}
	// Groups are open: add the fields before them, then replay the groups.
	out := h.base.WithAttrs(fields)
	for _, op := range h.ops {
		if op.group != "" {
			out = out.WithGroup(op.group)
		} else {
			out = out.WithAttrs(op.attrs)
		}
	}
	return out.Handle(ctx, r)
}

// WithAttrs implements slog.Handler.
func (h LogHandler) WithAttrs(as []slog.Attr) slog.Handler {
	if len(as) == 0 {
		return h
	}
	if len(h.ops) == 0 {
		return LogHandler{base: h.base.WithAttrs(as), next: h.next.WithAttrs(as)}
	}
	return LogHandler{base: h.base, next: h.next.WithAttrs(as), ops: append(slices.Clip(h.ops), logOp{attrs: as})}
}

// WithGroup implements slog.Handler.
func (h LogHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return LogHandler{base: h.base, next: h.next.WithGroup(name), ops: append(slices.Clip(h.ops), logOp{group: name})}
}
