package telemetry

import (
	"errors"
	"net"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
)

// newDurationHistogram creates a duration histogram in seconds with the
// conventions' buckets. An invalid instrument name falls back to a no-op.
func newDurationHistogram(mp metric.MeterProvider, name, desc string) metric.Float64Histogram {
	h, err := scopeMeter(mp).Float64Histogram(name,
		metric.WithUnit("s"),
		metric.WithDescription(desc),
		metric.WithExplicitBucketBoundaries(conv.durationBuckets...),
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
