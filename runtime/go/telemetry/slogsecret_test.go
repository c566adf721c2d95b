package telemetry

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

type loginForm struct {
	User      string `json:"user"`
	Password  string `json:"password"`
	SessionID int    `json:"sessionId"`
	APIKey    string `json:"X-Api-Key"`
	Tokenizer string `json:"tokenizer"`
}

func TestLogHandlerMasksSecretNamedFields(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(NewLogHandler(slog.NewJSONHandler(&buf, nil))).With(slog.String("authToken", "t-with"))
	l.Info("login",
		slog.String("password", "hunter2"),
		slog.String("apiKey", "k-123"),
		slog.String("API-KEY", "k-456"),
		slog.Int("x_api_key", 987654),
		slog.String("Cookie", "sid=abc"),
		slog.String("Set-Cookie", "id=xyz; Path=/"),
		slog.String("tokenizer", "bert"),
		slog.Int("max_tokens", 512),
		slog.Group("req", slog.String("authorization", "Basic dXNlcjpw"), slog.String("path", "/a")),
		slog.Any("form", loginForm{User: "bob", Password: "p-member", SessionID: 4242, APIKey: "k-member", Tokenizer: "bert"}),
		slog.Any("headers", map[string]any{"Cookie": "c-map", "Accept": "json"}),
		slog.String("body", `{"user":"bob","secret":"s-json"}`),
	)
	out := buf.String()
	for _, secret := range []string{"hunter2", "k-123", "k-456", "987654", "sid=abc", "xyz", "t-with", "dXNlcjpw", "p-member", "4242", "k-member", "c-map", "s-json"} {
		if strings.Contains(out, secret) {
			t.Errorf("%s leaked: %s", secret, out)
		}
	}
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"password", "apiKey", "API-KEY", "x_api_key", "Cookie", "Set-Cookie", "authToken"} {
		if line[k] != redactedValue {
			t.Errorf("%s = %v", k, line[k])
		}
	}
	if line["tokenizer"] != "bert" || line["max_tokens"] != float64(512) {
		t.Errorf("ordinary names changed: %v %v", line["tokenizer"], line["max_tokens"])
	}
	req := line["req"].(map[string]any)
	form := line["form"].(map[string]any)
	headers := line["headers"].(map[string]any)
	if req["authorization"] != redactedValue || req["path"] != "/a" || form["password"] != redactedValue ||
		form["sessionId"] != redactedValue || form["X-Api-Key"] != redactedValue || form["user"] != "bob" ||
		form["tokenizer"] != "bert" || headers["Cookie"] != redactedValue || headers["Accept"] != "json" {
		t.Errorf("members: %v %v %v", req, form, headers)
	}
	if line["body"] != `{"user":"bob","secret":"REDACTED"}` {
		t.Errorf("body %v", line["body"])
	}
}

func TestLogHandlerCutsLongTextAfterScrubbing(t *testing.T) {
	long := strings.Repeat("x", maxLogText-30) + " password=hunter2 "
	for len(long) < maxLogText-1 {
		long += "y"
	}
	long += "€" + strings.Repeat("z", 4096)
	var buf bytes.Buffer
	l := slog.New(NewLogHandler(slog.NewJSONHandler(&buf, nil)))
	l.Info(long, slog.String("detail", long), slog.Int("count", 3), slog.Any("list", []string{long}),
		slog.Any("tree", map[string][]string{"a": {long, long}}))
	var line map[string]any
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatal(err)
	}
	texts := []any{line["msg"], line["detail"], line["list"].([]any)[0], line["tree"]}
	for i, v := range texts {
		got, _ := v.(string)
		if !strings.HasSuffix(got, logCutMarker) {
			t.Fatalf("text %d not cut: %.80q", i, got)
		}
		kept := strings.TrimSuffix(got, logCutMarker)
		if len(kept) > maxLogText || len(kept) < maxLogText-8 || strings.ContainsAny(kept, "z€") {
			t.Errorf("text %d kept %d bytes", i, len(kept))
		}
		if strings.Contains(kept, "hunter2") {
			t.Errorf("text %d cut before scrubbing", i)
		}
	}
	if line["count"] != float64(3) {
		t.Errorf("count %v", line["count"])
	}
	buf.Reset()
	exact := strings.Repeat("a", maxLogText)
	l.Info("short", slog.String("detail", exact))
	if !strings.Contains(buf.String(), `"detail":"`+exact+`"`) {
		t.Error("text at the limit changed")
	}
}

// The text handler of log/slog quotes a value or message with a control
// character, so none forges a line or reaches a terminal raw.
func TestLogHandlerOverTheTextHandlerEscapesControlCharacters(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(NewLogHandler(slog.NewTextHandler(&buf, nil)))
	l.Info("line\r\nlevel=ERROR msg=injected\x1b]0;title\x07\u009b2J", slog.String("detail", "a\nforged=1\x1b[31m"))
	out := buf.String()
	if strings.Count(out, "\n") != 1 || strings.ContainsAny(out, "\r\x1b\x07\u009b") {
		t.Errorf("raw control characters: %q", out)
	}
	if !strings.Contains(out, `detail="a\nforged=1\x1b[31m"`) {
		t.Errorf("detail not quoted: %q", out)
	}
}

// A group named a secret hides its members however it was opened: by
// WithGroup (before or after With) as by slog.Group; members of other
// groups stay.
func TestLogHandlerMasksMembersOfSecretNamedGroups(t *testing.T) {
	var buf bytes.Buffer
	base := slog.New(NewLogHandler(slog.NewJSONHandler(&buf, nil)))
	base.WithGroup("credentials").Info("m1", "user", "bob", "value", "hunter2group")
	base.Info("m2", slog.Group("credentials", "user", "bob", "value", "hunter2inline"))
	base.With("db", "x").WithGroup("secrets").With("primary", "hunter2with").Info("m3")
	base.WithGroup("app").WithGroup("api").Info("m4", "key", "k-123", "n", 7)
	base.WithGroup("request").Info("m5", "user", "bob")
	out := buf.String()
	for _, leak := range []string{"hunter2", "k-123"} {
		if strings.Contains(out, leak) {
			t.Errorf("%q leaks:\n%s", leak, out)
		}
	}
	for _, want := range []string{
		`"credentials":{"user":"REDACTED","value":"REDACTED"}`,
		`"credentials":"REDACTED"`,
		`"db":"x","secrets":{"primary":"REDACTED"}`,
		`"app":{"api":{"key":"REDACTED","n":7}}`,
		`"request":{"user":"bob"}`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %s in:\n%s", want, out)
		}
	}
}
