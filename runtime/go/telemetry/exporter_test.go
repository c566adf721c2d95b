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
