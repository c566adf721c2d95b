package telemetry

// keySet is a set of query parameter keys (the sensitive ones, matched
// case-sensitively) with a summary that turns most keys away before the map
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
		s.keys[k] = true
		if n := len(k); n < keySummaryLens {
			s.summary[n] |= 1 << (firstByte(k) & 63)
		}
	}
	return s
}

func firstByte(k string) byte {
	if k == "" {
		return 0
	}
	return k[0]
}

// has reports whether k is in the set.
func (s *keySet) has(k string) bool {
	if n := len(k); n < keySummaryLens && s.summary[n]&(1<<(firstByte(k)&63)) == 0 {
		return false
	}
	return s.keys[k]
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
