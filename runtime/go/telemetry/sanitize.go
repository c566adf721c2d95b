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
		// The first byte decides most positions without a call.
		if s[i]|0x20 != sub[0]|0x20 {
			continue
		}
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

// Free text (a span status description, a span event's name, an exception
// message, a log message) may quote personal data or credentials that no
// attribute key announces: an error's text often does. ScrubText cleans it
// the same way in every language the conventions render (one table of
// vectors checks them all):
//
//   - URLs, as SanitizeText does (credentials, sensitive query values);
//   - e-mail addresses ("local@domain.tld", non-ASCII characters allowed),
//     whole; the URL mask's own "REDACTED@host" is left alone;
//   - credentials after "Bearer " or "Basic " (any case): a run of at least
//     8 token characters that is not all lower-case letters, so "basic
//     authentication failed" stays;
//   - JWT-like tokens: a base64url header starting "eyJ" (the encoding of
//     '{"'), at least 10 characters long, a dot and a non-empty payload
//     (the signature and further parts, if any, go with it);
//   - long digit runs (card and phone numbers): 9 or more digits, single
//     spaces or hyphens between them allowed, not following a letter or
//     digit.
//
// Each piece found becomes REDACTED. Text with nothing to clean is returned
// as it is, without allocating.
func ScrubText(s string) string {
	return scrubData(SanitizeText(s))
}

// scrubMinDigits is how many digits make a run personal data.
const scrubMinDigits = 9

// jwtMinHeader is the shortest header part of a JWT-like token: the
// base64url of the smallest JOSE header, {"alg":"none"}, is longer.
const jwtMinHeader = 10

// scrubMinToken is the shortest credential after "Bearer " or "Basic ".
const scrubMinToken = 8

// mayNeedScrub is the quick test, one pass over the bytes: text without '@',
// a digit, "eyJ", "bearer " or "basic " (any case) has nothing scrubData
// would change.
func mayNeedScrub(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '@' || isDigit(c):
			return true
		case c == 'J':
			if i >= 2 && s[i-2] == 'e' && s[i-1] == 'y' {
				return true
			}
		case c == ' ':
			if i >= 5 && strings.EqualFold(s[i-5:i], "basic") || i >= 6 && strings.EqualFold(s[i-6:i], "bearer") {
				return true
			}
		}
	}
	return false
}

func scrubData(s string) string {
	if !mayNeedScrub(s) {
		return s
	}
	var b strings.Builder
	copied, noEmail := 0, 0
	if strings.IndexByte(s, '@') < 0 {
		noEmail = len(s) // no address without an '@'
	}
	for i := 0; i < len(s); {
		start, end := scrubMatch(s, i, &noEmail)
		if end < 0 {
			i++
			continue
		}
		if copied == 0 {
			b.Grow(len(s))
		}
		b.WriteString(s[copied:start])
		b.WriteString(redactedValue)
		copied, i = end, end
	}
	if copied == 0 {
		return s
	}
	b.WriteString(s[copied:])
	return b.String()
}

// scrubMatch returns the bytes s[start:end] to mask for a piece starting at
// i, or end -1. No e-mail address starts before *noEmail.
func scrubMatch(s string, i int, noEmail *int) (int, int) {
	var prev byte
	if i > 0 {
		prev = s[i-1]
	}
	if s[i] == 'e' && (i == 0 || !(isBase64URL(prev) || prev == '.')) {
		if end := jwtEnd(s, i); end > 0 {
			return i, end
		}
	}
	if s[i]|0x20 == 'b' && (i == 0 || !isAlnum(prev)) {
		if start, end := credential(s, i); end > 0 {
			return start, end
		}
	}
	if i >= *noEmail && isLocalByte(s[i]) && (i == 0 || !isLocalByte(prev)) {
		end, next := emailEnd(s, i)
		if end > 0 {
			return i, end
		}
		*noEmail = next
	}
	if isDigit(s[i]) && (i == 0 || !isAlnum(prev)) {
		if end := digitRunEnd(s, i); end > 0 {
			return i, end
		}
	}
	return i, -1
}

// jwtEnd is where a JWT-like token starting at i ends, or -1.
func jwtEnd(s string, i int) int {
	if !strings.HasPrefix(s[i:], "eyJ") {
		return -1
	}
	j := i
	for j < len(s) && (isBase64URL(s[j]) || s[j] == '.') {
		j++
	}
	for j > i && s[j-1] == '.' {
		j--
	}
	header, rest, _ := strings.Cut(s[i:j], ".")
	payload, _, _ := strings.Cut(rest, ".")
	if len(header) < jwtMinHeader || payload == "" {
		return -1
	}
	return j
}

// credential returns the token after "Bearer " or "Basic " at i, or end -1.
func credential(s string, i int) (int, int) {
	j := -1
	for _, scheme := range [...]string{"bearer", "basic"} {
		if len(s)-i > len(scheme) && strings.EqualFold(s[i:i+len(scheme)], scheme) && s[i+len(scheme)] == ' ' {
			j = i + len(scheme)
			break
		}
	}
	if j < 0 {
		return i, -1
	}
	for j < len(s) && s[j] == ' ' {
		j++
	}
	start, lower := j, true
	for j < len(s) && isTokenByte(s[j]) {
		lower = lower && s[j] >= 'a' && s[j] <= 'z'
		j++
	}
	if j-start < scrubMinToken || lower {
		return i, -1
	}
	return start, j
}

// emailEnd is where an e-mail address starting at i ends, or -1 with the
// offset before which none starts.
func emailEnd(s string, i int) (int, int) {
	j := i
	for j < len(s) && isLocalByte(s[j]) {
		j++
	}
	if j == len(s) || s[j] != '@' || s[i:j] == redactedValue {
		return -1, j
	}
	k := j + 1
	for k < len(s) && (isAlnum(s[k]) || s[k] == '.' || s[k] == '-' || s[k] >= 0x80) {
		k++
	}
	for k > j+1 && (s[k-1] == '.' || s[k-1] == '-') {
		k--
	}
	domain := s[j+1 : k]
	if domain == "" || !(isAlnum(domain[0]) || domain[0] >= 0x80) || !strings.Contains(domain, ".") {
		return -1, j
	}
	return k, j
}

// digitRunEnd is where a run of at least scrubMinDigits digits starting at i
// ends (single spaces or hyphens between digits allowed), or -1.
func digitRunEnd(s string, i int) int {
	j, digits := i, 0
	for {
		for j < len(s) && isDigit(s[j]) {
			j++
			digits++
		}
		if j+1 < len(s) && (s[j] == ' ' || s[j] == '-') && isDigit(s[j+1]) {
			j++
			continue
		}
		break
	}
	if digits < scrubMinDigits {
		return -1
	}
	return j
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isAlnum(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isBase64URL(c byte) bool { return isAlnum(c) || c == '-' || c == '_' }

// isLocalByte reports whether c may be part of an e-mail address's local
// part (bytes of non-ASCII characters included, as internationalised
// addresses have them).
func isLocalByte(c byte) bool { return isAlnum(c) || c >= 0x80 || strings.IndexByte("._%+-", c) >= 0 }

func isTokenByte(c byte) bool { return isAlnum(c) || strings.IndexByte("-._~+/=", c) >= 0 }
