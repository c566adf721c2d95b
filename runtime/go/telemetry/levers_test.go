package telemetry

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net"
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
		req := adminRequest(http.MethodPost, AdminPath, strings.NewReader(body))
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
	get := adminRequest(http.MethodGet, AdminPath, nil)
	get.Header.Set("Authorization", "Bearer t0ken")
	h.ServeHTTP(rec, get)
	if got := strings.TrimSpace(rec.Body.String()); got != `{"enabled":false,"ratio":0.05}` {
		t.Errorf("state %s", got)
	}
	if rec := post(`{"ratio": null}`); rec.Code != http.StatusOK || s.Ratio() != 1 {
		t.Errorf("ratio null: %d, ratio %v, want the environment's 1", rec.Code, s.Ratio())
	}
	if n := strings.Count(logs.String(), "telemetry levers changed"); n != 3 || !strings.Contains(logs.String(), `"source":"admin`) {
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
		"no token": {adminRequest(http.MethodPost, AdminPath, strings.NewReader(body)), 401},
		"wrong token": {func() *http.Request {
			r := ok(adminRequest("POST", AdminPath, strings.NewReader(body)))
			r.Header.Set("Authorization", "Bearer nope")
			return r
		}(), 401},
		"text/plain": {func() *http.Request {
			r := ok(adminRequest("POST", AdminPath, strings.NewReader(body)))
			r.Header.Set("Content-Type", "text/plain")
			return r
		}(), 415},
		"cross-origin": {func() *http.Request {
			r := ok(adminRequest("POST", AdminPath, strings.NewReader(body)))
			r.Header.Set("Origin", "https://evil.example")
			return r
		}(), 403},
		"cross-site": {func() *http.Request {
			r := ok(adminRequest("POST", AdminPath, strings.NewReader(body)))
			r.Header.Set("Sec-Fetch-Site", "cross-site")
			return r
		}(), 403},
		"oversized": {ok(adminRequest("POST", AdminPath, strings.NewReader(`{"enabled": false`+strings.Repeat(" ", 5000)+`}`))), 413},
		"trailing":  {ok(adminRequest("POST", AdminPath, strings.NewReader(body+` {}`))), 400},
		"unknown":   {ok(adminRequest("POST", AdminPath, strings.NewReader(`{"enabled": false, "ratioo": 1}`))), 400},
		"rebound host": {func() *http.Request {
			r := ok(adminRequest("POST", AdminPath, strings.NewReader(body)))
			r.Host = "evil.example:7465"
			return r
		}(), 421},
		"no host": {func() *http.Request {
			r := ok(adminRequest("POST", AdminPath, strings.NewReader(body)))
			r.Host = ""
			return r
		}(), 421},
		"bearer glued to the token": {func() *http.Request {
			r := ok(adminRequest("POST", AdminPath, strings.NewReader(body)))
			r.Header.Set("Authorization", "Bearert0ken")
			return r
		}(), 401},
		"another scheme": {func() *http.Request {
			r := ok(adminRequest("POST", AdminPath, strings.NewReader(body)))
			r.Header.Set("Authorization", "Basic t0ken")
			return r
		}(), 401},
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
	l.AdminHandler().ServeHTTP(rec, ok(adminRequest("POST", AdminPath, strings.NewReader(body))))
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

// A change is strict JSON: exact field names, each once, one object.
func TestDecodeLeverStateIsStrict(t *testing.T) {
	for _, bad := range []string{
		`{"ENABLED": false}`, `{"Ratio": 0}`, `{"enabled": true, "enabled": false}`,
		`{"enabled": "false"}`, `{"ratio": "1"}`, `{"enabled": false} {}`, `[]`, `{"enabled": false,}`, ``,
	} {
		if st, err := decodeLeverState(strings.NewReader(bad)); err == nil {
			t.Errorf("%s accepted as %+v", bad, st)
		}
	}
	st, err := decodeLeverState(strings.NewReader(` {"enabled": false, "ratio": null} `))
	if err != nil || st.Enabled == nil || *st.Enabled || !st.Reset || st.Ratio != nil {
		t.Errorf("valid change read as %+v, %v", st, err)
	}
	st, err = decodeLeverState(strings.NewReader(`{"ratio": 0.25, "reset_ratio": false}`))
	if err != nil || st.Ratio == nil || *st.Ratio != 0.25 || st.Reset || st.Enabled != nil {
		t.Errorf("valid change read as %+v, %v", st, err)
	}
}

// adminRequest is an admin request as a local operator sends it: Host is the
// loopback address the listener is on.
func adminRequest(method, target string, body io.Reader) *http.Request {
	r := httptest.NewRequest(method, target, body)
	r.Host = "127.0.0.1:7465"
	return r
}

func TestAdminBearerSchemeIsCaseInsensitive(t *testing.T) {
	l := NewLevers(NewSampler(1), slog.New(slog.NewJSONHandler(io.Discard, nil)))
	l.SetToken([]byte("t0ken"))
	for header, want := range map[string]int{
		"Bearer t0ken":   200,
		"bearer t0ken":   200,
		"BEARER t0ken":   200,
		"bEaReR   t0ken": 200,
		"Bearer t0ken ":  200,
		"Bearer T0KEN":   401,
		"Bearer":         401,
		"Bearer ":        401,
		"Token t0ken":    401,
	} {
		r := adminRequest(http.MethodGet, AdminPath, nil)
		r.Header.Set("Authorization", header)
		rec := httptest.NewRecorder()
		l.AdminHandler().ServeHTTP(rec, r)
		if rec.Code != want {
			t.Errorf("Authorization %q: %d, want %d", header, rec.Code, want)
		}
	}
}

func TestAdminHostMustNameTheListener(t *testing.T) {
	t.Setenv("ADMIN_ADDR", "admin.internal:7465")
	l := NewLevers(NewSampler(1), slog.New(slog.NewJSONHandler(io.Discard, nil)))
	l.SetToken([]byte("t0ken"))
	for host, want := range map[string]int{
		"127.0.0.1:7465":      200,
		"127.0.0.1":           200,
		"[::1]:7465":          200,
		"10.1.2.3:7465":       200,
		"localhost:7465":      200,
		"LOCALHOST":           200,
		"admin.internal:7465": 200,
		"evil.example":        421,
		"evil.example:7465":   421,
		"127.0.0.1.nip.io":    421,
		"admin.internal.evil": 421,
	} {
		r := adminRequest(http.MethodGet, AdminPath, nil)
		r.Host = host
		r.Header.Set("Authorization", "Bearer t0ken")
		rec := httptest.NewRecorder()
		l.AdminHandler().ServeHTTP(rec, r)
		if rec.Code != want {
			t.Errorf("Host %q: %d, want %d", host, rec.Code, want)
		}
	}
}

func TestAdminServerCapsConnections(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewAdminServer(http.NotFoundHandler())
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	conns := make([]net.Conn, 0, MaxAdminConns+8)
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	for range MaxAdminConns + 8 {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	time.Sleep(300 * time.Millisecond)
	open := 0
	for _, c := range conns {
		_ = c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		var b [1]byte
		if _, err := c.Read(b[:]); err != nil && !errors.Is(err, io.EOF) && isTimeout(err) {
			open++
		}
	}
	if open != MaxAdminConns {
		t.Errorf("%d idle connections kept open, want %d", open, MaxAdminConns)
	}
	for _, c := range conns {
		_ = c.Close()
	}
	conns = conns[:0]
	time.Sleep(200 * time.Millisecond)
	resp, err := http.Get("http://" + ln.Addr().String() + "/")
	if err != nil {
		t.Fatalf("after the flood ended, the admin server did not answer: %v", err)
	}
	_ = resp.Body.Close()
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// A lever change names its caller without the raw address: the client.address
// pseudonym when the conventions hash it and a key is set, else just "admin".
func TestAdminSourceHidesTheCallerAddress(t *testing.T) {
	usePrivacyActions(t, map[string]privacyAction{"client.address": actionHash})
	SetHashKey(nil)
	t.Cleanup(func() { SetHashKey(nil) })
	if got := adminSource("192.0.2.7:5123"); got != "admin" {
		t.Errorf("without a key: %q", got)
	}
	SetHashKey([]byte("k"))
	want, _ := hashValue("10.0.0.5")
	for _, addr := range []string{"10.0.0.5:1", "[::ffff:10.0.0.5]:2"} {
		if got := adminSource(addr); got != "admin "+want {
			t.Errorf("%s: %q, want the pseudonym of 10.0.0.5", addr, got)
		}
	}
	usePrivacyActions(t, map[string]privacyAction{})
	if got := adminSource("192.0.2.7:5123"); got != "admin" {
		t.Errorf("client.address not hashed: %q", got)
	}
	var logs bytes.Buffer
	l := NewLevers(NewSampler(1), slog.New(slog.NewJSONHandler(&logs, nil)))
	l.SetToken([]byte("t0ken"))
	rec := httptest.NewRecorder()
	req := adminRequest(http.MethodPost, AdminPath, strings.NewReader(`{"enabled": true}`))
	req.RemoteAddr = "192.0.2.7:5123"
	req.Header.Set("Authorization", "Bearer t0ken")
	req.Header.Set("Content-Type", "application/json")
	l.AdminHandler().ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || !strings.Contains(logs.String(), "levers changed") || strings.Contains(logs.String(), "192.0.2.7") {
		t.Errorf("%d; the change log carries the raw caller address or is missing:\n%s", rec.Code, logs.String())
	}
}
