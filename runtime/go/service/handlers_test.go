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
	return rec.Code, string(body)
}

func TestHealthz(t *testing.T) {
	code, body := serve(t, &app{client: http.DefaultClient}, "/healthz")
	if code != http.StatusOK || body != "ok\n" {
		t.Fatalf("GET /healthz = %d %q", code, body)
	}
}

func TestHelloCallsDownstream(t *testing.T) {
	calls := 0
	downstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		calls++
		w.WriteHeader(http.StatusAccepted)
	}))
	defer downstream.Close()
	code, body := serve(t, &app{client: downstream.Client(), downstream: downstream.URL}, "/hello/ada")
	if code != http.StatusOK || body != "hello ada (downstream answered 202)\n" || calls != 1 {
		t.Fatalf("GET /hello/ada = %d %q after %d downstream calls", code, body, calls)
	}
}

func TestHelloWithoutDownstream(t *testing.T) {
	downstream := httptest.NewServer(http.NotFoundHandler())
	url := downstream.URL
	downstream.Close()
	code, body := serve(t, &app{client: http.DefaultClient, downstream: url}, "/hello/ada")
	if code != http.StatusBadGateway || !strings.Contains(body, "downstream unavailable") {
		t.Fatalf("GET /hello/ada with no downstream = %d %q", code, body)
	}
}
