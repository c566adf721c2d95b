package telemetry

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"google.golang.org/grpc"
)

// exportOneSpan runs Setup with env (also set in the process environment,
// which the SDK's exporters read), ends one sampled span and shuts down.
func exportOneSpan(t *testing.T, env map[string]string) {
	t.Helper()
	full := fullEnv()
	full[conv.ratioEnv] = "1"
	for k, v := range env {
		full[k] = v
	}
	for k, v := range full {
		t.Setenv(k, v)
	}
	shutdown, err := Setup(context.Background(), getenv(full),
		WithSetupLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	_, span := otel.Tracer("test").Start(context.Background(), "op")
	span.End()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_ = shutdown(ctx)
}

// OTEL_EXPORTER_OTLP_INSECURE never turns an endpoint written with https://
// into plain text (protocol/exporter.md, v1.60.0: OTLP/HTTP always uses the
// endpoint's scheme; for OTLP/gRPC an https scheme takes precedence over the
// insecure setting). A plain-text server on the endpoint's port must receive
// nothing: neither the spans nor the export headers.
func TestInsecureNeverDowngradesHTTPSOverHTTP(t *testing.T) {
	var got atomic.Int32
	var auth atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Add(1)
		auth.Store(r.Header.Get("Authorization"))
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	secret := map[string]string{
		"OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
		"OTEL_EXPORTER_OTLP_HEADERS":  "Authorization=Bearer%20s3cr3t",
	}
	with := func(extra map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range secret {
			out[k] = v
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	for name, env := range map[string]map[string]string{
		"signal endpoint": {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://" + host + "/v1/traces", "OTEL_EXPORTER_OTLP_INSECURE": "true"},
		"base endpoint":   {"OTEL_EXPORTER_OTLP_ENDPOINT": "HTTPS://" + host, "OTEL_EXPORTER_OTLP_TRACES_INSECURE": "true"},
	} {
		got.Store(0)
		exportOneSpan(t, with(env))
		if n := got.Load(); n != 0 {
			t.Errorf("%s: the plain-text server received %d export(s), Authorization %q", name, n, auth.Load())
		}
	}
	// The same server does receive an http:// endpoint's export, so the
	// silence above is the scheme's doing.
	got.Store(0)
	exportOneSpan(t, with(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": srv.URL, "OTEL_EXPORTER_OTLP_INSECURE": "false"}))
	if got.Load() == 0 {
		t.Fatal("the control export over http:// did not arrive")
	}
}

func TestInsecureNeverDowngradesHTTPSOverGRPC(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var got atomic.Int32
	srv := grpc.NewServer(grpc.UnknownServiceHandler(func(any, grpc.ServerStream) error {
		got.Add(1)
		return nil
	}))
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop()
	base := map[string]string{
		"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
		"OTEL_EXPORTER_OTLP_HEADERS":  "Authorization=Bearer%20s3cr3t",
		"OTEL_EXPORTER_OTLP_INSECURE": "true",
	}
	base["OTEL_EXPORTER_OTLP_ENDPOINT"] = "https://" + lis.Addr().String()
	exportOneSpan(t, base)
	if n := got.Load(); n != 0 {
		t.Errorf("the plain-text gRPC server received %d call(s) for an https:// endpoint", n)
	}
	base["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://" + lis.Addr().String()
	base["OTEL_EXPORTER_OTLP_INSECURE"] = "false"
	exportOneSpan(t, base)
	if got.Load() == 0 {
		t.Fatal("the control export over http:// did not arrive")
	}
}

// With only the protocol overridden, the endpoint is the specification's
// default for that protocol, not the conventions' endpoint (which serves the
// conventions' protocol); the Rust module resolves it the same way.
func TestProtocolOverrideUsesThatProtocolsDefaultEndpoint(t *testing.T) {
	reader := func(env map[string]string) *envReader {
		return &envReader{getenv: func(k string) string { return env[k] },
			logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	}
	for _, c := range []struct {
		protocol, want string
	}{
		{"grpc", "http://localhost:4317"},
		{"http/protobuf", "http://localhost:4318/v1/traces"},
	} {
		e := reader(map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": c.protocol})
		p := e.protocol("TRACES")
		got := e.endpointURL("TRACES", p)
		want := c.want
		if p == conv.exportProtocol {
			want = conv.exportEndpoint
			if p != "grpc" {
				want = signalURL(conv.exportEndpoint, "v1/traces")
			}
		}
		if got != want {
			t.Errorf("protocol %s: endpoint %q, want %q", c.protocol, got, want)
		}
	}
	e := reader(map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:9999"})
	if got := e.endpointURL("TRACES", "http/protobuf"); got != "http://collector:9999/v1/traces" {
		t.Errorf("an endpoint variable must still win: %q", got)
	}
}

// exportSettingsOf reads env and returns the settings and the warnings'
// variable=value pairs with what each uses instead.
func exportSettingsOf(env map[string]string) (exportSettings, []string) {
	var logs strings.Builder
	e := &envReader{getenv: func(k string) string { return env[k] },
		logger: slog.New(slog.NewTextHandler(&logs, nil))}
	s := e.exportSettings()
	var warned []string
	for _, err := range e.errs {
		warned = append(warned, err.Error())
	}
	return s, warned
}

// configuration/common.md v1.60.0, §Timeout: 0 is no limit. The SDK takes
// a 0 given to it as "not set" (its 30 s metric export default), so 0 is
// given as a very large duration.
func TestZeroTimeoutsAreNoLimit(t *testing.T) {
	s, warned := exportSettingsOf(map[string]string{
		"OTEL_EXPORTER_OTLP_TIMEOUT": "0",
		"OTEL_BSP_EXPORT_TIMEOUT":    "0",
		"OTEL_METRIC_EXPORT_TIMEOUT": "0",
	})
	for name, d := range map[string]time.Duration{"traces": s.traceTimeout, "metrics": s.metricTimeout,
		"bsp": s.bspTimeout, "metric export": s.metricExpTime} {
		if d != noLimit {
			t.Errorf("%s timeout %v, want no limit (%v)", name, d, noLimit)
		}
	}
	if noLimit < 24*time.Hour || len(warned) != 0 {
		t.Errorf("noLimit %v, warnings %q", noLimit, warned)
	}
	// Decimal digits alone, as in Rust; any longer timeout is no limit.
	for _, long := range []string{"2147483648", "9999999999999", "99999999999999999999"} {
		s, warned = exportSettingsOf(map[string]string{"OTEL_METRIC_EXPORT_TIMEOUT": long, "OTEL_BSP_EXPORT_TIMEOUT": long})
		if s.metricExpTime != noLimit || s.bspTimeout != noLimit || len(warned) != 0 {
			t.Errorf("%s: %v %v %q", long, s.metricExpTime, s.bspTimeout, warned)
		}
	}
	for _, bad := range []string{"-5", "+5", "-0", "1 0"} {
		s, warned = exportSettingsOf(map[string]string{"OTEL_METRIC_EXPORT_TIMEOUT": bad})
		if s.metricExpTime != conv.exportTimeout || len(warned) != 1 || !strings.Contains(warned[0], "OTEL_METRIC_EXPORT_TIMEOUT") {
			t.Errorf("%s: %v %q", bad, s.metricExpTime, warned)
		}
	}
}

// An unusable value is warned about and ignored as if unset: the signal's
// variable falls to the general one, then to the conventions (as in Rust).
func TestBadCompressionAndTimeoutFallThrough(t *testing.T) {
	s, warned := exportSettingsOf(map[string]string{"OTEL_EXPORTER_OTLP_COMPRESSION": "br"})
	if s.traceGzip != conv.exportGzip || s.metricGzip != conv.exportGzip || len(warned) != 1 ||
		!strings.Contains(warned[0], `OTEL_EXPORTER_OTLP_COMPRESSION="br"`) {
		t.Errorf("br: gzip %v/%v, warnings %q", s.traceGzip, s.metricGzip, warned)
	}
	s, warned = exportSettingsOf(map[string]string{
		"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION": "zstd",
		"OTEL_EXPORTER_OTLP_COMPRESSION":        "gzip",
		"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT":     "soon",
		"OTEL_EXPORTER_OTLP_TIMEOUT":            "700",
	})
	if !s.traceGzip || s.traceTimeout != 700*time.Millisecond || len(warned) != 2 ||
		!strings.Contains(warned[0]+warned[1], "using gzip") || !strings.Contains(warned[0]+warned[1], "using 700ms") {
		t.Errorf("fall-through: gzip %v timeout %v, warnings %q", s.traceGzip, s.traceTimeout, warned)
	}
	s, warned = exportSettingsOf(map[string]string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "carrier-pigeon",
		"OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"})
	if s.traceProtocol != "http/protobuf" || len(warned) != 1 {
		t.Errorf("protocol fall-through: %q, warnings %q", s.traceProtocol, warned)
	}
}

// OTEL_BSP_SCHEDULE_DELAY=0 would make the SDK's batcher spin: a floor
// with a warning. Queue and batch sizes of 0 use the conventions'.
func TestBatchLimitsFloorAndPositive(t *testing.T) {
	for _, v := range []string{"0", "1", "9"} {
		s, warned := exportSettingsOf(map[string]string{"OTEL_BSP_SCHEDULE_DELAY": v})
		if s.bspDelay != minScheduleDelay || len(warned) != 1 || !strings.Contains(warned[0], "smallest accepted") {
			t.Errorf("delay %s: %v, warnings %q", v, s.bspDelay, warned)
		}
	}
	s, warned := exportSettingsOf(map[string]string{"OTEL_BSP_MAX_QUEUE_SIZE": "0", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "0"})
	if s.bspQueue != conv.queueSize || s.bspBatch != conv.batchSize || len(warned) != 2 {
		t.Errorf("sizes 0: %d/%d, warnings %q", s.bspQueue, s.bspBatch, warned)
	}
	// Decimal digits alone, as every integer variable: a sign is not read.
	for _, v := range []string{"+250", "-0"} {
		s, warned := exportSettingsOf(map[string]string{
			"OTEL_BSP_SCHEDULE_DELAY": v, "OTEL_BSP_MAX_QUEUE_SIZE": v, "OTEL_METRIC_EXPORT_INTERVAL": v,
		})
		if s.bspDelay != conv.scheduleDelay || s.bspQueue != conv.queueSize || s.metricInterval != conv.exportInterval || len(warned) != 3 {
			t.Errorf("%s: delay %v queue %d interval %v, warnings %q", v, s.bspDelay, s.bspQueue, s.metricInterval, warned)
		}
	}
}

// OTEL_RESOURCE_ATTRIBUTES wins over the SDK's telemetry.sdk.* as over the
// conventions (environment over conventions over SDK defaults), and of a
// key given twice the last value is kept; the Rust module does the same.
func TestResourceVariablesWinOverSDKAttributes(t *testing.T) {
	env := fullEnv()
	env["OTEL_RESOURCE_ATTRIBUTES"] = "telemetry.sdk.name=custom,team=a,team=b"
	env[conv.ratioEnv] = "1"
	mem := tracetest.NewInMemoryExporter()
	shutdown, err := Setup(context.Background(), getenv(env), WithSpanExporter(keptExporter{mem}),
		WithSetupLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
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
	wantAttr(t, res, "telemetry.sdk.name", "custom")
	wantAttr(t, res, "telemetry.sdk.language", "go")
	wantAttr(t, res, "team", "b")
}

// OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE is honoured and a bad
// value reported; OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION is
// not read: histograms keep the conventions' explicit buckets, as in Rust.
func TestMetricTemporalityAndAggregation(t *testing.T) {
	for _, c := range []struct {
		value  string
		want   metricdata.Temporality
		warned int
	}{
		{"", metricdata.CumulativeTemporality, 0},
		{"Delta", metricdata.DeltaTemporality, 0},
		{"sideways", metricdata.CumulativeTemporality, 1},
	} {
		env := map[string]string{
			"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE":        c.value,
			"OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION": "base2_exponential_bucket_histogram",
			"OTEL_EXPORTER_OTLP_PROTOCOL":                              "http/protobuf",
			"OTEL_EXPORTER_OTLP_ENDPOINT":                              "http://127.0.0.1:9",
		}
		for k, v := range env {
			t.Setenv(k, v)
		}
		e := &envReader{getenv: func(k string) string { return env[k] },
			logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		s := e.exportSettings()
		exp, err := newOTLPMetricExporter(context.Background(), &setupConfig{logger: e.logger}, e, s)
		if err != nil {
			t.Fatal(err)
		}
		if got := exp.Temporality(sdkmetric.InstrumentKindCounter); got != c.want {
			t.Errorf("%q: temporality %v, want %v", c.value, got, c.want)
		}
		if _, ok := exp.Aggregation(sdkmetric.InstrumentKindHistogram).(sdkmetric.AggregationExplicitBucketHistogram); !ok {
			t.Errorf("%q: histogram aggregation %T, want explicit buckets", c.value, exp.Aggregation(sdkmetric.InstrumentKindHistogram))
		}
		if len(e.errs) != c.warned {
			t.Errorf("%q: warnings %v", c.value, e.errs)
		}
		_ = exp.Shutdown(context.Background())
	}
}

// Over OTLP/HTTP an endpoint without an http or https scheme names no
// transport (protocol/exporter.md, v1.60.0): it is warned about, without its
// credentials, and the next setting is used; the SDK would otherwise fail to
// parse it and drop every export. The Rust module does the same.
func TestSchemelessHTTPEndpointIsWarnedAboutAndPassedOver(t *testing.T) {
	for _, bad := range []string{"127.0.0.1:4318", "collector:4318", "not a url", "http://[::1", "https://", "http://127.0.0.1:9x"} {
		var logs strings.Builder
		e := &envReader{getenv: func(k string) string {
			return map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": bad}[k]
		}, logger: slog.New(slog.NewTextHandler(&logs, nil))}
		got := e.endpointURL("TRACES", "http/protobuf")
		unset := (&envReader{getenv: func(string) string { return "" }, logger: e.logger}).endpointURL("TRACES", "http/protobuf")
		if got != unset {
			t.Errorf("%q: endpoint %q, want %q (as with no variable)", bad, got, unset)
		}
		if len(e.errs) != 1 || !strings.Contains(e.errs[0].Error(), "OTEL_EXPORTER_OTLP_ENDPOINT") {
			t.Errorf("%q: warnings %v", bad, e.errs)
		}
		if u, ok := e.exporterEndpoint("TRACES", "http/protobuf"); !ok || u != got {
			t.Errorf("%q: the exporter is given %q, %v", bad, u, ok)
		}
	}
	env := map[string]string{
		"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "user:pw@collector:4318",
		"OTEL_EXPORTER_OTLP_ENDPOINT":        "https://collector.example:4318",
	}
	e := &envReader{getenv: func(k string) string { return env[k] }, logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if got := e.endpointURL("TRACES", "http/protobuf"); got != "https://collector.example:4318/v1/traces" {
		t.Errorf("a bad signal endpoint must fall back to the general one: %q", got)
	}
	if len(e.errs) != 1 || strings.Contains(e.errs[0].Error(), "pw") {
		t.Errorf("warnings %v", e.errs)
	}
	// Over gRPC host:port is an endpoint (INSECURE says plain text or TLS).
	grpc := &envReader{getenv: func(k string) string {
		return map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4317"}[k]
	}, logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if got := grpc.endpointURL("TRACES", "grpc"); got != "collector:4317" || len(grpc.errs) != 0 {
		t.Errorf("gRPC: %q %v", got, grpc.errs)
	}
}
