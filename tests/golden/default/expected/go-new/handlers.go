package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
)

// app holds what the handlers need.
type app struct {
	client     *http.Client
	downstream string // base URL, no trailing slash
}

// routes registers the service's routes with Go 1.22 patterns; the patterns
// name the server spans.
func (a *app) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /orders/{id}", a.order)
	mux.HandleFunc("GET /orders/{id}/call", a.call)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// order answers {"id": "<id>"}.
func (a *app) order(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"id": r.PathValue("id")})
}

// call asks the downstream service for the same order with the instrumented
// client and answers {"downstream": <its status>}, or 502 when it fails.
func (a *app) call(w http.ResponseWriter, r *http.Request) {
	target := a.downstream + "/orders/" + url.PathEscape(r.PathValue("id"))
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
	slog.InfoContext(r.Context(), "downstream answered", slog.Int("downstream_status", resp.StatusCode))
	writeJSON(w, http.StatusOK, map[string]int{"downstream": resp.StatusCode})
}
