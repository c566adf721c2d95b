package telemetry

import (
	"net/http"
	"net/http/httptest"
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

// url.scheme on http.server.request.duration is the scheme a trusted proxy
// says the client used, as on the span (http-metrics.md, semantic
// conventions 1.45.0); an untrusted peer's header is ignored on both.
func TestForwardedSchemeOnTheDuration(t *testing.T) {
	useTestConventions(t)
	trustedProxies = proxyPrefixes([]string{"198.51.100.0/24"})
	for _, tc := range []struct {
		remote string
		header http.Header
		want   string
	}{
		{"198.51.100.7:4711", http.Header{"X-Forwarded-Proto": {"https"}}, "https"},
		{"198.51.100.7:4711", http.Header{"Forwarded": {"proto=https"}}, "https"},
		{"203.0.113.9:4711", http.Header{"X-Forwarded-Proto": {"https"}}, "http"},
		{"198.51.100.7:4711", nil, "http"},
	} {
		p := newTestProviders(t, nil)
		h := NewHandler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), p.options()...)
		req := httptest.NewRequest("GET", "/", nil)
		req.RemoteAddr = tc.remote
		for k, v := range tc.header {
			req.Header[k] = v
		}
		h.ServeHTTP(httptest.NewRecorder(), req)
		wantAttr(t, attrMap(onlySpan(t, p).Attributes()), keyURLScheme, tc.want)
		points := p.histogram(t, conv.httpServerDuration)
		if len(points) != 1 {
			t.Fatalf("%d points", len(points))
		}
		if v, _ := points[0].Attributes.Value(keyURLScheme); v.AsString() != tc.want {
			t.Errorf("%s %v: url.scheme on the duration %q, want %q", tc.remote, tc.header, v.AsString(), tc.want)
		}
	}
}

// X-Forwarded-For addresses are written as Rust writes them
// (canonical_client): IPv4-mapped as IPv4, IPv6 canonical; a zone is no
// address.
func TestForwardedClientCanonical(t *testing.T) {
	saved := trustedProxies
	trustedProxies = proxyPrefixes([]string{"198.51.100.0/24"})
	t.Cleanup(func() { trustedProxies = saved })
	for in, want := range map[string]string{
		"::ffff:203.0.113.9, 198.51.100.7": "203.0.113.9",
		"[::ffff:203.0.113.9]:4711":        "203.0.113.9",
		"2001:DB8:0:0::1":                  "2001:db8::1",
		"fe80::1%eth0":                     "",
		"203.0.113.9, ::ffff:198.51.100.7": "203.0.113.9",
		"not-an-address, 198.51.100.7":     "",
		"198.51.100.8, 198.51.100.7":       "198.51.100.8",
		"203.0.113.9":                      "203.0.113.9",
	} {
		if got := forwardedClient([]string{in}); got != want {
			t.Errorf("forwardedClient(%q) = %q, want %q", in, got, want)
		}
	}
}
