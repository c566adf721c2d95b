package telemetry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
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

// WithSetupLogger sets the logger Setup and the exporters write to: the
// start-up line saying where telemetry goes, configuration warnings, export
// failures and recoveries, the SDK's errors and lever changes. Default:
// slog.Default() at the time Setup runs.
func WithSetupLogger(l *slog.Logger) SetupOption {
	return setupOptionFunc(func(c *setupConfig) { c.logger = l })
}

// ErrMissingResource is part of the error Setup returns under the
// conventions' strict start-up when a required resource attribute has no
// value. Without strict start-up the attribute gets its placeholder.
var ErrMissingResource = errors.New("telemetry: required resource attribute missing")

// ErrConfiguration is part of the error Setup returns under the conventions'
// strict start-up when a telemetry variable is invalid.
var ErrConfiguration = errors.New("telemetry: invalid configuration")

// sdkDisabled is set when Setup ran with OTEL_SDK_DISABLED=true.
var sdkDisabled atomic.Bool

// Setup installs the tracer provider, meter provider and propagators of the
// conventions as the globals of go.opentelemetry.io/otel. Standard OTEL_*
// variables win over the conventions, which win over the SDK's defaults:
// OTEL_SDK_DISABLED, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES,
// OTEL_PROPAGATORS, OTEL_TRACES_SAMPLER(_ARG), OTEL_TRACES_EXPORTER,
// OTEL_METRICS_EXPORTER, OTEL_EXPORTER_OTLP_* (endpoint, protocol, timeout,
// compression, headers), OTEL_BSP_* and OTEL_METRIC_EXPORT_*; then the
// conventions' kill switch and ratio variables.
//
// Telemetry configuration never stops the service: an invalid value is
// logged once (variable, value, value used) and ignored, and a missing
// required resource attribute is exported with its placeholder. Only when
// the conventions ask for strict start-up does Setup return those problems
// as its error. The returned function flushes traces and metrics in parallel
// and gives up after the conventions' shutdown timeout.
func Setup(ctx context.Context, opts ...SetupOption) (shutdown func(context.Context) error, err error) {
	c := setupConfig{getenv: os.Getenv, logger: slog.Default()}
	for _, o := range opts {
		o.applySetup(&c)
	}
	e := &envReader{getenv: c.getenv, logger: c.logger}
	noop := func(context.Context) error { return nil }
	// OTEL_SDK_DISABLED does not affect propagators (specification).
	otel.SetTextMapPropagator(e.propagators())
	e.knownMethods()
	if e.boolean("OTEL_SDK_DISABLED") {
		c.logger.Info("telemetry export disabled", slog.String("reason", "OTEL_SDK_DISABLED=true"))
		sdkDisabled.Store(true)
		current.Store(nil)
		return noop, e.strictError()
	}
	sdkDisabled.Store(false)
	// The SDK's errors and its own log lines go to the service's logger, not
	// to the standard log package.
	otel.SetErrorHandler(newErrorHandler(c.logger, 10*time.Second))
	otel.SetLogger(logr.FromSlogHandler(sdkLogHandler{c.logger.Handler()}))
	key := e.secret(conv.hashKeyEnv)
	SetHashKey(key)
	if len(key) == 0 && hashUsed() {
		e.notice("no hash key: attributes whose privacy action is hash are dropped",
			slog.String("variable", conv.hashKeyEnv), slog.String("file_variable", conv.hashKeyEnv+"_FILE"))
	}
	res, env := buildResource(ctx, &c, e)
	sampler := startSampler(e, env)
	settings := e.exportSettings()
	logExportTarget(&c, e, settings, sampler)

	tp, err := newTracerProvider(ctx, &c, e, res, sampler, settings)
	if err != nil {
		return noop, err
	}
	mp, err := newMeterProvider(ctx, &c, e, res, settings)
	if err != nil {
		_ = tp.Shutdown(ctx)
		return noop, err
	}
	if err := e.strictError(); err != nil {
		_ = tp.Shutdown(ctx)
		_ = mp.Shutdown(ctx)
		return noop, err
	}
	otel.SetTracerProvider(tp)
	otel.SetMeterProvider(mp)
	lv := installLevers(sampler, c.logger)
	if conv.control == "admin_handler" {
		token := e.secret(conv.adminTokenEnv)
		lv.SetToken(token)
		if len(token) == 0 {
			e.notice("no admin token: every request to the levers is refused",
				slog.String("variable", conv.adminTokenEnv), slog.String("file_variable", conv.adminTokenEnv+"_FILE"))
		}
	}
	stopWatch := func() {}
	if conv.control == "watched_file" {
		stopWatch = lv.WatchFile(ControlFile, 2*time.Second)
	}
	return func(ctx context.Context) error {
		stopWatch()
		ctx, cancel := context.WithTimeout(ctx, conv.shutdownTimeout)
		defer cancel()
		errc := make(chan error, 1)
		go func() { errc <- mp.Shutdown(ctx) }()
		terr := tp.Shutdown(ctx)
		return errors.Join(terr, <-errc)
	}, nil
}

// strictError returns what was wrong when the conventions ask for strict start-up.
func (e *envReader) strictError() error {
	if !conv.strictStartup || len(e.errs) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrConfiguration, errors.Join(e.errs...))
}

func hashUsed() bool {
	for _, a := range privacyActions {
		if a == actionHash {
			return true
		}
	}
	return false
}

func newTracerProvider(ctx context.Context, c *setupConfig, e *envReader, res *resource.Resource, sampler *Sampler, s exportSettings) (*sdktrace.TracerProvider, error) {
	valueLength := e.spanValueLength()
	counts := e.spanCounts()
	splitAttributes.Store(counts.attrs < sdktrace.DefaultAttributeCountLimit)
	tpOpts := []sdktrace.TracerProviderOption{sdktrace.WithResource(res), sdktrace.WithSampler(sampler), spanLimits(valueLength, counts)}
	exporters, err := newSpanExporters(ctx, c, e, s)
	if err != nil {
		return nil, err
	}
	for _, exp := range exporters {
		tpOpts = append(tpOpts, sdktrace.WithBatcher(&redactingExporter{next: exp, res: res, maxValue: valueLength, capped: true},
			sdktrace.WithMaxQueueSize(s.bspQueue),
			sdktrace.WithMaxExportBatchSize(s.bspBatch),
			sdktrace.WithBatchTimeout(s.bspDelay),
			sdktrace.WithExportTimeout(s.bspTimeout),
		))
	}
	return sdktrace.NewTracerProvider(tpOpts...), nil
}

func newMeterProvider(ctx context.Context, c *setupConfig, e *envReader, res *resource.Resource, s exportSettings) (*sdkmetric.MeterProvider, error) {
	readers, err := newMetricReaders(ctx, c, e, s, res)
	if err != nil {
		return nil, err
	}
	mpOpts := []sdkmetric.Option{
		sdkmetric.WithResource(res),
		sdkmetric.WithCardinalityLimit(conv.cardinalityLimit),
		sdkmetric.WithView(metricView),
	}
	for _, r := range readers {
		mpOpts = append(mpOpts, sdkmetric.WithReader(r))
	}
	return sdkmetric.NewMeterProvider(mpOpts...), nil
}

// propagators reads OTEL_PROPAGATORS; unset means the conventions' propagators.
func (e *envReader) propagators() propagation.TextMapPropagator {
	ps, ok := e.propagatorList()
	if !ok {
		return Propagators()
	}
	return propagation.NewCompositeTextMapPropagator(ps...)
}

// propagatorList reads OTEL_PROPAGATORS as the specification (v1.60.0,
// configuration/sdk-environment-variables.md) asks: names are read without
// regard to case and each propagator is used once; an unknown name is warned
// about and ignored, and a list of only unknown names is warned about and the
// conventions' propagators used (ok false, as when the variable is unset).
// none alone means no propagator; listed with others it is warned about and
// ignored. b3 and b3multi are known names, but this package has no B3
// propagator of its own: they are warned about once and left out. The Rust
// crate reads the list the same way.
func (e *envReader) propagatorList() ([]propagation.TextMapPropagator, bool) {
	v := e.get("OTEL_PROPAGATORS")
	if v == "" {
		return nil, false
	}
	var ps []propagation.TextMapPropagator
	var seen []string
	none, unknown := false, false
	for part := range strings.SplitSeq(v, ",") {
		name := strings.ToLower(strings.TrimSpace(part))
		if slices.Contains(seen, name) {
			continue
		}
		seen = append(seen, name)
		switch name {
		case "tracecontext":
			ps = append(ps, propagation.TraceContext{})
		case "baggage":
			ps = append(ps, allowListBaggage{})
		case "none":
			none = true
		case "":
		case "b3", "b3multi":
			unknown = true
			e.warn("OTEL_PROPAGATORS", name, "no B3 propagator (the Go package has none built in); ignored")
		default:
			unknown = true
			// The entry as given: lower-casing would turn bytes that are
			// not UTF-8 into U+FFFD, where the log handler escapes them.
			e.warn("OTEL_PROPAGATORS", strings.TrimSpace(part), "no propagator for this entry (known: tracecontext, baggage, none)")
		}
	}
	if len(ps) == 0 {
		if none {
			return nil, true
		}
		if unknown {
			e.warn("OTEL_PROPAGATORS", v, "the conventions' propagators")
		}
		return nil, false
	}
	if none {
		e.warn("OTEL_PROPAGATORS", "none", "ignored (listed with other propagators)")
	}
	return ps, true
}

// startSampler returns the sampler the service starts with.
func startSampler(e *envReader, env string) *Sampler {
	ratio, ok := conv.envRatios[env]
	if !ok {
		ratio = lowestRatio()
		if env != "" { // a missing environment was reported with its placeholder
			e.warn(conv.environmentVariable, env, fmt.Sprintf("the sampling ratio %v (the lowest of %s)",
				ratio, strings.Join(conv.environments, ", ")))
		}
	}
	var s *Sampler
	name := strings.ToLower(e.get("OTEL_TRACES_SAMPLER"))
	switch name {
	case "":
		s = NewSampler(ratio)
	case "always_on", "parentbased_always_on":
		s = newEnvSampler(1, name != "always_on")
	case "always_off", "parentbased_always_off":
		s = newEnvSampler(0, name != "always_off")
	case "traceidratio", "parentbased_traceidratio":
		// The variable names the whole sampler: its argument defaults to the
		// specification's 1.0, not to the conventions' ratio.
		s = newEnvSampler(e.samplerArg(1), name != "traceidratio")
	default:
		e.warn("OTEL_TRACES_SAMPLER", e.get("OTEL_TRACES_SAMPLER"), fmt.Sprintf("the conventions' parent-based ratio sampler at the environment's ratio %v", ratio))
		s = NewSampler(ratio)
	}
	if v := e.get(conv.ratioEnv); v != "" {
		if r, err := parseRatio(v); err != nil {
			e.warn(conv.ratioEnv, v, fmt.Sprintf("ratio %v", s.Ratio()))
		} else {
			s.SetRatio(r)
		}
	}
	s.SetEnabled(!e.boolean(conv.killSwitchEnv))
	return s
}

func (e *envReader) samplerArg(fallback float64) float64 {
	v := e.get("OTEL_TRACES_SAMPLER_ARG")
	if v == "" {
		return fallback
	}
	r, err := parseRatio(v)
	if err != nil {
		e.warn("OTEL_TRACES_SAMPLER_ARG", v, strconv.FormatFloat(fallback, 'g', -1, 64))
		return fallback
	}
	return r
}

func lowestRatio() float64 {
	low := 1.0
	for _, r := range conv.envRatios {
		low = math.Min(low, r)
	}
	return low
}

// parseRatio reads a ratio (OTEL_TRACES_SAMPLER_ARG and the conventions'
// ratio variable): a plain decimal number (plainDecimal) between 0 and 1.
func parseRatio(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if !plainDecimal(s) {
		return 0, fmt.Errorf("%q is not a plain decimal number", s)
	}
	r, err := strconv.ParseFloat(s, 64)
	if err != nil || !(r >= 0 && r <= 1) {
		return 0, fmt.Errorf("%q is not a ratio between 0 and 1", s)
	}
	return r, nil
}

// plainDecimal reports whether s is the one number grammar every float
// variable takes: decimal digits with an optional fraction (".5", "1." and
// "0.25" alike) and an optional exponent ("25e-2", "1E0"). No sign: the
// specification's example ("0.25", sdk-environment-variables.md v1.60.0) and
// every integer variable (readDecimal) are unsigned, and a ratio has none.
// ParseFloat alone would also take hex floats ("0x1p-1"), "inf", "nan" and
// underscores; the Rust module's parse takes "inf", "NaN" and "+1": each is
// warned about and the default used, in both.
func plainDecimal(s string) bool {
	i, digits := 0, 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		digits++
	}
	if i < len(s) && s[i] == '.' {
		for i++; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		start := i
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		}
		if i == start {
			return false
		}
	}
	return i == len(s)
}
