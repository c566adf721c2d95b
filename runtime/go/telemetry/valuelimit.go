package telemetry

import (
	"math"
	"strconv"

	"go.opentelemetry.io/otel/attribute"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// The longest attribute value: the conventions' export.limits
// (span_attribute_value_length), overridden by OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT
// and, over both, OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT (specification
// v1.60.0, configuration/sdk-environment-variables.md, "Attribute Limits" and
// "Span Limits"; common/README.md, "Attribute Limits": a longer string value,
// and each longer string of an array, is cut to that many characters; the
// limits apply to every attribute collection of a span, its events' and
// links' included). The specification's default is no limit; the conventions
// give one, so a request header or path of any size (Go accepts a megabyte of
// headers) never makes a span, and the batch it is exported in, too large for
// a collector. The Rust module reads the same variables in the same order.
//
// The exact cut is the redacting exporter's, after the privacy rules
// (cutAttributes in redactSpan): a cut before them could remove the delimiter
// that marks a credential (the '@' after a URL's userinfo) and let the
// secret's first characters leave, and the rules' own output (REDACTED, a
// keyed hash) is bounded too. The SDK, which cuts span attributes when they
// are set (and never event or link attributes), gets a looser bound
// (sdkValueLength) that only guards memory. The Rust module cuts in the same
// place, after its policy.

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
	n, read := readDecimal(v, math.MaxInt)
	if read != decimalValue {
		e.warn(name, v, strconv.Itoa(fallback))
		return fallback
	}
	return int(n)
}

// guardSlack is how many characters beyond the limit the SDK keeps of a
// span attribute value, so that the privacy rules still see a delimiter up to
// that far past the cut.
const guardSlack = 8192

// sdkValueLength is the SDK's bound for a limit of n: n plus guardSlack, or
// none (-1) when that sum would overflow.
func sdkValueLength(n int) int {
	if n > math.MaxInt-guardSlack {
		return -1
	}
	return n + guardSlack
}

// spanCounts are the count limits of a span: the SDK's defaults (128 each),
// overridden by OTEL_ATTRIBUTE_COUNT_LIMIT for every attribute collection of
// a span and, over it, by the model-specific OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT,
// OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT and OTEL_LINK_ATTRIBUTE_COUNT_LIMIT;
// OTEL_SPAN_EVENT_COUNT_LIMIT and OTEL_SPAN_LINK_COUNT_LIMIT for events and
// links (specification v1.60.0, configuration/sdk-environment-variables.md,
// "Attribute Limits" and "Span Limits"; common/README.md: the model-specific
// limit first, then the general one, then the default). The package reads
// them, not the SDK: a value that is not a non-negative integer (the SDK
// would take a negative one as no limit, the Rust SDK ignores it) is warned
// about once, naming the variable, and the next setting is used ("Parsing
// numeric values": treated as not set), and the SDK gets explicit limits, so
// it reads none of the variables and reports nothing of its own. The Rust
// module reads the same variables in the same order.
type spanCounts struct {
	attrs, events, links, eventAttrs, linkAttrs int
}

func (e *envReader) spanCounts() spanCounts {
	general := e.count("OTEL_ATTRIBUTE_COUNT_LIMIT", sdktrace.DefaultAttributeCountLimit)
	return spanCounts{
		attrs:      e.count("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", general),
		events:     e.count("OTEL_SPAN_EVENT_COUNT_LIMIT", sdktrace.DefaultEventCountLimit),
		links:      e.count("OTEL_SPAN_LINK_COUNT_LIMIT", sdktrace.DefaultLinkCountLimit),
		eventAttrs: e.count("OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", general),
		linkAttrs:  e.count("OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", general),
	}
}

// maxCount is the largest count limit read, as in Rust (a u32 there).
const maxCount = math.MaxUint32

// count reads a count limit: a non-negative integer (readDecimal) of at most
// maxCount, else fallback (with a warning when set): a value out of range is
// treated as not set, as one that cannot be read (configuration/common.md
// v1.60.0, §Numeric).
func (e *envReader) count(name string, fallback int) int {
	v := e.get(name)
	if v == "" {
		return fallback
	}
	n, read := readDecimal(v, maxCount)
	if read != decimalValue {
		e.warn(name, v, strconv.Itoa(fallback))
		return fallback
	}
	return int(n)
}

// spanLimits are the SDK's span limits: the counts the package read and the
// memory guard of sdkValueLength for a limit of valueLength, built whole so
// the SDK reads no variable itself.
func spanLimits(valueLength int, c spanCounts) sdktrace.TracerProviderOption {
	return sdktrace.WithRawSpanLimits(sdktrace.SpanLimits{
		AttributeValueLengthLimit:   sdkValueLength(valueLength),
		AttributeCountLimit:         c.attrs,
		EventCountLimit:             c.events,
		LinkCountLimit:              c.links,
		AttributePerEventCountLimit: c.eventAttrs,
		AttributePerLinkCountLimit:  c.linkAttrs,
	})
}

// cutAttributes returns attrs with every value cut to n (cutValue); attrs
// itself when nothing is longer, a copy otherwise. A negative n is no limit.
func cutAttributes(attrs []attribute.KeyValue, n int) []attribute.KeyValue {
	if n < 0 {
		return attrs
	}
	var out []attribute.KeyValue
	for i, kv := range attrs {
		v, ok := cutValue(kv.Value, n)
		if !ok {
			continue
		}
		if out == nil {
			out = append([]attribute.KeyValue(nil), attrs...)
		}
		out[i].Value = v
	}
	if out == nil {
		return attrs
	}
	return out
}

// cutValue returns v with each string in it (a string, the strings of a
// string slice, and those nested in a slice or a map value) cut to its first
// n characters, and a byte slice to its first n bytes, as the SDK cuts; false
// when nothing was longer.
func cutValue(v attribute.Value, n int) (attribute.Value, bool) {
	switch v.Type() {
	case attribute.STRING:
		if s, ok := cutString(v.AsString(), n); ok {
			return attribute.StringValue(s), true
		}
	case attribute.STRINGSLICE:
		vs, changed := v.AsStringSlice(), false
		for i, s := range vs {
			if c, ok := cutString(s, n); ok {
				vs[i], changed = c, true
			}
		}
		if changed {
			return attribute.StringSliceValue(vs), true
		}
	case attribute.BYTESLICE:
		if b := v.AsByteSlice(); len(b) > n {
			return attribute.ByteSliceValue(b[:n]), true
		}
	case attribute.SLICE:
		vs, changed := v.AsSlice(), false
		for i, e := range vs {
			if c, ok := cutValue(e, n); ok {
				vs[i], changed = c, true
			}
		}
		if changed {
			return attribute.SliceValue(vs...), true
		}
	case attribute.MAP:
		kvs, changed := v.AsMap(), false
		for i, kv := range kvs {
			if c, ok := cutValue(kv.Value, n); ok {
				kvs[i].Value, changed = c, true
			}
		}
		if changed {
			return attribute.MapValue(kvs...), true
		}
	}
	return v, false
}

// cutString returns the first n characters of s, and false when s has no
// more. A string of at most n bytes is only compared.
func cutString(s string, n int) (string, bool) {
	if len(s) <= n {
		return s, false
	}
	count := 0
	for i := range s {
		if count == n {
			return s[:i], true
		}
		count++
	}
	return s, false
}
