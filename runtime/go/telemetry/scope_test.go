package telemetry

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
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

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewGRPCServer(nil)
	healthpb.RegisterHealthServer(srv, health.NewServer())
	go func() { _ = srv.Serve(ln) }()
	defer srv.Stop()
	conn, err := NewGRPCClient(ln.Addr().String(), nil, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	web := httptest.NewServer(NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if _, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
			t.Error(err)
		}
		_, span := Tracer().Start(ctx, "own.work")
		span.End()
		_, producer := StartProducer(ctx, Message{System: "kafka", Destination: "orders"}, propagation.MapCarrier{})
		End(producer, nil)
		_, done := StartQuery(ctx, Query{System: "postgresql", Operation: "SELECT", Collection: "orders"})
		done(nil)
		<-Go(ctx, "background.work", func(context.Context) error { return nil })
		if counter, err := Meter().Int64Counter("app.things"); err == nil {
			counter.Add(ctx, 1)
		}
	})))
	defer web.Close()
	client := NewClient()
	resp, err := client.Get(web.URL + "/things")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()

	want := instrumentation.Scope{Name: instrumentationName, Version: instrumentationVersion, SchemaURL: SchemaURL}
	if want.Version == "" {
		t.Fatal("the package has no scope version")
	}
	// The gRPC server records its duration once the call has ended, which
	// may be after the client has its answer: collect until it is there.
	wanted := []string{conv.httpServerDuration, conv.httpClientDuration, conv.rpcServerDuration, rpcClientDuration, "app.things"}
	var rm metricdata.ResourceMetrics
	names := map[string]bool{}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if err := reader.Collect(context.Background(), &rm); err != nil {
			t.Fatal(err)
		}
		names = map[string]bool{}
		for _, sm := range rm.ScopeMetrics {
			for _, m := range sm.Metrics {
				names[m.Name] = true
			}
		}
		if names[conv.rpcServerDuration] || time.Now().After(deadline) {
			break
		}
	}
	if rm.Resource.SchemaURL() != SchemaURL {
		t.Errorf("metrics resource schema URL %q, want %q", rm.Resource.SchemaURL(), SchemaURL)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if sm.Scope != want {
				t.Errorf("metric %s has scope %+v, want %+v", m.Name, sm.Scope, want)
			}
		}
	}
	for _, name := range wanted {
		if !names[name] {
			t.Errorf("metric %s was not recorded; got %v", name, names)
		}
	}
	// Shutting down flushes the spans; the exporter keeps them.
	if err := shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	spans := mem.GetSpans()
	if len(spans) < 8 {
		t.Fatalf("%d spans exported, want 8 (HTTP server and client, gRPC server and client, own, producer, query, goroutine)", len(spans))
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
