// Package bench compares the cost per request of the generated net/http
// middleware with contrib's otelhttp handler and with no instrumentation.
package bench

import (
	"context"
	"io"
	"net/http"
	"testing"

	"example.com/bench/internal/telemetry"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// noopExporter drops every span: the cost measured is the instrumentation's,
// not an exporter's.
type noopExporter struct{}

func (noopExporter) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (noopExporter) Shutdown(context.Context) error                             { return nil }

// discardWriter is the cheapest http.ResponseWriter that still keeps headers.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }

func newMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.PathValue("id"))
	})
	return mux
}

type providers struct {
	tp *sdktrace.TracerProvider
	mp *sdkmetric.MeterProvider
}

func newProviders(b *testing.B, sampled bool) providers {
	sampler := sdktrace.NeverSample()
	if sampled {
		sampler = sdktrace.AlwaysSample()
	}
	p := providers{
		tp: sdktrace.NewTracerProvider(sdktrace.WithSampler(sampler), sdktrace.WithBatcher(noopExporter{})),
		mp: sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader())),
	}
	b.Cleanup(func() {
		_ = p.tp.Shutdown(context.Background())
		_ = p.mp.Shutdown(context.Background())
	})
	return p
}

var propagators = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})

func run(b *testing.B, h http.Handler) {
	req, err := http.NewRequest(http.MethodGet, "http://127.0.0.1/users/42", nil)
	if err != nil {
		b.Fatal(err)
	}
	req.RemoteAddr = "127.0.0.1:40000"
	w := &discardWriter{h: make(http.Header)}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		clear(w.h)
		w.code = 0
		h.ServeHTTP(w, req)
	}
}

func generated(b *testing.B, sampled bool, extra ...telemetry.Option) http.Handler {
	p := newProviders(b, sampled)
	opts := []telemetry.Option{
		telemetry.WithTracerProvider(p.tp), telemetry.WithMeterProvider(p.mp),
		telemetry.WithPropagators(propagators), telemetry.WithServerAddress("127.0.0.1", 8080),
	}
	return telemetry.NewHandler(newMux(), append(opts, extra...)...)
}

func contrib(b *testing.B, sampled bool) http.Handler {
	p := newProviders(b, sampled)
	return otelhttp.NewHandler(newMux(), "server",
		otelhttp.WithTracerProvider(p.tp), otelhttp.WithMeterProvider(p.mp),
		otelhttp.WithPropagators(propagators))
}

func BenchmarkBare(b *testing.B)             { run(b, newMux()) }
func BenchmarkGeneratedSampled(b *testing.B) { run(b, generated(b, true)) }
func BenchmarkGeneratedSampledDetails(b *testing.B) {
	run(b, generated(b, true, telemetry.WithRequestDetails()))
}
func BenchmarkGeneratedUnsampled(b *testing.B) { run(b, generated(b, false)) }
func BenchmarkOtelhttpSampled(b *testing.B)    { run(b, contrib(b, true)) }
func BenchmarkOtelhttpUnsampled(b *testing.B)  { run(b, contrib(b, false)) }
