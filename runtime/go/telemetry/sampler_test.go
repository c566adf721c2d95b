package telemetry

import (
	"context"
	"math"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

func idWithLow(low uint64) trace.TraceID {
	var id trace.TraceID
	id[0] = 0xff // the high half never matters
	for i := 0; i < 8; i++ {
		id[15-i] = byte(low >> (8 * i))
	}
	return id
}

// bound is the sampling bound of ratio, computed at run time as the shared
// arithmetic says: a float64 multiply, then truncation.
func bound(ratio float64) uint64 { return uint64(ratio * (1 << 63)) }

func TestSampleTraceIDBoundaries(t *testing.T) {
	cases := []struct {
		name  string
		low   uint64
		ratio float64
		want  bool
	}{
		{"ratio one samples the largest id", math.MaxUint64, 1, true},
		{"ratio zero drops the smallest id", 0, 0, false},
		{"negative ratio drops", 0, -1, false},
		{"NaN drops", 0, math.NaN(), false},
		{"half: just under the bound", (1<<62 - 1) << 1, 0.5, true},
		{"half: at the bound", (1 << 62) << 1, 0.5, false},
		{"the low bit is shifted out", (1<<62)<<1 - 1, 0.5, true},
		{"smallest id at a tiny ratio", 0, 1e-18, true},
		{"tenth: at the bound", bound(0.1) << 1, 0.1, false},
		{"tenth: just under", (bound(0.1) - 1) << 1, 0.1, true},
		{"tenth: the low bit is shifted out", bound(0.1)<<1 - 1, 0.1, true},
	}
	for _, c := range cases {
		if got := SampleTraceID(idWithLow(c.low), c.ratio); got != c.want {
			t.Errorf("%s: SampleTraceID(%x, %v) = %v, want %v", c.name, c.low, c.ratio, got, c.want)
		}
	}
}

func sample(s *Sampler, parent context.Context, id trace.TraceID, attrs ...attribute.KeyValue) bool {
	r := s.ShouldSample(sdktrace.SamplingParameters{ParentContext: parent, TraceID: id, Name: "x", Attributes: attrs})
	return r.Decision == sdktrace.RecordAndSample
}

func remoteParent(sampled bool) context.Context {
	var flags trace.TraceFlags
	if sampled {
		flags = trace.FlagsSampled
	}
	sc := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: idWithLow(42), SpanID: trace.SpanID{1}, TraceFlags: flags, Remote: true,
	})
	return trace.ContextWithRemoteSpanContext(context.Background(), sc)
}

func TestSamplerParentBased(t *testing.T) {
	s := NewSampler(0)
	if !sample(s, remoteParent(true), idWithLow(math.MaxUint64)) {
		t.Error("a sampled parent must be followed even at ratio 0")
	}
	s = NewSampler(1)
	if sample(s, remoteParent(false), idWithLow(0)) {
		t.Error("an unsampled remote parent must be followed even at ratio 1")
	}
	if !sample(s, context.Background(), idWithLow(math.MaxUint64)) {
		t.Error("a root span at ratio 1 must be sampled")
	}
}

func TestSamplerLevers(t *testing.T) {
	s := NewSampler(1)
	s.SetEnabled(false)
	if sample(s, remoteParent(true), idWithLow(0)) {
		t.Error("the kill switch must drop even sampled parents")
	}
	s.SetEnabled(true)
	s.SetRatio(0)
	if sample(s, context.Background(), idWithLow(0)) || s.Ratio() != 0 {
		t.Error("a lever ratio of 0 must drop root spans")
	}
	s.ResetRatio()
	if !sample(s, context.Background(), idWithLow(0)) || s.Ratio() != 1 {
		t.Error("reset must go back to the environment's ratio")
	}
}

func TestSamplerRouteRatios(t *testing.T) {
	for _, r := range conv.routeRatios {
		for _, envRatio := range []float64{0, 1} {
			s := NewSampler(envRatio)
			attrs := []attribute.KeyValue{keyHTTPRoute.String(r.route)}
			if r.method != "" {
				attrs = append(attrs, keyHTTPRequestMethod.String(r.method))
			}
			for _, low := range []uint64{0, 1 << 40, 1 << 62, math.MaxUint64} {
				id := idWithLow(low)
				if got, want := sample(s, context.Background(), id, attrs...), SampleTraceID(id, r.ratio); got != want {
					t.Errorf("route %q %q at environment ratio %v: sampled %v, want %v (route ratio %v)",
						r.method, r.route, envRatio, got, want, r.ratio)
				}
			}
		}
	}
}
