package telemetry

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/exporters/stdout/stdoutmetric"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
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

// The OTLP/gRPC exporters, set by exporter_grpc.go: that file is rendered
// only for services that use gRPC (or whose conventions export over gRPC), so
// that the others need no gRPC module. Without it OTEL_EXPORTER_OTLP_PROTOCOL=grpc
// is reported and http/protobuf used (envconfig.go).
var (
	grpcSpanExporter   func(context.Context, *envReader, exportSettings, *exportWatch) (sdktrace.SpanExporter, error)
	grpcMetricExporter func(context.Context, *envReader, exportSettings, *exportWatch) (sdkmetric.Exporter, error)
)

// newSpanExporters returns the span exporters to use (none for "none").
func newSpanExporters(ctx context.Context, c *setupConfig, e *envReader, s exportSettings) ([]sdktrace.SpanExporter, error) {
	if c.spanExporter != nil {
		return []sdktrace.SpanExporter{c.spanExporter}, nil
	}
	var out []sdktrace.SpanExporter
	for _, kind := range s.traceExporters {
		var exp sdktrace.SpanExporter
		var err error
		if kind == "console" {
			exp, err = stdouttrace.New(stdouttrace.WithWriter(os.Stdout))
		} else {
			exp, err = newOTLPSpanExporter(ctx, c, e, s)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, exp)
	}
	return out, nil
}

func newOTLPSpanExporter(ctx context.Context, c *setupConfig, e *envReader, s exportSettings) (sdktrace.SpanExporter, error) {
	w := newExportWatch(c.logger, "traces", e.resolvedEndpoint("TRACES", s.traceProtocol))
	if s.traceProtocol == "grpc" && grpcSpanExporter != nil {
		return grpcSpanExporter(ctx, e, s, w)
	}
	opts := []otlptracehttp.Option{
		// http/json was reported and replaced by http/protobuf (envconfig.go).
		otlptracehttp.WithEncoding(otlptracehttp.EncodingProtobuf),
		otlptracehttp.WithHTTPClient(watchedHTTPClient(e, "TRACES", s.traceTimeout, w)),
		otlptracehttp.WithRetry(otlptracehttp.RetryConfig{
			Enabled:         conv.retryEnabled,
			InitialInterval: conv.retryInitial,
			MaxInterval:     conv.retryMax,
			MaxElapsedTime:  conv.retryElapsed,
		}),
	}
	if u, ok := e.exporterEndpoint("TRACES", s.traceProtocol); ok {
		opts = append(opts, otlptracehttp.WithEndpointURL(u))
	}
	if s.traceGzip {
		opts = append(opts, otlptracehttp.WithCompression(otlptracehttp.GzipCompression))
	} else {
		opts = append(opts, otlptracehttp.WithCompression(otlptracehttp.NoCompression))
	}
	exp, err := otlptracehttp.New(ctx, opts...)
	return watchedSpanExporter{exp, w}, err
}

// newMetricReaders returns the metric readers to use (none for "none").
func newMetricReaders(ctx context.Context, c *setupConfig, e *envReader, s exportSettings, res *resource.Resource) ([]sdkmetric.Reader, error) {
	if c.metricReader != nil {
		return []sdkmetric.Reader{c.metricReader}, nil
	}
	var out []sdkmetric.Reader
	for _, kind := range s.metricExporters {
		var exp sdkmetric.Exporter
		var err error
		if kind == "console" {
			exp, err = stdoutmetric.New(stdoutmetric.WithWriter(os.Stdout))
		} else {
			exp, err = newOTLPMetricExporter(ctx, c, e, s)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, sdkmetric.NewPeriodicReader(redactingMetricExporter{exp, res},
			sdkmetric.WithInterval(s.metricInterval),
			sdkmetric.WithTimeout(s.metricExpTime),
		))
	}
	return out, nil
}

func newOTLPMetricExporter(ctx context.Context, c *setupConfig, e *envReader, s exportSettings) (sdkmetric.Exporter, error) {
	w := newExportWatch(c.logger, "metrics", e.resolvedEndpoint("METRICS", s.metricProtocol))
	if s.metricProtocol == "grpc" && grpcMetricExporter != nil {
		return grpcMetricExporter(ctx, e, s, w)
	}
	opts := []otlpmetrichttp.Option{
		otlpmetrichttp.WithHTTPClient(watchedHTTPClient(e, "METRICS", s.metricTimeout, w)),
		otlpmetrichttp.WithTemporalitySelector(s.metricTemporality),
		// Explicit bucket histograms with the conventions' boundaries, as in
		// the Rust module: OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION
		// is not read (environment.md says so).
		otlpmetrichttp.WithAggregationSelector(sdkmetric.DefaultAggregationSelector),
		otlpmetrichttp.WithRetry(otlpmetrichttp.RetryConfig{
			Enabled:         conv.retryEnabled,
			InitialInterval: conv.retryInitial,
			MaxInterval:     conv.retryMax,
			MaxElapsedTime:  conv.retryElapsed,
		}),
	}
	if u, ok := e.exporterEndpoint("METRICS", s.metricProtocol); ok {
		opts = append(opts, otlpmetrichttp.WithEndpointURL(u))
	}
	if s.metricGzip {
		opts = append(opts, otlpmetrichttp.WithCompression(otlpmetrichttp.GzipCompression))
	} else {
		opts = append(opts, otlpmetrichttp.WithCompression(otlpmetrichttp.NoCompression))
	}
	exp, err := otlpmetrichttp.New(ctx, opts...)
	return watchedMetricExporter{exp, w}, err
}

// errorHandler logs the SDK's errors at WARN, at most once per interval; it
// counts what it left out. Export failures the exporters' watch has already
// reported (exportwatch.go) are not logged again.
type errorHandler struct {
	logger   *slog.Logger
	interval time.Duration
	mu       sync.Mutex
	last     time.Time
	dropped  int
}

var _ otel.ErrorHandler = (*errorHandler)(nil)

func newErrorHandler(logger *slog.Logger, interval time.Duration) *errorHandler {
	return &errorHandler{logger: logger, interval: interval}
}

// Handle implements otel.ErrorHandler.
func (h *errorHandler) Handle(err error) {
	var done reportedError
	if errors.As(err, &done) {
		return
	}
	h.mu.Lock()
	now := time.Now()
	if !h.last.IsZero() && now.Sub(h.last) < h.interval {
		h.dropped++
		h.mu.Unlock()
		return
	}
	dropped := h.dropped
	h.last, h.dropped = now, 0
	h.mu.Unlock()
	h.logger.Warn("telemetry export error", slog.String("error", SanitizeText(err.Error())),
		slog.Int("suppressed_since_last", dropped))
}
