package telemetry

import (
	"context"
	"encoding/binary"
	"math"
	"strings"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// SampleTraceID reports whether a root span with this trace id is sampled at
// ratio. The arithmetic is shared by every language the conventions target:
// x is the big-endian uint64 of bytes 8..16 of the trace id shifted right by
// one; the span is sampled iff x < uint64(ratio * 2^63). A ratio >= 1 always
// samples and a ratio <= 0 never does.
func SampleTraceID(id trace.TraceID, ratio float64) bool {
	if ratio >= 1 {
		return true
	}
	if !(ratio > 0) { // also catches NaN
		return false
	}
	x := binary.BigEndian.Uint64(id[8:16]) >> 1
	bound := uint64(ratio * (1 << 63))
	return x < bound
}

type routeRatio struct {
	method string // empty matches every method
	route  string
	ratio  float64
}

// Sampler is the parent-based trace-id ratio sampler of the conventions. Its
// ratio and kill switch can be changed while the service runs (see Levers).
// OTEL_TRACES_SAMPLER can make it ignore the parent (always_on, always_off,
// traceidratio), as the specification defines those samplers.
type Sampler struct {
	enabled     atomic.Bool
	ratio       atomic.Uint64 // math.Float64bits of the environment's ratio
	override    atomic.Uint64 // math.Float64bits of a lever ratio; NaN when unset
	routes      map[string]float64
	independent bool // the decision ignores the parent
}

var _ sdktrace.Sampler = (*Sampler)(nil)

// NewSampler returns an enabled sampler with the given ratio for root spans
// and the conventions' per-route ratios.
func NewSampler(ratio float64) *Sampler {
	s := &Sampler{routes: make(map[string]float64, len(conv.routeRatios))}
	s.enabled.Store(true)
	s.ratio.Store(math.Float64bits(ratio))
	s.override.Store(math.Float64bits(math.NaN()))
	for _, r := range conv.routeRatios {
		s.routes[routeKey(r.method, r.route)] = r.ratio
	}
	return s
}

// newEnvSampler returns the sampler OTEL_TRACES_SAMPLER names: parentBased
// false ignores the parent's decision; the conventions' per-route ratios do
// not apply, since the variable names the whole sampler.
func newEnvSampler(ratio float64, parentBased bool) *Sampler {
	s := &Sampler{independent: !parentBased}
	s.enabled.Store(true)
	s.ratio.Store(math.Float64bits(ratio))
	s.override.Store(math.Float64bits(math.NaN()))
	return s
}

// Off reports whether tracing is switched off: the kill switch, a lever
// ratio of 0, or a sampler that never samples whatever the parent says.
// Instrumentation then starts no spans and passes the incoming context
// through unchanged, as a no-op tracer does.
func (s *Sampler) Off() bool {
	if !s.enabled.Load() {
		return true
	}
	if o := math.Float64frombits(s.override.Load()); !math.IsNaN(o) {
		return o == 0
	}
	return s.independent && len(s.routes) == 0 && math.Float64frombits(s.ratio.Load()) == 0
}

func routeKey(method, route string) string {
	return method + " " + route
}

// Enabled reports whether tracing is on (the kill switch is off).
func (s *Sampler) Enabled() bool { return s.enabled.Load() }

// SetEnabled switches tracing on or off for every new span.
func (s *Sampler) SetEnabled(on bool) { s.enabled.Store(on) }

// Ratio returns the ratio root spans are sampled at, the lever's ratio if set.
func (s *Sampler) Ratio() float64 {
	if o := math.Float64frombits(s.override.Load()); !math.IsNaN(o) {
		return o
	}
	return math.Float64frombits(s.ratio.Load())
}

// SetRatio sets a ratio that applies to every root span, per-route ratios
// included, until ResetRatio.
func (s *Sampler) SetRatio(ratio float64) {
	s.override.Store(math.Float64bits(math.Max(0, math.Min(1, ratio))))
}

// ResetRatio goes back to the environment's and per-route ratios.
func (s *Sampler) ResetRatio() { s.override.Store(math.Float64bits(math.NaN())) }

// ShouldSample implements sdktrace.Sampler.
func (s *Sampler) ShouldSample(p sdktrace.SamplingParameters) sdktrace.SamplingResult {
	psc := trace.SpanContextFromContext(p.ParentContext)
	res := sdktrace.SamplingResult{Tracestate: psc.TraceState()}
	if !s.enabled.Load() {
		return res
	}
	if psc.IsValid() && !s.independent {
		if psc.IsSampled() {
			res.Decision = sdktrace.RecordAndSample
		}
		return res
	}
	if SampleTraceID(p.TraceID, s.rootRatio(p.ParentContext, p.Attributes)) {
		res.Decision = sdktrace.RecordAndSample
	}
	return res
}

func (s *Sampler) rootRatio(ctx context.Context, attrs []attribute.KeyValue) float64 {
	if o := math.Float64frombits(s.override.Load()); !math.IsNaN(o) {
		return o
	}
	if len(s.routes) > 0 {
		method, route := samplingRouteFrom(ctx)
		if route == "" {
			for _, kv := range attrs {
				switch kv.Key {
				case keyHTTPRequestMethod:
					method = kv.Value.AsString()
				case keyHTTPRoute:
					route = kv.Value.AsString()
				}
			}
		}
		if route != "" {
			if r, ok := s.lookupRoute(method, route); ok {
				return r
			}
		}
	}
	return math.Float64frombits(s.ratio.Load())
}

func (s *Sampler) lookupRoute(method, route string) (float64, bool) {
	// The keys are "METHOD /route" or " /route"; build the key without
	// allocating when it is short.
	var buf [128]byte
	if len(method)+1+len(route) <= len(buf) {
		n := copy(buf[:], method)
		buf[n] = ' '
		n++
		n += copy(buf[n:], route)
		if r, ok := s.routes[string(buf[:n])]; ok {
			return r, true
		}
		buf[0] = ' '
		n = 1 + copy(buf[1:], route)
		r, ok := s.routes[string(buf[:n])]
		return r, ok
	}
	if r, ok := s.routes[routeKey(method, route)]; ok {
		return r, true
	}
	r, ok := s.routes[routeKey("", route)]
	return r, ok
}

// Description implements sdktrace.Sampler.
func (s *Sampler) Description() string {
	if s.independent {
		return "ConventionsSampler{trace-id ratio}"
	}
	return "ConventionsSampler{parent-based, trace-id ratio}"
}

type samplingRouteKey struct{}

type samplingRoute struct{ method, route string }

// withSamplingRoute tells the sampler the route of a request before its span
// starts, without making it a span attribute: a per-route ratio may match a
// request that no route of the service serves.
func withSamplingRoute(ctx context.Context, method, route string) context.Context {
	return context.WithValue(ctx, samplingRouteKey{}, samplingRoute{method, route})
}

func samplingRouteFrom(ctx context.Context) (string, string) {
	if ctx == nil {
		return "", ""
	}
	r, _ := ctx.Value(samplingRouteKey{}).(samplingRoute)
	return r.method, r.route
}

// routeMethod splits a ServeMux pattern ("GET example.com/x") into its
// method and path.
func splitPattern(pattern string) (method, route string) {
	if i := strings.IndexByte(pattern, ' '); i >= 0 {
		method, pattern = pattern[:i], strings.TrimLeft(pattern[i+1:], " \t")
	}
	if i := strings.IndexByte(pattern, '/'); i > 0 {
		pattern = pattern[i:] // drop the host
	}
	return method, pattern
}
