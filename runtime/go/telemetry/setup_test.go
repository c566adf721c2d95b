package telemetry

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
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

func TestSetupRefusesMissingRequiredResource(t *testing.T) {
	for _, r := range resourceSpecs {
		if !r.required || r.source != sourceEnv {
			continue
		}
		env := fullEnv()
		delete(env, r.arg)
		_, err := Setup(context.Background(), getenv(env), WithSpanExporter(tracetest.NewInMemoryExporter()))
		if !errors.Is(err, ErrMissingResource) || !strings.Contains(err.Error(), r.key) {
			t.Errorf("without %s: error %v, want ErrMissingResource naming %s", r.arg, err, r.key)
		}
	}
}

func TestSetupRefusesUnknownEnvironment(t *testing.T) {
	env := fullEnv()
	env[conv.environmentVariable] = "no-such-environment\n"
	if _, err := Setup(context.Background(), getenv(env)); err == nil {
		t.Error("an unknown environment was accepted")
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
	env[conv.ratioEnv] = "2"
	if _, err := Setup(context.Background(), getenv(env)); err == nil {
		t.Error("a ratio above 1 was accepted")
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
