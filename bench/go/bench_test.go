// Package bench compares the cost per request of the generated net/http
// middleware with contrib's otelhttp handler and with no instrumentation.
package bench

import (
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"testing"
	"time"

	"example.com/bench/internal/telemetry"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
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

// run serves one request with the full default attribute set: a query, a
// user agent and a peer address, the request target set as net/http's
// server sets it.
func run(b *testing.B, h http.Handler) {
	req, err := http.NewRequest(http.MethodGet, "http://127.0.0.1:8080/users/42?page=2", nil)
	if err != nil {
		b.Fatal(err)
	}
	// A server's request carries its target as the client sent it; one made
	// by http.NewRequest (a client's) does not.
	req.RequestURI = "/users/42?page=2"
	req.RemoteAddr = "127.0.0.1:40000"
	req.Header.Set("User-Agent", "bench/1.0")
	w := &discardWriter{h: make(http.Header)}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		clear(w.h)
		w.code = 0
		h.ServeHTTP(w, req)
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
}

// cpuTime returns the CPU time the process has used (user and system, every
// thread: the benchmark's goroutine, the garbage collector, the batch span
// processor), in nanoseconds.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

func generated(b *testing.B, sampled bool, extra ...telemetry.Option) http.Handler {
	p := newProviders(b, sampled)
	opts := []telemetry.Option{
		telemetry.WithTracerProvider(p.tp), telemetry.WithMeterProvider(p.mp),
		telemetry.WithPropagators(propagators),
	}
	return telemetry.NewHandler(newMux(), append(opts, extra...)...)
}

func contrib(b *testing.B, sampled bool) http.Handler {
	p := newProviders(b, sampled)
	return otelhttp.NewHandler(newMux(), "server",
		otelhttp.WithTracerProvider(p.tp), otelhttp.WithMeterProvider(p.mp),
		otelhttp.WithPropagators(propagators))
}

// minimal is the smallest hand-written middleware that records the same
// server span (name, attributes, status) and duration metric with the same
// SDK: what a team would write instead of using a package.
type minimal struct {
	next     http.Handler
	tracer   trace.Tracer
	duration metric.Float64Histogram
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

func (m *minimal) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	ctx := propagators.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
	ctx, span := m.tracer.Start(ctx, r.Method, trace.WithSpanKind(trace.SpanKindServer))
	sw := &statusWriter{ResponseWriter: w}
	r = r.WithContext(ctx)
	m.next.ServeHTTP(sw, r)
	if sw.status == 0 {
		sw.status = http.StatusOK
	}
	route := ""
	if r.Pattern != "" {
		route = r.Pattern[len(r.Method)+1:]
		span.SetName(r.Method + " " + route)
	}
	host, port, _ := net.SplitHostPort(r.RemoteAddr)
	peerPort, _ := strconv.Atoi(port)
	server, sport, _ := net.SplitHostPort(r.Host)
	serverPort, _ := strconv.Atoi(sport)
	span.SetAttributes(
		attribute.String("http.request.method", r.Method),
		attribute.String("http.route", route),
		attribute.Int("http.response.status_code", sw.status),
		attribute.String("url.path", r.URL.Path),
		attribute.String("url.query", r.URL.RawQuery),
		attribute.String("url.scheme", "http"),
		attribute.String("client.address", host),
		attribute.String("network.peer.address", host),
		attribute.Int("network.peer.port", peerPort),
		attribute.String("server.address", server),
		attribute.Int("server.port", serverPort),
		attribute.String("user_agent.original", r.UserAgent()),
		attribute.String("network.protocol.version", "1.1"),
	)
	if sw.status >= 500 {
		span.SetStatus(codes.Error, "")
	}
	span.End()
	m.duration.Record(ctx, time.Since(start).Seconds(), metric.WithAttributes(
		attribute.String("http.request.method", r.Method),
		attribute.String("http.route", route),
		attribute.Int("http.response.status_code", sw.status),
		attribute.String("url.scheme", "http"),
		attribute.String("network.protocol.version", "1.1"),
	))
}

func handwritten(b *testing.B, sampled bool) http.Handler {
	p := newProviders(b, sampled)
	h, err := p.mp.Meter("bench").Float64Histogram("http.server.request.duration", metric.WithUnit("s"))
	if err != nil {
		b.Fatal(err)
	}
	return &minimal{next: newMux(), tracer: p.tp.Tracer("bench"), duration: h}
}

// floor does only the SDK work every variant's sampled request needs at the
// least, with no middleware logic: the request's context with the span, one
// span with the same name and the same thirteen attributes (computed once,
// set in one call), one duration point with the same five attributes (one
// cached set). It is a reference, not a middleware: what the generated code
// adds beyond it is the generated code's own cost.
type floor struct {
	next     http.Handler
	tracer   trace.Tracer
	duration metric.Float64Histogram
	start    []trace.SpanStartOption
	attrs    []attribute.KeyValue
	record   []metric.RecordOption
}

func (f *floor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	ctx, span := f.tracer.Start(r.Context(), "GET /users/{id}", f.start...)
	f.next.ServeHTTP(w, r.WithContext(ctx))
	span.SetAttributes(f.attrs...)
	span.End()
	f.duration.Record(ctx, time.Since(start).Seconds(), f.record...)
}

func sdkFloor(b *testing.B, sampled bool) http.Handler {
	p := newProviders(b, sampled)
	h, err := p.mp.Meter("bench").Float64Histogram("http.server.request.duration", metric.WithUnit("s"))
	if err != nil {
		b.Fatal(err)
	}
	attrs := []attribute.KeyValue{
		attribute.String("http.request.method", "GET"),
		attribute.String("http.route", "/users/{id}"),
		attribute.Int("http.response.status_code", 200),
		attribute.String("url.scheme", "http"),
		attribute.String("network.protocol.version", "1.1"),
		attribute.String("url.path", "/users/42"),
		attribute.String("url.query", "page=2"),
		attribute.String("client.address", "127.0.0.1"),
		attribute.String("network.peer.address", "127.0.0.1"),
		attribute.Int("network.peer.port", 40000),
		attribute.String("server.address", "127.0.0.1"),
		attribute.Int("server.port", 8080),
		attribute.String("user_agent.original", "bench/1.0"),
	}
	return &floor{
		next: newMux(), tracer: p.tp.Tracer("bench"), duration: h,
		start:  []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindServer)},
		attrs:  attrs,
		record: []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(attrs[:5]...))},
	}
}

func BenchmarkBare(b *testing.B)               { run(b, newMux()) }
func BenchmarkFloorSampled(b *testing.B)       { run(b, sdkFloor(b, true)) }
func BenchmarkGeneratedSampled(b *testing.B)   { run(b, generated(b, true)) }
func BenchmarkGeneratedUnsampled(b *testing.B) { run(b, generated(b, false)) }
func BenchmarkMinimalSampled(b *testing.B)     { run(b, handwritten(b, true)) }
func BenchmarkMinimalUnsampled(b *testing.B)   { run(b, handwritten(b, false)) }
func BenchmarkOtelhttpSampled(b *testing.B)    { run(b, contrib(b, true)) }
func BenchmarkOtelhttpUnsampled(b *testing.B)  { run(b, contrib(b, false)) }
