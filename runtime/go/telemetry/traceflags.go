package telemetry

import (
	"strings"

	"go.opentelemetry.io/otel/propagation"
)

// maskTraceFlags returns a version-00 traceparent with the trace-flags bits
// this package's propagator does not know (all but sampled, 0x01, and
// random, 0x02) cleared. W3C Trace Context (Level 1 and Level 2, section
// trace-flags) makes trace-flags a bit field: a receiver reads the bits it
// knows and ignores the others, so "09" is "sampled" with an undefined bit
// set. The OpenTelemetry Go propagator refuses such a header and starts a new
// trace where the Rust one continues the caller's; masking first makes Go
// continue it too. Any other value (another version, another length,
// upper-case hex) is returned unchanged for the propagator to judge. Only a
// header with an unknown bit set costs an allocation.
func maskTraceFlags(v string) string {
	const n = 55 // "00-" + 32 + "-" + 16 + "-" + 2
	if len(v) != n || v[0] != '0' || v[1] != '0' || v[n-3] != '-' {
		return v
	}
	hi, lo := lowerHex(v[n-2]), lowerHex(v[n-1])
	if hi < 0 || lo < 0 || hi == 0 && lo <= 3 {
		return v
	}
	return v[:n-2] + "0" + string("0123"[lo&3])
}

// lowerHex is the value of a lower-case hex digit, or -1.
func lowerHex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	}
	return -1
}

// maskingCarrier reads traceparent through maskTraceFlags; everything else
// goes to the carrier it wraps. The HTTP and gRPC carriers mask in their own
// Get; maskFlags wraps any other carrier the package extracts from (message
// headers, a caller's carrier).
type maskingCarrier struct{ propagation.TextMapCarrier }

func (c maskingCarrier) Get(key string) string {
	v := c.TextMapCarrier.Get(key)
	if strings.EqualFold(key, "traceparent") {
		return maskTraceFlags(v)
	}
	return v
}

// maskingValuesCarrier is a maskingCarrier over a carrier that also gives
// every value of a key (propagation.ValuesGetter, read for baggage).
type maskingValuesCarrier struct {
	maskingCarrier
	values propagation.ValuesGetter
}

func (c maskingValuesCarrier) Values(key string) []string { return c.values.Values(key) }

// maskFlags returns c with its traceparent read through maskTraceFlags.
func maskFlags(c propagation.TextMapCarrier) propagation.TextMapCarrier {
	if v, ok := c.(propagation.ValuesGetter); ok {
		return maskingValuesCarrier{maskingCarrier{c}, v}
	}
	return maskingCarrier{c}
}
