package telemetry

import (
	"net/url"
	"strings"
)

// URL sanitising as the HTTP semantic conventions (url.full, url.query) say:
// credentials in a URL become REDACTED:REDACTED and the values of sensitive
// query parameters become REDACTED, their keys kept. Keys match
// case-sensitively. The same applies to URLs inside free text (error
// messages, span status descriptions, log messages), since Go's HTTP client
// quotes the request URL, query included, in its errors; and to URLs
// percent-encoded in free text, as a redirect target in a query value is.

// sensitiveQuery is the set of query parameter keys whose values are redacted.
var sensitiveQuery = sensitiveSet(conv.sensitiveQueryParams)

func sensitiveSet(keys []string) map[string]bool {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	return m
}

// SanitizeURL returns u as url.full may carry it.
func SanitizeURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	if c.User != nil {
		c.User = url.UserPassword(redactedValue, redactedValue)
	}
	c.RawQuery = SanitizeQuery(c.RawQuery)
	c.ForceQuery = false
	s := c.String()
	if u.ForceQuery || (u.RawQuery == "" && strings.HasSuffix(u.String(), "?")) {
		s += "?"
	}
	return s
}

// SanitizeQuery returns a raw query string with the values of sensitive
// parameters replaced by REDACTED; everything else is left as it was. Pairs
// are separated by '&' or ';' (the older form of HTML 4 and many servers).
func SanitizeQuery(raw string) string {
	if raw == "" || len(sensitiveQuery) == 0 {
		return raw
	}
	if !querySensitive(raw) {
		return raw
	}
	var b strings.Builder
	for raw != "" {
		pair, sep := raw, ""
		if i := strings.IndexAny(raw, "&;"); i >= 0 {
			pair, sep, raw = raw[:i], raw[i:i+1], raw[i+1:]
		} else {
			raw = ""
		}
		if k, _, _ := strings.Cut(pair, "="); isSensitiveKey(k) {
			pair = k + "=" + redactedValue
		}
		b.WriteString(pair)
		b.WriteString(sep)
	}
	return b.String()
}

// querySensitive reports whether a key of the query is sensitive, reading
// the pairs in place (no allocation on the request path).
func querySensitive(raw string) bool {
	for raw != "" {
		pair := raw
		if i := strings.IndexAny(raw, "&;"); i >= 0 {
			pair, raw = raw[:i], raw[i+1:]
		} else {
			raw = ""
		}
		if k, _, _ := strings.Cut(pair, "="); k != "" && isSensitiveKey(k) {
			return true
		}
	}
	return false
}

func isSensitiveKey(k string) bool {
	if sensitiveQuery[k] {
		return true
	}
	if strings.ContainsAny(k, "%+") {
		if uk, err := url.QueryUnescape(k); err == nil {
			return sensitiveQuery[uk]
		}
	}
	return false
}

// encodedSeparator is "://" percent-encoded, as a URL carried in a query
// value or a form field appears ("https%3A%2F%2Fuser%3Apass%40host").
const encodedSeparator = "%3a%2f%2f"

// hasURL reports whether s may carry a URL that SanitizeText would clean:
// "://", or its percent-encoded form in any case.
func hasURL(s string) bool {
	return strings.Contains(s, "://") || indexFold(s, encodedSeparator) >= 0
}

// indexFold is strings.Index for an ASCII lower-case sub, ignoring ASCII case.
func indexFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

// SanitizeText sanitises every URL with an authority ("scheme://...") inside
// s, and every percent-encoded one ("scheme%3A%2F%2F..."); text without one
// is returned as it is.
func SanitizeText(s string) string {
	if strings.Contains(s, "://") {
		s = sanitizePlainText(s)
	}
	if indexFold(s, encodedSeparator) >= 0 {
		s = sanitizeEncodedText(s)
	}
	return s
}

func sanitizePlainText(s string) string {
	var b strings.Builder
	rest := s
	for {
		i := strings.Index(rest, "://")
		if i < 0 {
			b.WriteString(rest)
			return b.String()
		}
		start := i
		for start > 0 && isSchemeByte(rest[start-1]) {
			start--
		}
		end := i + 3
		for end < len(rest) && !isURLEnd(rest[end]) {
			end++
		}
		b.WriteString(rest[:start])
		b.WriteString(sanitizeURLText(rest[start:end]))
		rest = rest[end:]
	}
}

// sanitizeEncodedText cleans each percent-encoded URL in s: it is decoded,
// sanitised like a plain one and, when that changed it, encoded again. One
// that does not decode keeps only its scheme.
func sanitizeEncodedText(s string) string {
	var b strings.Builder
	rest := s
	for {
		i := indexFold(rest, encodedSeparator)
		if i < 0 {
			b.WriteString(rest)
			return b.String()
		}
		start := i
		for start > 0 && isSchemeByte(rest[start-1]) {
			start--
		}
		end := i + len(encodedSeparator)
		for end < len(rest) && !isURLEnd(rest[end]) && !strings.ContainsRune("&;#,", rune(rest[end])) {
			end++
		}
		b.WriteString(rest[:start])
		token := rest[start:end]
		switch decoded, err := url.PathUnescape(token); {
		case err != nil:
			b.WriteString(rest[start:i] + "%3A%2F%2F" + redactedValue)
		default:
			if clean := sanitizeURLText(decoded); clean != decoded {
				b.WriteString(url.QueryEscape(clean))
			} else {
				b.WriteString(token)
			}
		}
		rest = rest[end:]
	}
}

func isSchemeByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'
}

// isURLEnd reports whether c cannot be part of a URL in running text.
func isURLEnd(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '"', '\'', '<', '>', '`', '{', '}', '|', '\\', '^':
		return true
	}
	return c < 0x20 || c == 0x7f
}

// sanitizeURLText sanitises one URL found in text. A URL that does not parse
// keeps only its scheme and host part up to any credentials, so nothing after
// an '@' or a '?' can leak.
func sanitizeURLText(raw string) string {
	u, err := url.Parse(raw)
	if err == nil {
		if u.User == nil && !querySensitive(u.RawQuery) {
			return raw
		}
		return SanitizeURL(u)
	}
	scheme, rest, _ := strings.Cut(raw, "://")
	if at := strings.LastIndexByte(rest, '@'); at >= 0 {
		rest = "REDACTED:REDACTED@" + rest[at+1:]
	}
	if q := strings.IndexByte(rest, '?'); q >= 0 {
		rest = rest[:q+1] + SanitizeQuery(rest[q+1:])
	}
	return scheme + "://" + rest
}
