package telemetry

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Where telemetry goes, said once at start-up, and export failures said at
// once: the OTLP exporters retry a failed export for up to the conventions'
// retry window before they give up, so the SDK's own error comes late. The
// exporters' HTTP client (and gRPC connection, exporter_grpc.go) is wrapped
// so that every attempt is seen: the first failed attempt of a signal is one
// WARN line, the first success after failures one INFO line. All lines go
// through the logger Setup was given (slog.Default() otherwise), never the
// standard log package.

// exportWatch follows the export attempts of one signal to one endpoint.
type exportWatch struct {
	logger   *slog.Logger
	signal   string
	endpoint string
	failing  atomic.Bool
}

func newExportWatch(logger *slog.Logger, signal, endpoint string) *exportWatch {
	return &exportWatch{logger: logger, signal: signal, endpoint: endpoint}
}

// observe records the outcome of one export attempt.
func (w *exportWatch) observe(err error) {
	if err != nil {
		if w.failing.CompareAndSwap(false, true) {
			w.logger.Warn("telemetry export failed", slog.String("endpoint", w.endpoint),
				slog.String("signal", w.signal), slog.String("error", shortError(err)))
		}
		return
	}
	if w.failing.CompareAndSwap(true, false) {
		w.logger.Info("telemetry export recovered", slog.String("endpoint", w.endpoint),
			slog.String("signal", w.signal))
	}
}

// reported marks err, returned by an exporter, as already logged when the
// watch has reported the failure, so the SDK's error handler does not log it
// a second time.
func (w *exportWatch) reported(err error) error {
	if err == nil || !w.failing.Load() {
		return err
	}
	return reportedError{err}
}

// reportedError is an export error the watch has already logged.
type reportedError struct{ err error }

func (r reportedError) Error() string { return r.err.Error() }
func (r reportedError) Unwrap() error { return r.err }

// maxErrorText bounds the error text of a failure line.
const maxErrorText = 200

// shortError is the text of an export error for a log line: without the
// request URL (its query may carry a credential), URLs in it sanitised, and
// at most maxErrorText bytes. Header values never appear in these errors.
func shortError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	s := SanitizeText(strings.TrimSpace(err.Error()))
	if len(s) > maxErrorText {
		s = strings.ToValidUTF8(s[:maxErrorText], "") + "…"
	}
	return s
}

// cleanEndpoint is an endpoint as the start-up and failure lines show it:
// without userinfo, query or fragment.
func cleanEndpoint(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		// host:port (gRPC) or unparseable: keep what follows any userinfo,
		// up to any query.
		s := raw
		if i := strings.LastIndex(s, "@"); i >= 0 {
			s = s[i+1:]
		}
		if i := strings.IndexAny(s, "?#"); i >= 0 {
			s = s[:i]
		}
		return s
	}
	u.User = nil
	u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = "", false, "", ""
	return u.String()
}

// resolvedEndpoint is endpointURL (envconfig.go) without its credentials,
// query or fragment, for the logs.
func (e *envReader) resolvedEndpoint(signal, protocol string) string {
	return cleanEndpoint(e.endpointURL(signal, protocol))
}

// logExportTarget writes the start-up line: where traces go, or why nowhere.
func logExportTarget(c *setupConfig, e *envReader, s exportSettings, sampler *Sampler) {
	if c.spanExporter != nil {
		return // the service chose its own exporter
	}
	disabled := func(reason string) {
		c.logger.Info("telemetry export disabled", slog.String("reason", reason))
	}
	switch {
	case len(s.traceExporters) == 0:
		disabled("OTEL_TRACES_EXPORTER=none")
	case !sampler.Enabled():
		disabled(conv.killSwitchEnv + "=true (kill switch)")
	case !containsString(s.traceExporters, "otlp"):
		c.logger.Info("telemetry export configured", slog.String("protocol", "console"),
			slog.String("endpoint", "stdout"))
	default:
		c.logger.Info("telemetry export configured", slog.String("protocol", s.traceProtocol),
			slog.String("endpoint", e.resolvedEndpoint("TRACES", s.traceProtocol)))
	}
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// watchTransport reports every OTLP/HTTP attempt to a watch: a transport
// error or a status outside 2xx is a failed attempt.
type watchTransport struct {
	next  http.RoundTripper
	watch *exportWatch
}

var _ http.RoundTripper = (*watchTransport)(nil)

// RoundTrip implements http.RoundTripper.
func (t *watchTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	switch {
	case err != nil:
		t.watch.observe(err)
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		t.watch.observe(fmt.Errorf("HTTP status %s", resp.Status))
	default:
		t.watch.observe(nil)
	}
	return resp, err
}

// watchedHTTPClient is the OTLP/HTTP exporters' client with its attempts
// watched. Giving the exporter a client replaces the one it would build from
// OTEL_EXPORTER_OTLP_(signal_)CERTIFICATE, CLIENT_CERTIFICATE and CLIENT_KEY
// and the timeout, so those are applied here as the SDK would.
func watchedHTTPClient(e *envReader, signal string, timeout time.Duration, w *exportWatch) *http.Client {
	base, ok := http.DefaultTransport.(*http.Transport)
	var tr *http.Transport
	if ok {
		tr = base.Clone()
	} else {
		tr = &http.Transport{Proxy: http.ProxyFromEnvironment}
	}
	if cfg := e.tlsConfig(signal); cfg != nil {
		tr.TLSClientConfig = cfg
	}
	return &http.Client{Transport: &watchTransport{next: tr, watch: w}, Timeout: timeout}
}

// tlsConfig reads the certificate variables of signal; nil when none is set.
// A file that cannot be read is reported and left out.
func (e *envReader) tlsConfig(signal string) *tls.Config {
	pick := func(suffix string) (string, string) {
		for _, name := range []string{"OTEL_EXPORTER_OTLP_" + signal + "_" + suffix, "OTEL_EXPORTER_OTLP_" + suffix} {
			if v := e.get(name); v != "" {
				return name, v
			}
		}
		return "", ""
	}
	var cfg *tls.Config
	if name, path := pick("CERTIFICATE"); path != "" {
		pem, err := os.ReadFile(path)
		pool := x509.NewCertPool()
		if err != nil || !pool.AppendCertsFromPEM(pem) {
			e.warn(name, path, "the system's certificate authorities (the file holds no readable PEM certificate)")
		} else {
			cfg = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		}
	}
	certName, certPath := pick("CLIENT_CERTIFICATE")
	_, keyPath := pick("CLIENT_KEY")
	if certPath != "" && keyPath != "" {
		pair, err := tls.LoadX509KeyPair(certPath, keyPath)
		if err != nil {
			e.warn(certName, certPath, "no client certificate (the certificate and key do not load)")
		} else {
			if cfg == nil {
				cfg = &tls.Config{MinVersion: tls.VersionTLS12}
			}
			cfg.Certificates = []tls.Certificate{pair}
		}
	}
	return cfg
}

// watchedSpanExporter marks the export errors its watch has already logged.
type watchedSpanExporter struct {
	sdktrace.SpanExporter
	watch *exportWatch
}

// ExportSpans implements sdktrace.SpanExporter.
func (x watchedSpanExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	return x.watch.reported(x.SpanExporter.ExportSpans(ctx, spans))
}

// watchedMetricExporter marks the export errors its watch has already logged.
type watchedMetricExporter struct {
	sdkmetric.Exporter
	watch *exportWatch
}

// Export implements sdkmetric.Exporter.
func (x watchedMetricExporter) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	return x.watch.reported(x.Exporter.Export(ctx, rm))
}
