package telemetry

import (
	"net/netip"
	"strings"
)

// Request-derived values with a shape of their own are cleaned at export
// with their shape in mind (docs/privacy.md, "server.address and path
// parameters"):
//
//   - server.address is a host (semantic conventions v1.45.0: a domain
//     name, an IP address or a Unix domain socket name), yet a Host or
//     X-Forwarded-Host header is whatever the client wrote. An '@' never
//     belongs to a host (RFC 3986 section 3.2: it ends the userinfo), so
//     everything up to the last at-sign ('@', and as the scrub reads them
//     '＠', %40 and %2540) is removed, before host and port are split
//     (Handler.serverAttrs) and again here; an IP address without a zone
//     leaves as it is; anything else is scrubbed as free text (ScrubText), so that a
//     digit run or a credential written as a host name does not leave.
//   - url.path: the value of a path parameter (";name=value" in a segment,
//     RFC 3986 section 3.3) whose name is one of the conventions' sensitive
//     query parameters becomes REDACTED, as it would in url.query.

// cleanAddress is what leaves of a server.address value. The usual host
// (plainHost) is returned after one pass over its bytes.
func cleanAddress(s string) string {
	if plainHost(s) {
		return s
	}
	if h, cut := afterUserinfo(s); cut {
		if h == "" {
			return redactedValue
		}
		s = h
	}
	// A zone (fe80::1%eth0) is no part of the address and may be any text:
	// only a zoneless IP address leaves as it is.
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		return s
	}
	return ScrubText(s)
}

// afterUserinfo returns what follows the last at-sign of s (the scrub's
// atSigns: '@', '＠', %40, %2540), and whether s had one: RFC 3986 section
// 3.2, userinfo "@" host ":" port, so the userinfo goes before the port is
// looked for. A text without '@', '%' and non-ASCII bytes, the usual Host,
// costs one pass over its bytes.
func afterUserinfo(s string) (string, bool) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '@' || c == '%' || c >= 0x80 {
			for j := len(s) - 1; j >= i; j-- {
				if n := atSignAt(s, j); n > 0 {
					return s[j+n:], true
				}
			}
			return s, false
		}
	}
	return s, false
}

// plainHost reports whether s holds only ASCII letters, dots and hyphens and
// none of the pairs that may start what ScrubText masks in such text ("ey"
// and "ew" of a JWT, "xo" of a Slack token, "AK" and "AS" of an AWS key id):
// ScrubText would return it unchanged, and it has no '@'.
func plainHost(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' || c == '-') {
			return false
		}
		if i > 0 {
			switch p := s[i-1]; {
			case p == 'e' && (c == 'y' || c == 'w'), p == 'x' && c == 'o', p == 'A' && (c == 'K' || c == 'S'):
				return false
			}
		}
	}
	return true
}

// cleanPathParams returns path with the values of sensitive path parameters
// replaced by REDACTED; a path without ';' is returned at once.
func cleanPathParams(path string) string {
	if strings.IndexByte(path, ';') < 0 || sensitiveQuery.empty() {
		return path
	}
	var b strings.Builder
	changed := false
	for i := 0; i < len(path); {
		end := i
		for end < len(path) && path[end] != ';' && path[end] != '/' {
			end++
		}
		param := path[i:end]
		if i > 0 && path[i-1] == ';' {
			if k, v, ok := strings.Cut(param, "="); ok && v != redactedValue && isSensitiveKey(k) {
				param, changed = k+"="+redactedValue, true
			}
		}
		b.WriteString(param)
		if end < len(path) {
			b.WriteByte(path[end])
		}
		i = end + 1
	}
	if !changed {
		return path
	}
	return b.String()
}
