package telemetry

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/propagation"
)

func readPropagators(t *testing.T, value string) ([]propagation.TextMapPropagator, bool, string) {
	t.Helper()
	var logs bytes.Buffer
	e := &envReader{
		getenv: func(k string) string {
			if k == "OTEL_PROPAGATORS" {
				return value
			}
			return ""
		},
		logger: slog.New(slog.NewTextHandler(&logs, nil)),
	}
	ps, ok := e.propagatorList()
	return ps, ok, logs.String()
}

func TestPropagatorsAreUsedOnce(t *testing.T) {
	ps, ok, logs := readPropagators(t, "tracecontext, TraceContext,baggage,tracecontext,baggage")
	if !ok || len(ps) != 2 {
		t.Fatalf("got %d propagators (ok %v), want tracecontext and baggage once each", len(ps), ok)
	}
	if _, isTC := ps[0].(propagation.TraceContext); !isTC {
		t.Fatalf("first propagator %T, want TraceContext", ps[0])
	}
	if logs != "" {
		t.Fatalf("unexpected warnings: %s", logs)
	}
}

func TestOnlyUnknownPropagatorsMeanTheConventions(t *testing.T) {
	ps, ok, logs := readPropagators(t, "xray,ottrace,xray")
	if ok || ps != nil {
		t.Fatalf("got %v (ok %v), want the conventions' propagators", ps, ok)
	}
	if n := strings.Count(logs, "value=xray "); n != 1 {
		t.Fatalf("xray warned %d times, want once: %s", n, logs)
	}
	if !strings.Contains(logs, "the conventions' propagators") {
		t.Fatalf("no fallback warning: %s", logs)
	}
}

func TestB3IsWarnedAboutOnce(t *testing.T) {
	ps, ok, logs := readPropagators(t, "b3,tracecontext,B3,b3multi")
	if !ok || len(ps) != 1 {
		t.Fatalf("got %d propagators (ok %v), want tracecontext only", len(ps), ok)
	}
	if n := strings.Count(logs, "value=b3 "); n != 1 {
		t.Fatalf("b3 warned %d times, want once: %s", n, logs)
	}
	if !strings.Contains(logs, "value=b3multi") {
		t.Fatalf("b3multi not warned about: %s", logs)
	}
}

func TestNoneAloneOrWithOthers(t *testing.T) {
	ps, ok, logs := readPropagators(t, "none")
	if !ok || len(ps) != 0 || logs != "" {
		t.Fatalf("none: got %v (ok %v) logs %q, want no propagator and no warning", ps, ok, logs)
	}
	ps, ok, logs = readPropagators(t, "none,tracecontext")
	if !ok || len(ps) != 1 || !strings.Contains(logs, "value=none") {
		t.Fatalf("none,tracecontext: got %v (ok %v) logs %q, want tracecontext and a warning", ps, ok, logs)
	}
	ps, ok, _ = readPropagators(t, "none,xray")
	if !ok || len(ps) != 0 {
		t.Fatalf("none,xray: got %v (ok %v), want no propagator", ps, ok)
	}
}

func TestExporterNoneWithOthersIsIgnored(t *testing.T) {
	read := func(value string) ([]string, string) {
		var logs bytes.Buffer
		e := &envReader{
			getenv: func(k string) string {
				if k == "OTEL_TRACES_EXPORTER" {
					return value
				}
				return ""
			},
			logger: slog.New(slog.NewTextHandler(&logs, nil)),
		}
		return e.exporters("OTEL_TRACES_EXPORTER"), logs.String()
	}
	got, logs := read("otlp,none")
	if len(got) != 1 || got[0] != "otlp" || !strings.Contains(logs, "value=none") {
		t.Fatalf("otlp,none: got %v logs %q, want otlp and a warning about none", got, logs)
	}
	if got, logs = read("none"); got != nil || logs != "" {
		t.Fatalf("none: got %v logs %q, want nothing and no warning", got, logs)
	}
	if got, _ = read("none,zipkin"); got != nil {
		t.Fatalf("none,zipkin: got %v, want nothing", got)
	}
}
