package telemetry

// keySet is a set of query parameter keys (the sensitive ones, matched
// without regard to ASCII case) with a summary that turns most keys away before the map
// is hashed: for each key length below keySummaryLens, one bit per first
// byte (its low six bits) that some key of that length starts with. Every key
// of the set passes the summary, so a key that does not is not in the set;
// a key that does, and every key as long as keySummaryLens or longer, is
// looked up in the map. A keySet is built once by sensitiveSet and never
// changed: replacing the set replaces the summary with it.
type keySet struct {
	keys    map[string]bool
	summary [keySummaryLens]uint64
}

// keySummaryLens bounds the key lengths the summary describes; the
// conventions' sensitive keys are all shorter.
const keySummaryLens = 32

func sensitiveSet(keys []string) keySet {
	s := keySet{keys: make(map[string]bool, len(keys))}
	for _, k := range keys {
		s.keys[asciiLower(k)] = true
		if n := len(k); n < keySummaryLens {
			s.summary[n] |= 1 << (firstByte(k) & 63)
		}
	}
	return s
}

// firstByte is k's first byte, ASCII upper case folded to lower case.
func firstByte(k string) byte {
	if k == "" {
		return 0
	}
	return lowerByte(k[0])
}

func lowerByte(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// asciiLower is k with ASCII upper case letters folded to lower case.
func asciiLower(k string) string {
	for i := 0; i < len(k); i++ {
		if c := k[i]; 'A' <= c && c <= 'Z' {
			b := []byte(k)
			for j := i; j < len(b); j++ {
				b[j] = lowerByte(b[j])
			}
			return string(b)
		}
	}
	return k
}

// has reports whether k is in the set, ASCII case folded (`Token` and
// `JSessionId` match `token` and `jsessionid`).
func (s *keySet) has(k string) bool {
	n := len(k)
	if n < keySummaryLens && s.summary[n]&(1<<(firstByte(k)&63)) == 0 {
		return false
	}
	if s.keys[k] {
		return true
	}
	if n < keySummaryLens {
		var buf [keySummaryLens]byte
		for i := 0; i < n; i++ {
			buf[i] = lowerByte(k[i])
		}
		return s.keys[string(buf[:n])]
	}
	return s.keys[asciiLower(k)]
}

// empty reports whether the set has no key.
func (s *keySet) empty() bool { return len(s.keys) == 0 }

// queryStops has a bit for each byte below 64 that querySensitiveKeys stops at.
const queryStops = 1<<'%' | 1<<'&' | 1<<'+' | 1<<';' | 1<<'='

// querySensitiveKeys reports whether SanitizeQuery could change raw: whether
// a key of its pairs ('&' or ';' between them) is a sensitive one, or
// carries '%' or '+' (isSensitiveKey decodes those). A key is what precedes
// the pair's first '='. It reads raw once, in place: most queries name no
// sensitive key and are used as they are.
func querySensitiveKeys(raw string) bool {
	if sensitiveQuery.empty() {
		return false
	}
	key, inKey := 0, true // where the current pair's key starts; still in it
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c >= 64 || queryStops&(1<<c) == 0 {
			continue
		}
		switch c {
		case '&', ';':
			if inKey && i > key && sensitiveQuery.has(raw[key:i]) {
				return true
			}
			key, inKey = i+1, true
		case '=':
			if inKey && i > key && sensitiveQuery.has(raw[key:i]) {
				return true
			}
			inKey = false
		case '%', '+':
			if inKey {
				return true
			}
		}
	}
	return inKey && len(raw) > key && sensitiveQuery.has(raw[key:])
}
