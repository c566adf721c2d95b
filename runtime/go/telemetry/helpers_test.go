package telemetry

import (
	"context"
	"fmt"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// testProviders records spans and metrics in memory.
type testProviders struct {
	spans  *tracetest.SpanRecorder
	tp     *sdktrace.TracerProvider
	reader *sdkmetric.ManualReader
	mp     *sdkmetric.MeterProvider
}

func newTestProviders(t *testing.T, sampler sdktrace.Sampler) *testProviders {
	t.Helper()
	if sampler == nil {
		sampler = sdktrace.AlwaysSample()
	}
	p := &testProviders{spans: tracetest.NewSpanRecorder(), reader: sdkmetric.NewManualReader()}
	p.tp = sdktrace.NewTracerProvider(sdktrace.WithSampler(sampler), sdktrace.WithSpanProcessor(p.spans))
	p.mp = sdkmetric.NewMeterProvider(sdkmetric.WithReader(p.reader))
	t.Cleanup(func() {
		_ = p.tp.Shutdown(context.Background())
		_ = p.mp.Shutdown(context.Background())
	})
	return p
}

func (p *testProviders) options() []Option {
	return []Option{WithTracerProvider(p.tp), WithMeterProvider(p.mp), WithPropagators(Propagators())}
}

// histogram returns the data points of the float64 histogram called name.
func (p *testProviders) histogram(t *testing.T, name string) []metricdata.HistogramDataPoint[float64] {
	t.Helper()
	points, err := p.tryHistogram(name)
	if err != nil {
		t.Fatal(err)
	}
	return points
}

func (p *testProviders) tryHistogram(name string) ([]metricdata.HistogramDataPoint[float64], error) {
	var rm metricdata.ResourceMetrics
	if err := p.reader.Collect(context.Background(), &rm); err != nil {
		return nil, err
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == name {
				h, ok := m.Data.(metricdata.Histogram[float64])
				if !ok {
					return nil, fmt.Errorf("%s is a %T, not a float64 histogram", name, m.Data)
				}
				return h.DataPoints, nil
			}
		}
	}
	return nil, fmt.Errorf("no metric %q recorded", name)
}

func attrMap(kvs []attribute.KeyValue) map[attribute.Key]attribute.Value {
	m := make(map[attribute.Key]attribute.Value, len(kvs))
	for _, kv := range kvs {
		m[kv.Key] = kv.Value
	}
	return m
}

func wantAttr(t *testing.T, got map[attribute.Key]attribute.Value, key attribute.Key, want any) {
	t.Helper()
	v, ok := got[key]
	if !ok {
		t.Errorf("attribute %s missing", key)
		return
	}
	if v.AsInterface() != want {
		t.Errorf("attribute %s = %v, want %v", key, v.AsInterface(), want)
	}
}

func attributeKey(k string) attribute.Key { return attribute.Key(k) }

func withEventAttrs(keys map[string]privacyAction) trace.EventOption {
	var kvs []attribute.KeyValue
	for k := range keys {
		kvs = append(kvs, attribute.String(k, "raw-value"))
	}
	return trace.WithAttributes(kvs...)
}

// useTestConventions gives one test the conventions its expectations are
// written for (internal boundaries, no trusted proxies, no server name, lax
// start-up, the semantic conventions' known methods and sensitive query
// parameters), whatever conventions the package was generated from, and
// restores them after the test.
func useTestConventions(t *testing.T) {
	t.Helper()
	saved, savedProxies, savedSensitive, savedMethods := conv, trustedProxies, sensitiveQuery, knownMethods.Load()
	t.Cleanup(func() {
		conv, trustedProxies, sensitiveQuery = saved, savedProxies, savedSensitive
		knownMethods.Store(savedMethods)
	})
	conv.strictStartup = false
	conv.trustHTTPServer, conv.trustGRPCServer, conv.trustRoutes = false, false, nil
	conv.trustedProxies, trustedProxies = nil, nil
	conv.serverName = ""
	conv.sensitiveQueryParams = []string{"AWSAccessKeyId", "Signature", "sig", "X-Goog-Signature", "X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token", "access_token", "client_secret", "api_key", "apikey", "token", "password", "passwd", "secret"}
	sensitiveQuery = sensitiveSet(conv.sensitiveQueryParams)
	conv.knownMethods = []string{"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "QUERY"}
	setKnownMethods(conv.knownMethods)
}

// usePrivacyActions gives one test the privacy table its expectations are
// written for, whatever conventions the package was generated from.
func usePrivacyActions(t *testing.T, actions map[string]privacyAction) {
	t.Helper()
	saved := privacyActions
	t.Cleanup(func() { privacyActions = saved; refreshSourceDrops() })
	privacyActions = actions
	refreshSourceDrops()
}
