package telemetry

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestAdminHandlerChangesLevers(t *testing.T) {
	var logs bytes.Buffer
	s := NewSampler(1)
	l := NewLevers(s, slog.New(slog.NewJSONHandler(&logs, nil)))
	l.SetToken([]byte("t0ken"))
	h := l.AdminHandler()

	post := func(body string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, AdminPath, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer t0ken")
		req.Header.Set("Content-Type", "application/json")
		h.ServeHTTP(rec, req)
		return rec
	}
	if rec := post(`{"enabled": false}`); rec.Code != http.StatusOK {
		t.Fatalf("kill switch: %d %s", rec.Code, rec.Body)
	}
	if s.Enabled() {
		t.Error("the kill switch did not switch tracing off")
	}
	if rec := post(`{"ratio": 0.05}`); rec.Code != http.StatusOK || s.Ratio() != 0.05 {
		t.Errorf("ratio change: %d, ratio %v", rec.Code, s.Ratio())
	}
	if rec := post(`{"ratio": 7}`); rec.Code != http.StatusBadRequest {
		t.Errorf("a ratio of 7 answered %d", rec.Code)
	}
	if rec := post(`{"bogus": 1}`); rec.Code != http.StatusBadRequest {
		t.Errorf("an unknown field answered %d", rec.Code)
	}
	rec := httptest.NewRecorder()
	get := httptest.NewRequest(http.MethodGet, AdminPath, nil)
	get.Header.Set("Authorization", "Bearer t0ken")
	h.ServeHTTP(rec, get)
	if got := strings.TrimSpace(rec.Body.String()); got != `{"enabled":false,"ratio":0.05}` {
		t.Errorf("state %s", got)
	}
	if rec := post(`{"ratio": null}`); rec.Code != http.StatusOK || s.Ratio() != 1 {
		t.Errorf("ratio null: %d, ratio %v, want the environment's 1", rec.Code, s.Ratio())
	}
	if n := strings.Count(logs.String(), "telemetry levers changed"); n != 3 || !strings.Contains(logs.String(), `"source":"admin `) {
		t.Errorf("%d change log lines with their source, want 3:\n%s", n, logs.String())
	}
}

func TestWatchFileAppliesChanges(t *testing.T) {
	path := filepath.Join(t.TempDir(), "control.json")
	s := NewSampler(1)
	l := NewLevers(s, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)))
	stop := l.WatchFile(path, 10*time.Millisecond)
	defer stop()
	if err := os.WriteFile(path, []byte(`{"enabled": false, "ratio": 0.5}`), 0o600); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for s.Enabled() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if s.Enabled() || s.Ratio() != 0.5 {
		t.Errorf("after the file changed: enabled %v ratio %v", s.Enabled(), s.Ratio())
	}
}

func TestAdminHandlerRefusals(t *testing.T) {
	s := NewSampler(1)
	l := NewLevers(s, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	ok := func(r *http.Request) *http.Request {
		r.Header.Set("Authorization", "Bearer t0ken")
		r.Header.Set("Content-Type", "application/json")
		return r
	}
	body := `{"enabled": false}`
	for name, c := range map[string]struct {
		req  *http.Request
		want int
	}{
		"no token": {httptest.NewRequest(http.MethodPost, AdminPath, strings.NewReader(body)), 401},
		"wrong token": {func() *http.Request {
			r := ok(httptest.NewRequest("POST", AdminPath, strings.NewReader(body)))
			r.Header.Set("Authorization", "Bearer nope")
			return r
		}(), 401},
		"text/plain": {func() *http.Request {
			r := ok(httptest.NewRequest("POST", AdminPath, strings.NewReader(body)))
			r.Header.Set("Content-Type", "text/plain")
			return r
		}(), 415},
		"cross-origin": {func() *http.Request {
			r := ok(httptest.NewRequest("POST", AdminPath, strings.NewReader(body)))
			r.Header.Set("Origin", "https://evil.example")
			return r
		}(), 403},
		"cross-site": {func() *http.Request {
			r := ok(httptest.NewRequest("POST", AdminPath, strings.NewReader(body)))
			r.Header.Set("Sec-Fetch-Site", "cross-site")
			return r
		}(), 403},
		"oversized": {ok(httptest.NewRequest("POST", AdminPath, strings.NewReader(`{"enabled": false`+strings.Repeat(" ", 5000)+`}`))), 413},
		"trailing":  {ok(httptest.NewRequest("POST", AdminPath, strings.NewReader(body+` {}`))), 400},
		"unknown":   {ok(httptest.NewRequest("POST", AdminPath, strings.NewReader(`{"enabled": false, "ratioo": 1}`))), 400},
	} {
		l.SetToken([]byte("t0ken"))
		rec := httptest.NewRecorder()
		l.AdminHandler().ServeHTTP(rec, c.req)
		if rec.Code != c.want || !s.Enabled() {
			t.Errorf("%s: %d (tracing enabled %v), want %d and no change", name, rec.Code, s.Enabled(), c.want)
		}
	}
	l.SetToken(nil)
	rec := httptest.NewRecorder()
	l.AdminHandler().ServeHTTP(rec, ok(httptest.NewRequest("POST", AdminPath, strings.NewReader(body))))
	if rec.Code != 401 || !s.Enabled() {
		t.Errorf("without a configured token: %d", rec.Code)
	}
}

func TestAdminServerHasTimeouts(t *testing.T) {
	srv := NewAdminServer(AdminHandler())
	if srv.ReadTimeout <= 0 || srv.WriteTimeout <= 0 || srv.IdleTimeout <= 0 || srv.ReadHeaderTimeout <= 0 {
		t.Errorf("admin server timeouts %+v", srv)
	}
}

func TestWatchFileIsStrict(t *testing.T) {
	path := filepath.Join(t.TempDir(), "control.json")
	s := NewSampler(1)
	var logs bytes.Buffer
	l := NewLevers(s, slog.New(slog.NewTextHandler(&logs, nil)))
	if err := os.WriteFile(path, []byte(`{"enabld": false}`), 0o600); err != nil {
		t.Fatal(err)
	}
	l.readFile(path, nil)
	if !s.Enabled() || !strings.Contains(logs.String(), "rejected") {
		t.Errorf("a misspelt field was not rejected: %s", logs.String())
	}
}
