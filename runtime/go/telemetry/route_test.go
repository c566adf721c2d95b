package telemetry

import (
	"bytes"
	"log/slog"
	"net/http"
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
