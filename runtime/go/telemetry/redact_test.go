package telemetry

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

func TestRedactAppliesPrivacyActions(t *testing.T) {
	const value = "jane@example.com"
	attrs := []attribute.KeyValue{attribute.String("kept.plain", "ok")}
	for k := range privacyActions {
		attrs = append(attrs, attribute.String(k, value))
	}
	out := attrMap(Redact(attrs))
	wantAttr(t, out, "kept.plain", "ok")
	sum := sha256.Sum256([]byte(value))
	for k, action := range privacyActions {
		v, ok := out[attribute.Key(k)]
		switch action {
		case actionDrop:
			if ok {
				t.Errorf("%s must be dropped, got %v", k, v.Emit())
			}
		case actionHash:
			if v.AsString() != hex.EncodeToString(sum[:]) {
				t.Errorf("%s must be hashed, got %q", k, v.Emit())
			}
		case actionRedact:
			if v.AsString() != redactedValue {
				t.Errorf("%s must be masked, got %q", k, v.Emit())
			}
		}
	}
}

func TestRedactingExporterBeforeExport(t *testing.T) {
	mem := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(&redactingExporter{next: mem}))
	defer func() { _ = tp.Shutdown(context.Background()) }()
	_, span := tp.Tracer("test").Start(context.Background(), "op")
	for k := range privacyActions {
		span.SetAttributes(attribute.String(k, "raw-value"))
	}
	span.AddEvent("e", withEventAttrs(privacyActions))
	span.End()
	got := mem.GetSpans()
	if len(got) != 1 {
		t.Fatalf("%d spans exported", len(got))
	}
	check := func(where string, kvs []attribute.KeyValue) {
		for _, kv := range kvs {
			if kv.Value.Emit() == "raw-value" && privacyActions[string(kv.Key)] != actionKeep {
				t.Errorf("%s: %s left the service unredacted", where, kv.Key)
			}
		}
	}
	check("span", got[0].Attributes)
	for _, ev := range got[0].Events {
		check("event", ev.Attributes)
	}
}
