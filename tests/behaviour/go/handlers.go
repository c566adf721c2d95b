package main

// The behaviour table's fixture (tests/behaviour/README.md): the skeleton's
// routes, the same on public routes, a health check and the privacy sweep.
// It uses the generated package's public API and the OpenTelemetry API only,
// as a service team would.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"example.com/behaviour/internal/telemetry"
)

// app holds what the handlers need.
type app struct {
	client     *http.Client
	downstream string // base URL, no trailing slash
}

func (a *app) routes(mux *http.ServeMux) {
	for _, prefix := range []string{"", "/public"} {
		mux.HandleFunc("GET "+prefix+"/orders/{id}", a.order)
		mux.HandleFunc("GET "+prefix+"/orders/{id}/call", a.call(prefix))
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok")
	})
	// A subtree: net/http redirects GET /files to /files/ itself.
	mux.HandleFunc("GET /files/", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "files")
	})
	mux.HandleFunc("POST /sweep", a.sweep)
	mux.HandleFunc("POST /sweep-urls", a.sweepURLs)
	mux.HandleFunc("POST /sweep-paths", a.sweepPaths)
	mux.HandleFunc("GET /orders/{id}/fail", a.fail)
	mux.HandleFunc("GET /orders/{id}/tenant", a.tenant)
	mux.HandleFunc("GET /orders/{id}/steps", a.steps)
	mux.HandleFunc("GET /orders/{id}/profile", a.profile)
	mux.HandleFunc("GET /orders/{id}/note", a.privacyText)
	mux.HandleFunc("GET /orders/{id}/send", a.sendFailed)
	mux.HandleFunc("GET /orders/{id}/abandon", a.abandon)
	mux.HandleFunc("GET /orders/{id}/redirected", a.redirected)
	mux.HandleFunc("GET /orders/{id}/redirected-elsewhere", a.redirectedElsewhere)
	mux.HandleFunc("GET /orders/{id}/login", a.loginLogged)
	mux.HandleFunc("GET /stream", a.stream)
	mux.HandleFunc("GET /hold", hold)
	mux.HandleFunc("GET /panic", func(http.ResponseWriter, *http.Request) {
		panic("behaviour panic")
	})
	mux.HandleFunc("GET /asterisk/{how}", asterisk)
	a.partRoutes(mux)
}

// fail logs an error and records it as an event of the server span; the
// request itself is answered.
func (a *app) fail(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	slog.ErrorContext(ctx, "order lookup failed", slog.String("reason", "stock"))
	trace.SpanFromContext(ctx).AddEvent("order lookup failed",
		trace.WithAttributes(attribute.String("reason", "stock")))
	writeJSON(w, http.StatusOK, map[string]string{"id": r.PathValue("id")})
}

// tenant sets registry attributes on the server span (one of them pii).
func (a *app) tenant(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	trace.SpanFromContext(ctx).SetAttributes(
		attribute.String("app.tenant.id", "t-1"),
		attribute.String("app.user.email", "PIIMARK-record"),
	)
	slog.InfoContext(ctx, "tenant recorded", slog.String("app.user.email", "PIIMARK-record"))
	writeJSON(w, http.StatusOK, map[string]string{"id": r.PathValue("id")})
}

// privacyTextMessage and privacyTextError quote personal data and a
// credential in free text: scrubbed at every exit.
const (
	privacyTextMessage = "note failed for jane@example.com"
	privacyTextError   = "card 4111 1111 1111 1111 declined for ops@example.com with Bearer abcDEF123456"
)

// privacyText sets an attribute that is in no registry through the
// OpenTelemetry API (it leaves, redacted), does its work in a child span,
// logs an error with a field (log data, never span data), adds that error as
// an event of the server span (as the Rust bridge does for an ERROR) and
// fails with an error whose text quotes personal data and a credential.
func (a *app) privacyText(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	span := trace.SpanFromContext(ctx)
	span.SetAttributes(attribute.String("app.note", "explicit-note"))
	_, step := telemetry.Tracer().Start(ctx, "note_step")
	step.End()
	slog.ErrorContext(ctx, privacyTextMessage, slog.String("detail", "IMPLICITMARK"))
	span.AddEvent(privacyTextMessage)
	err := errors.New(privacyTextError)
	span.RecordError(err)
	span.SetStatus(codes.Error, err.Error())
	writeJSON(w, http.StatusOK, map[string]string{"id": r.PathValue("id")})
}

// loginForm is logged as one value; its session id is secret by name.
type loginForm struct {
	User      string `json:"user"`
	SessionID string `json:"session_id"`
	Tokenizer string `json:"tokenizer"`
}

// loginLogged logs secret-named fields (plain, camel case, a header name, a
// group member, a struct member, a key in a JSON text) and a message quoting
// header lines with secrets: all leave masked; ordinary names stay.
func (a *app) loginLogged(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	slog.InfoContext(ctx, "login token: PWMSG1\nSet-Cookie: sid=PWMSG2; Path=/",
		slog.String("password", "PWFIELD1"),
		slog.String("apiKey", "PWFIELD2"),
		slog.String("Cookie", "sid=PWFIELD3"),
		slog.Group("req", slog.String("Authorization", "Basic PWGROUP4")),
		slog.Any("form", loginForm{User: "bob", SessionID: "PWMEMBER5", Tokenizer: "bert"}),
		slog.String("body", `{"user":"bob","client_secret":"PWJSON6"}`),
		slog.String("tokenizer", "bert-base"))
	writeJSON(w, http.StatusOK, map[string]string{"id": r.PathValue("id")})
}

// sendError quotes an e-mail address, a bearer credential and a card number
// in an error's text, under no classed key.
const sendError = "send to jane.doe@example.com with Authorization: Bearer abcDEF123456ghi failed, card 4111 1111 1111 1111"

// sendFailed logs a failed send with the error as a field (wrapped, and as
// its text) and names spans with personal data and a credential: the log
// fields and the span names are scrubbed.
func (a *app) sendFailed(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	err := fmt.Errorf("send: %w", errors.New(sendError))
	slog.ErrorContext(ctx, "send failed", "err", err)
	slog.ErrorContext(ctx, "send failed", slog.String("detail", err.Error()))
	_, lookup := telemetry.Tracer().Start(ctx, "lookup jane.doe@example.com 4111111111111111")
	lookup.End()
	_, greeted := telemetry.Tracer().Start(ctx, "Jane Doe Bearer abcDEFghiJKLmn")
	greeted.End()
	writeJSON(w, http.StatusOK, map[string]string{"id": r.PathValue("id")})
}

// userProfile is logged as one value; its email is pii below app.user.
type userProfile struct {
	Email string `json:"email"`
	Plan  string `json:"plan"`
}

// profile logs a struct with a pii member as one value.
func (a *app) profile(w http.ResponseWriter, r *http.Request) {
	user := userProfile{Email: "PIIMARK-struct", Plan: "team"}
	slog.InfoContext(r.Context(), "profile read", slog.Any("app.user", user))
	writeJSON(w, http.StatusOK, map[string]string{"id": r.PathValue("id")})
}

// steps does its work in a child span whose log line carries its field.
func (a *app) steps(w http.ResponseWriter, r *http.Request) {
	ctx, span := telemetry.Tracer().Start(r.Context(), "lookup",
		trace.WithAttributes(attribute.String("step", "lookup"), attribute.String("app.plan", "team")))
	slog.InfoContext(ctx, "looked up", slog.String("step", "lookup"))
	span.End()
	writeJSON(w, http.StatusOK, map[string]string{"id": r.PathValue("id")})
}

// hold answers after two seconds, or returns when the caller goes away first
// (a caller that leaves before the answer's head).
func hold(w http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
		return
	case <-time.After(2 * time.Second):
	}
	_, _ = io.WriteString(w, "held")
}

// stream writes ?chunks= chunks (default 3), 100 ms apart, flushing each;
// it stops when the caller goes away. With ?fail=1 the body breaks after its
// first chunk.
func (a *app) stream(w http.ResponseWriter, r *http.Request) {
	chunks, err := strconv.Atoi(r.URL.Query().Get("chunks"))
	if err != nil || chunks < 1 || chunks > 100 {
		chunks = 3
	}
	w.Header().Set("Content-Type", "text/plain")
	// ?status=503: a failure the server answers while it streams.
	if r.URL.Query().Get("status") == "503" {
		w.WriteHeader(http.StatusServiceUnavailable)
	} else {
		w.WriteHeader(http.StatusOK)
	}
	rc := http.NewResponseController(w)
	_ = rc.Flush()
	for i := 0; i < chunks; i++ {
		select {
		case <-r.Context().Done():
			return
		case <-time.After(100 * time.Millisecond):
		}
		if _, err := io.WriteString(w, "chunk\n"); err != nil {
			return
		}
		_ = rc.Flush()
		if r.URL.Query().Get("fail") == "1" {
			// The body breaks after its first chunk.
			panic(http.ErrAbortHandler)
		}
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (a *app) order(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"id": r.PathValue("id")})
}

func (a *app) call(prefix string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		status, err := a.get(r, a.downstream+prefix+"/orders/"+url.PathEscape(r.PathValue("id")))
		if err != nil {
			slog.ErrorContext(r.Context(), "downstream call failed", slog.Any("error", err))
			writeJSON(w, http.StatusBadGateway, map[string]string{"error": "downstream unavailable"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]int{"downstream": status})
	}
}

// abandonAfter is how long abandon waits for the downstream's slow answer.
const abandonAfter = 200 * time.Millisecond

// abandon calls the downstream's slow path and gives up (cancels the call's
// context) before the answer comes.
func (a *app) abandon(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	stop := time.AfterFunc(abandonAfter, cancel)
	defer stop.Stop()
	_, err := a.get(r.WithContext(ctx), a.downstream+"/slow/orders/"+url.PathEscape(r.PathValue("id")))
	writeJSON(w, http.StatusOK, map[string]bool{"abandoned": err != nil})
}

// redirected calls a downstream path answered with a redirect, which the
// client follows.
func (a *app) redirected(w http.ResponseWriter, r *http.Request) {
	status, err := a.get(r, a.downstream+"/redirect/orders/"+url.PathEscape(r.PathValue("id")))
	if err != nil {
		writeJSON(w, http.StatusBadGateway, map[string]string{"error": "downstream unavailable"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"downstream": status})
}

// redirectedElsewhere calls a downstream path, with a query token and
// credential headers, that the recorder redirects to another origin.
func (a *app) redirectedElsewhere(w http.ResponseWriter, r *http.Request) {
	target := a.downstream + "/elsewhere/orders/" + url.PathEscape(r.PathValue("id")) + "?token=SECRETMARK-query"
	status, err := a.get(r, target, "Authorization", "Bearer SECRETMARK-auth", "X-Api-Key", "SECRETMARK-key")
	if err != nil {
		writeJSON(w, http.StatusBadGateway, map[string]string{"error": "downstream unavailable"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"downstream": status})
}

// get calls target with the instrumented client in the request's context,
// with the headers given as name, value pairs.
func (a *app) get(r *http.Request, target string, headers ...string) (int, error) {
	req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, target, nil)
	if err != nil {
		return 0, err
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, nil
}

// marked returns the pii and secret attributes carrying where's marker.
func marked(where string) []attribute.KeyValue {
	return []attribute.KeyValue{
		attribute.String("app.user.email", "PIIMARK-"+where),
		attribute.String("app.session.token", "SECRETMARK-"+where),
	}
}

// sweep puts a distinct marker into every pii and secret attribute through
// every API; none of them may leave the service.
func (a *app) sweep(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	span := trace.SpanFromContext(ctx)
	span.SetAttributes(marked("attr")...)
	span.AddEvent("sweep", trace.WithAttributes(marked("event")...))
	tid, _ := trace.TraceIDFromHex("0af7651916cd43dd8448eb211c80319c")
	sid, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	span.AddLink(trace.Link{
		SpanContext: trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled, Remote: true}),
		Attributes:  marked("link"),
	})
	if calls, err := telemetry.Meter().Int64Counter("app.sweep.calls"); err == nil {
		calls.Add(ctx, 1, metric.WithAttributes(marked("metric")...))
	}
	slog.InfoContext(ctx, "sweep", slog.String("app.user.email", "PIIMARK-log"), slog.String("app.session.token", "SECRETMARK-log"))

	var members []baggage.Member
	for _, kv := range [][2]string{{"app.tenant.id", "t-1"}, {"app.user.email", "PIIMARK-baggage"}, {"app.session.token", "SECRETMARK-baggage"}} {
		if m, err := baggage.NewMemberRaw(kv[0], kv[1]); err == nil {
			members = append(members, m)
		}
	}
	if bag, err := baggage.New(members...); err == nil {
		ctx = baggage.ContextWithBaggage(ctx, bag)
	}
	_, _ = a.get(r.WithContext(ctx), a.downstream+"/orders/sweep")

	_, err := a.get(r, "http://user:SECRETMARK-cred@127.0.0.1:9/fail?sig=SECRETMARK-query&x=1")
	if err == nil {
		err = errors.New("the call to port 9 unexpectedly succeeded")
	}
	span.RecordError(err)
	span.SetStatus(codes.Error, err.Error())
	slog.ErrorContext(ctx, "sweep call failed", slog.Any("error", err))
	writeJSON(w, http.StatusOK, map[string]string{"swept": "ok"})
}

// urlSweep holds credentials and a sensitive query value in the two forms a
// plain "://" scan misses: a percent-encoded URL (a redirect target in a
// query value) and a query whose pairs are separated by ';'.
const urlSweep = "redirect to https%3A%2F%2Fuser%3ASECRETMARK-enc%40h%2Fcb failed; see http://h/cb?a=1;sig=SECRETMARK-semi"

// sweepURLs puts urlSweep into a span attribute, an event, the span status
// and a log line; no marker may leave the service.
func (a *app) sweepURLs(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	span := trace.SpanFromContext(ctx)
	span.SetAttributes(attribute.String("app.sweep.note", urlSweep))
	span.AddEvent("sweep-urls", trace.WithAttributes(attribute.String("app.sweep.note", urlSweep)))
	span.SetStatus(codes.Error, urlSweep)
	slog.ErrorContext(ctx, urlSweep, slog.String("detail", urlSweep))
	writeJSON(w, http.StatusOK, map[string]string{"swept": "ok"})
}

// pathSweep holds a sensitive path parameter (";sig=...", RFC 3986 section
// 3.3) in a URL of free text.
const pathSweep = "redirect to http://h.example/o/3;sig=SECRETMARK-pathtext;v=2/x failed"

// sweepPaths puts pathSweep into a span attribute, an event, the span status
// and a log line, and calls a URL with a sensitive path parameter (port 9:
// nothing listens), recording and logging the error that quotes it; no
// marker may leave the service.
func (a *app) sweepPaths(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	span := trace.SpanFromContext(ctx)
	span.SetAttributes(attribute.String("app.sweep.note", pathSweep))
	span.AddEvent("sweep-paths", trace.WithAttributes(attribute.String("app.sweep.note", pathSweep)))
	slog.ErrorContext(ctx, pathSweep, slog.String("detail", pathSweep))
	_, err := a.get(r, "http://127.0.0.1:9/o/3;sig=SECRETMARK-pathcall?x=1")
	if err == nil {
		err = errors.New("the call to port 9 unexpectedly succeeded")
	}
	span.RecordError(err)
	span.SetStatus(codes.Error, pathSweep)
	slog.ErrorContext(ctx, "sweep call failed", slog.Any("error", err))
	writeJSON(w, http.StatusOK, map[string]string{"swept": "ok"})
}

// asterisk sends OPTIONS * (no traceparent) to a second server of this
// process, one that hands it to the generated Handler (net/http's server
// answers it itself unless DisableGeneralOptionsHandler is set), and answers
// with the status it got (502 when the connection broke without one).
// /asterisk/panic asks the handler behind the Handler to panic;
// /asterisk/absolute sends GET http://127.0.0.1 (absolute form, empty path)
// instead.
func asterisk(w http.ResponseWriter, r *http.Request) {
	addr, err := asteriskServer()
	if err != nil {
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	line := "OPTIONS * HTTP/1.1"
	if r.PathValue("how") == "absolute" {
		line = "GET http://127.0.0.1 HTTP/1.1"
	}
	w.WriteHeader(rawRequest(addr, line, r.PathValue("how") == "panic"))
}

var asteriskServer = sync.OnceValues(func() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Panic") != "" {
			panic("behaviour panic")
		}
		w.WriteHeader(http.StatusNotFound) // as the Rust fixture's fallback
	})
	srv := &http.Server{
		Handler:                      telemetry.NewHandler(inner),
		DisableGeneralOptionsHandler: true,
		ReadHeaderTimeout:            5 * time.Second,
	}
	go func() { _ = srv.Serve(ln) }()
	return ln.Addr().String(), nil
})

// rawRequest sends a request with the request line line to addr and
// returns the answer's status.
func rawRequest(addr, line string, panics bool) int {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return http.StatusBadGateway
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	req := line + "\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
	if panics {
		req += "X-Panic: 1\r\n"
	}
	if _, err := io.WriteString(conn, req+"\r\n"); err != nil {
		return http.StatusBadGateway
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return http.StatusBadGateway
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}
