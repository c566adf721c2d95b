package telemetry

import (
	"context"
	"net/http"
	"testing"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

const tcHead = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-"

// The HTTP and gRPC carriers give the propagator only what W3C Trace Context
// lets a receiver continue: unknown flag bits ignored, the random bit kept,
// malformed values (a sign, a wrong length, a trailing field on version 00)
// and repeated traceparent values refused.
var traceparentCarrierCases = []struct {
	values        []string
	valid         bool
	sampled, rand bool
}{
	{[]string{tcHead + "01"}, true, true, false},
	{[]string{tcHead + "02"}, true, false, true},
	{[]string{tcHead + "09"}, true, true, false},
	{[]string{tcHead + "ff"}, true, true, true},
	{[]string{tcHead + "0A"}, false, false, false},
	{[]string{tcHead + "+1"}, false, false, false},
	{[]string{tcHead + "01-"}, false, false, false},
	{[]string{" " + tcHead + "01\t"}, true, true, false},
	{[]string{"cc" + tcHead[2:] + "01-future"}, true, true, false},
	{[]string{tcHead + "01", tcHead + "01"}, false, false, false},
}

// checkTraceparentCarrier runs traceparentCarrierCases through the carrier
// made for each case's values (the gRPC carrier's test is in grpc_test.go).
func checkTraceparentCarrier(t *testing.T, name string, carrier func(values []string) propagation.TextMapCarrier) {
	t.Helper()
	for _, c := range traceparentCarrierCases {
		sc := trace.SpanContextFromContext(propagation.TraceContext{}.Extract(context.Background(), carrier(c.values)))
		if sc.IsValid() != c.valid || sc.IsSampled() != c.sampled || sc.TraceFlags().IsRandom() != c.rand {
			t.Errorf("%s %q: valid %v sampled %v random %v, want %v %v %v", name, c.values,
				sc.IsValid(), sc.IsSampled(), sc.TraceFlags().IsRandom(), c.valid, c.sampled, c.rand)
		}
	}
}

func TestCarriersContinueOnlyValidTraceparents(t *testing.T) {
	checkTraceparentCarrier(t, "http", func(v []string) propagation.TextMapCarrier {
		return headerCarrier(http.Header{"Traceparent": v})
	})
}

// The random flag of a continued trace goes downstream (W3C Trace Context
// Level 2: set in the incoming traceparent, it must be set in every outgoing
// one with the same trace-id), whether the span is sampled or not.
func TestRandomFlagGoesDownstream(t *testing.T) {
	for _, flags := range []string{"02", "03"} {
		in := propagation.TraceContext{}.Extract(context.Background(), headerCarrier(http.Header{"Traceparent": {tcHead + flags}}))
		out := http.Header{}
		propagation.TraceContext{}.Inject(in, headerCarrier(out))
		if got := out.Get("Traceparent"); got != tcHead+flags {
			t.Errorf("flags %s went downstream as %s", flags, got)
		}
	}
}

// Invalid tracestate is dropped whole; the traceparent is still continued.
func TestInvalidTracestateKeepsTheParent(t *testing.T) {
	h := http.Header{"Traceparent": {tcHead + "01"}, "Tracestate": {"a=1", "B=2"}}
	sc := trace.SpanContextFromContext(propagation.TraceContext{}.Extract(context.Background(), headerCarrier(h)))
	if !sc.IsValid() || sc.TraceState().Len() != 0 {
		t.Errorf("valid %v tracestate %q", sc.IsValid(), sc.TraceState().String())
	}
	h["Tracestate"] = []string{"a=1 ", " b=2,c=3"}
	sc = trace.SpanContextFromContext(propagation.TraceContext{}.Extract(context.Background(), headerCarrier(h)))
	if got := sc.TraceState().String(); got != "a=1,b=2,c=3" {
		t.Errorf("tracestate %q", got)
	}
	// A key seen twice, even across lines, spoils the whole list (Level 1:
	// "Only one entry per key is allowed").
	h["Tracestate"] = []string{"a=1", "b=2,a=3"}
	sc = trace.SpanContextFromContext(propagation.TraceContext{}.Extract(context.Background(), headerCarrier(h)))
	if !sc.IsValid() || sc.TraceState().Len() != 0 {
		t.Errorf("valid %v tracestate %q", sc.IsValid(), sc.TraceState().String())
	}
}
