package telemetry

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// fullEnv sets every variable the conventions' required resource attributes read.
func fullEnv() map[string]string {
	env := map[string]string{
		conv.environmentVariable: conv.environments[0],
		"SERVICE_VERSION":        "1.2.3",
		"OTEL_METRICS_EXPORTER":  "none",
	}
	for _, r := range resourceSpecs {
		if r.source == sourceEnv {
			env[r.arg] = "value-of-" + r.arg
		}
	}
	return env
}

// keptExporter keeps its spans when shut down, so a test can read them after.
type keptExporter struct{ *tracetest.InMemoryExporter }

func (keptExporter) Shutdown(context.Context) error { return nil }

func getenv(env map[string]string) SetupOption {
	return WithGetenv(func(k string) string { return env[k] })
}

func TestSetupExportsWithResource(t *testing.T) {
	mem := tracetest.NewInMemoryExporter()
	shutdown, err := Setup(context.Background(), getenv(fullEnv()), WithSpanExporter(keptExporter{mem}))
	if err != nil {
		t.Fatal(err)
	}
	_, span := otel.Tracer("test").Start(context.Background(), "op")
	span.End()
	if err := shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	spans := mem.GetSpans()
	if conv.envRatios[conv.environments[0]] >= 1 && len(spans) != 1 {
		t.Fatalf("%d spans exported at ratio 1", len(spans))
	}
	for _, s := range spans {
		res := attrMap(s.Resource.Attributes())
		for _, r := range resourceSpecs {
			v, ok := res[attributeKey(r.key)]
			if r.required && (!ok || v.Emit() == "") {
				t.Errorf("required resource attribute %s missing", r.key)
			}
			if r.source == sourceStatic && v.Emit() != r.arg {
				t.Errorf("static resource attribute %s = %q, want %q", r.key, v.Emit(), r.arg)
			}
		}
	}
}

// warnings returns a SetupOption logging to buf.
func warnings(buf *bytes.Buffer) SetupOption {
	return WithSetupLogger(slog.New(slog.NewTextHandler(buf, nil)))
}

func TestSetupMissingRequiredResourceGetsPlaceholder(t *testing.T) {
	useTestConventions(t)
	for _, r := range resourceSpecs {
		if !r.required || r.source != sourceEnv {
			continue
		}
		env := fullEnv()
		delete(env, r.arg)
		env[conv.ratioEnv] = "1"
		var logs bytes.Buffer
		mem := tracetest.NewInMemoryExporter()
		shutdown, err := Setup(context.Background(), getenv(env), warnings(&logs), WithSpanExporter(keptExporter{mem}))
		if err != nil {
			t.Fatalf("without %s: %v", r.arg, err)
		}
		_, span := otel.Tracer("test").Start(context.Background(), "op")
		span.End()
		_ = shutdown(context.Background())
		if !strings.Contains(logs.String(), "variable="+r.arg) {
			t.Errorf("without %s: no warning naming it:\n%s", r.arg, logs.String())
		}
		for _, s := range mem.GetSpans() {
			wantAttr(t, attrMap(s.Resource.Attributes()), attribute.Key(r.key), r.placeholder)
		}
	}
}

func TestSetupStrictStartupRefuses(t *testing.T) {
	saved := conv.strictStartup
	conv.strictStartup = true
	defer func() { conv.strictStartup = saved }()
	env := fullEnv()
	env["OTEL_TRACES_SAMPLER"] = "xray"
	var logs bytes.Buffer
	if _, err := Setup(context.Background(), getenv(env), warnings(&logs)); !errors.Is(err, ErrConfiguration) {
		t.Errorf("strict start-up with a bad sampler: %v", err)
	}
}

// Bad telemetry configuration never stops the service: one warning naming
// the variable, the bad value and the value used.
func TestSetupWarnsAndFallsBack(t *testing.T) {
	useTestConventions(t)
	for _, c := range []struct{ variable, value string }{
		{conv.environmentVariable, "no-such-environment"},
		{"OTEL_TRACES_SAMPLER", "jaeger_remote"},
		{"OTEL_TRACES_SAMPLER", "xray"},
		{"OTEL_TRACES_SAMPLER_ARG", "1.5"},
		{"OTEL_TRACES_SAMPLER_ARG", "0.1x"},
		{"OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"},
		{"OTEL_TRACES_EXPORTER", "zipkin"},
		{"OTEL_BSP_SCHEDULE_DELAY", "soon"},
		{"OTEL_EXPORTER_OTLP_TIMEOUT", "-5"},
		{"OTEL_EXPORTER_OTLP_COMPRESSION", "brotli"},
		{"OTEL_METRIC_EXPORT_INTERVAL", "x"},
		{"OTEL_PROPAGATORS", "xray"},
		{conv.ratioEnv, "2"},
		{conv.killSwitchEnv, "yes"},
	} {
		env := fullEnv()
		env["OTEL_TRACES_SAMPLER"] = "traceidratio"
		env[c.variable] = c.value
		var logs bytes.Buffer
		shutdown, err := Setup(context.Background(), getenv(env), warnings(&logs),
			WithSpanExporter(tracetest.NewInMemoryExporter()), WithMetricReader(sdkmetric.NewManualReader()))
		if err != nil {
			t.Errorf("%s=%s stopped the start: %v", c.variable, c.value, err)
			continue
		}
		_ = shutdown(context.Background())
		if !strings.Contains(logs.String(), "variable="+c.variable) || !strings.Contains(logs.String(), "using=") {
			t.Errorf("%s=%s: no warning naming the variable and the value used:\n%s", c.variable, c.value, logs.String())
		}
	}
}

func TestSetupEnumsAreCaseInsensitive(t *testing.T) {
	useTestConventions(t)
	env := fullEnv()
	env["OTEL_TRACES_SAMPLER"] = "AlWaYs_On"
	env["OTEL_TRACES_EXPORTER"] = "OTLP,Console"
	env["OTEL_EXPORTER_OTLP_PROTOCOL"] = "HTTP/Protobuf"
	var logs bytes.Buffer
	shutdown, err := Setup(context.Background(), getenv(env), warnings(&logs), WithMetricReader(sdkmetric.NewManualReader()))
	if err != nil {
		t.Fatal(err)
	}
	_ = shutdown(context.Background())
	if strings.Contains(logs.String(), "invalid value") {
		t.Errorf("valid values in another case were reported:\n%s", logs.String())
	}
}

func TestSetupEnvironmentFromResourceAttributes(t *testing.T) {
	useTestConventions(t)
	env := fullEnv()
	delete(env, conv.environmentVariable)
	env["OTEL_RESOURCE_ATTRIBUTES"] = "deployment.environment.name=" + conv.environments[len(conv.environments)-1]
	var logs bytes.Buffer
	shutdown, err := Setup(context.Background(), getenv(env), warnings(&logs), WithSpanExporter(tracetest.NewInMemoryExporter()))
	if err != nil {
		t.Fatal(err)
	}
	_ = shutdown(context.Background())
	if strings.Contains(logs.String(), conv.environmentVariable) {
		t.Errorf("the environment given through OTEL_RESOURCE_ATTRIBUTES was not used:\n%s", logs.String())
	}
}

// The samplers that are not parent-based ignore the parent's decision.
func TestSetupSamplerNames(t *testing.T) {
	useTestConventions(t)
	parent := trace.ContextWithRemoteSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1}, SpanID: trace.SpanID{1}, TraceFlags: trace.FlagsSampled, Remote: true,
	}))
	for name, want := range map[string]bool{
		"always_off": false, "parentbased_always_off": true, "always_on": true,
		"traceidratio": false, "parentbased_traceidratio": true,
	} {
		env := fullEnv()
		env["OTEL_TRACES_SAMPLER"] = name
		env["OTEL_TRACES_SAMPLER_ARG"] = "0"
		shutdown, err := Setup(context.Background(), getenv(env), warnings(new(bytes.Buffer)),
			WithSpanExporter(tracetest.NewInMemoryExporter()), WithMetricReader(sdkmetric.NewManualReader()))
		if err != nil {
			t.Fatal(err)
		}
		_, span := otel.Tracer("test").Start(parent, "op")
		if got := span.SpanContext().IsSampled(); got != want {
			t.Errorf("%s under a sampled parent: sampled %v, want %v", name, got, want)
		}
		span.End()
		_ = shutdown(context.Background())
	}
}

func TestSetupPropagatorsEvenWhenDisabled(t *testing.T) {
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator())
	shutdown, err := Setup(context.Background(), getenv(map[string]string{"OTEL_SDK_DISABLED": "TRUE"}))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = shutdown(context.Background()) }()
	defer sdkDisabled.Store(false)
	if f := otel.GetTextMapPropagator().Fields(); len(f) == 0 {
		t.Error("OTEL_SDK_DISABLED=true installed no propagators")
	}
}

func TestSetupHashKeyFromFile(t *testing.T) {
	useTestConventions(t)
	path := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(path, []byte("k3y\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := fullEnv()
	env[conv.hashKeyEnv+"_FILE"] = path
	shutdown, err := Setup(context.Background(), getenv(env), warnings(new(bytes.Buffer)), WithSpanExporter(tracetest.NewInMemoryExporter()))
	if err != nil {
		t.Fatal(err)
	}
	_ = shutdown(context.Background())
	defer SetHashKey(nil)
	m := hmac.New(sha256.New, []byte("k3y"))
	m.Write([]byte("v"))
	if got, _ := hashValue("v"); got != hex.EncodeToString(m.Sum(nil)) {
		t.Errorf("hash with the key from %s_FILE: %q", conv.hashKeyEnv, got)
	}
}

func TestSetupHonoursSDKDisabled(t *testing.T) {
	before := otel.GetTracerProvider()
	shutdown, err := Setup(context.Background(), getenv(map[string]string{"OTEL_SDK_DISABLED": "true"}))
	if err != nil {
		t.Fatal(err)
	}
	if otel.GetTracerProvider() != before {
		t.Error("OTEL_SDK_DISABLED=true still installed a tracer provider")
	}
	_ = shutdown(context.Background())
}

func TestSetupKillSwitchAndRatioVariables(t *testing.T) {
	env := fullEnv()
	env[conv.killSwitchEnv] = "true"
	env[conv.ratioEnv] = "0.25"
	shutdown, err := Setup(context.Background(), getenv(env),
		WithSpanExporter(tracetest.NewInMemoryExporter()), WithMetricReader(sdkmetric.NewManualReader()))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = shutdown(context.Background()) }()
	on, ratio := CurrentLevers().State()
	if on || ratio != 0.25 {
		t.Errorf("levers at start: enabled %v ratio %v, want false 0.25", on, ratio)
	}
}

func TestSetupOTELSampler(t *testing.T) {
	env := fullEnv()
	env["OTEL_TRACES_SAMPLER"] = "parentbased_traceidratio"
	env["OTEL_TRACES_SAMPLER_ARG"] = "0.125"
	shutdown, err := Setup(context.Background(), getenv(env), WithSpanExporter(tracetest.NewInMemoryExporter()))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = shutdown(context.Background()) }()
	if _, ratio := CurrentLevers().State(); ratio != 0.125 {
		t.Errorf("ratio %v, want OTEL_TRACES_SAMPLER_ARG's 0.125", ratio)
	}
}

func TestSetupStandardResourceVariables(t *testing.T) {
	env := fullEnv()
	env["OTEL_SERVICE_NAME"] = "renamed-service"
	env["OTEL_RESOURCE_ATTRIBUTES"] = "extra.key=a%20value,other=b"
	env[conv.ratioEnv] = "1"
	mem := tracetest.NewInMemoryExporter()
	shutdown, err := Setup(context.Background(), getenv(env), WithSpanExporter(keptExporter{mem}))
	if err != nil {
		t.Fatal(err)
	}
	_, span := otel.Tracer("test").Start(context.Background(), "op")
	span.End()
	if err := shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	spans := mem.GetSpans()
	if len(spans) != 1 {
		t.Fatalf("%d spans", len(spans))
	}
	res := attrMap(spans[0].Resource.Attributes())
	wantAttr(t, res, "service.name", "renamed-service")
	wantAttr(t, res, "extra.key", "a value")
	wantAttr(t, res, "other", "b")
}

// The OTLP exporter sends to the endpoint and protocol the standard variables
// name, with the conventions' compression.
func TestSetupOTLPEndpointFromEnvironment(t *testing.T) {
	got := make(chan *http.Request, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case got <- r:
		default:
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", srv.URL)
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
	env := fullEnv()
	env["OTEL_EXPORTER_OTLP_ENDPOINT"] = srv.URL
	env["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf"
	env[conv.ratioEnv] = "1"
	shutdown, err := Setup(context.Background(), getenv(env))
	if err != nil {
		t.Fatal(err)
	}
	_, span := otel.Tracer("test").Start(context.Background(), "op")
	span.End()
	if err := shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-got:
		if r.URL.Path != "/v1/traces" || r.Method != http.MethodPost {
			t.Errorf("%s %s, want POST /v1/traces", r.Method, r.URL.Path)
		}
		if gz := r.Header.Get("Content-Encoding") == "gzip"; gz != conv.exportGzip {
			t.Errorf("gzip %v, conventions say %v", gz, conv.exportGzip)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("nothing reached the endpoint named by OTEL_EXPORTER_OTLP_ENDPOINT")
	}
}

func TestSignalURL(t *testing.T) {
	for _, c := range []struct{ base, want string }{
		{"http://localhost:4318", "http://localhost:4318/v1/traces"},
		{"http://localhost:4318/", "http://localhost:4318/v1/traces"},
		{"https://collector.example:443/otlp", "https://collector.example:443/otlp/v1/traces"},
	} {
		if got := signalURL(c.base, "v1/traces"); got != c.want {
			t.Errorf("signalURL(%q) = %q, want %q", c.base, got, c.want)
		}
	}
}

// stuckExporter never finishes an export until its context ends.
type stuckExporter struct{}

func (stuckExporter) ExportSpans(ctx context.Context, _ []sdktrace.ReadOnlySpan) error {
	<-ctx.Done()
	return ctx.Err()
}

func (stuckExporter) Shutdown(ctx context.Context) error {
	<-ctx.Done()
	return ctx.Err()
}

func TestSetupShutdownIsBounded(t *testing.T) {
	if conv.shutdownTimeout > 10*time.Second {
		t.Skipf("shutdown timeout %v is too long for a unit test", conv.shutdownTimeout)
	}
	env := fullEnv()
	env[conv.ratioEnv] = "1"
	shutdown, err := Setup(context.Background(), getenv(env), WithSpanExporter(stuckExporter{}))
	if err != nil {
		t.Fatal(err)
	}
	_, span := otel.Tracer("test").Start(context.Background(), "op")
	span.End()
	began := time.Now()
	err = shutdown(context.Background())
	if took := time.Since(began); took > conv.shutdownTimeout+2*time.Second {
		t.Errorf("shutdown took %v with a timeout of %v", took, conv.shutdownTimeout)
	}
	if err == nil {
		t.Error("a shutdown that timed out reported no error")
	}
}

func TestErrorHandlerIsRateLimitedWarn(t *testing.T) {
	useTestConventions(t)
	var logs bytes.Buffer
	h := newErrorHandler(slog.New(slog.NewTextHandler(&logs, nil)), time.Hour)
	for range 5 {
		h.Handle(errors.New(`export failed: Post "http://u:pw@collector/v1/traces?sig=abc"`))
	}
	if n := strings.Count(logs.String(), "level=WARN"); n != 1 {
		t.Errorf("%d WARN lines for 5 errors within the interval, want 1:\n%s", n, logs.String())
	}
	if strings.Contains(logs.String(), "pw@") || strings.Contains(logs.String(), "sig=abc") {
		t.Errorf("the error's URL was not sanitised: %s", logs.String())
	}
}

// Traces and metrics shut down in parallel: a stuck span exporter does not
// leave the metrics an expired deadline.
func TestSetupShutdownFlushesMetricsBesideStuckTraces(t *testing.T) {
	useTestConventions(t)
	if conv.shutdownTimeout > 10*time.Second {
		t.Skipf("shutdown timeout %v is too long for a unit test", conv.shutdownTimeout)
	}
	exp := &capturingMetricExporter{}
	reader := sdkmetric.NewPeriodicReader(exp, sdkmetric.WithInterval(time.Hour))
	shutdown, err := Setup(context.Background(), getenv(fullEnv()), warnings(new(bytes.Buffer)),
		WithSpanExporter(stuckExporter{}), WithMetricReader(reader))
	if err != nil {
		t.Fatal(err)
	}
	c, _ := Meter().Int64Counter("calls")
	c.Add(context.Background(), 1)
	_ = shutdown(context.Background())
	if len(exp.got) == 0 {
		t.Error("metrics were not flushed while the span exporter was stuck")
	}
}

// Strict start-up stops for bad values, not for a missing hash key or admin
// token: those only warn.
func TestSetupStrictStartsWithoutKeyOrToken(t *testing.T) {
	useTestConventions(t)
	conv.strictStartup = true
	env := fullEnv()
	delete(env, conv.hashKeyEnv)
	delete(env, conv.adminTokenEnv)
	var logs bytes.Buffer
	shutdown, err := Setup(context.Background(), getenv(env), warnings(&logs),
		WithSpanExporter(tracetest.NewInMemoryExporter()), WithMetricReader(sdkmetric.NewManualReader()))
	if err != nil {
		t.Fatalf("strict start-up without a hash key: %v", err)
	}
	_ = shutdown(context.Background())
	if hashUsed() && !strings.Contains(logs.String(), conv.hashKeyEnv) {
		t.Errorf("no warning about the missing hash key:\n%s", logs.String())
	}
}
