package telemetry

import (
	"strings"

	"go.opentelemetry.io/otel/propagation"
)

// The W3C Trace Context fields read and written by this package. What it
// accepts follows W3C Trace Context Level 1 (Recommendation, 23 November
// 2021), section 3 "Trace Context HTTP Headers Format"; of Level 2 only the
// random trace-id flag is read (tracestate keys follow Level 1). The Rust
// module accepts exactly the same values (one shared table of vectors checks
// both where they are developed).
const (
	fieldTraceparent = "traceparent"
	fieldTracestate  = "tracestate"
	// traceparentLen is the length of a version-00 traceparent:
	// "00-" + 32 + "-" + 16 + "-" + 2.
	traceparentLen = 55
	// knownTraceFlags are the trace-flags bits this package knows: sampled
	// (0x01, Level 1) and random (0x02, Level 2).
	knownTraceFlags = 0x03
	// tracestateMaxMembers is the W3C limit of list-members.
	tracestateMaxMembers = 32
	// tracestateMaxLen is the longest tracestate this package sends on: W3C
	// asks to propagate at least 512 characters and, past the size a vendor
	// keeps, to drop whole entries (those over 128 characters first, then
	// from the end).
	tracestateMaxLen  = 512
	tracestateLongKey = 128
	// tracestateMaxSystem is the longest system id the Rust SDK's TraceState
	// holds: one fewer than W3C's 14.
	tracestateMaxSystem = 13
)

// cleanTraceparent returns the traceparent value v continues as, or "" when
// v is no valid parent and a new trace starts:
//
//   - optional whitespace (space, tab) around the value is not part of it
//     (RFC 9110, section 5.5; the W3C test suite's OWS case);
//   - version is two lowercase hex digits, not "ff";
//   - trace-id is 32 and parent-id 16 lowercase hex digits, neither all zero,
//     trace-flags 2 lowercase hex digits, each field followed by "-" or the
//     end, at the exact offsets of version 00 (no sign, no other length);
//   - version 00 is exactly 55 characters; a higher version is read by its
//     version-00 prefix, which must be followed by "-" or the end (what
//     follows is not read);
//   - trace-flags bits other than sampled and random are undefined: they are
//     ignored (W3C: a receiver reads the bits it knows, a sender sets the
//     others to zero).
//
// The result is a version-00 value with only the known flag bits; when v
// already is one, v itself (no allocation).
func cleanTraceparent(v string) string {
	v = trimOWS(v)
	if len(v) < traceparentLen {
		return ""
	}
	if v[2] != '-' || v[35] != '-' || v[52] != '-' {
		return ""
	}
	_, okVersion := hexField(v[0:2])
	trace, okTrace := hexField(v[3:35])
	span, okSpan := hexField(v[36:52])
	_, okFlags := hexField(v[53:55])
	if !okVersion || !okTrace || !okSpan || !okFlags {
		return ""
	}
	zeroTrace, zeroSpan := trace == 0, span == 0
	version := v[0:2]
	if version == "ff" || zeroTrace || zeroSpan ||
		len(v) > traceparentLen && (version == "00" || v[traceparentLen] != '-') {
		return ""
	}
	known := "0123"[lowerHex(v[54])&knownTraceFlags]
	if version == "00" && len(v) == traceparentLen && v[53] == '0' && v[54] == known {
		return v
	}
	return "00-" + v[3:35] + "-" + v[36:52] + "-0" + string(known)
}

// trimOWS returns s without the spaces and tabs around it (RFC 9110 OWS).
func trimOWS(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// hexValue maps a lowercase hex digit to its value and any other byte to
// 0xff.
var hexValue = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i, c := range "0123456789abcdef" {
		t[c] = byte(i)
	}
	return t
}()

// hexField ORs the values of the digits of s together: ok when every byte is
// a lowercase hex digit, and then the result is 0 only for all zeros.
func hexField(s string) (or byte, ok bool) {
	for i := 0; i < len(s); i++ {
		or |= hexValue[s[i]]
	}
	return or, or&0xf0 == 0
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

// cleanTracestate returns the tracestate v (all its header lines joined with
// commas) continues as, or "" for none. The grammar is W3C Trace Context
// Level 1's, section 3.3 (not Level 2's wider keys): list-members are
// separated by commas with optional whitespace; empty members are allowed
// and dropped; a key is a simple key (a lowercase letter, then up to 255 of
// a-z 0-9 _ - * /) or tenant@system (tenant: a lowercase letter or digit and
// up to 240 more; system: a lowercase letter and up to 13 more); a value is
// 1 to 256 printable ASCII characters but comma and "=", not ending in a
// space. One invalid member, more than 32 members or a key seen twice
// ("Only one entry per key is allowed"; the Level 1 test suite's
// test_tracestate_duplicated_keys) make the whole tracestate invalid: it is
// dropped and the traceparent is still continued (failing to parse
// tracestate must not affect traceparent). A member whose system id has 14
// characters is valid but dropped alone, the others kept: the Rust SDK's
// TraceState holds no longer system id than 13. Past 512 characters, members
// over 128 characters are dropped one at a time from the end while the list
// is still too long, then members from the end.
func cleanTracestate(v string) string {
	var members []string
	count, changed, unheld := 0, false, false
	for rest := v; rest != ""; {
		var m string
		m, rest, _ = strings.Cut(rest, ",")
		t := trimOWS(m)
		changed = changed || t != m || t == ""
		if t == "" {
			continue
		}
		count++
		key, value, ok := strings.Cut(t, "=")
		if count > tracestateMaxMembers || !ok || !tracestateKey(key) || !tracestateValue(value) {
			return ""
		}
		if hasKey(members, key) {
			return ""
		}
		unheld = unheld || !heldKey(key)
		members = append(members, t)
	}
	if unheld {
		members, changed = heldMembers(members), true
	}
	members, cut := limitTracestate(members)
	if !changed && !cut && !strings.HasSuffix(v, ",") {
		return v
	}
	return strings.Join(members, ",")
}

// hasKey reports whether one of members ("key=value") has key.
func hasKey(members []string, key string) bool {
	for _, m := range members {
		if len(m) > len(key) && m[len(key)] == '=' && m[:len(key)] == key {
			return true
		}
	}
	return false
}

// heldMembers returns members without those whose key the Rust SDK cannot
// hold (heldKey).
func heldMembers(members []string) []string {
	kept := members[:0:0]
	for _, m := range members {
		if key, _, _ := strings.Cut(m, "="); heldKey(key) {
			kept = append(kept, m)
		}
	}
	return kept
}

// heldKey reports whether the valid key k is one the Rust SDK's TraceState
// holds: a system id of at most 13 characters, where W3C allows 14.
func heldKey(k string) bool {
	at := strings.IndexByte(k, '@')
	return at < 0 || len(k)-at-1 <= tracestateMaxSystem
}

// limitTracestate drops whole members while the joined list is longer than
// tracestateMaxLen: first those longer than tracestateLongKey, one at a
// time from the end, then any from the end. It reports whether it dropped
// any.
func limitTracestate(members []string) ([]string, bool) {
	size := len(members) - 1
	for _, m := range members {
		size += len(m)
	}
	if len(members) == 0 || size <= tracestateMaxLen {
		return members, false
	}
	kept := append(members[:0:0], members...)
	for i := len(kept) - 1; i >= 0 && size > tracestateMaxLen; i-- {
		if len(kept[i]) > tracestateLongKey {
			size -= len(kept[i]) + 1
			kept = append(kept[:i], kept[i+1:]...)
		}
	}
	for len(kept) > 0 && size > tracestateMaxLen {
		size -= len(kept[len(kept)-1]) + 1
		kept = kept[:len(kept)-1]
	}
	return kept, true
}

// tracestateKey reports whether k is a W3C Level 1 tracestate key.
func tracestateKey(k string) bool {
	tenant, system, multi := strings.Cut(k, "@")
	if !multi {
		return len(k) <= 256 && lowerAlpha(k[0:min(1, len(k))]) && keyChars(k)
	}
	return tenant != "" && len(tenant) <= 241 && keyChars(tenant) &&
		(lowerAlpha(tenant[0:1]) || tenant[0] >= '0' && tenant[0] <= '9') &&
		system != "" && len(system) <= 14 && lowerAlpha(system[0:1]) && keyChars(system)
}

// lowerAlpha reports whether s is one lowercase ASCII letter.
func lowerAlpha(s string) bool { return len(s) == 1 && s[0] >= 'a' && s[0] <= 'z' }

// stateChar classes the bytes of tracestate keys and values.
var stateChar = func() (t [256]byte) {
	for c := 0x20; c <= 0x7e; c++ {
		t[c] |= valueByte
	}
	t[','] &^= valueByte
	t['='] &^= valueByte
	for _, c := range "abcdefghijklmnopqrstuvwxyz0123456789_-*/" {
		t[c] |= keyByte
	}
	return t
}()

const (
	keyByte   = 1 // a-z 0-9 _ - * /
	valueByte = 2 // 0x20-0x7e but comma and "="
)

// keyChars reports whether s is made of a-z 0-9 _ - * /.
func keyChars(s string) bool {
	for i := 0; i < len(s); i++ {
		if stateChar[s[i]]&keyByte == 0 {
			return false
		}
	}
	return true
}

// tracestateValue reports whether v is a W3C tracestate value: 1 to 256
// characters 0x20-0x7e but comma and "=", the last not a space.
func tracestateValue(v string) bool {
	if v == "" || len(v) > 256 || v[len(v)-1] == ' ' {
		return false
	}
	for i := 0; i < len(v); i++ {
		if stateChar[v[i]]&valueByte == 0 {
			return false
		}
	}
	return true
}

// w3cValues returns the value of key for the W3C fields, given every value
// the carrier holds for it: one traceparent, cleaned (several are no valid
// parent at all: the W3C test suite's duplicated-traceparent case); the
// tracestate lines joined with commas (HTTP combines list fields so, RFC 9110
// section 5.3) and cleaned; for other keys, the first value.
func w3cValues(key string, values []string) string {
	switch {
	case len(values) == 0:
		return ""
	case key == fieldTraceparent:
		if len(values) > 1 {
			return ""
		}
		return cleanTraceparent(values[0])
	case key == fieldTracestate:
		if len(values) == 1 {
			return cleanTracestate(values[0])
		}
		return cleanTracestate(strings.Join(values, ","))
	case key == "baggage" && len(values) > 1:
		return strings.Join(values, ",")
	}
	return values[0]
}

// w3cCarrier reads traceparent and tracestate through w3cValues (every value
// of the key when the carrier it wraps gives them, propagation.ValuesGetter);
// everything else goes to that carrier. The HTTP and gRPC carriers clean in
// their own Get; w3cFields wraps any other carrier the package extracts from
// (message headers, a caller's carrier).
type w3cCarrier struct{ propagation.TextMapCarrier }

func (c w3cCarrier) Get(key string) string {
	lower := strings.ToLower(key)
	if lower != fieldTraceparent && lower != fieldTracestate {
		return c.TextMapCarrier.Get(key)
	}
	if v, ok := c.TextMapCarrier.(propagation.ValuesGetter); ok {
		return w3cValues(lower, v.Values(key))
	}
	if v := c.TextMapCarrier.Get(key); v != "" {
		return w3cValues(lower, []string{v})
	}
	return ""
}

// w3cValuesCarrier is a w3cCarrier over a carrier that also gives every
// value of a key (propagation.ValuesGetter, read for baggage).
type w3cValuesCarrier struct {
	w3cCarrier
	values propagation.ValuesGetter
}

func (c w3cValuesCarrier) Values(key string) []string { return c.values.Values(key) }

// w3cFields returns c with its traceparent and tracestate read through
// w3cValues.
func w3cFields(c propagation.TextMapCarrier) propagation.TextMapCarrier {
	if v, ok := c.(propagation.ValuesGetter); ok {
		return w3cValuesCarrier{w3cCarrier{c}, v}
	}
	return w3cCarrier{c}
}
