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
// quotes the request URL, query included, in its errors.

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
// parameters replaced by REDACTED; everything else is left as it was.
func SanitizeQuery(raw string) string {
	if raw == "" || len(sensitiveQuery) == 0 {
		return raw
	}
	if !querySensitive(raw) {
		return raw
	}
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		k, _, hasValue := strings.Cut(p, "=")
		if isSensitiveKey(k) {
			if hasValue || k != "" {
				parts[i] = k + "=" + redactedValue
			}
		}
	}
	return strings.Join(parts, "&")
}

func querySensitive(raw string) bool {
	for p := range strings.SplitSeq(raw, "&") {
		k, _, _ := strings.Cut(p, "=")
		if isSensitiveKey(k) {
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

// SanitizeText sanitises every URL with an authority ("scheme://...") inside
// s; text without one is returned as it is.
func SanitizeText(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
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
