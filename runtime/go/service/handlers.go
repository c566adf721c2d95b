package main

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
)

// app holds what the handlers need.
type app struct {
	client     *http.Client
	downstream string
}

// routes registers the service's routes with Go 1.22 patterns; the patterns
// name the server spans.
func (a *app) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", a.healthz)
	mux.HandleFunc("GET /hello/{name}", a.hello)
}

func (a *app) healthz(w http.ResponseWriter, _ *http.Request) {
	_, _ = io.WriteString(w, "ok\n")
}

// hello calls the downstream service and greets name.
func (a *app) hello(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, a.downstream, nil)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	resp, err := a.client.Do(req)
	if err != nil {
		slog.ErrorContext(r.Context(), "downstream call failed", slog.String("error", err.Error()))
		http.Error(w, "downstream unavailable", http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	slog.InfoContext(r.Context(), "greeted", slog.Int("downstream_status", resp.StatusCode))
	_, _ = fmt.Fprintf(w, "hello %s (downstream answered %d)\n", name, resp.StatusCode)
}
