package telemetry

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"go.opentelemetry.io/otel/propagation"
)

// traceContextVectors is the W3C trace context table the Go and the Rust
// runtime must agree on, in the scaffold repository. This test runs only
// here, in place: no manifest entry ships it into a service.
var traceContextVectors = filepath.Join("..", "..", "..", "tests", "vectors", "tracecontext.json")

// TestSharedTraceContextVectors checks what the carriers continue from every
// shared vector's field values.
func TestSharedTraceContextVectors(t *testing.T) {
	raw, err := os.ReadFile(traceContextVectors)
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Traceparent []struct {
			Values    []string `json:"values"`
			Continues *string  `json:"continues"`
			Why       string   `json:"why"`
		} `json:"traceparent"`
		Tracestate []struct {
			Values    []string `json:"values"`
			Continues string   `json:"continues"`
			Why       string   `json:"why"`
		} `json:"tracestate"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Traceparent) < 40 || len(file.Tracestate) < 30 {
		t.Fatalf("only %d traceparent and %d tracestate vectors", len(file.Traceparent), len(file.Tracestate))
	}
	for _, v := range file.Traceparent {
		want := ""
		if v.Continues != nil {
			want = *v.Continues
		}
		if got := w3cValues(fieldTraceparent, v.Values); got != want {
			t.Errorf("%s: traceparent %q continues as %q, want %q", v.Why, v.Values, got, want)
		}
	}
	for _, v := range file.Tracestate {
		if got := w3cValues(fieldTracestate, v.Values); got != v.Continues {
			t.Errorf("%s: tracestate %q continues as %q, want %q", v.Why, v.Values, got, v.Continues)
		}
	}
}

// BenchmarkTraceContextExtract is what the W3C propagator costs a request
// that carries a traceparent and a tracestate, through the HTTP carrier.
func BenchmarkTraceContextExtract(b *testing.B) {
	h := http.Header{
		"Traceparent": {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
		"Tracestate":  {"rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"},
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_ = propagation.TraceContext{}.Extract(ctx, headerCarrier(h))
	}
}
