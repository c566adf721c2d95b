package telemetry

import (
	"bufio"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// invalidAttrs are request values no UTF-8 decoder accepts: OTLP refuses a
// whole export request over one of them.
func invalidAttrs() []attribute.KeyValue {
	return []attribute.KeyValue{
		attribute.String("user_agent.original", "bad\xffagent"),
		attribute.String("url.path", "/orders/\xff"),
		attribute.String("url.query", "q=\xfe"),
		attribute.String("server.address", "h\xff.example"),
		attribute.String("app.note\xff", "x"),
		attribute.StringSlice("app.list", []string{"ok", "b\xc3"}),
	}
}

func checkUTF8(t *testing.T, where string, attrs []attribute.KeyValue) {
	t.Helper()
	for _, kv := range attrs {
		if !utf8.ValidString(string(kv.Key)) || !utf8.ValidString(kv.Value.Emit()) {
			t.Errorf("%s: %q=%q is not valid UTF-8", where, kv.Key, kv.Value.Emit())
		}
		for _, v := range kv.Value.AsStringSlice() {
			if !utf8.ValidString(v) {
				t.Errorf("%s: %q holds %q", where, kv.Key, v)
			}
		}
	}
}

func TestEveryExportedSpanStringIsValidUTF8(t *testing.T) {
	useTestConventions(t)
	mem := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(&redactingExporter{next: mem}))
	defer func() { _ = tp.Shutdown(context.Background()) }()
	link := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{1}})
	_, span := tp.Tracer("test").Start(context.Background(), "GET /orders/\xff",
		trace.WithLinks(trace.Link{SpanContext: link, Attributes: invalidAttrs()}))
	span.SetAttributes(invalidAttrs()...)
	span.AddEvent("event \xff", trace.WithAttributes(invalidAttrs()...))
	span.SetStatus(codes.Error, "failed at \xff")
	span.RecordError(errors.New("bad \xfe byte"))
	span.End()
	spans := mem.GetSpans()
	if len(spans) != 1 {
		t.Fatalf("%d spans", len(spans))
	}
	s := spans[0]
	if !utf8.ValidString(s.Name) || !utf8.ValidString(s.Status.Description) {
		t.Errorf("name %q, status %q", s.Name, s.Status.Description)
	}
	if s.Name != "GET /orders/\uFFFD" {
		t.Errorf("the name lost more than the invalid byte: %q", s.Name)
	}
	checkUTF8(t, "span", s.Attributes)
	if got := attrValue(s.Attributes, "user_agent.original"); got != "bad\uFFFDagent" {
		t.Errorf("user_agent.original = %q, want the byte replaced and the rest kept", got)
	}
	for _, ev := range s.Events {
		if !utf8.ValidString(ev.Name) {
			t.Errorf("event name %q", ev.Name)
		}
		checkUTF8(t, "event "+ev.Name, ev.Attributes)
	}
	for _, l := range s.Links {
		checkUTF8(t, "link", l.Attributes)
	}
}

func attrValue(attrs []attribute.KeyValue, key attribute.Key) string {
	for _, kv := range attrs {
		if kv.Key == key {
			return kv.Value.Emit()
		}
	}
	return ""
}

func TestEveryExportedMetricAttributeIsValidUTF8(t *testing.T) {
	useTestConventions(t)
	exp := &capturingMetricExporter{}
	reader := sdkmetric.NewPeriodicReader(redactingMetricExporter{Exporter: exp}, sdkmetric.WithInterval(time.Hour))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	c, _ := mp.Meter("test").Int64Counter("calls")
	c.Add(context.Background(), 1, metric.WithAttributes(invalidAttrs()...))
	if err := mp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, rm := range exp.got {
		for _, sm := range rm.ScopeMetrics {
			for _, m := range sm.Metrics {
				sum, ok := m.Data.(metricdata.Sum[int64])
				if !ok {
					continue
				}
				for _, dp := range sum.DataPoints {
					seen++
					checkUTF8(t, "metric", dp.Attributes.ToSlice())
				}
			}
		}
	}
	if seen == 0 {
		t.Fatal("no data point exported")
	}
}

func TestURLPathIsThePathAsSent(t *testing.T) {
	for target, want := range map[string]string{
		"/orders/a%20b?x=1":  "/orders/a%20b",
		"/orders/a|b":        "/orders/a|b",
		"/orders/%FF":        "/orders/%FF",
		"/orders/a%2Fb":      "/orders/a%2Fb",
		"http://h/orders/x":  "/orders/x",
		"http://h/a%7Cb?q=1": "/a%7Cb",
	} {
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader("GET " + target + " HTTP/1.1\r\nHost: h\r\n\r\n")))
		if err != nil {
			t.Fatalf("%s: %v", target, err)
		}
		if got := pathAsSent(r); got != want {
			t.Errorf("%s: url.path %q, want %q", target, got, want)
		}
	}
}
