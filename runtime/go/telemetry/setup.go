package telemetry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// setupConfig holds the settings of Setup.
type setupConfig struct {
	getenv         func(string) string
	serviceVersion string
	spanExporter   sdktrace.SpanExporter
	metricReader   sdkmetric.Reader
	logger         *slog.Logger
}

// SetupOption changes what Setup installs.
type SetupOption interface {
	applySetup(*setupConfig)
}

type setupOptionFunc func(*setupConfig)

func (f setupOptionFunc) applySetup(c *setupConfig) { f(c) }

// WithServiceVersion sets service.version when SERVICE_VERSION is not set.
// Default: the main module's version from the build information.
func WithServiceVersion(v string) SetupOption {
	return setupOptionFunc(func(c *setupConfig) { c.serviceVersion = v })
}

// WithGetenv sets how environment variables are read. Default: os.Getenv.
func WithGetenv(getenv func(string) string) SetupOption {
	return setupOptionFunc(func(c *setupConfig) { c.getenv = getenv })
}

// WithSpanExporter sends spans to exp instead of the exporter the conventions
// and OTEL_TRACES_EXPORTER name. Redaction and batching still apply.
func WithSpanExporter(exp sdktrace.SpanExporter) SetupOption {
	return setupOptionFunc(func(c *setupConfig) { c.spanExporter = exp })
}

// WithMetricReader reads metrics with r instead of the periodic OTLP reader
// the conventions name. Default: the periodic OTLP reader.
func WithMetricReader(r sdkmetric.Reader) SetupOption {
	return setupOptionFunc(func(c *setupConfig) { c.metricReader = r })
}

// WithSetupLogger sets the logger that reports lever changes. Default: slog.Default().
func WithSetupLogger(l *slog.Logger) SetupOption {
	return setupOptionFunc(func(c *setupConfig) { c.logger = l })
}

// ErrMissingResource is returned by Setup when a required resource attribute
// has no value.
var ErrMissingResource = errors.New("telemetry: required resource attribute missing")

// Setup installs the tracer provider, meter provider and propagators of the
// conventions as the globals of go.opentelemetry.io/otel. It honours
// OTEL_SDK_DISABLED, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES,
// OTEL_EXPORTER_OTLP_* endpoints and protocols, OTEL_TRACES_SAMPLER(_ARG),
// OTEL_TRACES_EXPORTER and OTEL_METRICS_EXPORTER (otlp, console, none), and
// the conventions' kill switch and ratio variables. The returned function
// flushes and shuts everything down; it gives up after the conventions'
// shutdown timeout.
func Setup(ctx context.Context, opts ...SetupOption) (shutdown func(context.Context) error, err error) {
	c := setupConfig{getenv: os.Getenv, logger: slog.Default()}
	for _, o := range opts {
		o.applySetup(&c)
	}
	noop := func(context.Context) error { return nil }
	if isTrue(c.getenv("OTEL_SDK_DISABLED")) {
		return noop, nil
	}
	res, env, err := buildResource(ctx, &c)
	if err != nil {
		return noop, err
	}
	ratio, enabled, err := startRatio(&c, env)
	if err != nil {
		return noop, err
	}
	sampler := NewSampler(ratio)
	sampler.SetEnabled(enabled)

	exp, err := newSpanExporter(ctx, &c)
	if err != nil {
		return noop, err
	}
	tpOpts := []sdktrace.TracerProviderOption{sdktrace.WithResource(res), sdktrace.WithSampler(sampler)}
	if exp != nil {
		tpOpts = append(tpOpts, sdktrace.WithBatcher(&redactingExporter{next: exp},
			sdktrace.WithMaxQueueSize(conv.queueSize),
			sdktrace.WithMaxExportBatchSize(conv.batchSize),
			sdktrace.WithBatchTimeout(conv.scheduleDelay),
			sdktrace.WithExportTimeout(conv.exportTimeout),
		))
	}
	tp := sdktrace.NewTracerProvider(tpOpts...)

	reader, err := newMetricReader(ctx, &c)
	if err != nil {
		_ = tp.Shutdown(ctx)
		return noop, err
	}
	mpOpts := []sdkmetric.Option{
		sdkmetric.WithResource(res),
		sdkmetric.WithCardinalityLimit(conv.cardinalityLimit),
		sdkmetric.WithView(grpcViews()...),
	}
	if reader != nil {
		mpOpts = append(mpOpts, sdkmetric.WithReader(reader))
	}
	mp := sdkmetric.NewMeterProvider(mpOpts...)

	otel.SetTracerProvider(tp)
	otel.SetMeterProvider(mp)
	otel.SetTextMapPropagator(Propagators())
	lv := installLevers(sampler, c.logger)
	stopWatch := func() {}
	if conv.control == "watched_file" {
		stopWatch = lv.WatchFile(ControlFile, 2*time.Second)
	}

	return func(ctx context.Context) error {
		stopWatch()
		ctx, cancel := context.WithTimeout(ctx, conv.shutdownTimeout)
		defer cancel()
		return errors.Join(tp.Shutdown(ctx), mp.Shutdown(ctx))
	}, nil
}

func isTrue(v string) bool {
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	return err == nil && b
}

// buildResource builds the resource of the conventions, lets OTEL_SERVICE_NAME
// and OTEL_RESOURCE_ATTRIBUTES override it, and checks required attributes.
func buildResource(ctx context.Context, c *setupConfig) (*resource.Resource, string, error) {
	env := strings.TrimSpace(c.getenv(conv.environmentVariable))
	attrs := make([]attribute.KeyValue, 0, len(resourceSpecs))
	for _, spec := range resourceSpecs {
		var v string
		switch spec.source {
		case sourceService:
			v = ServiceName
		case sourceVersion:
			v = serviceVersion(c)
		case sourceEnvironment:
			v = env
		case sourceEnv:
			v = c.getenv(spec.arg)
		case sourceStatic:
			v = spec.arg
		}
		if v != "" {
			attrs = append(attrs, attribute.String(spec.key, v))
		}
	}
	base := resource.NewWithAttributes(SchemaURL, attrs...)
	fromEnv, err := resource.New(ctx, resource.WithDetectors(envDetector{c.getenv}))
	if err != nil {
		return nil, env, fmt.Errorf("telemetry: OTEL_RESOURCE_ATTRIBUTES: %w", err)
	}
	res, err := resource.Merge(base, fromEnv)
	if err != nil {
		return nil, env, fmt.Errorf("telemetry: resource: %w", err)
	}
	var missing []string
	for _, spec := range resourceSpecs {
		if !spec.required {
			continue
		}
		if v, ok := res.Set().Value(attribute.Key(spec.key)); !ok || v.Emit() == "" {
			missing = append(missing, fmt.Sprintf("%s (%s)", spec.key, spec.hint()))
		}
	}
	if len(missing) > 0 {
		return nil, env, fmt.Errorf("%w: %s", ErrMissingResource, strings.Join(missing, ", "))
	}
	return res, env, nil
}

func (s resourceSpec) hint() string {
	switch s.source {
	case sourceService:
		return "set OTEL_SERVICE_NAME"
	case sourceVersion:
		return "set SERVICE_VERSION"
	case sourceEnvironment:
		return "set " + conv.environmentVariable
	case sourceEnv:
		return "set " + s.arg
	default:
		return "set OTEL_RESOURCE_ATTRIBUTES"
	}
}

func serviceVersion(c *setupConfig) string {
	if v := c.getenv("SERVICE_VERSION"); v != "" {
		return v
	}
	if c.serviceVersion != "" {
		return c.serviceVersion
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		return bi.Main.Version
	}
	return ""
}

// envDetector reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES through getenv.
type envDetector struct{ getenv func(string) string }

func (d envDetector) Detect(context.Context) (*resource.Resource, error) {
	var attrs []attribute.KeyValue
	var errs []error
	for _, pair := range strings.Split(d.getenv("OTEL_RESOURCE_ATTRIBUTES"), ",") {
		if strings.TrimSpace(pair) == "" {
			continue
		}
		k, v, ok := strings.Cut(pair, "=")
		if !ok || strings.TrimSpace(k) == "" {
			errs = append(errs, fmt.Errorf("malformed pair %q", pair))
			continue
		}
		if uv, err := urlUnescape(strings.TrimSpace(v)); err == nil {
			v = uv
		}
		attrs = append(attrs, attribute.String(strings.TrimSpace(k), v))
	}
	if name := strings.TrimSpace(d.getenv("OTEL_SERVICE_NAME")); name != "" {
		attrs = append(attrs, attribute.String("service.name", name))
	}
	return resource.NewSchemaless(attrs...), errors.Join(errs...)
}

// startRatio returns the ratio and kill switch the service starts with.
func startRatio(c *setupConfig, env string) (float64, bool, error) {
	ratio, ok := conv.envRatios[env]
	if !ok {
		return 0, false, fmt.Errorf("telemetry: %s=%q is not one of %s",
			conv.environmentVariable, env, strings.Join(conv.environments, ", "))
	}
	switch s := strings.TrimSpace(c.getenv("OTEL_TRACES_SAMPLER")); s {
	case "":
	case "always_on", "parentbased_always_on":
		ratio = 1
	case "always_off", "parentbased_always_off":
		ratio = 0
	case "traceidratio", "parentbased_traceidratio":
		r, err := parseRatio(c.getenv("OTEL_TRACES_SAMPLER_ARG"))
		if err != nil {
			return 0, false, fmt.Errorf("telemetry: OTEL_TRACES_SAMPLER_ARG: %w", err)
		}
		ratio = r
	default:
		return 0, false, fmt.Errorf("telemetry: OTEL_TRACES_SAMPLER=%q is not supported", s)
	}
	if v := strings.TrimSpace(c.getenv(conv.ratioEnv)); v != "" {
		r, err := parseRatio(v)
		if err != nil {
			return 0, false, fmt.Errorf("telemetry: %s: %w", conv.ratioEnv, err)
		}
		ratio = r
	}
	return ratio, !isTrue(c.getenv(conv.killSwitchEnv)), nil
}

func parseRatio(s string) (float64, error) {
	r, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || r < 0 || r > 1 {
		return 0, fmt.Errorf("%q is not a ratio between 0 and 1", s)
	}
	return r, nil
}

func exporterKind(c *setupConfig, signal string) (string, error) {
	kind := strings.TrimSpace(c.getenv("OTEL_" + signal + "_EXPORTER"))
	if kind == "" {
		kind = "otlp"
	}
	if !slices.Contains([]string{"otlp", "console", "none"}, kind) {
		return "", fmt.Errorf("telemetry: OTEL_%s_EXPORTER=%q is not one of otlp, console, none", signal, kind)
	}
	return kind, nil
}

func otlpProtocol(c *setupConfig, signal string) string {
	for _, k := range []string{"OTEL_EXPORTER_OTLP_" + signal + "_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"} {
		if v := strings.TrimSpace(c.getenv(k)); v != "" {
			return v
		}
	}
	return conv.exportProtocol
}

// endpointFromEnv reports whether the standard variables name an endpoint; the
// exporters read those themselves.
func endpointFromEnv(c *setupConfig, signal string) bool {
	return c.getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || c.getenv("OTEL_EXPORTER_OTLP_"+signal+"_ENDPOINT") != ""
}
