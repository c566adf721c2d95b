package telemetry

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
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
		// Decimal digits alone, as in Rust.
		{map[string]string{"OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT": "+5"}, 4096, "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT"},
		{map[string]string{"OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT": "-0"}, 4096, "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT"},
		{map[string]string{"OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT": "010"}, 10, ""},
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
	mem := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(spanLimits(5, noEnvCounts()), sdktrace.WithSyncer(&redactingExporter{next: mem, maxValue: 5, capped: true}))
	_, span := tp.Tracer("t").Start(context.Background(), "s")
	span.SetAttributes(attribute.String("user_agent.original", "abcdéfgh"), attribute.String("short", "abc"),
		attribute.StringSlice("list", []string{"abcdefgh", "ab"}), attribute.Int("n", 123456789))
	span.End()
	got := mem.GetSpans()[0].Attributes
	if got[0].Value.AsString() != "abcdé" || got[1].Value.AsString() != "abc" ||
		strings.Join(got[2].Value.AsStringSlice(), ",") != "abcde,ab" || got[3].Value.AsInt64() != 123456789 {
		t.Errorf("attributes %v", got)
	}
}

// The SDK only guards memory: it keeps guardSlack characters past the limit,
// and none is no bound at all.
func TestSDKValueLengthIsAGuard(t *testing.T) {
	for _, c := range []struct{ n, want int }{{0, guardSlack}, {5, 5 + guardSlack}, {math.MaxInt - guardSlack, math.MaxInt}, {math.MaxInt - guardSlack + 1, -1}, {math.MaxInt, -1}} {
		if got := sdkValueLength(c.n); got != c.want {
			t.Errorf("sdkValueLength(%d) = %d, want %d", c.n, got, c.want)
		}
	}
}

// The cap applies after the privacy rules, to span, event and link
// attributes alike (specification common/README.md, "Attribute Limits":
// every attribute collection, events and links included): a cut never
// removes the '@' that marks a URL's userinfo, and a keyed hash is cut too.
func TestValueCapCutsEventsAndLinksAfterRedaction(t *testing.T) {
	SetHashKey([]byte("k"))
	t.Cleanup(func() { SetHashKey(nil) })
	mem := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(spanLimits(26, noEnvCounts()), sdktrace.WithSyncer(&redactingExporter{next: mem, maxValue: 26, capped: true}))
	linked := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{1}, TraceFlags: trace.FlagsSampled})
	target := "dial https://jane:hunter2secret@api.example/x"
	_, span := tp.Tracer("t").Start(context.Background(), "op",
		trace.WithLinks(trace.Link{SpanContext: linked, Attributes: []attribute.KeyValue{attribute.String("app.note", strings.Repeat("y", 40))}}))
	span.SetAttributes(attribute.String("app.target", target), attribute.String("url.full", "https://h.example/a"))
	span.AddEvent("e", trace.WithAttributes(attribute.String("app.target", target),
		attribute.StringSlice("app.list", []string{strings.Repeat("z", 30)}),
		attribute.Slice("app.nested", attribute.StringValue(strings.Repeat("w", 30))),
		attribute.ByteSlice("app.bytes", make([]byte, 30))))
	span.RecordError(errors.New(strings.Repeat("é", 40)))
	span.End()
	s := mem.GetSpans()[0]
	if dump := fmt.Sprint(s.Attributes, s.Events, s.Links); strings.Contains(dump, "hunter2") {
		t.Fatalf("the password left: %s", dump)
	}
	const cut = "dial https://REDACTED:REDA"
	a := attrMap(s.Attributes)
	if a["app.target"].AsString() != cut {
		t.Errorf("span app.target %q, want %q", a["app.target"].AsString(), cut)
	}
	// What the policy puts out (a 64-character keyed hash with the default
	// conventions, REDACTED with others) is cut too.
	if h := a["url.full"].AsString(); utf8.RuneCountInString(h) > 26 || strings.Contains(h, "h.example") {
		t.Errorf("url.full %q, want at most 26 characters, the URL gone", h)
	}
	ev := s.Events[0].Attributes
	if got := ev[0].Value.AsString(); got != cut {
		t.Errorf("event app.target %q, want %q", got, cut)
	}
	if got := ev[1].Value.AsStringSlice(); len(got) != 1 || got[0] != strings.Repeat("z", 26) {
		t.Errorf("event app.list %q", got)
	}
	if got := ev[2].Value.AsSlice(); len(got) != 1 || got[0].AsString() != strings.Repeat("w", 26) {
		t.Errorf("event app.nested %v", got)
	}
	if got := ev[3].Value.AsByteSlice(); len(got) != 26 {
		t.Errorf("event app.bytes %d bytes, want 26", len(got))
	}
	if got := attrMap(s.Events[1].Attributes)["exception.message"].AsString(); got != strings.Repeat("é", 26) {
		t.Errorf("exception.message %q", got)
	}
	if got := s.Links[0].Attributes[0].Value.AsString(); got != strings.Repeat("y", 26) {
		t.Errorf("link app.note %q", got)
	}
}

func TestCutAttributesCopiesOnlyWhenSomethingIsLonger(t *testing.T) {
	attrs := []attribute.KeyValue{attribute.String("a", "abc"), attribute.String("b", "ab")}
	if got := cutAttributes(attrs, 3); &got[0] != &attrs[0] {
		t.Error("nothing longer, yet copied")
	}
	if got := cutAttributes(attrs, -1); &got[0] != &attrs[0] {
		t.Error("no limit, yet copied")
	}
	got := cutAttributes(attrs, 0)
	if got[0].Value.AsString() != "" || got[1].Value.AsString() != "" || attrs[0].Value.AsString() != "abc" {
		t.Errorf("cut to 0: %v, original %v", got, attrs)
	}
}

// noEnvCounts are the span count limits without any variable set.
func noEnvCounts() spanCounts {
	return (&envReader{getenv: func(string) string { return "" }}).spanCounts()
}

// The count variables: the model-specific one over the general one over the
// default; a value that is not a non-negative integer is warned about once
// and the next setting is used.
func TestSpanCountsFollowTheVariables(t *testing.T) {
	for _, c := range []struct {
		env    map[string]string
		want   spanCounts
		warned []string
	}{
		{nil, spanCounts{128, 128, 128, 128, 128}, nil},
		{map[string]string{"OTEL_ATTRIBUTE_COUNT_LIMIT": "2"}, spanCounts{2, 128, 128, 2, 2}, nil},
		{map[string]string{"OTEL_ATTRIBUTE_COUNT_LIMIT": "2", "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT": "5"}, spanCounts{5, 128, 128, 2, 2}, nil},
		{map[string]string{"OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT": "-1"}, spanCounts{128, 128, 128, 128, 128}, []string{"OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT"}},
		{map[string]string{"OTEL_ATTRIBUTE_COUNT_LIMIT": "3", "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT": "x"}, spanCounts{3, 128, 128, 3, 3}, []string{"OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT"}},
		{map[string]string{"OTEL_SPAN_EVENT_COUNT_LIMIT": "0", "OTEL_SPAN_LINK_COUNT_LIMIT": "-3"}, spanCounts{128, 0, 128, 128, 128}, []string{"OTEL_SPAN_LINK_COUNT_LIMIT"}},
		// Decimal digits alone, as in Rust: no sign, no inner space.
		{map[string]string{"OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT": "+5", "OTEL_ATTRIBUTE_COUNT_LIMIT": "-0"}, spanCounts{128, 128, 128, 128, 128}, []string{"OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "OTEL_ATTRIBUTE_COUNT_LIMIT"}},
		{map[string]string{"OTEL_SPAN_EVENT_COUNT_LIMIT": "1 2", "OTEL_SPAN_LINK_COUNT_LIMIT": " 007 "}, spanCounts{128, 128, 7, 128, 128}, []string{"OTEL_SPAN_EVENT_COUNT_LIMIT"}},
		// Out of range (past a u32, as in Rust): warned about, not set.
		{map[string]string{"OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT": "99999999999999999999999"}, spanCounts{128, 128, 128, 128, 128}, []string{"OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT"}},
		{map[string]string{"OTEL_ATTRIBUTE_COUNT_LIMIT": "4", "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT": "4294967296"}, spanCounts{4, 128, 128, 4, 4}, []string{"OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT"}},
		{map[string]string{"OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT": "4294967295"}, spanCounts{math.MaxUint32, 128, 128, 128, 128}, nil},
	} {
		var logs bytes.Buffer
		e := &envReader{getenv: func(k string) string { return c.env[k] }, logger: slog.New(slog.NewTextHandler(&logs, nil))}
		if got := e.spanCounts(); got != c.want {
			t.Errorf("%v: counts %+v, want %+v", c.env, got, c.want)
		}
		if n := strings.Count(logs.String(), "\n"); n != len(c.warned) {
			t.Errorf("%v: %d warnings, want %d: %s", c.env, n, len(c.warned), logs.String())
		}
		for _, name := range c.warned {
			if strings.Count(logs.String(), "variable="+name+" ") != 1 {
				t.Errorf("%v: %s not warned about once: %s", c.env, name, logs.String())
			}
		}
	}
}
