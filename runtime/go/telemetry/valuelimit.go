package telemetry

import (
	"strconv"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// The longest span attribute value: the conventions' export.limits
// (span_attribute_value_length), overridden by OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT
// and, over both, OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT (specification
// v1.60.0, configuration/sdk-environment-variables.md, "Attribute Limits" and
// "Span Limits"; common/README.md, "Attribute Limits": a longer string value,
// and each longer string of an array, is cut to that many characters). The
// specification's default is no limit; the conventions give one, so a
// request header or path of any size (Go accepts a megabyte of headers) never
// makes a span, and the batch it is exported in, too large for a collector.
// The Rust module reads the same variables in the same order.

// spanValueLength reads the two variables over the conventions' value. A
// value that is not a non-negative integer is warned about, and the next
// setting in the order is used.
func (e *envReader) spanValueLength() int {
	n := e.valueLength("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", conv.spanValueLength)
	return e.valueLength("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", n)
}

func (e *envReader) valueLength(name string, fallback int) int {
	v := e.get(name)
	if v == "" {
		return fallback
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		e.warn(name, v, strconv.Itoa(fallback))
		return fallback
	}
	return n
}

// spanLimits are the SDK's span limits (which read the count variables)
// with the attribute value length of spanValueLength.
func spanLimits(valueLength int) sdktrace.TracerProviderOption {
	l := sdktrace.NewSpanLimits()
	l.AttributeValueLengthLimit = valueLength
	return sdktrace.WithRawSpanLimits(l)
}
