package telemetry

import (
	"errors"
	"net"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
)

// dbDurationBuckets are the bucket boundaries of db.client.operation.duration
// in seconds (semantic conventions 1.45.0, database-metrics.md); the HTTP
// and RPC durations use the conventions' buckets.
var dbDurationBuckets = []float64{0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10}

// newDurationHistogram creates a duration histogram in seconds with the
// conventions' buckets. An invalid instrument name falls back to a no-op.
func newDurationHistogram(mp metric.MeterProvider, name, desc string) metric.Float64Histogram {
	return newBucketHistogram(mp, name, desc, conv.durationBuckets)
}

// newBucketHistogram creates a duration histogram in seconds with buckets.
func newBucketHistogram(mp metric.MeterProvider, name, desc string, buckets []float64) metric.Float64Histogram {
	h, err := scopeMeter(mp).Float64Histogram(name,
		metric.WithUnit("s"),
		metric.WithDescription(desc),
		metric.WithExplicitBucketBoundaries(buckets...),
	)
	if err != nil {
		h, _ = metricnoop.NewMeterProvider().Meter(instrumentationName).Float64Histogram(name)
	}
	return h
}

// statusTexts holds error.type values for 5xx codes, so they are not built per request.
var statusTexts = func() map[int]string {
	m := make(map[int]string, 100)
	for c := 500; c < 600; c++ {
		m[c] = strconv.Itoa(c)
	}
	return m
}()

func statusText(code int) string {
	if s, ok := statusTexts[code]; ok {
		return s
	}
	return strconv.Itoa(code)
}

func serverAttrs(c config) []attribute.KeyValue {
	if c.serverAddress == "" {
		return nil
	}
	attrs := []attribute.KeyValue{keyServerAddress.String(c.serverAddress)}
	if c.serverPort > 0 {
		attrs = append(attrs, keyServerPort.Int(c.serverPort))
	}
	return attrs
}

func asNetError(err error, target *net.Error) bool { return errors.As(err, target) }
