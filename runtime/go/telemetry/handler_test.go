package telemetry

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

const testTraceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

func serve(t *testing.T, h http.Handler, method, target string, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	req.RemoteAddr = "198.51.100.7:4711"
	req.Host = "attacker-chosen.example"
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func onlySpan(t *testing.T, p *testProviders) sdktrace.ReadOnlySpan {
	t.Helper()
	ended := p.spans.Ended()
	if len(ended) != 1 {
		t.Fatalf("%d spans ended, want 1", len(ended))
	}
	return ended[0]
}

func TestHandlerContinuesTraceAndNamesSpan(t *testing.T) {
	// The span as the handler sets it: no rule drops an attribute at the source.
	usePrivacyActions(t, map[string]privacyAction{})
	useTestConventions(t)
	p := newTestProviders(t, nil)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		if !trace.SpanContextFromContext(r.Context()).IsValid() {
			t.Error("the handler's context carries no span")
		}
		w.WriteHeader(http.StatusCreated)
	})
	h := NewHandler(mux, append(p.options(), WithServerAddress("api.internal", 8443))...)
	rec := serve(t, h, "GET", "/items/42?q=1", http.Header{"Traceparent": {testTraceparent}})
	if rec.Code != http.StatusCreated {
		t.Fatalf("status %d", rec.Code)
	}
	s := onlySpan(t, p)
	if got := s.SpanContext().TraceID().String(); got != "4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Errorf("trace id %s does not continue the caller's trace", got)
	}
	if got := s.Parent().SpanID().String(); got != "00f067aa0ba902b7" || !s.Parent().IsRemote() {
		t.Errorf("parent span %s (remote %v), want the caller's", got, s.Parent().IsRemote())
	}
	if want := httpServerSpanName("GET", "/items/{id}", "http", "api.internal", "8443"); s.Name() != want {
		t.Errorf("span name %q, want %q", s.Name(), want)
	}
	if s.SpanKind() != trace.SpanKindServer {
		t.Errorf("span kind %v", s.SpanKind())
	}
	a := attrMap(s.Attributes())
	wantAttr(t, a, keyHTTPRequestMethod, "GET")
	wantAttr(t, a, keyHTTPRoute, "/items/{id}")
	wantAttr(t, a, keyHTTPResponseStatusCode, int64(201))
	wantAttr(t, a, keyURLPath, "/items/42")
	wantAttr(t, a, keyURLScheme, "http")
	wantAttr(t, a, keyServerAddress, "api.internal")
	wantAttr(t, a, keyServerPort, int64(8443))
	wantAttr(t, a, keyClientAddress, "198.51.100.7")
	if s.Status().Code != codes.Unset {
		t.Errorf("status %v for a 201", s.Status())
	}

	points := p.histogram(t, conv.httpServerDuration)
	if len(points) != 1 || points[0].Count != 1 {
		t.Fatalf("duration points %+v, want one with one request", points)
	}
	m := attrMap(points[0].Attributes.ToSlice())
	wantAttr(t, m, keyHTTPRequestMethod, "GET")
	wantAttr(t, m, keyHTTPRoute, "/items/{id}")
	wantAttr(t, m, keyHTTPResponseStatusCode, int64(201))
	wantAttr(t, m, keyServerAddress, "api.internal")
	for _, k := range []string{"url.path", "client.address", "user_agent.original", "url.full"} {
		if _, ok := m[attributeKey(k)]; ok {
			t.Errorf("high-cardinality attribute %s on the duration metric", k)
		}
	}
	for _, kv := range points[0].Attributes.ToSlice() {
		if kv.Value.Emit() == "attacker-chosen.example" {
			t.Errorf("the client's Host header reached the metric as %s", kv.Key)
		}
	}
	if len(points[0].Bounds) != len(conv.durationBuckets) {
		t.Errorf("bucket bounds %v, want %v", points[0].Bounds, conv.durationBuckets)
	}
}

func TestHandlerRecommendedAttributes(t *testing.T) {
	// The span as the handler sets it: no rule drops an attribute at the source.
	usePrivacyActions(t, map[string]privacyAction{})
	useTestConventions(t)
	p := newTestProviders(t, nil)
	h := NewHandler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), p.options()...)
	serve(t, h, "GET", "/x?color=blue&sig=s3cret", http.Header{"User-Agent": {"probe/1.0"}})
	a := attrMap(onlySpan(t, p).Attributes())
	wantAttr(t, a, keyUserAgentOriginal, "probe/1.0")
	wantAttr(t, a, keyNetworkProtocolVersion, "1.1")
	wantAttr(t, a, keyNetworkPeerAddress, "198.51.100.7")
	wantAttr(t, a, keyNetworkPeerPort, int64(4711))
	wantAttr(t, a, keyURLQuery, "color=blue&sig=REDACTED")
	if conv.serverName == "" {
		// Without a configured name, the request's Host names the server.
		wantAttr(t, a, keyServerAddress, "attacker-chosen.example")
		wantAttr(t, a, keyServerPort, int64(80))
	}
	for _, kv := range p.histogram(t, conv.httpServerDuration)[0].Attributes.ToSlice() {
		if kv.Key == keyServerAddress || kv.Key == keyUserAgentOriginal || kv.Key == keyURLQuery {
			t.Errorf("%s on the duration metric without WithServerAddress", kv.Key)
		}
	}
}

func TestHandlerForwardedOnlyFromTrustedProxies(t *testing.T) {
	// The span as the handler sets it: no rule drops an attribute at the source.
	usePrivacyActions(t, map[string]privacyAction{})
	useTestConventions(t)
	p := newTestProviders(t, nil)
	h := NewHandler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), p.options()...)
	serve(t, h, "GET", "/", http.Header{"X-Forwarded-For": {"203.0.113.9"}, "X-Forwarded-Proto": {"https"}})
	a := attrMap(onlySpan(t, p).Attributes())
	if !trustedProxy("198.51.100.7") {
		wantAttr(t, a, keyClientAddress, "198.51.100.7")
		wantAttr(t, a, keyURLScheme, "http")
	}
	if got := forwardedClient([]string{"203.0.113.9, 198.51.100.7"}); trustedProxy("198.51.100.7") && got != "203.0.113.9" {
		t.Errorf("forwarded client %q", got)
	}
}

func TestHandlerServerErrorHasNoDescription(t *testing.T) {
	p := newTestProviders(t, nil)
	h := NewHandler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(503) }), p.options()...)
	serve(t, h, "GET", "/", nil)
	st := onlySpan(t, p).Status()
	if st.Code != codes.Error || st.Description != "" {
		t.Errorf("status %+v, want Error without a description", st)
	}
}

// A caller that goes away is no error of the server's; a 5xx the server sent
// stays one (semantic conventions 1.45.0, http-spans.md: a server's 5xx is an
// Error), on the span and on the duration, as in Rust.
func TestHandlerCallerCancellation(t *testing.T) {
	for _, tc := range []struct {
		status int
		failed bool
	}{{200, false}, {499, false}, {503, true}} {
		p := newTestProviders(t, nil)
		h := NewHandler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(tc.status) }), p.options()...)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		req := httptest.NewRequest("GET", "/", nil).WithContext(ctx)
		h.ServeHTTP(httptest.NewRecorder(), req)
		s := onlySpan(t, p)
		if got := s.Status().Code == codes.Error; got != tc.failed {
			t.Errorf("%d: span status error %v, want %v", tc.status, got, tc.failed)
		}
		_, typed := attrMap(s.Attributes())[keyErrorType]
		if typed != tc.failed {
			t.Errorf("%d: error.type on the span %v, want %v", tc.status, typed, tc.failed)
		}
		points := p.histogram(t, conv.httpServerDuration)
		if len(points) != 1 {
			t.Fatalf("%d: %d points", tc.status, len(points))
		}
		if _, typed := points[0].Attributes.Value(keyErrorType); typed != tc.failed {
			t.Errorf("%d: error.type on the duration %v, want %v", tc.status, typed, tc.failed)
		}
	}
}

func TestHandlerPublicRouteStartsLinkedRoot(t *testing.T) {
	useTestConventions(t)
	conv.trustRoutes = []trustRoute{{route: "/public/*", public: true}}
	p := newTestProviders(t, nil)
	var gotBaggage string
	h := NewHandler(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		gotBaggage = baggage.FromContext(r.Context()).String()
	}), p.options()...)
	hdr := http.Header{"Traceparent": {testTraceparent}, "Baggage": {"app.tenant.id=t-1"}}
	serve(t, h, "GET", "/public/orders/1", hdr)
	s := onlySpan(t, p)
	if s.Parent().IsValid() || s.SpanContext().TraceID().String() == "4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Errorf("a public route continued the caller's trace")
	}
	if len(s.Links()) != 1 || s.Links()[0].SpanContext.SpanID().String() != "00f067aa0ba902b7" {
		t.Errorf("links %+v, want the caller's span context", s.Links())
	}
	if gotBaggage != "" {
		t.Errorf("a public route kept the caller's baggage %q", gotBaggage)
	}
	serve(t, h, "GET", "/orders/1", hdr)
	if ended := p.spans.Ended(); len(ended) != 2 || ended[1].Parent().SpanID().String() != "00f067aa0ba902b7" || gotBaggage == "" {
		t.Errorf("an internal route did not continue the caller's trace and baggage")
	}
}

func TestHandlerTracingOffPassesContextThrough(t *testing.T) {
	useTestConventions(t)
	s := NewSampler(1)
	installLevers(s, nil)
	defer current.Store(nil)
	s.SetEnabled(false)
	p := newTestProviders(t, s)
	var out http.Header
	h := NewHandler(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		out = http.Header{}
		Propagators().Inject(r.Context(), propagation.HeaderCarrier(out))
	}), p.options()...)
	serve(t, h, "GET", "/", http.Header{"Traceparent": {testTraceparent}})
	if got := out.Get("Traceparent"); got != testTraceparent {
		t.Errorf("traceparent downstream %q, want the incoming %q", got, testTraceparent)
	}
	serve(t, h, "GET", "/", nil)
	if got := out.Get("Traceparent"); got != "" {
		t.Errorf("traceparent downstream %q when none came in", got)
	}
	if n := len(p.spans.Ended()); n != 0 {
		t.Errorf("%d spans while tracing is off", n)
	}
}

func TestHandlerRatioRouteIsNoRouteWhenUnmatched(t *testing.T) {
	useTestConventions(t)
	for _, rr := range conv.routeRatios {
		p := newTestProviders(t, nil)
		h := NewHandler(http.NewServeMux(), p.options()...)
		method := rr.method
		if method == "" {
			method = http.MethodGet
		}
		serve(t, h, method, wildcard.ReplaceAllString(rr.route, "v"), nil)
		for _, s := range p.spans.Ended() {
			if _, ok := attrMap(s.Attributes())[keyHTTPRoute]; ok || s.Name() != method {
				t.Errorf("unmatched %s %s: span %q with http.route %v", method, rr.route, s.Name(), ok)
			}
		}
	}
}

func TestHeaderCarrierJoinsListHeaders(t *testing.T) {
	h := http.Header{"Tracestate": {"a=1", "b=2"}, "Baggage": {"k1=v1", "k2=v2"}}
	if got := headerCarrier(h).Get("tracestate"); got != "a=1,b=2" {
		t.Errorf("tracestate %q", got)
	}
	if got := headerCarrier(h).Values("baggage"); len(got) != 2 {
		t.Errorf("baggage values %q", got)
	}
}

func TestHandlerUnmatchedRouteUsesFallback(t *testing.T) {
	useTestConventions(t)
	p := newTestProviders(t, nil)
	h := NewHandler(http.NewServeMux(), p.options()...)
	serve(t, h, "DELETE", "/nowhere", nil)
	s := onlySpan(t, p)
	if want := httpServerSpanName("DELETE", "", "http", "", ""); s.Name() != want {
		t.Errorf("span name %q, want %q", s.Name(), want)
	}
	if _, ok := attrMap(s.Attributes())[keyHTTPRoute]; ok {
		t.Error("http.route set for an unmatched request")
	}
}

func TestHandlerUnknownMethod(t *testing.T) {
	useTestConventions(t)
	p := newTestProviders(t, nil)
	h := NewHandler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), p.options()...)
	serve(t, h, "BREW", "/pot", nil)
	s := onlySpan(t, p)
	if want := httpServerSpanName("HTTP", "", "http", "", ""); s.Name() != want {
		t.Errorf("span name %q, want %q", s.Name(), want)
	}
	a := attrMap(s.Attributes())
	wantAttr(t, a, keyHTTPRequestMethod, "_OTHER")
	wantAttr(t, a, keyHTTPRequestMethodOriginal, "BREW")
}

func TestHandlerStatusMapping(t *testing.T) {
	for _, c := range []struct {
		status int
		code   codes.Code
	}{
		{200, codes.Unset}, {404, codes.Unset}, {499, codes.Unset}, {500, codes.Error}, {503, codes.Error},
	} {
		p := newTestProviders(t, nil)
		h := NewHandler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(c.status) }), p.options()...)
		serve(t, h, "GET", "/", nil)
		s := onlySpan(t, p)
		if s.Status().Code != c.code {
			t.Errorf("status %d: span status %v, want %v", c.status, s.Status().Code, c.code)
		}
		_, hasType := attrMap(s.Attributes())[keyErrorType]
		if hasType != (c.status >= 500) {
			t.Errorf("status %d: error.type present %v", c.status, hasType)
		}
	}
}

func TestHandlerRecordsPanic(t *testing.T) {
	p := newTestProviders(t, nil)
	boom := errors.New("boom")
	h := NewHandler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(boom) }), p.options()...)
	// Nothing was written: the caller gets a 500.
	if rec := serve(t, h, "GET", "/", nil); rec.Code != http.StatusInternalServerError {
		t.Errorf("answer %d after a panic, want 500", rec.Code)
	}
	s := onlySpan(t, p)
	if s.Status().Code != codes.Error {
		t.Errorf("span status %v after a panic", s.Status())
	}
	wantAttr(t, attrMap(s.Attributes()), keyHTTPResponseStatusCode, int64(500))
	found := false
	for _, ev := range s.Events() {
		if ev.Name == "exception" {
			found = true
		}
	}
	if !found {
		t.Error("the panic is not recorded as an exception event")
	}
	if pts := p.histogram(t, conv.httpServerDuration); len(pts) != 1 {
		t.Errorf("%d duration points after a panic, want 1", len(pts))
	}
}

func TestHandlerPanicAfterTheAnswerBeganPropagates(t *testing.T) {
	p := newTestProviders(t, nil)
	boom := errors.New("boom")
	h := NewHandler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("partial"))
		panic(boom)
	}), p.options()...)
	func() {
		defer func() {
			if r := recover(); r != boom {
				t.Errorf("recovered %v, want the handler's panic to propagate", r)
			}
		}()
		serve(t, h, "GET", "/", nil)
	}()
	if s := onlySpan(t, p); s.Status().Code != codes.Error {
		t.Errorf("span status %v after a panic", s.Status())
	}
}

func TestHandlerUnsampledStillMeasures(t *testing.T) {
	p := newTestProviders(t, sdktrace.NeverSample())
	h := NewHandler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), p.options()...)
	serve(t, h, "GET", "/", nil)
	if n := len(p.spans.Ended()); n != 0 {
		t.Errorf("%d spans recorded while unsampled", n)
	}
	if pts := p.histogram(t, conv.httpServerDuration); len(pts) != 1 || pts[0].Count != 1 {
		t.Errorf("duration points %+v, want one request", pts)
	}
}

// fixedIDs gives every root span the same trace id, so sampling is predictable.
type fixedIDs struct{ id trace.TraceID }

func (f fixedIDs) NewIDs(context.Context) (trace.TraceID, trace.SpanID) {
	return f.id, trace.SpanID{1}
}

func (fixedIDs) NewSpanID(context.Context, trace.TraceID) trace.SpanID { return trace.SpanID{2} }

var wildcard = regexp.MustCompile(`\{[^}]*\}`)

// Per-route ratios decide root server spans, for literal routes and routes
// with wildcards alike, before the handler runs.
func TestHandlerPerRouteRatios(t *testing.T) {
	for _, rr := range conv.routeRatios {
		method := rr.method
		if method == "" {
			method = http.MethodGet
		}
		mux := http.NewServeMux()
		if !register(mux, rr.method, rr.route) {
			t.Logf("route %q is not a ServeMux pattern; skipped", rr.route)
			continue
		}
		envRatio := 1.0
		if rr.ratio > 0 {
			envRatio = 0
		}
		spans := tracetest.NewSpanRecorder()
		tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(NewSampler(envRatio)),
			sdktrace.WithSpanProcessor(spans), sdktrace.WithIDGenerator(fixedIDs{idWithLow(0)}))
		h := NewHandler(mux, WithTracerProvider(tp), WithPropagators(Propagators()))
		req := httptest.NewRequest(method, "/", nil)
		req.URL.Path = wildcard.ReplaceAllString(rr.route, "v")
		h.ServeHTTP(httptest.NewRecorder(), req)
		if got, want := len(spans.Ended()) == 1, rr.ratio > 0; got != want {
			t.Errorf("route %q %q (ratio %v, environment %v): sampled %v, want %v",
				rr.method, rr.route, rr.ratio, envRatio, got, want)
		}
		_ = tp.Shutdown(context.Background())
	}
}

// register adds a handler for the route, or reports false when ServeMux
// refuses the pattern.
func register(mux *http.ServeMux, method, route string) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	pattern := route
	if method != "" {
		pattern = method + " " + route
	}
	mux.HandleFunc(pattern, func(http.ResponseWriter, *http.Request) {})
	return true
}

func TestHandlerWarnsWhenATrustRouteCannotBeRecognised(t *testing.T) {
	useTestConventions(t)
	conv.trustHTTPServer = false
	conv.trustRoutes = []trustRoute{{route: "/orders/{id}", public: true}, {route: "/public/*", public: true}}
	var buf bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	t.Cleanup(func() { slog.SetDefault(prev) })
	NewHandler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	if !strings.Contains(buf.String(), "route=/orders/{id}") || strings.Count(buf.String(), "route=") != 1 {
		t.Errorf("want one warning naming the route template, got %q", buf.String())
	}
	buf.Reset()
	NewHandler(http.NewServeMux())
	if buf.Len() != 0 {
		t.Errorf("a ServeMux recognises the route; got a warning %q", buf.String())
	}
}

// opaquePropagator hides the propagators it wraps from w3cOnly, so a
// Handler with it always calls Extract.
type opaquePropagator struct{ propagation.TextMapPropagator }

func TestW3COnlyRecognisesOnlyTraceContextAndBaggage(t *testing.T) {
	// The conventions' propagators are W3C ones only unless they name another (b3).
	conventionsW3C := true
	for _, p := range conventionPropagators() {
		switch p.(type) {
		case propagation.TraceContext, propagation.Baggage, allowListBaggage:
		default:
			conventionsW3C = false
		}
	}
	cases := []struct {
		name string
		p    propagation.TextMapPropagator
		want bool
	}{
		{"tracecontext", propagation.TraceContext{}, true},
		{"baggage", propagation.Baggage{}, true},
		{"allow-list baggage", allowListBaggage{}, true},
		{"conventions", Propagators(), conventionsW3C},
		{"composite", propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}), true},
		{"empty composite", propagation.NewCompositeTextMapPropagator(), true},
		{"composite with another", propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, opaquePropagator{propagation.Baggage{}}), false},
		{"nested composite", propagation.NewCompositeTextMapPropagator(Propagators()), false},
		{"another", opaquePropagator{Propagators()}, false},
		{"nil", nil, false},
	}
	for _, c := range cases {
		if got := w3cOnly(c.p); got != c.want {
			t.Errorf("%s: w3cOnly %v, want %v", c.name, got, c.want)
		}
	}
}

// The Handler skips Extract for requests without traceparent and baggage
// headers when its propagators are W3C ones only: the span's parent and the
// baggage the handler sees must be what Extract gives, whatever the headers.
func TestExtractShortcutAgreesWithExtract(t *testing.T) {
	useTestConventions(t)
	const other = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	headers := []http.Header{
		{},
		{"User-Agent": {"x"}},
		{"Traceparent": {testTraceparent}},
		{"Traceparent": {testTraceparent}, "Tracestate": {"a=1", "b=2"}},
		{"Traceparent": {testTraceparent, other}},
		{"Traceparent": {"00-zz-00f067aa0ba902b7-01"}},
		{"Traceparent": {""}},
		{"Tracestate": {"a=1"}},
		{"Baggage": {"k1=v1"}},
		{"Baggage": {"k1=v1", "k2=v2"}},
		{"Baggage": {"=broken"}},
		{"Traceparent": {other}, "Baggage": {"k1=v1"}},
		{"traceparent": {testTraceparent}, "baggage": {"k1=v1"}},
	}
	type seen struct {
		parent  trace.SpanContext
		baggage string
	}
	run := func(prop propagation.TextMapPropagator, header http.Header) seen {
		p := newTestProviders(t, nil)
		var s seen
		mux := http.NewServeMux()
		mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
			var members []string
			for _, m := range baggage.FromContext(r.Context()).Members() {
				members = append(members, m.String())
			}
			slices.Sort(members)
			s.baggage = strings.Join(members, ",")
		})
		h := NewHandler(mux, WithTracerProvider(p.tp), WithMeterProvider(p.mp), WithPropagators(prop))
		if h.w3c != w3cOnly(prop) {
			t.Fatalf("Handler.w3c %v, want %v", h.w3c, w3cOnly(prop))
		}
		serve(t, h, "GET", "/items/1", header)
		s.parent = onlySpan(t, p).Parent()
		return s
	}
	for _, prop := range []propagation.TextMapPropagator{
		Propagators(),
		propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}),
	} {
		for _, header := range headers {
			fast, full := run(prop, header), run(opaquePropagator{prop}, header)
			if !fast.parent.Equal(full.parent) || fast.baggage != full.baggage {
				t.Errorf("headers %v: shortcut gave %v %q, Extract %v %q", header, fast.parent, fast.baggage, full.parent, full.baggage)
			}
		}
	}
	// The cases above must reach both sides of the shortcut.
	if got := run(Propagators(), http.Header{"Traceparent": {testTraceparent}}); got.parent.TraceID().String() != "4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Errorf("parent %v, want the traceparent's", got.parent)
	}
	if got := run(Propagators(), http.Header{"Baggage": {"k1=v1", "k2=v2"}}); got.baggage != "k1=v1,k2=v2" {
		t.Errorf("baggage %q, want k1=v1,k2=v2", got.baggage)
	}
}

// A path the Handler's pathFilter turns away gets what the lookups it skips
// would give: no literal route of the per-route ratios and the default trust
// boundary. Checked for every path of up to four bytes from the characters
// that matter, under route sets with literal, prefix, exact, short, template
// and slash-less entries; and the filter does turn paths away.
func TestPathFilterSkipsOnlyWhatCannotMatch(t *testing.T) {
	useTestConventions(t)
	saved, prev := conv.routeRatios, slog.Default()
	t.Cleanup(func() { conv.routeRatios = saved; slog.SetDefault(prev) })
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil))) // the template route's warning
	const alphabet = "/ab*{"
	paths := []string{"/users/42", "/healthz", "/public/x", "/abc/", "/b/a"}
	var grow func(prefix string)
	grow = func(prefix string) {
		paths = append(paths, prefix)
		if len(prefix) < 4 {
			for i := 0; i < len(alphabet); i++ {
				grow(prefix + alphabet[i:i+1])
			}
		}
	}
	grow("")
	type setup struct {
		ratios []routeRatio
		trust  []trustRoute
	}
	setups := []setup{
		{ratios: []routeRatio{{method: "GET", route: "/a"}, {route: "/ab"}, {method: "POST", route: "/b/"}}},
		{trust: []trustRoute{{route: "/a*", public: true}, {route: "/b/*", public: true}}},
		{trust: []trustRoute{{route: "/ab", public: true}, {route: "/{x}", public: true}, {route: "b*", public: true}}},
		{ratios: []routeRatio{{route: "/"}}, trust: []trustRoute{{route: "/b", public: true}}},
		{trust: []trustRoute{{route: "/*", public: true}}},
		{trust: []trustRoute{{route: "*", public: true}}},
		{ratios: []routeRatio{{route: "/healthz"}}, trust: []trustRoute{{route: "/public/*", public: true}}},
	}
	for _, fallback := range []bool{false, true} {
		conv.trustHTTPServer = fallback
		for _, su := range setups {
			conv.routeRatios, conv.trustRoutes = su.ratios, su.trust
			h := NewHandler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
			turned := 0
			for _, path := range paths {
				if h.paths.mayMatch(path) {
					continue
				}
				turned++
				for _, method := range []string{"GET", "POST"} {
					r := httptest.NewRequest(method, "/", nil)
					r.URL.Path = path
					if route, matched := h.earlyRoute(r, method); route != "" || matched {
						t.Errorf("%+v: %s %q turned away, but the literal route %q matches", su, method, path, route)
					}
				}
				if publicRoute("", path) != fallback {
					t.Errorf("%+v: %q turned away, but a trust route matches it", su, path)
				}
			}
			if turned == 0 && !h.paths.every {
				t.Errorf("%+v: no path turned away", su)
			}
		}
	}
	conv.routeRatios, conv.trustRoutes = []routeRatio{{route: "/healthz"}, {route: "/checkout"}}, []trustRoute{{route: "/public/*", public: true}}
	if h := NewHandler(http.NotFoundHandler()); h.paths.mayMatch("/users/42") || !h.paths.mayMatch("/public/x") || !h.paths.mayMatch("/checkout") {
		t.Error("the filter does not tell /users/42 from the routes /healthz, /checkout and /public/*")
	}
}

// The server span's attributes come in the order of their requirement levels
// (attributeOrder): the request's first, a handler's next, the response's and
// the Recommended ones last, so a count limit keeps the most required ones.
func TestServerAttributesFollowTheirRequirementLevels(t *testing.T) {
	// The span as the handler sets it: no rule drops an attribute at the source.
	usePrivacyActions(t, map[string]privacyAction{})
	useTestConventions(t)
	// No per-route ratio: the ServeMux is not asked before the span starts,
	// so the route follows a handler's attributes (as in Rust; with the
	// route known at creation: TestSplitAttributesStartWithTheMatchedRoute).
	conv.routeRatios = nil
	for _, c := range []struct {
		limit  int
		target string
		want   []attribute.Key
	}{
		{1, "/orders/7", []attribute.Key{keyHTTPRequestMethod}},
		{2, "/orders/7", []attribute.Key{keyHTTPRequestMethod, keyURLPath}},
		{5, "/orders/7", []attribute.Key{keyHTTPRequestMethod, keyURLPath, keyURLScheme, keyHTTPRoute, keyHTTPResponseStatusCode}},
		{5, "/orders/7?page=2", []attribute.Key{keyHTTPRequestMethod, keyURLPath, keyURLScheme, keyURLQuery, keyHTTPRoute}},
		{4, "/orders/7/tenant", []attribute.Key{keyHTTPRequestMethod, keyURLPath, keyURLScheme, "app.tenant.id"}},
	} {
		splitAttributes.Store(true)
		t.Cleanup(func() { splitAttributes.Store(false) })
		rec := tracetest.NewSpanRecorder()
		limits := sdktrace.NewSpanLimits()
		limits.AttributeCountLimit = c.limit
		tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec), sdktrace.WithRawSpanLimits(limits))
		mux := http.NewServeMux()
		mux.HandleFunc("GET /orders/{id}", func(http.ResponseWriter, *http.Request) {})
		mux.HandleFunc("GET /orders/{id}/tenant", func(_ http.ResponseWriter, r *http.Request) {
			trace.SpanFromContext(r.Context()).SetAttributes(attribute.String("app.tenant.id", "t-1"))
		})
		r := httptest.NewRequest(http.MethodGet, c.target, nil)
		r.Header.Set("User-Agent", "test/1.0")
		NewHandler(mux, WithTracerProvider(tp)).ServeHTTP(httptest.NewRecorder(), r)
		var got []attribute.Key
		for _, kv := range rec.Ended()[0].Attributes() {
			got = append(got, kv.Key)
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("limit %d, %s: attributes %v, want %v", c.limit, c.target, got, c.want)
		}
	}
}

// A request attribute the privacy rules drop at export (drop, or hash with no
// key) is left out of the server span, so it takes no slot of a small
// attribute count limit (as in Rust); with a key it is set and hashed later.
func TestDroppedRequestAttributesTakeNoSlot(t *testing.T) {
	useTestConventions(t)
	usePrivacyActions(t, map[string]privacyAction{
		"client.address": actionHash, "network.peer.address": actionHash,
		"user_agent.original": actionDrop, "url.query": actionDrop,
	})
	t.Cleanup(func() { SetHashKey(nil) })
	for _, key := range [][]byte{nil, []byte("k")} {
		SetHashKey(key)
		p := newTestProviders(t, nil)
		mux := http.NewServeMux()
		mux.HandleFunc("GET /orders/{id}", func(http.ResponseWriter, *http.Request) {})
		r := httptest.NewRequest(http.MethodGet, "/orders/7?q=1", nil)
		r.Header.Set("User-Agent", "probe/1")
		NewHandler(mux, p.options()...).ServeHTTP(httptest.NewRecorder(), r)
		spans := p.spans.Ended()
		if len(spans) != 1 {
			t.Fatalf("%d spans, want 1", len(spans))
		}
		set := map[attribute.Key]bool{}
		for _, kv := range spans[0].Attributes() {
			set[kv.Key] = true
		}
		for _, k := range []attribute.Key{"user_agent.original", "url.query"} {
			if set[k] {
				t.Errorf("key %q: %s is set, though the rules drop it", key, k)
			}
		}
		for _, k := range []attribute.Key{"client.address", "network.peer.address"} {
			if set[k] != (key != nil) {
				t.Errorf("key %q: %s set = %v", key, k, set[k])
			}
		}
		if !set["url.path"] || !set["network.peer.port"] {
			t.Errorf("key %q: url.path or network.peer.port missing", key)
		}
	}
}

// recordingSampler samples every span and keeps the attributes each
// sampling decision was given.
type recordingSampler struct {
	mu    sync.Mutex
	attrs [][]attribute.KeyValue
}

func (s *recordingSampler) ShouldSample(p sdktrace.SamplingParameters) sdktrace.SamplingResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.attrs = append(s.attrs, slices.Clone(p.Attributes))
	return sdktrace.SamplingResult{Decision: sdktrace.RecordAndSample}
}

func (s *recordingSampler) Description() string { return "recordingSampler" }

// A route the ServeMux matched before the span starts (here because a
// per-route ratio names a route template) is given at span creation (semantic
// conventions v1.45.0, http-spans.md: http.route MUST be provided at span
// creation time if it is already available), also when a small attribute
// count limit splits the attributes: the sampler sees the attributes read from
// the request, in requirement-level order, with the route last.
func TestSplitAttributesStartWithTheMatchedRoute(t *testing.T) {
	usePrivacyActions(t, map[string]privacyAction{})
	useTestConventions(t)
	conv.routeRatios = []routeRatio{{method: "GET", route: "/orders/{id}", ratio: 1}}
	for _, split := range []bool{false, true} {
		splitAttributes.Store(split)
		t.Cleanup(func() { splitAttributes.Store(false) })
		s := &recordingSampler{}
		limits := sdktrace.NewSpanLimits()
		limits.AttributeCountLimit = 5
		rec := tracetest.NewSpanRecorder()
		tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(s), sdktrace.WithSpanProcessor(rec), sdktrace.WithRawSpanLimits(limits))
		mux := http.NewServeMux()
		mux.HandleFunc("GET /orders/{id}", func(_ http.ResponseWriter, r *http.Request) {
			trace.SpanFromContext(r.Context()).SetAttributes(attribute.String("app.tenant.id", "t-1"))
		})
		r := httptest.NewRequest(http.MethodGet, "/orders/7?page=2", nil)
		NewHandler(mux, WithTracerProvider(tp)).ServeHTTP(httptest.NewRecorder(), r)
		want := "[http.request.method http.route]"
		if split {
			want = "[http.request.method url.path url.scheme url.query http.route]"
		}
		var keys []attribute.Key
		for _, kv := range s.attrs[0] {
			keys = append(keys, kv.Key)
		}
		if fmt.Sprint(keys) != want {
			t.Errorf("split %v: the sampler saw %v, want %v", split, keys, want)
		}
		if !split {
			continue
		}
		keys = keys[:0]
		for _, kv := range rec.Ended()[0].Attributes() {
			keys = append(keys, kv.Key)
		}
		// The limit keeps the first five: the route before the handler's.
		if fmt.Sprint(keys) != "[http.request.method url.path url.scheme url.query http.route]" {
			t.Errorf("split: the span kept %v", keys)
		}
	}
}

// Under a small count limit a route the ServeMux matched is given at span
// creation also for a method recorded as _OTHER (the mux pattern names no
// method, so it serves every one): the route is known then, whatever the
// method.
func TestSplitAttributesStartWithTheRouteForAnUnknownMethod(t *testing.T) {
	usePrivacyActions(t, map[string]privacyAction{})
	useTestConventions(t)
	conv.routeRatios = []routeRatio{{method: "GET", route: "/orders/{id}", ratio: 1}}
	splitAttributes.Store(true)
	t.Cleanup(func() { splitAttributes.Store(false) })
	for _, method := range []string{"FOO", "get"} {
		s := &recordingSampler{}
		limits := sdktrace.NewSpanLimits()
		limits.AttributeCountLimit = 6
		rec := tracetest.NewSpanRecorder()
		tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(s), sdktrace.WithSpanProcessor(rec), sdktrace.WithRawSpanLimits(limits))
		mux := http.NewServeMux()
		mux.HandleFunc("/orders/{id}", func(http.ResponseWriter, *http.Request) {})
		r := httptest.NewRequest(method, "/orders/7", nil)
		NewHandler(mux, WithTracerProvider(tp)).ServeHTTP(httptest.NewRecorder(), r)
		var keys []string
		for _, kv := range s.attrs[0] {
			keys = append(keys, string(kv.Key)+"="+kv.Value.Emit())
		}
		want := "[http.request.method=_OTHER url.path=/orders/7 url.scheme=http http.request.method_original=" + method + " http.route=/orders/{id}]"
		if fmt.Sprint(keys) != want {
			t.Errorf("%s: the sampler saw %v, want %v", method, keys, want)
		}
		var routes int
		for _, kv := range rec.Ended()[0].Attributes() {
			if kv.Key == "http.route" {
				routes++
			}
		}
		if routes != 1 {
			t.Errorf("%s: the span has http.route %d times", method, routes)
		}
	}
}

// OPTIONS * (the server as a whole) that reaches the Handler (a server with
// DisableGeneralOptionsHandler) is passed on untraced and without a duration, with the panic guard
// of every other request.
func TestServerWideOptionsIsUntracedAndGuarded(t *testing.T) {
	useTestConventions(t)
	p := newTestProviders(t, nil)
	h := NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Panic") != "" {
			panic("boom")
		}
		if trace.SpanContextFromContext(r.Context()).IsValid() {
			t.Error("OPTIONS * got a span context")
		}
		w.WriteHeader(http.StatusNoContent)
	}), p.options()...)
	for _, c := range []struct {
		panics bool
		want   int
	}{{false, http.StatusNoContent}, {true, http.StatusInternalServerError}} {
		r := httptest.NewRequest(http.MethodOptions, "*", nil)
		if c.panics {
			r.Header.Set("X-Panic", "1")
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != c.want {
			t.Errorf("panics %v: status %d, want %d", c.panics, w.Code, c.want)
		}
	}
	if n := len(p.spans.Ended()); n != 0 {
		t.Errorf("%d spans for OPTIONS *, want none", n)
	}
	// No duration either (the 500 too reaches no metric).
	if points, err := p.tryHistogram(conv.httpServerDuration); err == nil {
		t.Errorf("OPTIONS * recorded %d duration points", len(points))
	}
}

// An absolute-form target with an empty path (GET http://h) is recorded with
// url.path "/", as Rust's http::Uri gives it (RFC 9112 section 3.2.1); with a
// path, the path as sent.
func TestAbsoluteFormEmptyPathIsSlash(t *testing.T) {
	useTestConventions(t)
	p := newTestProviders(t, nil)
	h := NewHandler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), p.options()...)
	for _, c := range []struct{ method, target, want string }{
		{http.MethodGet, "http://127.0.0.1", "/"},
		{http.MethodGet, "http://127.0.0.1:8080?a=b", "/"},
		{http.MethodGet, "http://127.0.0.1/orders/7", "/orders/7"},
		// The authority form has no path: none, as Rust's Uri gives it.
		{http.MethodConnect, "127.0.0.1:443", ""},
	} {
		p.spans.Reset()
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(c.method, c.target, nil))
		ended := p.spans.Ended()
		if len(ended) != 1 {
			t.Fatalf("%s: %d spans", c.target, len(ended))
		}
		if got := attrMap(ended[0].Attributes())["url.path"].AsString(); got != c.want {
			t.Errorf("%s: url.path %q, want %q", c.target, got, c.want)
		}
	}
}
