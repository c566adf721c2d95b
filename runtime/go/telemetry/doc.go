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
// service runs. The gRPC, messaging and database helpers are parts: a service
// has those its code imports, or that `scaffold add --with grpc,messaging,sql`
// named (grpc.go, messaging.go, sql.go).
//
// # Where to wrap
//
// Wrap the handler the server is given, the outermost one, so every request
// gets its span:
//
//	srv := &http.Server{Handler: telemetry.NewHandler(mux)}
//
// Routes mounted behind http.StripPrefix are matched by a ServeMux that sees
// a copy of the request, so wrap that inner handler with Route as well; the
// span is then named by the full route (GET /api/orders/{id}) and log records
// written while it is served carry http.route:
//
//	mux.Handle("/api/", http.StripPrefix("/api", telemetry.Route(apiMux)))
//
// Never wrap the handler inside StripPrefix with NewHandler: it sees the
// path without its prefix. `scaffold add --wire` makes both edits.
//
// # What Setup says
//
// Setup logs through the logger given with WithSetupLogger (else
// slog.Default()): once at start-up "telemetry export configured" with the
// protocol and the traces endpoint, or "telemetry export disabled" with the
// reason; "telemetry export failed" at the first failed export attempt of a
// signal, and "telemetry export recovered" when one succeeds again.
package telemetry
