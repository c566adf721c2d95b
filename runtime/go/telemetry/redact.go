package telemetry

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// privacyAction is what happens to an attribute classed pii or secret.
type privacyAction int

const (
	actionKeep privacyAction = iota
	actionDrop
	actionHash
	actionRedact
)

// redactedValue replaces the value of attributes whose action is redact.
const redactedValue = "REDACTED"

// Redact applies the conventions' privacy actions to attrs: attributes classed
// pii or secret are dropped, hashed (hex SHA-256 of their text) or masked.
// It returns attrs itself when nothing changes.
func Redact(attrs []attribute.KeyValue) []attribute.KeyValue {
	if len(privacyActions) == 0 {
		return attrs
	}
	i := 0
	for ; i < len(attrs); i++ {
		if a := privacyActions[string(attrs[i].Key)]; a != actionKeep {
			break
		}
	}
	if i == len(attrs) {
		return attrs
	}
	out := make([]attribute.KeyValue, 0, len(attrs))
	out = append(out, attrs[:i]...)
	for _, kv := range attrs[i:] {
		switch privacyActions[string(kv.Key)] {
		case actionDrop:
			continue
		case actionHash:
			sum := sha256.Sum256([]byte(kv.Value.Emit()))
			kv = kv.Key.String(hex.EncodeToString(sum[:]))
		case actionRedact:
			kv = kv.Key.String(redactedValue)
		}
		out = append(out, kv)
	}
	return out
}

// redactingExporter applies Redact to span and event attributes before
// handing spans to the next exporter.
type redactingExporter struct {
	next sdktrace.SpanExporter
}

var _ sdktrace.SpanExporter = (*redactingExporter)(nil)

func (e *redactingExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	out := make([]sdktrace.ReadOnlySpan, len(spans))
	for i, s := range spans {
		out[i] = redactSpan(s)
	}
	return e.next.ExportSpans(ctx, out)
}

func (e *redactingExporter) Shutdown(ctx context.Context) error { return e.next.Shutdown(ctx) }

// redactedSpan overrides the attributes and events of a finished span.
type redactedSpan struct {
	sdktrace.ReadOnlySpan
	attrs  []attribute.KeyValue
	events []sdktrace.Event
}

func (s redactedSpan) Attributes() []attribute.KeyValue { return s.attrs }
func (s redactedSpan) Events() []sdktrace.Event         { return s.events }

func redactSpan(s sdktrace.ReadOnlySpan) sdktrace.ReadOnlySpan {
	attrs := s.Attributes()
	ra := Redact(attrs)
	events := s.Events()
	var re []sdktrace.Event
	for i, ev := range events {
		r := Redact(ev.Attributes)
		if len(r) != len(ev.Attributes) || (len(r) > 0 && &r[0] != &ev.Attributes[0]) {
			if re == nil {
				re = append([]sdktrace.Event(nil), events...)
			}
			re[i].Attributes = r
		}
	}
	if re == nil && len(ra) == len(attrs) && (len(ra) == 0 || &ra[0] == &attrs[0]) {
		return s
	}
	if re == nil {
		re = events
	}
	return redactedSpan{ReadOnlySpan: s, attrs: ra, events: re}
}
