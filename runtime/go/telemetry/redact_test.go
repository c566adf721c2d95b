package telemetry

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

func TestRedactAppliesPrivacyActions(t *testing.T) {
	const value = "jane@example.com"
	attrs := []attribute.KeyValue{attribute.String("kept.plain", "ok")}
	for k := range privacyActions {
		attrs = append(attrs, attribute.String(k, value))
	}
	// Without a key, hash drops.
	for k, action := range privacyActions {
		if _, ok := attrMap(Redact(attrs))[attribute.Key(k)]; ok && action == actionHash {
			t.Errorf("%s hashed without a key", k)
		}
	}
	SetHashKey([]byte("test-key"))
	defer SetHashKey(nil)
	out := attrMap(Redact(attrs))
	wantAttr(t, out, "kept.plain", "ok")
	mac := hmac.New(sha256.New, []byte("test-key"))
	mac.Write([]byte(value))
	sum := mac.Sum(nil)
	for k, action := range privacyActions {
		v, ok := out[attribute.Key(k)]
		switch action {
		case actionDrop:
			if ok {
				t.Errorf("%s must be dropped, got %v", k, v.Emit())
			}
		case actionHash:
			if v.AsString() != hex.EncodeToString(sum) {
				t.Errorf("%s must be hashed, got %q", k, v.Emit())
			}
		case actionRedact:
			if v.AsString() != redactedValue {
				t.Errorf("%s must be masked, got %q", k, v.Emit())
			}
		}
	}
}

// URLs inside string-array values (a list of callback or redirect URLs) are
// sanitised like those in string values.
func TestRedactSanitisesURLsInStringSlices(t *testing.T) {
	useTestConventions(t)
	usePrivacyActions(t, map[string]privacyAction{})
	in := []attribute.KeyValue{attribute.StringSlice("app.callbacks", []string{"plain", "http://u:SECRET1@h/p?sig=SECRET2&x=1"})}
	out := attrMap(Redact(in))["app.callbacks"].AsStringSlice()
	want := []string{"plain", "http://REDACTED:REDACTED@h/p?sig=REDACTED&x=1"}
	if strings.Join(out, " ") != strings.Join(want, " ") {
		t.Errorf("Redact string slice = %q, want %q", out, want)
	}
	clean := []attribute.KeyValue{attribute.StringSlice("app.tags", []string{"a", "b"})}
	if got := Redact(clean); &got[0] != &clean[0] {
		t.Error("a slice without URLs is copied")
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

// Every exit of a span carries the privacy policy: attributes, events,
// links, the status description and the name.
func TestRedactingExporterEveryExit(t *testing.T) {
	useTestConventions(t)
	mem := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(&redactingExporter{next: mem}))
	defer func() { _ = tp.Shutdown(context.Background()) }()
	link := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{1}})
	_, span := tp.Tracer("test").Start(context.Background(), "op",
		trace.WithLinks(trace.Link{SpanContext: link, Attributes: secretAttrs("LINKMARK")}))
	span.SetStatus(codes.Error, `Get "http://user:PWMARK@h/x?sig=QUERYMARK&x=1": refused`)
	span.RecordError(errors.New(`Get "http://h/x?X-Amz-Signature=EXCMARK": refused`))
	span.End()
	b, err := json.Marshal(mem.GetSpans())
	if err != nil {
		t.Fatal(err)
	}
	for _, mark := range []string{"LINKMARK", "PWMARK", "QUERYMARK", "EXCMARK"} {
		if strings.Contains(string(b), mark) {
			t.Errorf("%s left the service: %s", mark, b)
		}
	}
	if !strings.Contains(string(b), "REDACTED:REDACTED@h/x?sig=REDACTED") {
		t.Errorf("status description not sanitised as the semantic conventions say: %s", b)
	}
}

// Free text is scrubbed at every exit of a span (status description, event
// names, exception.message); other attribute values keep their digits and
// addresses, their keys say what they are.
func TestRedactingExporterScrubsFreeText(t *testing.T) {
	mem := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(&redactingExporter{next: mem}))
	defer func() { _ = tp.Shutdown(context.Background()) }()
	_, span := tp.Tracer("test").Start(context.Background(), "op")
	span.SetStatus(codes.Error, "no account for jane@example.com")
	span.RecordError(errors.New("card 4111 1111 1111 1111 declined"))
	span.AddEvent("retrying with Bearer abcDEF123456")
	span.SetAttributes(attribute.String("app.order.ref", "4111111111111111"))
	span.End()
	got := mem.GetSpans()
	if len(got) != 1 {
		t.Fatalf("%d spans exported", len(got))
	}
	s := got[0]
	if s.Status.Description != "no account for REDACTED" {
		t.Errorf("status description %q", s.Status.Description)
	}
	var names, messages []string
	for _, ev := range s.Events {
		names = append(names, ev.Name)
		for _, kv := range ev.Attributes {
			if kv.Key == "exception.message" {
				messages = append(messages, kv.Value.AsString())
			}
		}
	}
	if !slices.Contains(names, "retrying with Bearer REDACTED") {
		t.Errorf("event names %q", names)
	}
	if !slices.Equal(messages, []string{"card REDACTED declined"}) {
		t.Errorf("exception messages %q", messages)
	}
	if v := redactTestValue(s.Attributes, "app.order.ref"); v != "4111111111111111" {
		t.Errorf("an attribute that is no free text was scrubbed: %q", v)
	}
	if ScrubText("order 42 shipped") != "order 42 shipped" {
		t.Error("text with nothing to clean changed")
	}
}

func redactTestValue(kvs []attribute.KeyValue, key attribute.Key) string {
	for _, kv := range kvs {
		if kv.Key == key {
			return kv.Value.Emit()
		}
	}
	return ""
}

func secretAttrs(mark string) []attribute.KeyValue {
	var kvs []attribute.KeyValue
	for k, a := range privacyActions {
		if a != actionKeep {
			kvs = append(kvs, attribute.String(k, mark))
		}
	}
	return kvs
}

func TestRedactingMetricExporter(t *testing.T) {
	exp := &capturingMetricExporter{}
	reader := sdkmetric.NewPeriodicReader(redactingMetricExporter{Exporter: exp}, sdkmetric.WithInterval(time.Hour))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader), sdkmetric.WithView(metricView))
	c, _ := mp.Meter("test").Int64Counter("calls")
	c.Add(context.Background(), 1, metric.WithAttributes(append(secretAttrs("METRICMARK"), attribute.String("kept", "url http://u:PW@h/"))...))
	if err := mp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(exp.got)
	if strings.Contains(string(b), "METRICMARK") || strings.Contains(string(b), "PW@") {
		t.Errorf("metric data leaks: %s", b)
	}
	if !strings.Contains(string(b), "kept") {
		t.Errorf("the plain attribute was lost: %s", b)
	}
}

type capturingMetricExporter struct {
	sdkmetric.Exporter
	got []metricdata.ResourceMetrics
}

func (e *capturingMetricExporter) Temporality(k sdkmetric.InstrumentKind) metricdata.Temporality {
	return sdkmetric.DefaultTemporalitySelector(k)
}

func (e *capturingMetricExporter) Aggregation(k sdkmetric.InstrumentKind) sdkmetric.Aggregation {
	return sdkmetric.DefaultAggregationSelector(k)
}

func (e *capturingMetricExporter) Export(_ context.Context, rm *metricdata.ResourceMetrics) error {
	e.got = append(e.got, *rm)
	return nil
}

func (e *capturingMetricExporter) ForceFlush(context.Context) error { return nil }
func (e *capturingMetricExporter) Shutdown(context.Context) error   { return nil }

func TestSanitizeURL(t *testing.T) {
	useTestConventions(t)
	for in, want := range map[string]string{
		"https://u:p@h/p?sig=1&color=blue":        "https://REDACTED:REDACTED@h/p?sig=REDACTED&color=blue",
		"https://h/p?X-Goog-Signature=abc&sig":    "https://h/p?X-Goog-Signature=REDACTED&sig",
		"https://h/p?SIG=1":                       "https://h/p?SIG=REDACTED",
		"https://h/p?X%2DAmz%2DSignature=abc":     "https://h/p?X%2DAmz%2DSignature=REDACTED",
		`see "ftp://a:b@h/x" and http://h/?sig=z`: `see "ftp://REDACTED:REDACTED@h/x" and http://h/?sig=REDACTED`,
		"no url here":              "no url here",
		"http://u:p@h:bad/x?sig=1": "http://REDACTED:REDACTED@h:bad/x?sig=REDACTED",
		// Pairs separated by ';' as well as '&'.
		"https://h/p?a=1;sig=s3cret;b=2":                "https://h/p?a=1;sig=REDACTED;b=2",
		"https://h/p?a=1;sig=s3cret&X-Goog-Signature=q": "https://h/p?a=1;sig=REDACTED&X-Goog-Signature=REDACTED",
		// Percent-encoded URLs in text (a redirect target in a query value).
		"next=https%3A%2F%2Fuser%3Apass%40host%2Fx&y=1": "next=https%3A%2F%2FREDACTED%3AREDACTED%40host%2Fx&y=1",
		"go to https%3a%2f%2fh%2Fp%3Fsig%3Dabc now":     "go to https%3A%2F%2Fh%2Fp%3Fsig%3DREDACTED now",
		"https%3A%2F%2Fhost%2Fplain stays":              "https%3A%2F%2Fhost%2Fplain stays",
		"http://h/cb?next=https%3A%2F%2Fu%3Ap%40h2":     "http://h/cb?next=https%3A%2F%2FREDACTED%3AREDACTED%40h2",
		"broken https%3A%2F%2Fu%3Ap%40h%zz":             "broken https%3A%2F%2FREDACTED%3AREDACTED%40h%25zz",
		"%3A%2F%2Fu%3Ap%40h without scheme":             "%3A%2F%2FREDACTED%3AREDACTED%40h without scheme",
	} {
		if got := SanitizeText(in); got != want {
			t.Errorf("SanitizeText(%q) = %q, want %q", in, got, want)
		}
	}
}

// A span name is free text like a status description: tracer.Start takes
// any string, so the name is scrubbed at export too.
func TestRedactingExporterScrubsSpanNames(t *testing.T) {
	mem := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(&redactingExporter{next: mem}))
	defer func() { _ = tp.Shutdown(context.Background()) }()
	_, span := tp.Tracer("test").Start(context.Background(), "lookup jane.doe@example.com 4111111111111111")
	span.End()
	_, kept := tp.Tracer("test").Start(context.Background(), "GET /orders/{id}")
	kept.End()
	got := mem.GetSpans()
	if len(got) != 2 {
		t.Fatalf("%d spans exported", len(got))
	}
	if n := got[0].Name; strings.Contains(n, "jane") || strings.Contains(n, "4111") || !strings.HasPrefix(n, "lookup REDACTED") {
		t.Errorf("span name %q", n)
	}
	if n := got[1].Name; n != "GET /orders/{id}" {
		t.Errorf("a clean span name changed: %q", n)
	}
}
