package telemetry

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// A malformed export header is reported once per entry, by position and key:
// the value is a credential, and the SDK's own report (which quotes it) is
// left out of the service's log. So is the SDK's report of an endpoint or a
// timeout the package already warned about.
func TestExportHeaderProblemsNeverLogTheValue(t *testing.T) {
	useTestConventions(t)
	env := fullEnv()
	env["OTEL_EXPORTER_OTLP_HEADERS"] = "api-key=SECRETTOKEN5678%zz,novalue,=x,ok=fine,x-api-key: PASTEDSECRET=="
	env["OTEL_EXPORTER_OTLP_TIMEOUT"] = "1e3"
	env["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"] = "user:TOPSECRET@collector:4318"
	env["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:1"
	env["OTEL_METRICS_EXPORTER"] = "otlp"
	env["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf"
	for _, k := range []string{"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"} {
		t.Setenv(k, env[k]) // the SDK reads the process environment itself
	}
	var logs bytes.Buffer
	shutdown, err := Setup(context.Background(), getenv(env), warnings(&logs),
		WithSpanExporter(keptExporter{tracetest.NewInMemoryExporter()}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = shutdown(ctx)
	out := logs.String()
	for _, secret := range []string{"SECRETTOKEN", "TOPSECRET", "%zz", "PASTEDSECRET"} {
		if strings.Contains(out, secret) {
			t.Errorf("%s reached the log:\n%s", secret, out)
		}
	}
	for _, want := range []string{`entry 1 (key \"api-key\"`, "entry 2 (no key=value form)", "entry 3 (its key is no header name)", "variable=OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"} {
		if strings.Count(out, want) != 1 {
			t.Errorf("want one warning with %s:\n%s", want, out)
		}
	}
	if strings.Count(out, "entry 5 (its key is no header name)") != 1 {
		t.Errorf("want one warning for the pasted header:\n%s", out)
	}
	if strings.Contains(out, "entry 4") || strings.Contains(out, "level=ERROR") {
		t.Errorf("a good entry or an SDK error line was logged:\n%s", out)
	}
}
