package telemetry

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// Every span and metric the package records, through the providers Setup
// installs, carries one instrumentation scope: the package's name, the
// version of scaffold that generated it, and the semantic conventions schema
// it follows, which the exported resource names too.
func TestOneScopeForEveryTracerAndMeter(t *testing.T) {
	env := fullEnv()
	env[conv.ratioEnv] = "1"
	mem := tracetest.NewInMemoryExporter()
	reader := sdkmetric.NewManualReader()
	shutdown, err := Setup(context.Background(), getenv(env), WithSpanExporter(keptExporter{mem}), WithMetricReader(reader))
	if err != nil {
		t.Fatal(err)
	}

	down := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer down.Close()
	client := NewClient()
	web := httptest.NewServer(NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, down.URL, nil)
		if resp, err := client.Do(req); err == nil {
			_ = resp.Body.Close()
		}
		_, span := Tracer().Start(ctx, "own.work")
		span.End()
		<-Go(ctx, "background.work", func(context.Context) error { return nil })
		if counter, err := Meter().Int64Counter("app.things"); err == nil {
			counter.Add(ctx, 1)
		}
	})))
	defer web.Close()
	resp, err := client.Get(web.URL + "/things")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()

	want := packageScope(t)
	// The server records its duration once the handler has returned, which
	// may be after the client has its answer: collect until it is there.
	var rm metricdata.ResourceMetrics
	names := map[string]bool{}
	for deadline := time.Now().Add(10 * time.Second); !names[conv.httpServerDuration] && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if err := reader.Collect(context.Background(), &rm); err != nil {
			t.Fatal(err)
		}
		for _, sm := range rm.ScopeMetrics {
			for _, m := range sm.Metrics {
				names[m.Name] = true
			}
		}
	}
	if rm.Resource.SchemaURL() != SchemaURL {
		t.Errorf("metrics resource schema URL %q, want %q", rm.Resource.SchemaURL(), SchemaURL)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			names[m.Name] = true
			if sm.Scope != want {
				t.Errorf("metric %s has scope %+v, want %+v", m.Name, sm.Scope, want)
			}
		}
	}
	for _, name := range []string{conv.httpServerDuration, conv.httpClientDuration, "app.things"} {
		if !names[name] {
			t.Errorf("metric %s was not recorded; got %v", name, names)
		}
	}
	// Shutting down flushes the spans; the exporter keeps them.
	if err := shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	spans := mem.GetSpans()
	if len(spans) != 5 {
		t.Fatalf("%d spans exported, want 5 (HTTP server, two clients, own, goroutine)", len(spans))
	}
	for _, s := range spans {
		if s.InstrumentationScope != want {
			t.Errorf("span %q has scope %+v, want %+v", s.Name, s.InstrumentationScope, want)
		}
		if got := s.Resource.SchemaURL(); got != SchemaURL {
			t.Errorf("span %q: resource schema URL %q, want %q", s.Name, got, SchemaURL)
		}
	}
}

// packageScope is the instrumentation scope every tracer and meter of the
// package uses.
func packageScope(t *testing.T) instrumentation.Scope {
	t.Helper()
	if instrumentationVersion == "" || SchemaURL == "" {
		t.Fatal("the package has no scope version or schema URL")
	}
	return instrumentation.Scope{Name: instrumentationName, Version: instrumentationVersion, SchemaURL: SchemaURL}
}
