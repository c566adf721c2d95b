// Package telemetry instruments this service with OpenTelemetry as the
// organisation's conventions say. It is generated from the conventions file:
// change the conventions and regenerate rather than editing it.
//
// Setup installs the tracer and meter providers, the propagators and the
// sampler; NewHandler wraps the service's http.Handler; NewTransport and
// NewClient instrument outgoing HTTP calls; GRPCServerOption and
// GRPCDialOption instrument gRPC; Go and GoDetached carry a span into
// background work; StartProducer, StartConsumer and StartQuery start
// messaging and database spans; NewLogHandler stamps trace ids on log
// records; Levers switch tracing off or change the sampling ratio while the
// service runs.
package telemetry
