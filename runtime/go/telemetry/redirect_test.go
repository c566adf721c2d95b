package telemetry

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

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
