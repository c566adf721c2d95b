package telemetry

import (
	"net"
	"net/netip"
	"strings"
	"sync/atomic"
)

// The trust policy of the conventions: at an internal boundary the service
// continues the caller's trace and baggage; at a public one it starts a new
// root span with its own sampling decision, links the caller's span context
// and ignores the caller's baggage. Per-route overrides name an http.route
// value, a prefix ending in "/*" (everything under it) or, for gRPC, a
// "pkg.Service/*" prefix; the first matching entry wins.

// publicRoute reports whether a request on route (its http.route value, ""
// when unknown) with path is at a public boundary.
func publicRoute(route, path string) bool {
	for _, tr := range conv.trustRoutes {
		if prefix, ok := strings.CutSuffix(tr.route, "*"); ok {
			if strings.HasPrefix(path, prefix) || (route != "" && strings.HasPrefix(route, prefix)) {
				return tr.public
			}
			continue
		}
		if tr.route == route || (route == "" && tr.route == path) {
			return tr.public
		}
	}
	return conv.trustHTTPServer
}

// publicRPC reports whether a gRPC method ("/pkg.Service/Method") is public.
func publicRPC(fullMethod string) bool {
	m := strings.TrimPrefix(fullMethod, "/")
	for _, tr := range conv.trustRoutes {
		if prefix, ok := strings.CutSuffix(tr.route, "*"); ok {
			if !strings.HasPrefix(prefix, "/") && strings.HasPrefix(m, prefix) {
				return tr.public
			}
			continue
		}
		if tr.route == m || tr.route == fullMethod {
			return tr.public
		}
	}
	return conv.trustGRPCServer
}

// trustedProxies are the networks whose X-Forwarded-* headers are believed.
var trustedProxies = proxyPrefixes(conv.trustedProxies)

func proxyPrefixes(cidrs []string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range cidrs {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
		} else if a, err := netip.ParseAddr(s); err == nil {
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	return out
}

func trustedProxy(host string) bool {
	if len(trustedProxies) == 0 {
		return false
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range trustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// forwardedClient walks X-Forwarded-For from the right, past the trusted
// proxies, and returns the first address that is not one, or "". Addresses
// are written as Rust writes them: an IPv4-mapped IPv6 address as its IPv4
// address, IPv6 in its canonical form; one with a zone is no address.
func forwardedClient(values []string) string {
	var hops []string
	for _, v := range values {
		for h := range strings.SplitSeq(v, ",") {
			hops = append(hops, strings.TrimSpace(h))
		}
	}
	for i := len(hops) - 1; i >= 0; i-- {
		h := hops[i]
		if host, _, err := net.SplitHostPort(h); err == nil {
			h = host
		}
		a, err := netip.ParseAddr(h)
		if err != nil || a.Zone() != "" {
			return ""
		}
		h = a.Unmap().String()
		if i == 0 || !trustedProxy(h) {
			return h
		}
	}
	return ""
}

// forwardedOrigin reads RFC 7239 Forwarded header values as a trusted proxy
// sent them: walking the elements from the right past the trusted proxies (as
// forwardedClient does for X-Forwarded-For), the element the client-facing
// proxy wrote gives the client (its "for", when an IP address), the scheme the
// client used ("proto", http or https) and the host it asked for ("host").
// Each is "" when that element does not say; ok is false when there is no
// header or it is malformed.
func forwardedOrigin(values []string) (client, proto, host string, ok bool) {
	if len(values) == 0 {
		return "", "", "", false
	}
	elems, ok := parseForwarded(strings.Join(values, ","))
	if !ok || len(elems) == 0 {
		return "", "", "", false
	}
	pick := elems[0]
	for i := len(elems) - 1; i >= 0; i-- {
		addr := forwardedNodeAddr(elems[i]["for"])
		if i == 0 || addr == "" || !trustedProxy(addr) {
			pick = elems[i]
			break
		}
	}
	client = forwardedNodeAddr(pick["for"])
	if p := strings.ToLower(pick["proto"]); p == "http" || p == "https" {
		proto = p
	}
	// A host is ASCII text (RFC 9110 section 7.2): one that is not is none,
	// as in Rust, which reads no header value that is not visible ASCII.
	if h := pick["host"]; h != "" && len(h) <= 255 && !strings.ContainsAny(h, "/?#@\\ \t") && headerText(h) {
		host = h
	}
	return client, proto, host, true
}

// fromForwarded overrides client, scheme and host with what a trusted
// proxy's Forwarded header says (it wins over X-Forwarded-*), keeping each
// the header does not give.
func fromForwarded(values []string, client, scheme, host string) (string, string, string) {
	c, p, h, ok := forwardedOrigin(values)
	if !ok {
		return client, scheme, host
	}
	if c != "" {
		client = c
	}
	if p != "" {
		scheme = p
	}
	if h != "" {
		host = h
	}
	return client, scheme, host
}

// forwardedNodeAddr is the IP address of a Forwarded node ("192.0.2.1",
// "[2001:db8::1]:4711"), or "" for "unknown", an obfuscated name or garbage.
func forwardedNodeAddr(node string) string {
	addr := node
	if rest, ok := strings.CutPrefix(node, "["); ok {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return ""
		}
		addr = rest[:end]
	} else if i := strings.IndexByte(node, ':'); i >= 0 {
		addr = node[:i]
	}
	a, err := netip.ParseAddr(addr)
	if err != nil || a.Zone() != "" {
		return ""
	}
	return a.Unmap().String()
}

// parseForwarded splits a Forwarded header into its elements, each a map of
// lower-cased parameter names to values (quoted strings unquoted). A
// parameter given twice in an element, or any syntax error, makes it
// malformed.
func parseForwarded(text string) ([]map[string]string, bool) {
	var elems []map[string]string
	elem := map[string]string{}
	i := 0
	skipSpace := func() {
		for i < len(text) && (text[i] == ' ' || text[i] == '\t') {
			i++
		}
	}
	for {
		skipSpace()
		if i < len(text) && (text[i] == ',' || text[i] == ';') && len(elem) == 0 {
			i++ // an empty list element
			continue
		}
		if i >= len(text) {
			break
		}
		start := i
		for i < len(text) && isTokenChar(text[i]) {
			i++
		}
		name := strings.ToLower(text[start:i])
		if name == "" || i >= len(text) || text[i] != '=' {
			return nil, false
		}
		i++
		value, ok := "", true
		if i < len(text) && text[i] == '"' {
			value, ok = readQuoted(text, &i)
		} else {
			// Unquoted, a port or an IPv6 literal breaks the token syntax,
			// but proxies send them so: ':', '[' and ']' are read too.
			start = i
			for i < len(text) && (isTokenChar(text[i]) || strings.IndexByte(":[]", text[i]) >= 0) {
				i++
			}
			value = text[start:i]
		}
		if _, dup := elem[name]; !ok || dup || value == "" && text[i-1] != '"' {
			return nil, false
		}
		elem[name] = value
		skipSpace()
		switch {
		case i >= len(text):
		case text[i] == ';':
			i++
			continue
		case text[i] == ',':
			i++
		default:
			return nil, false
		}
		elems = append(elems, elem)
		elem = map[string]string{}
	}
	if len(elem) > 0 {
		elems = append(elems, elem)
	}
	return elems, true
}

// readQuoted reads the quoted string at text[*i] (RFC 9110), moving *i past it.
func readQuoted(text string, i *int) (string, bool) {
	var b strings.Builder
	for j := *i + 1; j < len(text); j++ {
		switch c := text[j]; {
		case c == '"':
			*i = j + 1
			return b.String(), true
		case c == '\\' && j+1 < len(text):
			j++
			b.WriteByte(text[j])
		case c < 0x20 && c != '\t' || c == 0x7f:
			return "", false
		default:
			b.WriteByte(c)
		}
	}
	return "", false
}

// isTokenChar reports whether c may appear in an RFC 9110 token.
func isTokenChar(c byte) bool {
	switch {
	case c >= '0' && c <= '9', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// knownMethods are the request methods the semantic conventions (or
// OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS, or the conventions' list) name;
// other methods become _OTHER.
var knownMethods atomic.Pointer[methodSet]

// methodSet is a set of known methods: a short list is searched in order
// (cheaper than hashing a method), a long one through its map.
type methodSet struct {
	list []string
	m    map[string]string
}

func init() { setKnownMethods(conv.knownMethods) }

func setKnownMethods(ms []string) {
	m := make(map[string]string, len(ms))
	list := make([]string, 0, len(ms))
	for _, k := range ms {
		if _, dup := m[k]; !dup {
			list = append(list, k)
		}
		m[k] = k
	}
	knownMethods.Store(&methodSet{list: list, m: m})
}

// spanMethod is the method as span names show it: semconv names spans of
// methods it does not know "HTTP".
func spanMethod(method string) string {
	if method == "_OTHER" {
		return "HTTP"
	}
	return method
}

// normalizeMethod returns the semconv method and whether it was known.
func normalizeMethod(m string) (string, bool) {
	set := knownMethods.Load()
	if len(set.list) <= 16 {
		for _, k := range set.list {
			if k == m {
				return k, true
			}
		}
		return "_OTHER", false
	}
	if k, ok := set.m[m]; ok {
		return k, true
	}
	return "_OTHER", false
}
