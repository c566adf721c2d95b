package telemetry

import (
	"context"
	"strings"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/stats"
)

// GRPCServerOption instruments a gRPC server with otelgrpc's stats handler;
// spans are named by the conventions' rule.
func GRPCServerOption(opts ...Option) grpc.ServerOption {
	return grpc.StatsHandler(renamingHandler{otelgrpc.NewServerHandler(grpcOptions(opts)...), rpcServerSpanName})
}

// GRPCDialOption instruments a gRPC client connection with otelgrpc's stats
// handler; spans are named by the conventions' rule.
func GRPCDialOption(opts ...Option) grpc.DialOption {
	return grpc.WithStatsHandler(renamingHandler{otelgrpc.NewClientHandler(grpcOptions(opts)...), rpcClientSpanName})
}

func grpcOptions(opts []Option) []otelgrpc.Option {
	c := newConfig(opts)
	return []otelgrpc.Option{
		otelgrpc.WithTracerProvider(c.tracerProvider),
		otelgrpc.WithMeterProvider(c.meterProvider),
		otelgrpc.WithPropagators(c.propagators),
	}
}

// grpcViews renames otelgrpc's server call duration to the conventions' name
// and gives it the conventions' buckets. Setup installs them.
func grpcViews() []sdkmetric.View {
	return []sdkmetric.View{sdkmetric.NewView(
		sdkmetric.Instrument{Name: "rpc.server.call.duration", Scope: instrumentation.Scope{Name: otelgrpc.ScopeName}},
		sdkmetric.Stream{
			Name:        conv.rpcServerDuration,
			Aggregation: sdkmetric.AggregationExplicitBucketHistogram{Boundaries: conv.durationBuckets},
		},
	)}
}

// renamingHandler renames the span otelgrpc starts for an RPC.
type renamingHandler struct {
	stats.Handler
	name func(system, service, method, serverAddress string) string
}

func (h renamingHandler) TagRPC(ctx context.Context, info *stats.RPCTagInfo) context.Context {
	ctx = h.Handler.TagRPC(ctx, info)
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
