package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// These tests check the skeleton's handlers in place; no manifest entry ships
// them, since handlers.go belongs to the service team once created.

func serve(t *testing.T, a *app, path string) (int, string) {
	t.Helper()
	mux := http.NewServeMux()
	a.routes(mux)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	body, err := io.ReadAll(rec.Result().Body)
	if err != nil {
		t.Fatal(err)
	}
	return rec.Code, strings.TrimSpace(string(body))
}

func TestOrder(t *testing.T) {
	code, body := serve(t, &app{client: http.DefaultClient}, "/orders/42")
	if code != http.StatusOK || body != `{"id":"42"}` {
		t.Fatalf("GET /orders/42 = %d %q", code, body)
	}
}

func TestCallAsksDownstream(t *testing.T) {
	var paths []string
	downstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.URL.Path)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer downstream.Close()
	code, body := serve(t, &app{client: downstream.Client(), downstream: downstream.URL}, "/orders/7/call")
	if code != http.StatusOK || body != `{"downstream":202}` || len(paths) != 1 || paths[0] != "/orders/7" {
		t.Fatalf("GET /orders/7/call = %d %q after downstream calls %q", code, body, paths)
	}
}

func TestCallWithoutDownstream(t *testing.T) {
	downstream := httptest.NewServer(http.NotFoundHandler())
	url := downstream.URL
	downstream.Close()
	code, _ := serve(t, &app{client: http.DefaultClient, downstream: url}, "/orders/7/call")
	if code != http.StatusBadGateway {
		t.Fatalf("GET /orders/7/call with no downstream = %d", code)
	}
}
