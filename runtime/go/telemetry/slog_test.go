package telemetry

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestLogHandlerStampsTraceFields(t *testing.T) {
	p := newTestProviders(t, nil)
	var buf bytes.Buffer
	logger := slog.New(NewLogHandler(slog.NewJSONHandler(&buf, nil))).With(slog.String("svc", "x"))
	ctx, span := p.tp.Tracer("test").Start(context.Background(), "op")
	logger.InfoContext(ctx, "inside")
	span.End()
	logger.InfoContext(context.Background(), "outside")

	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	if len(lines) != 2 {
		t.Fatalf("%d log lines", len(lines))
	}
	var in, out map[string]any
	if err := json.Unmarshal(lines[0], &in); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(lines[1], &out); err != nil {
		t.Fatal(err)
	}
	sc := span.SpanContext()
	if in[conv.logTraceID] != sc.TraceID().String() || in[conv.logSpanID] != sc.SpanID().String() {
		t.Errorf("log line %s lacks the span's ids in %q and %q", lines[0], conv.logTraceID, conv.logSpanID)
	}
	if in[conv.logTraceFlags] != "01" {
		t.Errorf("log line %s: trace flags %v", lines[0], in[conv.logTraceFlags])
	}
	if in["svc"] != "x" {
		t.Errorf("attributes of With were lost: %s", lines[0])
	}
	if _, ok := out[conv.logTraceID]; ok {
		t.Errorf("a record without a span got a trace id: %s", lines[1])
	}
}

func TestLogHandlerFieldsStayTopLevelInGroups(t *testing.T) {
	p := newTestProviders(t, nil)
	var buf bytes.Buffer
	logger := slog.New(NewLogHandler(slog.NewJSONHandler(&buf, nil))).
		With(slog.String("before", "1")).WithGroup("req").With(slog.String("k", "v"))
	ctx, span := p.tp.Tracer("test").Start(context.Background(), "op")
	logger.InfoContext(ctx, "grouped", slog.Int("n", 2))
	span.End()
	var rec map[string]any
	if err := json.Unmarshal(bytes.TrimSpace(buf.Bytes()), &rec); err != nil {
		t.Fatal(err)
	}
	if rec[conv.logTraceID] != span.SpanContext().TraceID().String() || rec["before"] != "1" {
		t.Errorf("top level of %s lacks the trace id or an attribute added before the group", buf.String())
	}
	group, _ := rec["req"].(map[string]any)
	if group["k"] != "v" || group["n"] != float64(2) {
		t.Errorf("group attributes misplaced in %s", buf.String())
	}
	if _, nested := group[conv.logTraceID]; nested {
		t.Errorf("the trace id was nested in the group: %s", buf.String())
	}
}

func TestLogHandlerRedacts(t *testing.T) {
	useTestConventions(t)
	var buf bytes.Buffer
	l := slog.New(NewLogHandler(slog.NewJSONHandler(&buf, nil)))
	var attrs []any
	for k, a := range privacyActions {
		if a != actionKeep {
			attrs = append(attrs, slog.String(k, "LOGMARK"))
		}
	}
	l.With(attrs...).Info("with")
	l.Info("fields", attrs...)
	l.Info("group", slog.Group("g", attrs...))
	l.Error(`call "http://u:PWMARK@h/?sig=QMARK" failed`, slog.Any("error", errors.New(`Get "http://h/?sig=ERRMARK"`)))
	for _, mark := range []string{"LOGMARK", "PWMARK", "QMARK", "ERRMARK"} {
		if strings.Contains(buf.String(), mark) {
			t.Errorf("%s reached the log:\n%s", mark, buf.String())
		}
	}
}

// A field reached through groups has the dotted key a log backend shows
// ("app" then "user.email" is app.user.email): the privacy action applies to
// that key, whether the group is a Group value or opened with WithGroup.
func TestLogHandlerRedactsGroupQualifiedKeys(t *testing.T) {
	useTestConventions(t)
	usePrivacyActions(t, map[string]privacyAction{"app.session.token": actionDrop})
	var buf bytes.Buffer
	l := slog.New(NewLogHandler(slog.NewJSONHandler(&buf, nil)))
	l.Info("group value", slog.Group("app", slog.String("session.token", "GROUPMARK")))
	l.Info("nested", slog.Group("app", slog.Group("session", slog.String("token", "NESTMARK"))))
	l.WithGroup("app").Info("with group", "session.token", "WGMARK")
	l.WithGroup("app").With("session.token", "WGATTRMARK").Info("with group attrs")
	l.WithGroup("app").WithGroup("session").Info("two groups", "token", "TWOMARK")
	l.Info("slice", slog.Any("callbacks", []string{"http://u:SLICEMARK@h/"}))
	for _, mark := range []string{"GROUPMARK", "NESTMARK", "WGMARK", "WGATTRMARK", "TWOMARK", "SLICEMARK"} {
		if strings.Contains(buf.String(), mark) {
			t.Errorf("%s reached the log:\n%s", mark, buf.String())
		}
	}
	l.WithGroup("app").Info("kept", "tenant", "t-1")
	if !strings.Contains(buf.String(), `"app":{"tenant":"t-1"}`) {
		t.Errorf("a plain field in a group is lost:\n%s", buf.String())
	}
}

// A struct or map logged whole with slog.Any goes through the same policy as
// separate fields: members whose dotted path is classed pii or secret get
// their action, URLs in its strings are sanitised, and nothing JSON cannot
// render is printed raw.
func TestLogHandlerRedactsStructsAndMaps(t *testing.T) {
	useTestConventions(t)
	usePrivacyActions(t, map[string]privacyAction{"app.session.token": actionDrop, "app.user.email": actionRedact})
	type session struct {
		Token string `json:"token"`
		ID    int    `json:"id"`
	}
	type user struct {
		Email    string   `json:"app.user.email"`
		Name     string   `json:"name"`
		Session  *session `json:"app.session"`
		Callback string   `json:"callback"`
	}
	var buf bytes.Buffer
	l := slog.New(NewLogHandler(slog.NewJSONHandler(&buf, nil)))
	u := user{Email: "STRUCTMARK@example.com", Name: "kept-name", Session: &session{Token: "TOKMARK", ID: 7}, Callback: "https://u:CBMARK@h/x"}
	l.Info("struct", slog.Any("user", u))
	l.Info("pointer", slog.Any("user", &u))
	l.Info("map", slog.Any("app", map[string]any{"session": map[string]string{"token": "MAPMARK"}, "tenant": "t-1"}))
	l.Info("slice", slog.Any("users", []user{u}))
	l.WithGroup("app").Info("group", slog.Any("session", session{Token: "GRPMARK"}))
	l.Info("unrenderable", slog.Any("ch", struct{ C chan int }{make(chan int)}))
	for _, mark := range []string{"STRUCTMARK", "TOKMARK", "MAPMARK", "CBMARK", "GRPMARK"} {
		if strings.Contains(buf.String(), mark) {
			t.Errorf("%s reached the log:\n%s", mark, buf.String())
		}
	}
	for _, kept := range []string{`"name":"kept-name"`, `"tenant":"t-1"`, `"id":7`, "not logged"} {
		if !strings.Contains(buf.String(), kept) {
			t.Errorf("%s is missing from the log:\n%s", kept, buf.String())
		}
	}
}

// logScrubErr is the error text of the privacy review: an e-mail address, a
// bearer credential and a card number, none under a classed key.
const logScrubErr = "send to jane.doe@example.com with Authorization: Bearer abcDEF123456ghi failed, card 4111 1111 1111 1111"

type logScrubStringer struct{}

func (logScrubStringer) String() string { return logScrubErr }

type logScrubText string

// Every string-valued field whose key is not classed is scrubbed like the
// message: plain strings, errors (wrapped too), fmt.Stringer values, named
// string types, nested groups, struct members and map keys; numbers and bools
// stay as they are.
func TestLogHandlerScrubsFieldText(t *testing.T) {
	useTestConventions(t)
	usePrivacyActions(t, map[string]privacyAction{})
	var buf bytes.Buffer
	l := slog.New(NewLogHandler(slog.NewJSONHandler(&buf, nil)))
	err := errors.New(logScrubErr)
	ctx := context.Background()
	l.ErrorContext(ctx, "send failed", "err", err)
	l.ErrorContext(ctx, "send failed", slog.String("detail", err.Error()))
	l.ErrorContext(ctx, "send failed", "err", fmt.Errorf("outer: %w", err))
	l.ErrorContext(ctx, "send failed", slog.Any("s", logScrubStringer{}), slog.Any("t", logScrubText(logScrubErr)))
	l.ErrorContext(ctx, "send failed", slog.Group("a", slog.Group("b", slog.String("c", logScrubErr))))
	l.With("w", logScrubErr).WithGroup("g").With("x", err).ErrorContext(ctx, "send failed", "y", []string{logScrubErr})
	l.ErrorContext(ctx, "send failed", slog.Any("m", map[string]any{"jane.doe@example.com": 1, "v": struct{ E string }{logScrubErr}}))
	l.InfoContext(ctx, "kept", slog.Int("n", 123456789012), slog.Bool("ok", true), slog.Float64("f", 4111111111111111), slog.String("order", "order 42 shipped"))
	for _, mark := range []string{"jane", "abcDEF123456ghi", "4111 1111"} {
		if strings.Contains(buf.String(), mark) {
			t.Errorf("%s reached the log:\n%s", mark, buf.String())
		}
	}
	if n := strings.Count(buf.String(), "send failed"); n != 7 {
		t.Errorf("%d of 7 lines logged:\n%s", n, buf.String())
	}
	for _, kept := range []string{`"n":123456789012`, `"ok":true`, `"f":4111111111111111`, `"order":"order 42 shipped"`} {
		if !strings.Contains(buf.String(), kept) {
			t.Errorf("%s is missing from the log:\n%s", kept, buf.String())
		}
	}
}
