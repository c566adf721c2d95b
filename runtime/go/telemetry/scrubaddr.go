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
//     X-Forwarded-Host header is whatever the client wrote. RFC 3986
//     section 3.2 reads an authority as [userinfo "@"] host [":" port]: the
//     userinfo ends at the last at-sign ('@', and as the scrub reads them
//     '＠', %40 and %2540) before the host, and since no userinfo holds a
//     '[', an IP-literal ("[" ... "]") starts the host wherever it is. So the
//     userinfo is cut at the last at-sign before the first '[' (requestHostPort, before
//     host and port are split; and again here). An IP address leaves as it
//     is; an IPv6 address with a zone (RFC 6874: "%25" and the zone in a
//     URI) keeps its address and has its zone scrubbed on its own, since a
//     zone may be any text; anything else is scrubbed as free text
//     (ScrubText), so that a digit run or a credential written as a host name
//     does not leave.
//   - url.path: the value of a path parameter (";name=value" in a segment,
//     RFC 3986 section 3.3) whose name is one of the conventions' sensitive
//     query parameters becomes REDACTED, as it would in url.query; so it does
//     in the path of url.full and of every URL the scrub cleans in free text.

// cleanAddress is what leaves of a server.address value. The usual host
// (plainHost) is returned after one pass over its bytes.
func cleanAddress(s string) string {
	if plainHost(s) {
		return s
	}
	if c, ok := cleanIP(s); ok {
		return c
	}
	if h, cut := afterUserinfo(s); cut {
		if h == "" {
			return redactedValue
		}
		s = h
		if c, ok := cleanIP(s); ok {
			return c
		}
	}
	return ScrubText(s)
}

// cleanIP returns an IP address as it leaves, and whether s is one: without
// a zone as it is; an IPv6 address with a zone ("fe80::1%eth0") keeps its
// address, and its zone is scrubbed on its own (ScrubText), so that a digit
// run glued to the address ("%254111111111111111") is one too. A zone
// written as RFC 6874 writes it in a URI ("%25" then the zone) keeps its
// "25" ahead of the scrubbed zone.
func cleanIP(s string) (string, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return "", false
	}
	if a.Zone() == "" {
		return s, true
	}
	i := strings.IndexByte(s, '%') + 1
	zone, head := s[i:], s[:i]
	if len(zone) > 2 && strings.HasPrefix(zone, "25") {
		head, zone = s[:i+2], zone[2:]
	}
	if clean := ScrubText(zone); clean != zone {
		return head + clean, true
	}
	return s, true
}

// requestHostPort splits a Host or X-Forwarded-Host value into the host and the
// port text: the userinfo is cut first (afterUserinfo: its ':' is no port
// separator), then host and port are split as net.SplitHostPort does; a
// value it cannot split is all host (no port given). The host loses the
// brackets of an IP-literal. A value with no host (":8080", "[]:80", "")
// gives an empty host: no server.address, and so no server.port either
// (semantic conventions v1.45.0: server.port is set when server.address is).
// So does a value it cannot split with a '[' or ']' outside one
// "[IP-literal]" ("[:80", "[::1]x:80", "er[@host]:80"): RFC 3986 allows
// brackets only around an IP-literal, and such a value names no host.
func requestHostPort(text string) (host, port string) {
	text, _ = afterUserinfo(text)
	if h, p, ok := splitHostPort(text); ok {
		return h, p
	}
	if strings.IndexByte(text, '[') < 0 && strings.IndexByte(text, ']') < 0 {
		return text, ""
	}
	inner, open := strings.CutPrefix(text, "[")
	inner, closed := strings.CutSuffix(inner, "]")
	if !open || !closed || strings.ContainsAny(inner, "[]") {
		return "", ""
	}
	return inner, ""
}

// afterUserinfo returns what follows the userinfo of s, and whether s had
// one: the userinfo ends at the last at-sign (the scrub's atSigns: '@', '＠',
// %40, %2540) before the first '[' (RFC 3986 section 3.2: userinfo "@" host
// ":" port; no userinfo holds a '[', so an IP-literal is host). A text
// without '@', '%' and non-ASCII bytes, the usual Host, costs one pass over
// its bytes.
func afterUserinfo(s string) (string, bool) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '@' || c == '%' || c >= 0x80 {
			limit := strings.IndexByte(s, '[')
			if limit < 0 {
				limit = len(s)
			}
			for j := limit - 1; j >= i; j-- {
				if n := atSignAt(s, j); n > 0 && j+n <= limit {
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
