package telemetry

import (
	"bytes"
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
	h := l.AdminHandler()

	post := func(body string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, AdminPath, strings.NewReader(body)))
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
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, AdminPath, nil))
	if got := strings.TrimSpace(rec.Body.String()); got != `{"enabled":false,"ratio":0.05}` {
		t.Errorf("state %s", got)
	}
	if n := strings.Count(logs.String(), "telemetry levers changed"); n != 2 {
		t.Errorf("%d change log lines, want 2:\n%s", n, logs.String())
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
