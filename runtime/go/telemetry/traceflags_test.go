package telemetry

import (
	"context"
	"net/http"
	"testing"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

func TestUnknownTraceFlagsAreIgnored(t *testing.T) {
	const head = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-"
	cases := []struct {
		flags   string
		valid   bool
		sampled bool
	}{
		{"00", true, false},
		{"01", true, true},
		{"09", true, true},
		{"08", true, false},
		{"ff", true, true},
		{"0A", false, false},
		{"0g", false, false},
	}
	for _, c := range cases {
		h := http.Header{}
		h.Set("traceparent", head+c.flags)
		sc := trace.SpanContextFromContext(propagation.TraceContext{}.Extract(context.Background(), headerCarrier(h)))
		if sc.IsValid() != c.valid || sc.IsSampled() != c.sampled {
			t.Errorf("flags %s: valid %v sampled %v, want %v %v", c.flags, sc.IsValid(), sc.IsSampled(), c.valid, c.sampled)
		}
	}
	if got := maskTraceFlags("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09"); got[53:] != "09" {
		t.Errorf("another version was changed: %s", got)
	}
	if got := maskTraceFlags(head + "01"); got != head+"01" {
		t.Errorf("known flags changed: %s", got)
	}
}
