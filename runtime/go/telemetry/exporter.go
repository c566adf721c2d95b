package telemetry

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"

	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/exporters/stdout/stdoutmetric"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

func urlUnescape(s string) (string, error) { return url.PathUnescape(s) }

// signalURL is the URL an OTLP/HTTP exporter posts one signal to: like
// OTEL_EXPORTER_OTLP_ENDPOINT, the conventions' endpoint is a base URL and
// the signal's path ("v1/traces", "v1/metrics") is appended to it.
func signalURL(base, signal string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	u.Path = strings.TrimRight(u.Path, "/") + "/" + signal
	u.RawPath = ""
	return u.String()
}

// newSpanExporter returns the span exporter to use, or nil for none.
func newSpanExporter(ctx context.Context, c *setupConfig) (sdktrace.SpanExporter, error) {
	if c.spanExporter != nil {
		return c.spanExporter, nil
	}
	kind, err := exporterKind(c, "TRACES")
	if err != nil {
		return nil, err
	}
	switch kind {
	case "none":
		return nil, nil
	case "console":
		return stdouttrace.New(stdouttrace.WithWriter(os.Stdout))
	}
	switch p := otlpProtocol(c, "TRACES"); p {
	case "grpc":
		opts := []otlptracegrpc.Option{
			otlptracegrpc.WithTimeout(conv.exportTimeout),
			otlptracegrpc.WithRetry(otlptracegrpc.RetryConfig{
				Enabled:         conv.retryEnabled,
				InitialInterval: conv.retryInitial,
				MaxInterval:     conv.retryMax,
				MaxElapsedTime:  conv.retryElapsed,
			}),
		}
		if !endpointFromEnv(c, "TRACES") {
			opts = append(opts, otlptracegrpc.WithEndpointURL(conv.exportEndpoint))
		}
		if conv.exportGzip {
			opts = append(opts, otlptracegrpc.WithCompressor("gzip"))
		}
		return otlptracegrpc.New(ctx, opts...)
	case "http/protobuf":
		opts := []otlptracehttp.Option{
			otlptracehttp.WithTimeout(conv.exportTimeout),
			otlptracehttp.WithRetry(otlptracehttp.RetryConfig{
				Enabled:         conv.retryEnabled,
				InitialInterval: conv.retryInitial,
				MaxInterval:     conv.retryMax,
				MaxElapsedTime:  conv.retryElapsed,
			}),
		}
		if !endpointFromEnv(c, "TRACES") {
			opts = append(opts, otlptracehttp.WithEndpointURL(signalURL(conv.exportEndpoint, "v1/traces")))
		}
		if conv.exportGzip {
			opts = append(opts, otlptracehttp.WithCompression(otlptracehttp.GzipCompression))
		}
		return otlptracehttp.New(ctx, opts...)
	default:
		return nil, fmt.Errorf("telemetry: OTLP protocol %q is not one of grpc, http/protobuf", p)
	}
}

// newMetricReader returns the metric reader to use, or nil for none.
func newMetricReader(ctx context.Context, c *setupConfig) (sdkmetric.Reader, error) {
	if c.metricReader != nil {
		return c.metricReader, nil
	}
	kind, err := exporterKind(c, "METRICS")
	if err != nil {
		return nil, err
	}
	var exp sdkmetric.Exporter
	switch kind {
	case "none":
		return nil, nil
	case "console":
		exp, err = stdoutmetric.New(stdoutmetric.WithWriter(os.Stdout))
	default:
		exp, err = newOTLPMetricExporter(ctx, c)
	}
	if err != nil {
		return nil, err
	}
	return sdkmetric.NewPeriodicReader(exp,
		sdkmetric.WithInterval(conv.exportInterval),
		sdkmetric.WithTimeout(conv.exportTimeout),
	), nil
}

func newOTLPMetricExporter(ctx context.Context, c *setupConfig) (sdkmetric.Exporter, error) {
	switch p := otlpProtocol(c, "METRICS"); p {
	case "grpc":
		opts := []otlpmetricgrpc.Option{
			otlpmetricgrpc.WithTimeout(conv.exportTimeout),
			otlpmetricgrpc.WithRetry(otlpmetricgrpc.RetryConfig{
				Enabled:         conv.retryEnabled,
				InitialInterval: conv.retryInitial,
				MaxInterval:     conv.retryMax,
				MaxElapsedTime:  conv.retryElapsed,
			}),
		}
		if !endpointFromEnv(c, "METRICS") {
			opts = append(opts, otlpmetricgrpc.WithEndpointURL(conv.exportEndpoint))
		}
		if conv.exportGzip {
			opts = append(opts, otlpmetricgrpc.WithCompressor("gzip"))
		}
		return otlpmetricgrpc.New(ctx, opts...)
	case "http/protobuf":
		opts := []otlpmetrichttp.Option{
			otlpmetrichttp.WithTimeout(conv.exportTimeout),
			otlpmetrichttp.WithRetry(otlpmetrichttp.RetryConfig{
				Enabled:         conv.retryEnabled,
				InitialInterval: conv.retryInitial,
				MaxInterval:     conv.retryMax,
				MaxElapsedTime:  conv.retryElapsed,
			}),
		}
		if !endpointFromEnv(c, "METRICS") {
			opts = append(opts, otlpmetrichttp.WithEndpointURL(signalURL(conv.exportEndpoint, "v1/metrics")))
		}
		if conv.exportGzip {
			opts = append(opts, otlpmetrichttp.WithCompression(otlpmetrichttp.GzipCompression))
		}
		return otlpmetrichttp.New(ctx, opts...)
	default:
		return nil, fmt.Errorf("telemetry: OTLP protocol %q is not one of grpc, http/protobuf", p)
	}
}
