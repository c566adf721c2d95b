package telemetry

import (
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
	requestDetails bool
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
// metrics. They come from configuration, never from the client's Host header.
// Default: not set.
func WithServerAddress(host string, port int) Option {
	return optionFunc(func(c *config) { c.serverAddress, c.serverPort = host, port })
}

// WithRequestDetails adds user_agent.original and network.protocol.version to
// server spans. Default: off; the duration metric carries the protocol
// version either way. Each extra attribute costs time per sampled request.
func WithRequestDetails() Option {
	return optionFunc(func(c *config) { c.requestDetails = true })
}
