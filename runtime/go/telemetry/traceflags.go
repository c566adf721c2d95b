package telemetry

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
