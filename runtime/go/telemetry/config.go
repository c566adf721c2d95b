package telemetry

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
)

// config holds what the instrumentation of this package uses. It is built
// from the global providers and the Options of a call.
type config struct {
	tracerProvider trace.TracerProvider
	meterProvider  metric.MeterProvider
	propagators    propagation.TextMapPropagator
	serverAddress  string
	serverPort     int
	grpc           grpcConfig
}

// grpcConfig is the gRPC part of config, set by the options in grpc.go (rendered
// for services that use gRPC). The filter gets a *stats.RPCTagInfo, typed any
// here so that this file needs no gRPC module.
type grpcConfig struct {
	filter        func(info any) bool
	spanAttrs     []attribute.KeyValue
	spanOpts      []trace.SpanStartOption
	metricAttrs   []attribute.KeyValue
	metricAttrsFn func(context.Context) []attribute.KeyValue
	methods       map[string]bool // nil: not configured
	target        string
}

// Option changes how a handler, transport or helper of this package works.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

func newConfig(opts []Option) config {
	c := config{
		tracerProvider: globalTracerProvider(),
		meterProvider:  globalMeterProvider(),
		propagators:    globalPropagators(),
	}
	for _, o := range opts {
		o.apply(&c)
	}
	if c.tracerProvider == nil {
		c.tracerProvider = tracenoop.NewTracerProvider()
	}
	if c.meterProvider == nil {
		c.meterProvider = metricnoop.NewMeterProvider()
	}
	return c
}

// WithTracerProvider sets the tracer provider. Default: the global one.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return optionFunc(func(c *config) { c.tracerProvider = tp })
}

// WithMeterProvider sets the meter provider. Default: the global one.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return optionFunc(func(c *config) { c.meterProvider = mp })
}

// WithPropagators sets the propagators. Default: the global ones, which Setup
// sets to the conventions' propagators with the baggage allow-list.
func WithPropagators(p propagation.TextMapPropagator) Option {
	return optionFunc(func(c *config) { c.propagators = p })
}

// WithServerAddress sets server.address and server.port of server spans and
// adds them to the duration metric (where the semantic conventions make them
// opt-in). Default: server.address is the conventions' server name, else the
// request's Host header (X-Forwarded-Host from a trusted proxy), on spans only.
func WithServerAddress(host string, port int) Option {
	return optionFunc(func(c *config) { c.serverAddress, c.serverPort = host, port })
}

// Tracer returns this package's tracer from the global tracer provider, for
// spans a service starts itself.
func Tracer() trace.Tracer { return scopeTracer(globalTracerProvider()) }

// Meter returns this package's meter from the global meter provider, for
// instruments a service records itself; their attributes follow the same
// privacy policy as the package's own.
func Meter() metric.Meter { return scopeMeter(globalMeterProvider()) }

// The one instrumentation scope of every tracer and meter of this package:
// its name, the version of scaffold that generated it, and the semantic
// conventions schema it follows.
var (
	tracerScope = []trace.TracerOption{trace.WithInstrumentationVersion(instrumentationVersion), trace.WithSchemaURL(SchemaURL)}
	meterScope  = []metric.MeterOption{metric.WithInstrumentationVersion(instrumentationVersion), metric.WithSchemaURL(SchemaURL)}
)

// scopeTracer is this package's tracer from tp.
func scopeTracer(tp trace.TracerProvider) trace.Tracer {
	return tp.Tracer(instrumentationName, tracerScope...)
}

// scopeMeter is this package's meter from mp.
func scopeMeter(mp metric.MeterProvider) metric.Meter {
	return mp.Meter(instrumentationName, meterScope...)
}
