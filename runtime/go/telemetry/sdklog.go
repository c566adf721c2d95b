package telemetry

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
)

// sdkLogHandler is the handler the OpenTelemetry SDK logs through
// (otel.SetLogger). It leaves out the SDK's own reports on the standard
// variables, which quote the value they could not parse: an export header's
// value is a credential, an endpoint may carry userinfo. The package reads
// and reports every one of those variables itself, once, naming the
// variable and never a header's value (envconfig.go, checkHeaders).
type sdkLogHandler struct{ slog.Handler }

// sdkEnvMessages are the messages of the SDK's variable parsing (otlp
// exporters' internal/envconfig, the metric SDK's env.go for
// OTEL_METRIC_EXPORT_INTERVAL and _TIMEOUT, the trace SDK's internal/env for
// the batch processor's variables; otel v1.47.0): the SDK reads those
// variables even when it is given explicit options, and the package has
// warned about each bad value once already.
var sdkEnvMessages = map[string]bool{
	"parse headers":                             true,
	"escape header value":                       true,
	"parse url":                                 true,
	"parse duration":                            true,
	"non-positive duration":                     true,
	"duration overflows time.Duration":          true,
	"Got invalid value, number value expected.": true,
}

func (h sdkLogHandler) Handle(ctx context.Context, r slog.Record) error {
	if sdkEnvMessages[r.Message] {
		return nil
	}
	return h.Handler.Handle(ctx, r)
}

func (h sdkLogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return sdkLogHandler{h.Handler.WithAttrs(attrs)}
}

func (h sdkLogHandler) WithGroup(name string) slog.Handler {
	return sdkLogHandler{h.Handler.WithGroup(name)}
}

// checkHeaders reports the entries of OTEL_EXPORTER_OTLP_HEADERS and the
// signals' own variables that the exporters leave out (no "=", a key that
// is no HTTP header name, a value that is not valid percent-encoding:
// protocol/exporter.md, v1.60.0, the W3C Baggage format). A warning names
// the entry by its position and key, never by its value.
func (e *envReader) checkHeaders() {
	for _, name := range []string{"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_METRICS_HEADERS"} {
		for i, entry := range strings.Split(e.get(name), ",") {
			if strings.TrimSpace(entry) == "" {
				continue
			}
			k, v, ok := strings.Cut(entry, "=")
			k = strings.TrimSpace(k)
			what := ""
			switch _, err := url.PathUnescape(strings.TrimSpace(v)); {
			case !ok:
				what = fmt.Sprintf("entry %d (no key=value form)", i+1)
			case !headerName(k):
				// Not named: a pasted `Name: value` would put the value here.
				what = fmt.Sprintf("entry %d (its key is no header name)", i+1)
			case err != nil:
				what = fmt.Sprintf("entry %d (key %.64q: the value is not valid percent-encoding)", i+1, k)
			default:
				continue
			}
			e.warn(name, what, "the other entries; that one is left out")
		}
	}
}

// headerName reports whether k is an HTTP field name (an RFC 9110 token).
func headerName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
		if !ok {
			return false
		}
	}
	return true
}
