package telemetry

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/status"
)

// The OTLP/gRPC exporters: rendered when the conventions export over gRPC
// or the service has the gRPC part (scaffold add --with grpc, or a module
// that imports google.golang.org/grpc).

func init() {
	grpcSpanExporter = newGRPCSpanExporter
	grpcMetricExporter = newGRPCMetricExporter
}

func newGRPCSpanExporter(ctx context.Context, e *envReader, s exportSettings, w *exportWatch) (sdktrace.SpanExporter, error) {
	opts := []otlptracegrpc.Option{
		otlptracegrpc.WithDialOption(grpc.WithChainUnaryInterceptor(w.unaryWatch)),
		otlptracegrpc.WithTimeout(s.traceTimeout),
		otlptracegrpc.WithRetry(otlptracegrpc.RetryConfig{
			Enabled:         conv.retryEnabled,
			InitialInterval: conv.retryInitial,
			MaxInterval:     conv.retryMax,
			MaxElapsedTime:  conv.retryElapsed,
		}),
	}
	if u, ok := e.exporterEndpoint("TRACES", "grpc"); ok {
		opts = append(opts, otlptracegrpc.WithEndpointURL(u))
	}
	if s.traceGzip {
		opts = append(opts, otlptracegrpc.WithCompressor("gzip"))
	}
	exp, err := otlptracegrpc.New(ctx, opts...)
	return watchedSpanExporter{exp, w}, err
}

func newGRPCMetricExporter(ctx context.Context, e *envReader, s exportSettings, w *exportWatch) (sdkmetric.Exporter, error) {
	opts := []otlpmetricgrpc.Option{
		otlpmetricgrpc.WithDialOption(grpc.WithChainUnaryInterceptor(w.unaryWatch)),
		otlpmetricgrpc.WithTimeout(s.metricTimeout),
		otlpmetricgrpc.WithTemporalitySelector(s.metricTemporality),
		// As over OTLP/HTTP (exporter.go).
		otlpmetricgrpc.WithAggregationSelector(sdkmetric.DefaultAggregationSelector),
		otlpmetricgrpc.WithRetry(otlpmetricgrpc.RetryConfig{
			Enabled:         conv.retryEnabled,
			InitialInterval: conv.retryInitial,
			MaxInterval:     conv.retryMax,
			MaxElapsedTime:  conv.retryElapsed,
		}),
	}
	if u, ok := e.exporterEndpoint("METRICS", "grpc"); ok {
		opts = append(opts, otlpmetricgrpc.WithEndpointURL(u))
	}
	if s.metricGzip {
		opts = append(opts, otlpmetricgrpc.WithCompressor("gzip"))
	}
	exp, err := otlpmetricgrpc.New(ctx, opts...)
	return watchedMetricExporter{exp, w}, err
}

// unaryWatch reports every OTLP/gRPC export call to the watch.
func (w *exportWatch) unaryWatch(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	err := invoker(ctx, method, req, reply, cc, opts...)
	if err != nil {
		st := status.Convert(err)
		w.observe(fmt.Errorf("gRPC status %s: %s", st.Code(), st.Message()))
		return err
	}
	w.observe(nil)
	return nil
}
