package telemetry

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Free text (a span status description, a span event's name, an exception
// message, a log message) may quote personal data or credentials that no
// attribute key announces: an error's text often does. ScrubText cleans it
// the same way in every language the conventions render (one table of
// vectors checks them all; docs/privacy.md has the rules and their limits):
//
//   - URLs, as SanitizeText does (credentials, sensitive query values);
//   - e-mail addresses, whole: a local part of RFC 5322 atext characters
//     other than '/', '=', '?', '&' and '#' (non-ASCII characters allowed)
//     or a quoted one, an '@' (also '＠', %40 or %2540), and a domain with a
//     dot and a letter in its last label, "localhost" or an address literal
//     ("[10.0.0.1]"); the URL mask's own "REDACTED@host" is left alone;
//   - credentials after "Bearer", "Basic" or "Token" (any case) and a
//     separator (spaces, a tab, '=', ':', a quote, %20): a run of at least
//     8 token characters; for Basic and Token one of only lower-case
//     letters stays, so "basic authentication failed" does;
//   - the value of a key whose name is secret (isSecretName: password,
//     db_password, apiKey, X-Api-Key, Cookie, Set-Cookie, sessionid...) in
//     the forms name=value, name = value, name => value, name: value (a
//     header line: to the end of the line), name: "value", "name":"value",
//     "name" : "value" and 'name': 'value', a JSON object or array value
//     whole (see secretField);
//   - API keys with a well-known prefix (sk_live_, sk_test_, rk_live_,
//     rk_test_, ghp_, gho_, ghu_, ghs_, ghr_, github_pat_, xoxb-, xoxp-,
//     xoxa-, xoxr-) and AWS access key ids (AKIA or ASIA and 16 upper-case
//     letters or digits);
//   - JWT-like tokens: a base64url header starting "eyJ", "eyA", "ewo" or
//     "ew0" (the encodings of a JSON object's start), at least 10
//     characters long, a dot and a non-empty payload;
//   - long digit runs (card and phone numbers): 9 or more digits (any
//     Unicode number character), up to 3 separators between groups (space,
//     no-break and thin spaces, '-', '.', '/', '_', ')', '+', dashes,
//     %20, %2B, %2D, %2F), not following a letter or digit.
//
// Each piece found becomes REDACTED. Text with nothing to clean is returned
// as it is, without allocating. Every scan is linear in the text.
func ScrubText(s string) string {
	return scrubData(SanitizeText(s))
}

// scrubMinDigits is how many digits make a run personal data.
const scrubMinDigits = 9

// jwtMinHeader is the shortest header part of a JWT-like token: the
// base64url of the smallest JOSE header, {"alg":"none"}, is longer.
const jwtMinHeader = 10

// scrubMinToken is the shortest credential after a scheme word.
const scrubMinToken = 8

// scrubMaxQuoted is the longest quoted local part of an address (RFC 5321).
const scrubMaxQuoted = 64

// scrubMaxSeparators is how many separators may stand between two digits of
// one run.
const scrubMaxSeparators = 3

var (
	credentialSchemes = [...]string{"bearer", "basic", "token"}
	keyPrefixes       = [...]string{"sk_live_", "sk_test_", "rk_live_", "rk_test_", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "xoxb-", "xoxp-", "xoxa-", "xoxr-"}
	atSigns           = [...]string{"@", "\uff20", "\ufe6b", "%40", "%2540", "%252540", "%EF%BC%A0", "%ef%bc%a0"}
	// digitSeparators are the separators of a digit run besides single
	// ASCII bytes: no-break, figure, thin and narrow no-break spaces, the
	// Unicode dashes and minus, the ideographic space, the fullwidth
	// hyphen-minus and percent-encoded space, plus, hyphen and slash.
	digitSeparators = [...]string{"\u00a0", "\u2007", "\u2009", "\u202f", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2015", "\u2212", "\u3000", "\uff0d", "%20", "%2B", "%2b", "%2D", "%2d", "%2F", "%2f"}
)

// mayNeedScrub is the quick test, one pass over the bytes: text without
// '@', a digit, a non-ASCII byte, '=', '_', "eyJ"/"eyA"/"ewo"/"ew0", "xox?-",
// "AKIA"/"ASIA" or a scheme word before a separator has nothing scrubData
// would change.
func mayNeedScrub(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '@' || c == '=' || c == '_' || isDigit(c) || c >= 0x80:
			return true
		case i < 1:
		case (c == 'K' || c == 'S') && i+2 < len(s) && s[i-1] == 'A' && s[i+1] == 'I' && s[i+2] == 'A':
			return true // an AWS key id, also at the text's start
		case i < 2:
		case (c == 'J' || c == 'A') && s[i-2] == 'e' && s[i-1] == 'y',
			(c == 'o' || c == '0') && s[i-2] == 'e' && s[i-1] == 'w',
			c == '-' && i >= 4 && strings.HasPrefix(s[i-4:], "xox"):
			return true
		case c == ':' && secretNameBefore(s, i):
			return true
		case c == ' ' || c == '\t' || c == ':' || c == '"' || c == '\'' || c == '%':
			if hasSchemeBefore(s, i) {
				return true
			}
		}
	}
	return false
}

func hasSchemeBefore(s string, i int) bool {
	for _, w := range credentialSchemes {
		if i >= len(w) && strings.EqualFold(s[i-len(w):i], w) {
			return true
		}
	}
	return false
}

// scrubState holds the offsets before which a scan is known to fail, so
// that no byte is scanned again and again.
type scrubState struct {
	noEmail, noDigits, noJWT int
	// steps counts the positions the main loop visits and the bytes the
	// secret-field scans read, so a test can tell that the work grows with
	// the text and not faster.
	steps int
}

func scrubData(s string) string {
	if !mayNeedScrub(s) {
		return s
	}
	out, _ := scrubCounted(s)
	return out
}

// scrubCounted is scrubData without the quick test, with the work done.
func scrubCounted(s string) (string, int) {
	var b strings.Builder
	st := scrubState{}
	if !hasAtSign(s) {
		st.noEmail = len(s) // no address without an '@'
	}
	copied := 0
	for i := 0; i < len(s); {
		st.steps++
		start, end := scrubMatch(s, i, &st)
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
		return s, st.steps
	}
	b.WriteString(s[copied:])
	return b.String(), st.steps
}

func hasAtSign(s string) bool {
	if strings.IndexByte(s, '@') >= 0 {
		return true
	}
	// Every other at-sign starts with '%' or with 0xEF ('＠', '﹫').
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, 0xEF) < 0 {
		return false
	}
	for _, a := range atSigns[1:] {
		if strings.Contains(s, a) {
			return true
		}
	}
	return false
}

// scrubMatch returns the bytes s[start:end] to mask for a piece starting at
// i, or end -1.
func scrubMatch(s string, i int, st *scrubState) (int, int) {
	c := s[i]
	if !utf8.RuneStart(c) {
		return i, -1
	}
	word := prevIsWord(s, i)
	if start, end := secretField(s, i, st); end > 0 {
		return start, end
	}
	if c == '"' && i >= st.noEmail {
		if end := quotedEmailEnd(s, i); end > 0 {
			return i, end
		}
	}
	if c == 'e' && !word && i >= st.noJWT {
		end, next := jwtEnd(s, i)
		if end > 0 {
			return i, end
		}
		st.noJWT = next
	}
	if !word && isAlnum(c) {
		if start, end := credential(s, i); end > 0 {
			return start, end
		}
		if end := prefixedKeyEnd(s, i); end > 0 {
			return i, end
		}
	}
	if i >= st.noEmail && !prevIsLocal(s, i) {
		start, end, next := emailMatch(s, i)
		if end > 0 {
			return start, end
		}
		st.noEmail = max(st.noEmail, next)
	}
	if i >= st.noDigits && !word && c != '%' && !(i > 0 && s[i-1] == '%') {
		if n := digitAt(s, i); n > 0 {
			end, next := digitRunEnd(s, i)
			if end > 0 {
				return i, end
			}
			st.noDigits = next
		}
	}
	return i, -1
}

// escapeAt decodes a %XX escape at i, or %25XX (encoded twice): it
// returns the byte and the escape's length, or length 0.
func escapeAt(s string, i int) (byte, int) {
	if i+2 >= len(s) || s[i] != '%' || unhex(s[i+1]) < 0 || unhex(s[i+2]) < 0 {
		return 0, 0
	}
	v := byte(unhex(s[i+1])<<4 | unhex(s[i+2]))
	if v == '%' && i+4 < len(s) && unhex(s[i+3]) >= 0 && unhex(s[i+4]) >= 0 {
		return byte(unhex(s[i+3])<<4 | unhex(s[i+4])), 5
	}
	return v, 3
}

// escapeBefore decodes a %XX or %25XX escape ending at i, or returns -1.
func escapeBefore(s string, i int) int {
	if i >= 5 && s[i-5] == '%' && s[i-4] == '2' && s[i-3] == '5' {
		if v, n := escapeAt(s, i-5); n == 5 {
			return int(v)
		}
	}
	if i >= 3 {
		if v, n := escapeAt(s, i-3); n == 3 {
			return int(v)
		}
	}
	return -1
}

// prevIsWord reports whether a letter or digit comes right before i (an
// escape such as %2B counts as the character it encodes; non-ASCII
// characters count when they are numbers).
func prevIsWord(s string, i int) bool {
	if i == 0 {
		return false
	}
	if e := escapeBefore(s, i); e >= 0 {
		return isAlnum(byte(e))
	}
	if c := s[i-1]; c < 0x80 {
		return isAlnum(c)
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return unicode.IsNumber(r)
}

// digitAt is the length of the digit (any Unicode number character) at i,
// or 0.
func digitAt(s string, i int) int {
	if i >= len(s) {
		return 0
	}
	if s[i] < 0x80 {
		if isDigit(s[i]) {
			return 1
		}
		return 0
	}
	r, n := utf8.DecodeRuneInString(s[i:])
	if unicode.IsNumber(r) {
		return n
	}
	return 0
}

// separatorAt is the length of a digit separator at i, or 0.
func separatorAt(s string, i int) int {
	if i >= len(s) {
		return 0
	}
	switch s[i] {
	case ' ', '-', '.', '/', '_', ')', '+':
		return 1
	}
	for _, sep := range digitSeparators {
		if strings.HasPrefix(s[i:], sep) {
			return len(sep)
		}
	}
	return 0
}

// digitRunEnd is where a run of at least scrubMinDigits digits starting at
// i ends, or -1 with the offset before which no run starts.
func digitRunEnd(s string, i int) (int, int) {
	j, last, digits := i, i, 0
	for {
		n := digitAt(s, j)
		if n == 0 {
			break
		}
		for n > 0 {
			j += n
			digits++
			n = digitAt(s, j)
		}
		last = j
		k, seps := j, 0
		for seps < scrubMaxSeparators {
			m := separatorAt(s, k)
			if m == 0 {
				break
			}
			k += m
			seps++
		}
		if seps == 0 || digitAt(s, k) == 0 {
			break
		}
		j = k
	}
	if digits < scrubMinDigits {
		return -1, last
	}
	return last, last
}

// jwtEnd is where a JWT-like token starting at i ends, or -1 with the
// offset before which none starts.
func jwtEnd(s string, i int) (int, int) {
	j := i
	for j < len(s) && isBase64URL(s[j]) {
		j++
	}
	header := s[i:j]
	if !(strings.HasPrefix(header, "eyJ") || strings.HasPrefix(header, "eyA") || strings.HasPrefix(header, "ewo") || strings.HasPrefix(header, "ew0")) || len(header) < jwtMinHeader {
		return -1, j
	}
	if j+1 >= len(s) || s[j] != '.' || !isBase64URL(s[j+1]) {
		return -1, j
	}
	for j < len(s) && s[j] == '.' && j+1 < len(s) && isBase64URL(s[j+1]) {
		j++
		for j < len(s) && isBase64URL(s[j]) {
			j++
		}
	}
	return j, j
}

// credential returns the token after a scheme word at i, or end -1.
func credential(s string, i int) (int, int) {
	j, lowerOK := -1, false
	for _, w := range credentialSchemes {
		if len(s)-i > len(w) && strings.EqualFold(s[i:i+len(w)], w) {
			j, lowerOK = i+len(w), w != "bearer"
			break
		}
	}
	if j < 0 {
		return i, -1
	}
	seps := 0
	for n := schemeSeparatorAt(s, j); n > 0; n = schemeSeparatorAt(s, j) {
		j += n
		seps++
	}
	if seps == 0 {
		return i, -1
	}
	start, lower := j, true
	for j < len(s) && isTokenByte(s[j]) {
		lower = lower && s[j] >= 'a' && s[j] <= 'z'
		j++
	}
	if j-start < scrubMinToken || lower && lowerOK || s[start:j] == redactedValue {
		return i, -1
	}
	return start, j
}

// schemeSeparatorAt is the length of a separator after a scheme word at
// i (a space, a tab, '=', ':', a quote or %20), or 0.
func schemeSeparatorAt(s string, i int) int {
	switch {
	case i >= len(s):
		return 0
	case strings.IndexByte(" \t=:\"'", s[i]) >= 0:
		return 1
	case strings.HasPrefix(s[i:], "%20"):
		return 3
	}
	return 0
}

// isNameByte reports whether c may be part of a key name in free text.
func isNameByte(c byte) bool { return isAlnum(c) || c == '_' || c == '-' || c == '.' }

// secretField returns the value after a secret key name (isSecretName)
// starting at i, or end -1: name=value, name = value, name => value,
// name: value (a header line: the value runs to the end of the line),
// name: "value", name='value', "name":"value", "name" : "value" and
// 'name': 'value' (JSON or a literal map: an unquoted value ends at '}' or
// ']' too). A value opening an object or array ('{', '[') is masked whole
// (bracketEnd); an unquoted Digest value runs to the end of the line. A quoted value ends at its closing quote
// (a backslash escapes the next byte) or at the end of the text. After a
// credential scheme word (Bearer, Basic, Token) only the credential is the
// value.
func secretField(s string, i int, st *scrubState) (int, int) {
	if i > 0 && isNameByte(s[i-1]) {
		return i, -1
	}
	j := i
	for j < len(s) && isNameByte(s[j]) {
		j++
	}
	st.steps += j - i
	if j == i {
		// Not a name: returned before the blanks below are read, so that every
		// position of a run of blanks does not read the rest of the run.
		return i, -1
	}
	// A quoted key ("name":, 'name':) is one of JSON or a literal map.
	json := i > 0 && (s[i-1] == '"' || s[i-1] == '\'') && j < len(s) && s[j] == s[i-1]
	k := j
	if json {
		k++
	}
	// Blanks may stand before '=' (password = x) and before the ':' of a
	// quoted key ("password" : "x").
	b := k
	for b < len(s) && (s[b] == ' ' || s[b] == '\t') {
		b++
	}
	st.steps += b - k
	spaced := b > k && b < len(s) && (s[b] == '=' || json && s[b] == ':')
	if spaced {
		k = b
	}
	if j == i || k >= len(s) || s[k] != '=' && s[k] != ':' || !isSecretName(s[i:j]) {
		return i, -1
	}
	sep := s[k]
	k++
	if sep == '=' && k < len(s) && s[k] == '>' {
		k++ // password => x
		spaced = true
	}
	// Blanks after the separator: after ':', and after '=' or "=>" when
	// blanks stood before it (password= x has an empty value).
	for (sep == ':' || spaced) && k < len(s) && (s[k] == ' ' || s[k] == '\t') {
		k++
	}
	quoted := k < len(s) && (s[k] == '"' || s[k] == '\'')
	start := k
	if quoted {
		start = k + 1
	} else {
		start = afterScheme(s, k)
	}
	// A value the URL cleaning (or an earlier scrub) masked stays as it is;
	// this is known before the value is read, so no text is read again and
	// again by the keys before it.
	if strings.HasPrefix(s[start:], redactedValue) {
		return i, -1
	}
	end := start
	switch {
	case quoted:
		end = quotedEnd(s, start, s[k])
	case k < len(s) && (s[k] == '{' || s[k] == '['):
		// A JSON object or array, whole, and what follows its closing bracket
		// up to the value's end (password={pa55}word is one value).
		end = valueEnd(s, bracketEnd(s, k), json)
	case start == k && (sep == ':' && !json || isDigest(s[k:])):
		for end < len(s) && s[end] != '\r' && s[end] != '\n' {
			end++
		}
	default:
		end = valueEnd(s, start, json)
	}
	st.steps += end - k
	if end <= start {
		return i, -1
	}
	return start, end
}

// valueEnd is where an unquoted value read from `from` ends: at a value end,
// or, after a quoted key, at the bracket that closes the object around it.
func valueEnd(s string, from int, json bool) int {
	end := from
	for end < len(s) && !isValueEnd(s[end], 0) && !(json && (s[end] == '}' || s[end] == ']')) {
		end++
	}
	return end
}

// bracketEnd is where the object or array opened at k ends: after the
// bracket that closes it (any closing bracket counts, one counter, no
// stack), with quoted strings and their escapes skipped, or at the end of
// the text.
func bracketEnd(s string, k int) int {
	depth := 0
	for j := k; j < len(s); j++ {
		switch s[j] {
		case '{', '[':
			depth++
		case '}', ']':
			if depth--; depth == 0 {
				return j + 1
			}
		case '"', '\'':
			j = quotedEnd(s, j+1, s[j])
		}
	}
	return len(s)
}

// isDigest reports whether v starts with the Digest scheme word and a
// blank: its parameters (a hash of the password among them) run to the
// end of the line.
func isDigest(v string) bool {
	return len(v) > 6 && strings.EqualFold(v[:6], "digest") && (v[6] == ' ' || v[6] == '\t')
}

// quotedEnd is where a quoted value starting at from ends: at the quote q
// that no backslash escapes, or at the end of the text.
func quotedEnd(s string, from int, q byte) int {
	for j := from; j < len(s); j++ {
		if s[j] == '\\' {
			j++
			continue
		}
		if s[j] == q {
			return j
		}
	}
	return len(s)
}

// afterScheme is k, or where the credential after a scheme word and blanks
// (spaces, tabs, %20) at k starts.
func afterScheme(s string, k int) int {
	blank := func(j int) int {
		switch {
		case j < len(s) && (s[j] == ' ' || s[j] == '\t'):
			return 1
		case strings.HasPrefix(s[j:], "%20"):
			return 3
		}
		return 0
	}
	for _, w := range credentialSchemes {
		j := k + len(w)
		if len(s) > j && strings.EqualFold(s[k:j], w) && blank(j) > 0 {
			for blank(j) > 0 {
				j += blank(j)
			}
			return j
		}
	}
	return k
}

// secretNameBefore reports whether a secret key name (and the closing quote
// of a quoted key) ends right before the separator at i.
func secretNameBefore(s string, i int) bool {
	k := i
	for k > 0 && (s[k-1] == ' ' || s[k-1] == '\t') {
		k--
	}
	if k > 0 && (s[k-1] == '"' || s[k-1] == '\'') {
		k--
	} else {
		k = i
	}
	start := k
	for start > 0 && isNameByte(s[start-1]) {
		start--
	}
	return start < k && isSecretName(s[start:k])
}

// secretNameTerms are the words that make a field or key name secret
// (the scaffold repository's shared table of secret names holds the same
// list, which the Rust runtime's SECRET_NAME_TERMS is checked against too): a name is secret
// when one of its words, or two neighbouring words joined, ends with one of
// these (isSecretName).
var secretNameTerms = [...]string{
	"password", "passwords", "passwd", "passphrase", "pwd", "secret", "secrets", "secretkey",
	"token", "apikey", "accesskey", "privatekey", "authorization", "credential", "credentials",
	"cookie", "cookies", "jwt", "sessionid", "sessid", "session",
	"passcode", "pw", "otp", "cvv", "cvc", "signature", "basicauth",
	"signingkey", "encryptionkey", "masterkey", "clientkey",
}

// secretNamePrefix is a word of a secret name that counts at its start too:
// sessionid, sessions.
const secretNamePrefix = "session"

// isSecretName reports whether name (a log field, a member of a structured
// value, a key in free text) says that its value is a secret. The name is
// cut into words at every byte that is no ASCII letter or digit and where
// lower case (or a digit) turns to upper case (apiKey, APIKey, x_api_key,
// API-KEY are "api" "key" with something before); it is secret when a word,
// or two neighbouring words joined, ends with one of secretNameTerms (any
// case), or a word starts with "session", unless its last word is "count".
// So db_password, accessToken, X-Api-Key, Set-Cookie, sessionId are secret;
// tokenizer, max_tokens, token_count, keyboard, author are not. Allocates
// nothing.
func isSecretName(name string) bool {
	prev, secret := "", false
	for i := 0; i < len(name); {
		if !isAlnum(name[i]) {
			i++
			continue
		}
		j := i + 1
		for j < len(name) && isAlnum(name[j]) && !wordBreak(name, j) {
			j++
		}
		secret = secret || secretWord(prev, name[i:j])
		prev, i = name[i:j], j
	}
	// A count of secrets is no secret: token_count, secret_count.
	return secret && !strings.EqualFold(prev, "count")
}

// wordBreak reports whether a new word starts at j inside a run of letters
// and digits.
func wordBreak(s string, j int) bool {
	before, c := s[j-1], s[j]
	isUpper := func(c byte) bool { return c >= 'A' && c <= 'Z' }
	isLower := func(c byte) bool { return c >= 'a' && c <= 'z' }
	return isUpper(c) && (isLower(before) || isDigit(before) ||
		isUpper(before) && j+1 < len(s) && isLower(s[j+1]))
}

// secretWord reports whether word, or prev and word joined, ends with a term,
// after the digits word ends with (password1, token2). Joined, only terms of
// joinedTermMin letters or more count, so that a short term (pw, otp) is not
// made of the ends of two ordinary words (crop_w).
func secretWord(prev, word string) bool {
	if t := strings.TrimRight(word, "0123456789"); t != "" {
		word = t
	}
	if len(word) >= len(secretNamePrefix) && strings.EqualFold(word[:len(secretNamePrefix)], secretNamePrefix) {
		return true
	}
	for _, t := range secretNameTerms {
		if len(word) >= len(t) {
			if strings.EqualFold(word[len(word)-len(t):], t) {
				return true
			}
			continue
		}
		if len(t) < joinedTermMin {
			continue
		}
		head, tail := t[:len(t)-len(word)], t[len(t)-len(word):]
		if prev != "" && len(prev) >= len(head) && strings.EqualFold(word, tail) &&
			strings.EqualFold(prev[len(prev)-len(head):], head) {
			return true
		}
	}
	return false
}

// joinedTermMin is the length of the shortest term two words joined make.
const joinedTermMin = 4

func isValueEnd(c, quote byte) bool {
	if quote != 0 {
		return c == quote
	}
	return c <= ' ' || c == 0x7f || strings.IndexByte("&;,\"'<>)", c) >= 0
}

// prefixedKeyEnd is where an API key with a well-known prefix starting at
// i ends, or -1.
func prefixedKeyEnd(s string, i int) int {
	for _, p := range keyPrefixes {
		if strings.HasPrefix(s[i:], p) {
			j := i + len(p)
			for j < len(s) && (isAlnum(s[j]) || s[j] == '_' || s[j] == '-') {
				j++
			}
			if j-i-len(p) >= scrubMinToken {
				return j
			}
			return -1
		}
	}
	if strings.HasPrefix(s[i:], "AKIA") || strings.HasPrefix(s[i:], "ASIA") {
		j := i + 4
		for j < len(s) && j < i+20 && (isDigit(s[j]) || s[j] >= 'A' && s[j] <= 'Z') {
			j++
		}
		if j == i+20 && (j == len(s) || !isAlnum(s[j])) {
			return j
		}
	}
	return -1
}

// atSignAt is the length of an at sign ('@', '＠', '﹫', %40, %2540,
// %252540, %EF%BC%A0) at i, or 0.
func atSignAt(s string, i int) int {
	for _, a := range atSigns {
		if strings.HasPrefix(s[i:], a) {
			return len(a)
		}
	}
	return 0
}

// localAt is the length of a local-part character at i, or 0: an RFC 5322
// atext character other than '/', '=', '?', '&' and '#', a '.', an escape
// of one (%XX or %25XX; not of '%'), or a non-ASCII character that is not white space or '＠'.
func localAt(s string, i int) int {
	c := s[i]
	if c == '%' {
		if v, n := escapeAt(s, i); n > 0 && isLocalASCII(v) && v != '%' {
			return n
		}
		return 0
	}
	if c < 0x80 {
		if isLocalASCII(c) {
			return 1
		}
		return 0
	}
	r, n := utf8.DecodeRuneInString(s[i:])
	if r == utf8.RuneError && n == 1 || r == '\uff20' || r == '\ufe6b' || unicode.IsSpace(r) || unicode.IsControl(r) || isQuoteMark(r) {
		return 0
	}
	return n
}

func isLocalASCII(c byte) bool {
	return isAlnum(c) || strings.IndexByte("!$%'*+-^_`{|}~.", c) >= 0
}

// prevIsLocal reports whether a local-part character comes right before i.
func prevIsLocal(s string, i int) bool {
	if i == 0 {
		return false
	}
	if e := escapeBefore(s, i); e >= 0 {
		return isLocalASCII(byte(e))
	}
	if s[i-1] < 0x80 {
		return isLocalASCII(s[i-1])
	}
	_, n := utf8.DecodeLastRuneInString(s[:i])
	return localAt(s, i-n) > 0
}

// emailMatch finds an address whose local part starts at i: it returns the
// bytes to mask, or end -1 with the offset before which none starts.
func emailMatch(s string, i int) (int, int, int) {
	if localAt(s, i) == 0 {
		return i, -1, i + 1
	}
	start := i
	for start < len(s) && (s[start] == '\'' || s[start] == '`') {
		start++
	}
	j := i
	for j < len(s) && atSignAt(s, j) == 0 {
		n := localAt(s, j)
		if n == 0 {
			break
		}
		j += n
	}
	at := 0
	if j < len(s) {
		at = atSignAt(s, j)
	}
	if at == 0 || start >= j || s[start:j] == redactedValue {
		return i, -1, j
	}
	end := domainEnd(s, j+at)
	if end < 0 {
		return i, -1, j
	}
	return start, end, end
}

// quotedEmailEnd is where an address with a quoted local part starting at
// i ends, or -1.
func quotedEmailEnd(s string, i int) int {
	j := i + 1
	for j < len(s) && j-i <= scrubMaxQuoted && s[j] != '"' && s[j] >= ' ' {
		j++
	}
	if j >= len(s) || s[j] != '"' || j == i+1 {
		return -1
	}
	at := atSignAt(s, j+1)
	if at == 0 {
		return -1
	}
	return domainEnd(s, j+1+at)
}

// domainEnd is where the domain of an address starting at k ends, or -1:
// an address literal in brackets, "localhost", or labels with a dot and a
// letter in the last one. A last label that starts with ASCII ends at the
// first non-ASCII character, so text written right after the address
// stays.
func domainEnd(s string, k int) int {
	if k < len(s) && s[k] == '[' {
		j := k + 1
		for j < len(s) && (isAlnum(s[j]) || s[j] == '.' || s[j] == ':') {
			j++
		}
		if j < len(s) && s[j] == ']' && j > k+1 {
			return j + 1
		}
		return -1
	}
	j := k
	for j < len(s) {
		if c := s[j]; c < 0x80 {
			if !isAlnum(c) && c != '.' && c != '-' {
				break
			}
			j++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[j:])
		if r == utf8.RuneError && n == 1 || r == '\uff20' || r == '\ufe6b' || unicode.IsSpace(r) || unicode.IsControl(r) || isQuoteMark(r) {
			break
		}
		j += n
	}
	for j > k && (s[j-1] == '.' || s[j-1] == '-') {
		j--
	}
	domain := s[k:j]
	if domain == "" || domain[0] == '.' || domain[0] == '-' {
		return -1
	}
	if strings.EqualFold(domain, "localhost") {
		return j
	}
	dot := strings.LastIndexByte(domain, '.')
	if dot < 0 {
		return -1
	}
	label := k + dot + 1
	if label < j && s[label] < 0x80 {
		e := label
		for e < j && s[e] < 0x80 {
			e++
		}
		j = e
		for j > label && s[j-1] == '-' {
			j--
		}
	}
	for p := label; p < j; p++ {
		if s[p] >= 0x80 || s[p]|0x20 >= 'a' && s[p]|0x20 <= 'z' {
			return j
		}
	}
	return -1
}

// isQuoteMark reports whether r is a non-ASCII quotation mark (the Unicode
// Quotation_Mark property): it ends an address rather than joining it.
func isQuoteMark(r rune) bool {
	switch r {
	case '\u00ab', '\u00bb', '\u2018', '\u2019', '\u201a', '\u201b', '\u201c', '\u201d', '\u201e', '\u201f',
		'\u2039', '\u203a', '\u2e42', '\u300c', '\u300d', '\u300e', '\u300f', '\u301d', '\u301e', '\u301f',
		'\ufe41', '\ufe42', '\ufe43', '\ufe44', '\uff02', '\uff07', '\uff62', '\uff63':
		return true
	}
	return false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isAlnum(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isBase64URL(c byte) bool { return isAlnum(c) || c == '-' || c == '_' }

func isTokenByte(c byte) bool { return isAlnum(c) || strings.IndexByte("-._~+/=", c) >= 0 }
