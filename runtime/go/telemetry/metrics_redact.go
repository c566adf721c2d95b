package telemetry

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
)

// Metric attributes follow the same privacy policy as spans, in two steps:
// a view drops the attributes whose action is drop or redact (and hash when
// no key is set) before aggregation, so the series they would have split
// merge; the exporter wrapper then hashes the attributes whose action is hash
// and scrubs the attributes that exemplars keep of what the view filtered.

// metricView is the one view Setup installs: it renames otelgrpc's server
// call duration to the conventions' name with the conventions' buckets, and
// filters pii and secret attributes out of every instrument.
func metricView(i sdkmetric.Instrument) (sdkmetric.Stream, bool) {
	s := sdkmetric.Stream{Name: i.Name, Description: i.Description, Unit: i.Unit, AttributeFilter: keepMetricAttribute}
	if i.Name == "rpc.server.call.duration" && i.Scope.Name == otelgrpcScope {
		s.Name = conv.rpcServerDuration
		s.Aggregation = sdkmetric.AggregationExplicitBucketHistogram{Boundaries: conv.durationBuckets}
	}
	return s, true
}

var _ sdkmetric.View = metricView

// otelgrpcScope is otelgrpc's instrumentation scope name (its ScopeName,
// checked by grpc_test.go), written out so this file needs no gRPC module.
const otelgrpcScope = "go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"

// keepMetricAttribute reports whether an attribute survives aggregation.
func keepMetricAttribute(kv attribute.KeyValue) bool {
	switch privacyActions[string(kv.Key)] {
	case actionKeep:
		return true
	case actionHash:
		return hashKey.Load() != nil
	default:
		return false
	}
}

// hashedKeys lists the attribute keys whose action is hash.
var hashedKeys = func() []attribute.Key {
	var ks []attribute.Key
	for k, a := range privacyActions {
		if a == actionHash {
			ks = append(ks, attribute.Key(k))
		}
	}
	return ks
}()

// redactingMetricExporter applies the privacy policy to metric data points;
// when res is set, it is the exported resource (see redactingExporter).
type redactingMetricExporter struct {
	sdkmetric.Exporter
	res *resource.Resource
}

func (e redactingMetricExporter) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	if e.res != nil {
		rm.Resource = e.res
	}
	for i := range rm.ScopeMetrics {
		for j := range rm.ScopeMetrics[i].Metrics {
			m := &rm.ScopeMetrics[i].Metrics[j]
			m.Data = redactAggregation(m.Data)
		}
	}
	return e.Exporter.Export(ctx, rm)
}

func redactAggregation(a metricdata.Aggregation) metricdata.Aggregation {
	switch d := a.(type) {
	case metricdata.Sum[int64]:
		redactPoints(d.DataPoints)
	case metricdata.Sum[float64]:
		redactPoints(d.DataPoints)
	case metricdata.Gauge[int64]:
		redactPoints(d.DataPoints)
	case metricdata.Gauge[float64]:
		redactPoints(d.DataPoints)
	case metricdata.Histogram[int64]:
		redactHistogram(d.DataPoints)
	case metricdata.Histogram[float64]:
		redactHistogram(d.DataPoints)
	case metricdata.ExponentialHistogram[int64]:
		redactExpHistogram(d.DataPoints)
	case metricdata.ExponentialHistogram[float64]:
		redactExpHistogram(d.DataPoints)
	case metricdata.Summary:
		for i := range d.DataPoints {
			d.DataPoints[i].Attributes = redactSet(d.DataPoints[i].Attributes)
		}
	}
	return a
}

func redactPoints[N int64 | float64](ps []metricdata.DataPoint[N]) {
	for i := range ps {
		ps[i].Attributes = redactSet(ps[i].Attributes)
		redactExemplars(ps[i].Exemplars)
	}
}

func redactHistogram[N int64 | float64](ps []metricdata.HistogramDataPoint[N]) {
	for i := range ps {
		ps[i].Attributes = redactSet(ps[i].Attributes)
		redactExemplars(ps[i].Exemplars)
	}
}

func redactExpHistogram[N int64 | float64](ps []metricdata.ExponentialHistogramDataPoint[N]) {
	for i := range ps {
		ps[i].Attributes = redactSet(ps[i].Attributes)
		redactExemplars(ps[i].Exemplars)
	}
}

func redactExemplars[N int64 | float64](es []metricdata.Exemplar[N]) {
	for i := range es {
		es[i].FilteredAttributes = Redact(es[i].FilteredAttributes)
	}
}

func redactSet(s attribute.Set) attribute.Set {
	found := false
	for _, k := range hashedKeys {
		if s.HasValue(k) {
			found = true
			break
		}
	}
	if !found {
		iter := s.Iter()
		for iter.Next() {
			if needsRedaction(iter.Attribute()) {
				found = true
				break
			}
		}
	}
	if !found {
		return s
	}
	return attribute.NewSet(Redact(s.ToSlice())...)
}
