package telemetry

import (
	"net/http"
	"testing"
)

func TestForwardedOrigin(t *testing.T) {
	saved := trustedProxies
	trustedProxies = proxyPrefixes([]string{"10.0.0.0/8", "2001:db8:ffff::/48"})
	t.Cleanup(func() { trustedProxies = saved })
	for _, c := range []struct {
		values              []string
		client, proto, host string
		ok                  bool
	}{
		{[]string{"for=203.0.113.9;proto=https;host=shop.example"}, "203.0.113.9", "https", "shop.example", true},
		{[]string{`For="[2001:db8::1]:4711";Proto=HTTP`}, "2001:db8::1", "http", "", true},
		// The client-facing proxy's element, past the trusted hops on the right.
		{[]string{"for=198.51.100.1;host=evil.example, for=203.0.113.9;proto=https;host=shop.example", "for=10.1.2.3;proto=http"}, "203.0.113.9", "https", "shop.example", true},
		// An untrusted hop on the right is where the walk stops: the left is the caller's word.
		{[]string{"for=203.0.113.9, for=198.51.100.2"}, "198.51.100.2", "", "", true},
		{[]string{"for=unknown;proto=https"}, "", "https", "", true},
		{[]string{"for=_hidden, for=10.0.0.1"}, "", "", "", true},
		{[]string{`for="192.0.2.1";host="a b"`}, "192.0.2.1", "", "", true},
		{[]string{`for=192.0.2.1;proto=ftp;host="x.example/path"`}, "192.0.2.1", "", "", true},
		// Characters a token cannot hold make the header malformed (RFC 7239 syntax).
		{[]string{"for=192.0.2.1;host=x.example/path"}, "", "", "", false},
		{[]string{",, for=192.0.2.7 ,"}, "192.0.2.7", "", "", true},
		{[]string{"for=192.0.2.1;for=192.0.2.2"}, "", "", "", false},
		{[]string{"for"}, "", "", "", false},
		{[]string{`for="192.0.2.1`}, "", "", "", false},
		{[]string{"for=192.0.2.1 junk"}, "", "", "", false},
		// Unquoted ports and IPv6 literals are read (proxies send them so);
		// an IPv6 address without brackets is no address.
		{[]string{"for=192.0.2.1:4711;host=shop.example:8443"}, "192.0.2.1", "", "shop.example:8443", true},
		{[]string{"for=[2001:db8::1]:4711"}, "2001:db8::1", "", "", true},
		{[]string{"for=2001:db8::1"}, "", "", "", true},
		{nil, "", "", "", false},
	} {
		client, proto, host, ok := forwardedOrigin(c.values)
		if client != c.client || proto != c.proto || host != c.host || ok != c.ok {
			t.Errorf("%q: (%q, %q, %q, %v), want (%q, %q, %q, %v)", c.values, client, proto, host, ok, c.client, c.proto, c.host, c.ok)
		}
	}
}

func FuzzParseForwarded(f *testing.F) {
	for _, s := range []string{"for=1.2.3.4;proto=https", `for="[::1]:80", by=x`, `a="\"\\"`, ",;,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		elems, ok := parseForwarded(s)
		if !ok && elems != nil {
			t.Errorf("%q: malformed but %d elements", s, len(elems))
		}
		_, _, _, _ = forwardedOrigin([]string{s})
	})
}

// A trusted proxy's X-Forwarded-Host list names the host the client asked
// for first; server.address is that element, as in the Rust crate.
func TestXForwardedHostListTakesTheFirst(t *testing.T) {
	useTestConventions(t)
	trustedProxies = proxyPrefixes([]string{"198.51.100.0/24"})
	p := newTestProviders(t, nil)
	h := NewHandler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), p.options()...)
	serve(t, h, "GET", "/", http.Header{"X-Forwarded-Host": {" shop.example:8443 , inner.example"}})
	a := attrMap(onlySpan(t, p).Attributes())
	wantAttr(t, a, keyServerAddress, "shop.example")
	wantAttr(t, a, keyServerPort, int64(8443))
}
