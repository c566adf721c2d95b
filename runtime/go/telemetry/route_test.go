package telemetry

import (
	"bytes"
	"crypto/tls"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

func TestRouteBehindStripPrefixNamesTheOuterSpan(t *testing.T) {
	useTestConventions(t)
	for _, wrapInner := range []bool{true, false} {
		p := newTestProviders(t, nil)
		var logs bytes.Buffer
		logger := slog.New(NewLogHandler(slog.NewJSONHandler(&logs, nil)))
		api := http.NewServeMux()
		api.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
			logger.InfoContext(r.Context(), "order read")
		})
		var inner http.Handler = api
		if wrapInner {
			inner = Route(api)
		}
		outer := http.NewServeMux()
		outer.Handle("/api/", http.StripPrefix("/api", inner))
		serve(t, NewHandler(outer, p.options()...), "GET", "/api/orders/7", nil)
		span := onlySpan(t, p)
		got := attrMap(span.Attributes())
		if !wrapInner {
			// Without Route the outer span sees only the mount pattern.
			if span.Name() != "GET /api/" {
				t.Errorf("without Route: span %q, want the mount pattern", span.Name())
			}
			continue
		}
		if span.Name() != "GET /api/orders/{id}" {
			t.Errorf("span %q, want GET /api/orders/{id}", span.Name())
		}
		wantAttr(t, got, keyHTTPRoute, "/api/orders/{id}")
		if !strings.Contains(logs.String(), `"http.route":"/api/orders/{id}"`) {
			t.Errorf("the handler's log record lacks the route: %s", logs.String())
		}
		if dur, _ := p.histogram(t, conv.httpServerDuration)[0].Attributes.Value(keyHTTPRoute); dur.AsString() != "/api/orders/{id}" {
			t.Errorf("duration metric route %q", dur.AsString())
		}
	}
}

func TestRouteWithoutHandlerOnlyServes(t *testing.T) {
	mux := http.NewServeMux()
	called := false
	mux.HandleFunc("GET /x", func(http.ResponseWriter, *http.Request) { called = true })
	serve(t, http.StripPrefix("/p", Route(mux)), "GET", "/p/x", nil)
	if !called {
		t.Error("Route did not serve the request")
	}
}

func TestRouteAroundAnotherHandlerUsesThePatternAfterwards(t *testing.T) {
	useTestConventions(t)
	p := newTestProviders(t, nil)
	api := http.NewServeMux()
	api.HandleFunc("POST /v1/things/{id}", func(w http.ResponseWriter, r *http.Request) {})
	// A handler that is not a ServeMux: the pattern is read after it served.
	wrapped := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { api.ServeHTTP(w, r) })
	serve(t, NewHandler(http.StripPrefix("/svc", Route(wrapped)), p.options()...), "POST", "/svc/v1/things/9", nil)
	if name := onlySpan(t, p).Name(); name != "POST /svc/v1/things/{id}" {
		t.Errorf("span %q", name)
	}
}

// The per-route caches (the routeInfo a span is renamed to, the duration
// point's attribute set) keep the first value they see: requests of other
// routes and other statuses must still get their own names and points.
func TestCachedRouteDataFollowsEachRequest(t *testing.T) {
	useTestConventions(t)
	p := newTestProviders(t, nil)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /a/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") == "missing" {
			w.WriteHeader(http.StatusNotFound)
		}
	})
	mux.HandleFunc("GET /b", func(http.ResponseWriter, *http.Request) {})
	h := NewHandler(mux, p.options()...)
	paths := []string{"/a/1", "/b", "/a/missing", "/a/2", "/b", "/a/missing"}
	for _, path := range paths {
		serve(t, h, "GET", path, nil)
	}
	ended := p.spans.Ended()
	if len(ended) != len(paths) {
		t.Fatalf("%d spans, want %d", len(ended), len(paths))
	}
	for i, span := range ended {
		route, status := "/a/{id}", 200
		if paths[i] == "/b" {
			route = "/b"
		} else if paths[i] == "/a/missing" {
			status = 404
		}
		if span.Name() != "GET "+route {
			t.Errorf("span %d (%s) named %q", i, paths[i], span.Name())
		}
		got := attrMap(span.Attributes())
		wantAttr(t, got, keyHTTPRoute, route)
		wantAttr(t, got, keyHTTPResponseStatusCode, int64(status))
	}
	counts := map[string]uint64{}
	for _, pt := range p.histogram(t, conv.httpServerDuration) {
		route, _ := pt.Attributes.Value(keyHTTPRoute)
		status, _ := pt.Attributes.Value(keyHTTPResponseStatusCode)
		counts[route.AsString()+" "+status.Emit()] += pt.Count
	}
	want := map[string]uint64{"/a/{id} 200": 2, "/a/{id} 404": 2, "/b 200": 2}
	if len(counts) != len(want) {
		t.Fatalf("duration points %v, want %v", counts, want)
	}
	for k, n := range want {
		if counts[k] != n {
			t.Errorf("duration points %v, want %v", counts, want)
		}
	}
}

// Each routeInfo keeps the first list of its route, host and scheme
// attributes, and the caches the first route's info: requests with another
// host, scheme, protocol, method, query or peer must get their own attributes.
func TestCachedHostAndMethodFollowEachRequest(t *testing.T) {
	// The span as the handler sets it: no rule drops an attribute at the source.
	usePrivacyActions(t, map[string]privacyAction{})
	useTestConventions(t)
	p := newTestProviders(t, nil)
	mux := http.NewServeMux()
	mux.HandleFunc("/x", func(http.ResponseWriter, *http.Request) {})
	h := NewHandler(mux, p.options()...)
	type want struct {
		method, host, target, remote, addr, query string
		port, peerPort                            int64
		tls, h2                                   bool
	}
	cases := []want{
		{"GET", "shop.example:8080", "/x?page=2", "192.0.2.1:40000", "shop.example", "page=2", 8080, 40000, false, false},
		{"GET", "other.example", "/x?a%3Db=1", "192.0.2.2:1", "other.example", "a%3Db=1", 80, 1, false, false},
		{"GET", "shop.example:8080", "/x", "192.0.2.2:1", "shop.example", "", 8080, 1, false, true},
		{"POST", "shop.example:8080", "/x?sig=abc&x=1", "[2001:db8::1]:443", "shop.example", "sig=REDACTED&x=1", 8080, 443, false, false},
		{"FOO", "shop.example:8080", "/x?s%69g=abc", "192.0.2.3", "shop.example", "s%69g=REDACTED", 8080, 0, false, false},
		{"GET", "shop.example:8080", "/x?;token=t", "192.0.2.4:+7", "shop.example", ";token=REDACTED", 8080, 7, true, false},
		{"GET", "[2001:db8::2]:9", "/x", "192.0.2.5:65536", "2001:db8::2", "", 9, 65536, false, false},
	}
	for _, c := range cases {
		req := httptest.NewRequest(c.method, c.target, nil)
		req.Host, req.RemoteAddr = c.host, c.remote
		if c.tls {
			req.TLS = &tls.ConnectionState{}
		}
		if c.h2 {
			req.Proto, req.ProtoMajor, req.ProtoMinor = "HTTP/2.0", 2, 0
		}
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	ended := p.spans.Ended()
	if len(ended) != len(cases) {
		t.Fatalf("%d spans, want %d", len(ended), len(cases))
	}
	for i, c := range cases {
		got := attrMap(ended[i].Attributes())
		wantAttr(t, got, keyServerAddress, c.addr)
		wantAttr(t, got, keyServerPort, c.port)
		if c.query != "" {
			wantAttr(t, got, keyURLQuery, c.query)
		} else if _, ok := got[keyURLQuery]; ok {
			t.Errorf("request %d: url.query set", i)
		}
		if c.peerPort != 0 {
			wantAttr(t, got, keyNetworkPeerPort, c.peerPort)
		} else if _, ok := got[keyNetworkPeerPort]; ok {
			t.Errorf("request %d: network.peer.port set", i)
		}
		method, known := c.method, true
		if method == "FOO" {
			method, known = "_OTHER", false
		}
		wantAttr(t, got, keyHTTPRequestMethod, method)
		if _, ok := got[keyHTTPRequestMethodOriginal]; ok == known {
			t.Errorf("request %d: http.request.method_original set %v", i, ok)
		}
		scheme := "http"
		if c.tls {
			scheme = "https"
		}
		wantAttr(t, got, keyURLScheme, scheme)
		proto := "1.1"
		if c.h2 {
			proto = "2"
		}
		wantAttr(t, got, keyNetworkProtocolVersion, proto)
	}
}

// splitHostPort, splitPeer, atoi and querySensitiveKeys read the common
// forms in place; they must agree with net.SplitHostPort, strconv.Atoi and
// SanitizeQuery on every form.
func TestInPlaceParsersAgreeWithTheLibrary(t *testing.T) {
	useTestConventions(t)
	for _, s := range []string{"", ":", "a:1", ":80", "a:", "a", "a:b:c", "[::1]:80", "[::1]", "::1", "[a]:b:c", "a]:1", "a[:1", "[a:1", "1.2.3.4:65536", "h:+1", "h:-1", "h: 1", "x:0080", "a:1]", "a:[1", "a:1:", ":]", "[:", "127.0.0.1:40000"} {
		h, p, ok := splitHostPort(s)
		wh, wp, err := net.SplitHostPort(s)
		if h != wh || p != wp || ok != (err == nil) {
			t.Errorf("splitHostPort(%q) = %q, %q, %v; net says %q, %q, %v", s, h, p, ok, wh, wp, err)
		}
	}
	for _, s := range []string{"", ":", "a:1", ":80", "a:", "a", "1", "12345", "a:b:c", "[::1]:80", "[::1]", "::1", "::1:80", "[a]:b:c", "a]:1", "a[:1", "[a:1", "1.2.3.4:65536", "1.2.3.4:99999", "1.2.3.4:123456", "h:+1", "h:-1", "h: 1", "x:0080", "x:00080", "a:1]", "a:[1", "a:1:", ":]", "[:", "127.0.0.1:40000", "127.0.0.1:0", "h:1:2", "h]:2", "[h:2", "@:1", "h/:1", "\xff:1", "h::1", "[fe80::1%eth0]:443"} {
		host, port, hasPort := splitPeer(s)
		wh, wp, err := net.SplitHostPort(s)
		wn, aerr := strconv.Atoi(wp)
		if err != nil {
			wh = s
		}
		if host != wh || hasPort != (err == nil && aerr == nil) || (hasPort && port != wn) {
			t.Errorf("splitPeer(%q) = %q, %d, %v; net and strconv say %q, %d, %v", s, host, port, hasPort, wh, wn, err == nil && aerr == nil)
		}
	}
	// Every string of up to six bytes from the characters that matter.
	const alphabet = "09:[]a+"
	var strs []string
	var grow func(prefix string)
	grow = func(prefix string) {
		strs = append(strs, prefix)
		if len(prefix) < 6 {
			for i := 0; i < len(alphabet); i++ {
				grow(prefix + alphabet[i:i+1])
			}
		}
	}
	grow("")
	for _, s := range strs {
		host, port, hasPort := splitPeer(s)
		wh, wp, err := net.SplitHostPort(s)
		wn, aerr := strconv.Atoi(wp)
		if err != nil {
			wh = s
		}
		if host != wh || hasPort != (err == nil && aerr == nil) || (hasPort && port != wn) {
			t.Fatalf("splitPeer(%q) = %q, %d, %v; net and strconv say %q, %d, %v", s, host, port, hasPort, wh, wn, err == nil && aerr == nil)
		}
	}
	for _, s := range []string{"", "0", "7", "65535", "+7", "-7", "007", "1a", "a", " 1", "123456789", "1234567890", "99999999999999999999", "1_0"} {
		n, ok := atoi(s)
		wn, err := strconv.Atoi(s)
		if ok != (err == nil) || (ok && n != wn) {
			t.Errorf("atoi(%q) = %d, %v; strconv says %d, %v", s, n, ok, wn, err)
		}
	}
	for _, q := range []string{"", "page=2", "sig=x", "a=1&sig=x", "a=1;token=y", "sig", "=sig", "s%69g=1", "s+g=1", "x=%sig", "&&", "a&b=sig", "AWSAccessKeyId=1", "page=sig=1", "token", "xyz=1&sig=x", "ab&cd;token", "sIg=1", "Sig=1", "tok=1&secret=2", "passwd", strings.Repeat("k", 70) + "=1"} {
		if !querySensitiveKeys(q) && SanitizeQuery(q) != q {
			t.Errorf("querySensitiveKeys(%q) is false, but SanitizeQuery changes it to %q", q, SanitizeQuery(q))
		}
	}
	if querySensitiveKeys("page=2&x=y") {
		t.Error("a query without a sensitive key is checked further")
	}
}

// querySensitiveKeys follows sensitiveQuery when it is replaced, and finds
// every key it holds, short or long.
func TestQuerySensitiveKeysFollowsTheSensitiveKeys(t *testing.T) {
	useTestConventions(t)
	long := strings.Repeat("k", 70)
	if !querySensitiveKeys("a=1&token=2") || querySensitiveKeys("page=2") || querySensitiveKeys(long+"=1") {
		t.Fatal("the conventions' keys are not found as they are")
	}
	saved := sensitiveQuery
	t.Cleanup(func() { sensitiveQuery = saved })
	sensitiveQuery = sensitiveSet([]string{"page", long, "Q"})
	for _, q := range []string{"page=2", "x=1&" + long + "=1", "Q=1", "a=b;page", "pagE=2", "q=1"} {
		if !querySensitiveKeys(q) {
			t.Errorf("querySensitiveKeys(%q) is false after the keys changed", q)
		}
	}
	for _, q := range []string{"token=2", "pag=2", "qq=1", strings.Repeat("k", 69) + "=1"} {
		if querySensitiveKeys(q) {
			t.Errorf("querySensitiveKeys(%q) is true, but no key of it is sensitive", q)
		}
	}
}

// querySensitiveKeys reads the query in one pass; it answers as reading it
// pair by pair does (the pairs split at '&' and ';', the key up to the
// pair's first '=', a '%' or '+' in the key counting as sensitive) for every
// query of up to six bytes from the characters that matter.
func TestQuerySensitiveKeysAgreesPairByPair(t *testing.T) {
	useTestConventions(t)
	saved := sensitiveQuery
	t.Cleanup(func() { sensitiveQuery = saved })
	byPairs := func(raw string) bool {
		for _, pair := range strings.FieldsFunc(raw, func(r rune) bool { return r == '&' || r == ';' }) {
			k, _, _ := strings.Cut(pair, "=")
			if strings.ContainsAny(k, "%+") || (k != "" && sensitiveQuery.has(k)) {
				return true
			}
		}
		return false
	}
	const alphabet = "ab=&;%+"
	var queries []string
	var grow func(prefix string)
	grow = func(prefix string) {
		queries = append(queries, prefix)
		if len(prefix) < 6 {
			for i := 0; i < len(alphabet); i++ {
				grow(prefix + alphabet[i:i+1])
			}
		}
	}
	grow("")
	for _, keys := range [][]string{{"a"}, {"ab", "b"}, {"ba"}, {}} {
		sensitiveQuery = sensitiveSet(keys)
		for _, q := range queries {
			want := byPairs(q)
			if len(keys) == 0 {
				want = false
			}
			if got := querySensitiveKeys(q); got != want {
				t.Fatalf("keys %q: querySensitiveKeys(%q) = %v, pair by pair %v", keys, q, got, want)
			}
		}
	}
}

// A keySet's summary never turns away a key of the set: has agrees with the
// plain map for the set's keys and for keys that differ from them in length,
// in their first byte only, or by a first byte with the same low six bits
// ('A' and 0x01, '@' and 0x00 and 0x80), for the empty key and for keys past
// the summary's lengths; a key in another ASCII case is in the set.
func TestKeySetAgreesWithItsKeys(t *testing.T) {
	long := strings.Repeat("k", keySummaryLens)
	sets := [][]string{
		conventionsSensitiveKeys(),
		{"", "A", "@b", "\x80c", long, long[1:], "token"},
		{"\x01", "\x00x", "\xffyz", "Q"},
		{},
	}
	var probes []string
	for _, set := range sets {
		for _, k := range set {
			probes = append(probes, k, k+"x", "x"+k)
			if k != "" {
				for _, b := range []byte{0, 1, '@', 'A', 'a', 0x80, 0x81, 0xc1, k[0] ^ 64, k[0] ^ 128, k[0] ^ 32} {
					probes = append(probes, string(b)+k[1:])
				}
				probes = append(probes, k[1:], k[:len(k)-1], strings.ToUpper(k), strings.ToTitle(k[:1])+k[1:])
			}
		}
	}
	for _, set := range sets {
		s := sensitiveSet(set)
		want := map[string]bool{}
		for _, k := range set {
			want[asciiLower(k)] = true
		}
		if s.empty() != (len(set) == 0) {
			t.Errorf("sensitiveSet(%q).empty() = %v", set, s.empty())
		}
		for _, k := range append(probes, set...) {
			if got := s.has(k); got != want[asciiLower(k)] {
				t.Errorf("sensitiveSet(%q).has(%q) = %v, want %v", set, k, got, want[k])
			}
		}
	}
}

func conventionsSensitiveKeys() []string {
	var keys []string
	for k := range sensitiveQuery.keys {
		keys = append(keys, k)
	}
	return keys
}

// When the conventions class server.address as private, a routeInfo keeps no
// Host header past its request.
func TestPrivateServerAddressIsNotKept(t *testing.T) {
	useTestConventions(t)
	usePrivacyActions(t, map[string]privacyAction{"server.address": actionHash})
	p := newTestProviders(t, nil)
	mux := http.NewServeMux()
	mux.HandleFunc("/x", func(http.ResponseWriter, *http.Request) {})
	h := NewHandler(mux, p.options()...)
	serve(t, h, "GET", "/x", nil)
	for _, ri := range *h.caches.routes.read.Load() {
		if ri.attrs.Load() != nil {
			t.Errorf("route %q keeps its attributes with server.address private", ri.route)
		}
	}
	if got := attrMap(onlySpan(t, p).Attributes()); got[keyServerAddress].AsString() != "attacker-chosen.example" {
		t.Errorf("server.address %q", got[keyServerAddress].AsString())
	}
}

// The pooled writer's buffer keeps a route's list of attributes between
// requests: each span still gets its own request's attributes, once each,
// whether the list was in the buffer, copied into it or built in it.
func TestKeptRouteAttributesInThePooledBuffer(t *testing.T) {
	// The span as the handler sets it: no rule drops an attribute at the source.
	usePrivacyActions(t, map[string]privacyAction{})
	useTestConventions(t)
	p := newTestProviders(t, nil)
	mux := http.NewServeMux()
	mux.HandleFunc("/x", func(http.ResponseWriter, *http.Request) {})
	h := NewHandler(mux, p.options()...)
	hosts := []string{"a.example:81", "a.example:81", "b.example:82", "a.example:81", "a.example:81", "b.example:82", "b.example:82"}
	for i, host := range hosts {
		req := httptest.NewRequest("GET", "/x", nil)
		req.Host, req.RemoteAddr = host, "192.0.2.9:5"
		if i == 3 {
			req.URL.RawQuery = "q=1"
		}
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	ended := p.spans.Ended()
	if len(ended) != len(hosts) {
		t.Fatalf("%d spans, want %d", len(ended), len(hosts))
	}
	for i, s := range ended {
		attrs := s.Attributes()
		got := attrMap(attrs)
		if len(got) != len(attrs) {
			t.Errorf("request %d: an attribute is set twice: %v", i, attrs)
		}
		name, port, _ := strings.Cut(hosts[i], ":")
		wantAttr(t, got, keyServerAddress, name)
		wantAttr(t, got, keyServerPort, map[string]int64{"81": 81, "82": 82}[port])
		wantAttr(t, got, keyURLPath, "/x")
		if _, ok := got[keyURLQuery]; ok != (i == 3) {
			t.Errorf("request %d: url.query set %v", i, ok)
		}
	}
}

// muxRedirected agrees with the ServeMux itself: for each request, whether
// the handler the ServeMux picks answers with a redirect although it names a
// pattern.
func TestMuxRedirectedAgreesWithServeMux(t *testing.T) {
	mux := http.NewServeMux()
	ok := func(http.ResponseWriter, *http.Request) {}
	for _, p := range []string{"GET /orders/{id}", "GET /files/", "/tree/{dir}/", "GET /{$}", "GET /x/{rest...}"} {
		mux.HandleFunc(p, ok)
	}
	targets := []string{
		"/orders/1", "//orders/1", "/orders/./1", "/orders/../orders/1", "/orders/%2e%2e",
		"/files", "/files/", "/files/a/b", "/files//a", "/tree/a", "/tree/a/", "/tree/a/b/c",
		"/", "/x/a/b", "/x/a/../b", "/x/a/.", "/orders/1/", "/nowhere", "/orders/a%2Fb",
		"//", "/files//", "/tree/a//", "/x/a/b//", "/files/a//", "/orders/1//",
	}
	for _, method := range []string{http.MethodGet, http.MethodConnect} {
		for _, target := range targets {
			r := httptest.NewRequest(method, target, nil)
			h, pattern := mux.Handler(r)
			if pattern == "" {
				continue
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			redirect := w.Code >= 300 && w.Code < 400
			_, route := splitPattern(pattern)
			if got := muxRedirected(r, route); got != redirect {
				t.Errorf("%s %s (pattern %q): muxRedirected = %v, the ServeMux answered %d", method, target, pattern, got, w.Code)
			}
		}
	}
}

// Behind http.StripPrefix the ServeMux cleans and matches the stripped path
// (r.URL), not the request target: muxRedirected reads the same.
func TestMuxRedirectedReadsTheStrippedPath(t *testing.T) {
	mux := http.NewServeMux()
	ok := func(http.ResponseWriter, *http.Request) {}
	for _, p := range []string{"GET /orders/{id}", "GET /files/"} {
		mux.HandleFunc(p, ok)
	}
	for _, tc := range []struct {
		prefix, target string
	}{
		{"/api", "/api/files"},
		{"/api", "/api/files/"},
		{"/api/", "/api//orders/7"},
		{"/api", "/api//orders/7"},
		{"/api", "/api/orders/7"},
		{"/api", "/api/orders/./7"},
	} {
		var redirected, checked bool
		inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h, pattern := mux.Handler(r)
			if pattern == "" {
				h.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			_, route := splitPattern(pattern)
			redirected, checked = muxRedirected(r, route), true
			if want := rec.Code >= 300 && rec.Code < 400; redirected != want {
				t.Errorf("StripPrefix(%q) %s (pattern %q): muxRedirected = %v, the ServeMux answered %d", tc.prefix, tc.target, pattern, redirected, rec.Code)
			}
		})
		http.StripPrefix(tc.prefix, inner).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, tc.target, nil))
		if !checked && tc.target != "/api//orders/7" {
			t.Errorf("StripPrefix(%q) %s: the ServeMux matched no pattern", tc.prefix, tc.target)
		}
	}
}

// A request the ServeMux redirects to its cleaned path gets no route: its
// span is named by the method, and the duration has no http.route.
func TestRedirectedRequestHasNoRoute(t *testing.T) {
	useTestConventions(t)
	p := newTestProviders(t, nil)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(http.ResponseWriter, *http.Request) {})
	h := NewHandler(mux, p.options()...)
	for _, target := range []string{"//orders/1", "/orders/./1"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
		if w.Code != http.StatusTemporaryRedirect && w.Code != http.StatusMovedPermanently {
			t.Fatalf("%s: answered %d, want a redirect", target, w.Code)
		}
	}
	spans := p.spans.Ended()
	if len(spans) != 2 {
		t.Fatalf("%d spans, want 2", len(spans))
	}
	for _, s := range spans {
		if s.Name() != "GET" {
			t.Errorf("span %q, want GET", s.Name())
		}
		for _, kv := range s.Attributes() {
			if kv.Key == keyHTTPRoute {
				t.Errorf("span has http.route %q", kv.Value.AsString())
			}
		}
	}
}
