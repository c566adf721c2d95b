package main

// The demo's handlers (tests/e2e): written over the skeleton's handlers.go of
// the Go services the demo renders. They use the OpenTelemetry API only, as a
// service team would.
//
//   - GET /orders/{id} answers the order. The id "fail" answers 503 (the
//     order store is down); the header X-Delay-Ms makes it wait that many
//     milliseconds first (at most 1000), for latency measurements.
//   - GET /orders/{id}/call asks the downstream service: DOWNSTREAM_URL plus
//     DOWNSTREAM_ROUTE (default /orders/{id}), and answers 502 when the
//     downstream fails or answers 5xx.
//
// Both record the caller's X-User-Email, X-Session-Token and X-Tenant headers
// as the registry's app.user.email (class pii), app.session.token (class
// secret) and app.tenant.id (class none) on the server span: the telemetry
// package's redaction decides what leaves the process.

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// app holds what the handlers need.
type app struct {
	client     *http.Client
	downstream string // base URL, no trailing slash
}

func (a *app) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /orders/{id}", a.order)
	mux.HandleFunc("GET /orders/{id}/call", a.call)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// annotate copies the caller's identity headers onto the server span.
func annotate(r *http.Request) {
	span := trace.SpanFromContext(r.Context())
	for header, key := range map[string]string{
		"X-User-Email":    "app.user.email",
		"X-Session-Token": "app.session.token",
		"X-Tenant":        "app.tenant.id",
	} {
		if v := r.Header.Get(header); v != "" {
			span.SetAttributes(attribute.String(key, v))
		}
	}
}

func (a *app) order(w http.ResponseWriter, r *http.Request) {
	annotate(r)
	if ms, err := strconv.Atoi(r.Header.Get("X-Delay-Ms")); err == nil && ms > 0 && ms <= 1000 {
		time.Sleep(time.Duration(ms) * time.Millisecond)
	}
	id := r.PathValue("id")
	if id == "fail" {
		slog.ErrorContext(r.Context(), "order store unavailable", slog.String("order", id))
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "order store unavailable"})
		return
	}
	slog.InfoContext(r.Context(), "order read", slog.String("order", id))
	writeJSON(w, http.StatusOK, map[string]string{"id": id})
}

func (a *app) call(w http.ResponseWriter, r *http.Request) {
	annotate(r)
	route := os.Getenv("DOWNSTREAM_ROUTE")
	if route == "" {
		route = "/orders/{id}"
	}
	target := a.downstream + strings.ReplaceAll(route, "{id}", url.PathEscape(r.PathValue("id")))
	req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, target, nil)
	if err != nil {
		writeJSON(w, http.StatusBadGateway, map[string]string{"error": "bad downstream URL"})
		return
	}
	resp, err := a.client.Do(req)
	if err != nil {
		slog.ErrorContext(r.Context(), "downstream call failed", slog.Any("error", err))
		writeJSON(w, http.StatusBadGateway, map[string]string{"error": "downstream unavailable"})
		return
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	slog.InfoContext(r.Context(), "downstream answered", slog.Int("http.response.status_code", resp.StatusCode))
	status := http.StatusOK
	if resp.StatusCode >= 500 {
		status = http.StatusBadGateway
	}
	writeJSON(w, status, map[string]int{"downstream": resp.StatusCode})
}
