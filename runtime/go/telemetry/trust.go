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
// proxies, and returns the first address that is not one, or "".
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
		if _, err := netip.ParseAddr(h); err != nil {
			return ""
		}
		if i == 0 || !trustedProxy(h) {
			return h
		}
	}
	return ""
}

// knownMethods are the request methods the semantic conventions (or
// OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS, or the conventions' list) name;
// other methods become _OTHER.
var knownMethods atomic.Pointer[map[string]string]

func init() { setKnownMethods(conv.knownMethods) }

func setKnownMethods(ms []string) {
	m := make(map[string]string, len(ms))
	for _, k := range ms {
		m[k] = k
	}
	knownMethods.Store(&m)
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
	if k, ok := (*knownMethods.Load())[m]; ok {
		return k, true
	}
	return "_OTHER", false
}
