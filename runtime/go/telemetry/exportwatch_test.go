package telemetry

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

func TestExportWatchReportsFirstFailureAndRecovery(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	w := newExportWatch(logger, "traces", srv.URL+"/v1/traces")
	client := &http.Client{Transport: &watchTransport{next: http.DefaultTransport, watch: w}}
	for range 6 {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/traces", strings.NewReader("x"))
		req.Header.Set("Authorization", "Bearer header-secret")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	out := buf.String()
	if n := strings.Count(out, "telemetry export failed"); n != 1 {
		t.Errorf("%d failure lines, want 1:\n%s", n, out)
	}
	if n := strings.Count(out, "telemetry export recovered"); n != 1 {
		t.Errorf("%d recovery lines, want 1:\n%s", n, out)
	}
	for _, want := range []string{"level=WARN", "signal=traces", "503", "level=INFO"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "header-secret") {
		t.Errorf("a header value reached the log:\n%s", out)
	}
}

func TestExportWatchErrorsNameNoURLQuery(t *testing.T) {
	var buf bytes.Buffer
	w := newExportWatch(slog.New(slog.NewTextHandler(&buf, nil)), "metrics", "http://127.0.0.1:1/v1/metrics")
	client := &http.Client{Transport: &watchTransport{next: http.DefaultTransport, watch: w}}
	_, err := client.Post("http://127.0.0.1:1/v1/metrics?token=query-secret", "x", strings.NewReader(""))
	if err == nil {
		t.Skip("something listens on 127.0.0.1:1")
	}
	out := buf.String()
	if !strings.Contains(out, "telemetry export failed") || strings.Contains(out, "query-secret") {
		t.Errorf("want one failure line without the query:\n%s", out)
	}
}

func TestCleanEndpoint(t *testing.T) {
	for in, want := range map[string]string{
		"http://user:pw@collector:4318/v1/traces?k=v#f": "http://collector:4318/v1/traces",
		"https://collector:4318":                        "https://collector:4318",
		"user:pw@collector:4317?x=1":                    "collector:4317",
		"collector:4317":                                "collector:4317",
	} {
		if got := cleanEndpoint(in); got != want {
			t.Errorf("cleanEndpoint(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestErrorHandlerSkipsReportedExportErrors(t *testing.T) {
	var buf bytes.Buffer
	h := newErrorHandler(slog.New(slog.NewTextHandler(&buf, nil)), 0)
	h.Handle(reportedError{errors.New("traces export: refused")})
	if buf.Len() != 0 {
		t.Errorf("a reported export error was logged again: %s", buf.String())
	}
	h.Handle(errors.New("other"))
	if !strings.Contains(buf.String(), "other") {
		t.Errorf("an unreported error was not logged: %s", buf.String())
	}
}

func TestSetupSaysWhereTracesGoAndRoutesSDKLogsToItsLogger(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	env := fullEnv()
	env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = "http://u:pw@127.0.0.1:1/v1/traces?k=secret"
	env["OTEL_METRICS_EXPORTER"] = "none"
	shutdown, err := Setup(context.Background(), getenv(env), WithSetupLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = shutdown(context.Background()) }()
	out := buf.String()
	if !strings.Contains(out, `msg="telemetry export configured" protocol=`+conv.exportProtocol+" endpoint=http://127.0.0.1:1/v1/traces\n") ||
		strings.Contains(out, "pw@") || strings.Contains(out, "secret") {
		t.Errorf("no start-up line with the cleaned endpoint:\n%s", out)
	}
	// The SDK reports a reader registered twice through its global logger.
	r := sdkmetric.NewManualReader()
	_ = sdkmetric.NewMeterProvider(sdkmetric.WithReader(r))
	_ = sdkmetric.NewMeterProvider(sdkmetric.WithReader(r))
	if !strings.Contains(buf.String(), "level=ERROR") {
		t.Errorf("the SDK's own error did not reach the Setup logger:\n%s", buf.String())
	}
}

func TestGRPCProtocolWithoutTheGRPCPartFallsBack(t *testing.T) {
	saved := grpcSpanExporter
	grpcSpanExporter = nil
	defer func() { grpcSpanExporter = saved }()
	var buf bytes.Buffer
	e := &envReader{getenv: func(k string) string {
		return map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}[k]
	}, logger: slog.New(slog.NewTextHandler(&buf, nil))}
	if p := e.protocol("TRACES"); p != "http/protobuf" {
		t.Errorf("protocol %q, want http/protobuf", p)
	}
	if !strings.Contains(buf.String(), "not built in") {
		t.Errorf("the fallback was not reported:\n%s", buf.String())
	}
}
