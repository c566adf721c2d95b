package telemetry

import (
	"net/url"
	"strings"
	"unicode/utf8"
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

// SanitizeURL returns u as url.full may carry it: credentials, sensitive
// path parameter values and sensitive query values replaced.
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
	// Sensitive path parameters (";sig=...") are masked as in url.path, in
	// an opaque URL's text ("https:h.example/a;sig=x") too.
	if strings.IndexByte(c.Opaque, ';') >= 0 {
		c.Opaque = cleanPathParams(c.Opaque)
	} else if p := c.EscapedPath(); strings.IndexByte(p, ';') >= 0 {
		if clean := cleanPathParams(p); clean != p {
			if path, err := url.PathUnescape(clean); err == nil {
				c.Path, c.RawPath = path, clean
			}
		}
	}
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
	if raw == "" || sensitiveQuery.empty() {
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
	if sensitiveQuery.has(k) {
		return true
	}
	if strings.ContainsAny(k, "%+") {
		if uk, err := url.QueryUnescape(k); err == nil {
			return sensitiveQuery.has(uk)
		}
	}
	return false
}

// hasURL reports whether s may carry a URL that SanitizeText would clean:
// "://", or a percent-encoded form of it.
func hasURL(s string) bool {
	return strings.Contains(s, "://") || findEncoded(s, 0) >= 0
}

// SanitizeText sanitises every URL with an authority ("scheme://...") inside
// s, and every percent-encoded one ("scheme%3A%2F%2F...", also encoded
// twice); text without one is returned as it is. The rules are the same
// byte for byte in every language the conventions render.
func SanitizeText(s string) string {
	if strings.Contains(s, "://") {
		s = sanitizePlainText(s)
	}
	if findEncoded(s, 0) >= 0 {
		s = sanitizeEncodedText(s)
	}
	return s
}

func sanitizePlainText(s string) string {
	var b strings.Builder
	rest, changed := s, false
	for {
		i := strings.Index(rest, "://")
		if i < 0 {
			break
		}
		start := i
		for start > 0 && isSchemeByte(rest[start-1]) {
			start--
		}
		end := i + 3
		for end < len(rest) && !isURLEnd(rest[end]) {
			end++
		}
		if clean := cleanURLText(rest[start:end]); clean != rest[start:end] || changed {
			if !changed {
				b.Grow(len(s) + 16)
				b.WriteString(s[:len(s)-len(rest)])
				changed = true
			}
			b.WriteString(rest[:start])
			b.WriteString(clean)
		}
		rest = rest[end:]
	}
	if !changed {
		return s
	}
	b.WriteString(rest)
	return b.String()
}

// findEncoded is the offset of the first percent-encoded "://" at or after
// from: each of the three characters written as itself or %XX (%25XX when
// encoded twice), at least one of them encoded; -1 when there is none.
func findEncoded(s string, from int) int {
	for i := from; i < len(s); i++ {
		if s[i] != '%' && s[i] != ':' {
			continue
		}
		if end, depth := encodedSeparator(s, i); end > 0 && depth > 0 {
			return i
		}
	}
	return -1
}

// encodedSeparator matches "://" at i with any of its characters
// percent-encoded; it returns the end and how many times the most encoded
// one was encoded (0: none), or end -1.
func encodedSeparator(s string, i int) (int, int) {
	depth := 0
	for _, want := range [...]byte{':', '/', '/'} {
		end, d := encodedByte(s, i, want)
		if end < 0 {
			return -1, 0
		}
		i, depth = end, max(depth, d)
	}
	return i, depth
}

// encodedByte matches the byte want at i, written as itself, %XX or %25XX.
func encodedByte(s string, i int, want byte) (int, int) {
	if i < len(s) && s[i] == want {
		return i + 1, 0
	}
	for d := 1; d <= 2; d++ {
		j := i
		if j >= len(s) || s[j] != '%' {
			return -1, 0
		}
		j++
		for k := 1; k < d; k++ {
			if !strings.HasPrefix(s[j:], "25") {
				return -1, 0
			}
			j += 2
		}
		if j+2 <= len(s) && unhex(s[j]) >= 0 && unhex(s[j+1]) >= 0 && byte(unhex(s[j])<<4|unhex(s[j+1])) == want {
			return j + 2, d
		}
	}
	return -1, 0
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// percentDecode decodes each valid %XX escape once; others stay as written.
func percentDecode(s string) string {
	if strings.IndexByte(s, '%') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && unhex(s[i+1]) >= 0 && unhex(s[i+2]) >= 0 {
			b = append(b, byte(unhex(s[i+1])<<4|unhex(s[i+2])))
			i += 2
			continue
		}
		b = append(b, s[i])
	}
	if !utf8.Valid(b) {
		return s
	}
	return string(b)
}

// percentEncode encodes every byte outside the unreserved set.
func percentEncode(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) * 3)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isAlnum(c) || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

// sanitizeEncodedText cleans each percent-encoded URL in s: it is decoded
// (twice when its separator was encoded twice), cleaned like a plain one
// and, when that changed it, encoded again as often.
func sanitizeEncodedText(s string) string {
	var b strings.Builder
	rest := s
	for {
		i := findEncoded(rest, 0)
		if i < 0 {
			b.WriteString(rest)
			return b.String()
		}
		start := i
		for start > 0 && isSchemeByte(rest[start-1]) {
			start--
		}
		_, depth := encodedSeparator(rest, i)
		end := i + 1
		for end < len(rest) && !isURLEnd(rest[end]) && strings.IndexByte("&;#,", rest[end]) < 0 {
			end++
		}
		b.WriteString(rest[:start])
		token := rest[start:end]
		decoded := token
		for d := 0; d < depth; d++ {
			decoded = percentDecode(decoded)
		}
		if clean := cleanURLText(decoded); clean != decoded {
			for d := 0; d < depth; d++ {
				clean = percentEncode(clean)
			}
			b.WriteString(clean)
		} else {
			b.WriteString(token)
		}
		rest = rest[end:]
	}
}

func isSchemeByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'
}

// isURLEnd reports whether c ends a URL in running text: ASCII white space
// and control characters and the characters that are never part of a URL
// and quote one ('"', '<', '>', '`'). Anything else, Unicode white space
// included, is read as part of the URL: cleaning a little more than the URL
// is safer than leaving part of one.
func isURLEnd(c byte) bool {
	switch c {
	case ' ', '"', '<', '>', '`':
		return true
	}
	return c < 0x20 || c == 0x7f
}

// cleanURLText cleans one URL found in text ("scheme://..."), byte by byte
// without parsing: user information becomes REDACTED:REDACTED and the
// values of sensitive parameters in the path (";name=value"), the query and
// the fragment become REDACTED. User information is everything before the last '@' of the
// authority or, when a ':' comes before it, before the URL's last '@' (an
// unencoded '#', '?' or '/' in a password).
func cleanURLText(raw string) string {
	sep := strings.Index(raw, "://")
	if sep < 0 {
		return raw
	}
	head, rest := raw[:sep+3], raw[sep+3:]
	user := -1
	authority := rest
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority = rest[:i]
	}
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		user = at
	}
	if at := strings.LastIndexByte(rest, '@'); at > user && strings.IndexByte(rest[:at], ':') >= 0 {
		user = at
	}
	tail := rest
	if user >= 0 {
		tail = rest[user+1:]
	}
	clean := cleanParams(cleanTailPath(tail))
	if user < 0 {
		if clean == tail {
			return raw
		}
		return head + clean
	}
	return head + redactedValue + ":" + redactedValue + "@" + clean
}

// cleanTailPath masks the values of sensitive path parameters (";name=value",
// cleanPathParams) in a URL's tail before its first '?' or '#'.
func cleanTailPath(tail string) string {
	end := strings.IndexAny(tail, "?#")
	if end < 0 {
		end = len(tail)
	}
	if strings.IndexByte(tail[:end], ';') < 0 {
		return tail
	}
	if p := cleanPathParams(tail[:end]); p != tail[:end] {
		return p + tail[end:]
	}
	return tail
}

// cleanParams masks the values of sensitive parameters after the first '?'
// or '#' of a URL's tail; pairs are separated by '&', ';', '#' or '?'.
func cleanParams(tail string) string {
	q := strings.IndexAny(tail, "?#")
	if q < 0 || sensitiveQuery.empty() {
		return tail
	}
	var b strings.Builder
	copied := 0
	for i := q + 1; i <= len(tail); {
		j := i
		for j < len(tail) && strings.IndexByte("&;#?", tail[j]) < 0 {
			j++
		}
		if eq := strings.IndexByte(tail[i:j], '='); eq >= 0 && sensitiveQuery.has(percentDecode(tail[i:i+eq])) && tail[i+eq+1:j] != redactedValue {
			if copied == 0 {
				b.Grow(len(tail))
			}
			b.WriteString(tail[copied : i+eq+1])
			b.WriteString(redactedValue)
			copied = j
		}
		i = j + 1
	}
	if copied == 0 {
		return tail
	}
	b.WriteString(tail[copied:])
	return b.String()
}
