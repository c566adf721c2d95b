package telemetry

import (
	"context"
	"strings"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/stats"
)

// GRPCServerOption instruments a gRPC server with otelgrpc's stats handler;
// spans are named by the conventions' rule. Methods the conventions' trust
// policy calls public start a new root span linked to the caller's span
// context, and the caller's baggage is ignored.
func GRPCServerOption(opts ...Option) grpc.ServerOption {
	o := append(grpcOptions(opts), otelgrpc.WithPublicEndpointFn(func(_ context.Context, info *stats.RPCTagInfo) bool {
		return publicRPC(info.FullMethodName)
	}))
	return grpc.StatsHandler(renamingHandler{otelgrpc.NewServerHandler(o...), rpcServerSpanName, true})
}

// GRPCDialOption instruments a gRPC client connection with otelgrpc's stats
// handler; spans are named by the conventions' rule.
func GRPCDialOption(opts ...Option) grpc.DialOption {
	return grpc.WithStatsHandler(renamingHandler{otelgrpc.NewClientHandler(grpcOptions(opts)...), rpcClientSpanName, false})
}

// grpcOptions passes the package's options on to otelgrpc. With tracing
// switched off no RPC is recorded and the incoming context passes through
// unchanged (otelgrpc's filter: extract and inject, no span, no metric).
func grpcOptions(opts []Option) []otelgrpc.Option {
	c := newConfig(opts)
	filter := c.grpcFilter
	o := []otelgrpc.Option{
		otelgrpc.WithTracerProvider(c.tracerProvider),
		otelgrpc.WithMeterProvider(c.meterProvider),
		otelgrpc.WithPropagators(c.propagators),
		otelgrpc.WithFilter(func(info *stats.RPCTagInfo) bool {
			return !tracingOff() && (filter == nil || filter(info))
		}),
	}
	if len(c.grpcAttrs) > 0 {
		o = append(o, otelgrpc.WithSpanAttributes(c.grpcAttrs...), otelgrpc.WithMetricAttributes(c.grpcAttrs...))
	}
	return o
}

// renamingHandler renames the span otelgrpc starts for an RPC.
type renamingHandler struct {
	stats.Handler
	name   func(system, service, method, serverAddress string) string
	server bool
}

func (h renamingHandler) TagRPC(ctx context.Context, info *stats.RPCTagInfo) context.Context {
	ctx = h.Handler.TagRPC(ctx, info)
	if h.server && publicRPC(info.FullMethodName) {
		ctx = baggage.ContextWithoutBaggage(ctx)
	}
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		service, method := splitFullMethod(info.FullMethodName)
		span.SetName(h.name("grpc", service, method, ""))
	}
	return ctx
}

// splitFullMethod splits "/pkg.Service/Method" into its service and method.
func splitFullMethod(full string) (service, method string) {
	full = strings.TrimPrefix(full, "/")
	if i := strings.LastIndexByte(full, '/'); i >= 0 {
		return full[:i], full[i+1:]
	}
	return full, ""
}
