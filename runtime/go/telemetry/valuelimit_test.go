package telemetry

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

func TestSpanValueLengthPrecedence(t *testing.T) {
	saved := conv.spanValueLength
	t.Cleanup(func() { conv.spanValueLength = saved })
	conv.spanValueLength = 4096
	cases := []struct {
		env    map[string]string
		want   int
		warned string
	}{
		{nil, 4096, ""},
		{map[string]string{"OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT": "100"}, 100, ""},
		{map[string]string{"OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT": "100", "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT": "7"}, 7, ""},
		{map[string]string{"OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT": "0"}, 0, ""},
		{map[string]string{"OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT": "-1"}, 4096, "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT"},
		{map[string]string{"OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT": "50", "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT": "lots"}, 50, "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT"},
		{map[string]string{"OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT": "99999999999999999999"}, 4096, "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT"},
	}
	for _, c := range cases {
		e := &envReader{getenv: func(k string) string { return c.env[k] }, logger: slog.New(slog.DiscardHandler)}
		if got := e.spanValueLength(); got != c.want {
			t.Errorf("%v: %d, want %d", c.env, got, c.want)
		}
		warned := ""
		for _, err := range e.errs {
			warned += err.Error()
		}
		if c.warned == "" && warned != "" || c.warned != "" && !strings.Contains(warned, c.warned) {
			t.Errorf("%v: warned %q, want %q", c.env, warned, c.warned)
		}
	}
}

func TestSpanValueLengthCutsLongValues(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(spanLimits(5), sdktrace.WithSpanProcessor(rec))
	_, span := tp.Tracer("t").Start(context.Background(), "s")
	span.SetAttributes(attribute.String("user_agent.original", "abcdéfgh"), attribute.String("short", "abc"))
	span.End()
	got := rec.Ended()[0].Attributes()
	if got[0].Value.AsString() != "abcdé" || got[1].Value.AsString() != "abc" {
		t.Errorf("attributes %v", got)
	}
}
