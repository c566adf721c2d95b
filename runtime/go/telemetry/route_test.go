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
