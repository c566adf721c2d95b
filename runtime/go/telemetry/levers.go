package telemetry

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Levers are the incident controls of a running service: the kill switch and
// the sampling ratio. Every change is logged with its source.
type Levers struct {
	sampler *Sampler
	logger  *slog.Logger
	token   atomic.Pointer[[sha256.Size]byte] // nil: every admin request is refused
	mu      sync.Mutex                        // serialises changes so the log reads in order
}

// LeverState is a change of the levers, read by AdminHandler and the watched
// control file as strict JSON: {"enabled": bool, "ratio": number or null,
// "reset_ratio": bool}; unknown fields are refused. A ratio of null, or
// reset_ratio true, goes back to the environment's and per-route ratios.
type LeverState struct {
	Enabled *bool    `json:"enabled,omitempty"`
	Ratio   *float64 `json:"ratio,omitempty"`
	Reset   bool     `json:"reset_ratio,omitempty"`
}

// maxLeverBody bounds an admin request body and the control file.
const maxLeverBody = 4 << 10

var current atomic.Pointer[Levers]

func installLevers(s *Sampler, logger *slog.Logger) *Levers {
	l := NewLevers(s, logger)
	current.Store(l)
	return l
}

// CurrentLevers returns the levers of the installed Setup, or nil before Setup
// (or when OTEL_SDK_DISABLED is set).
func CurrentLevers() *Levers { return current.Load() }

// NewLevers returns levers over s that log to logger.
func NewLevers(s *Sampler, logger *slog.Logger) *Levers {
	if logger == nil {
		logger = slog.Default()
	}
	return &Levers{sampler: s, logger: logger}
}

// SetToken sets the bearer token AdminHandler requires. Setup reads it from
// the variable the conventions name (or the file named by that variable with
// _FILE appended). Without a token every admin request is refused.
func (l *Levers) SetToken(token []byte) {
	if len(token) == 0 {
		l.token.Store(nil)
		return
	}
	sum := sha256.Sum256(token)
	l.token.Store(&sum)
}

// State returns the current kill switch and ratio.
func (l *Levers) State() (enabled bool, ratio float64) {
	return l.sampler.Enabled(), l.sampler.Ratio()
}

// Apply changes the levers named in st and logs the change with its source.
func (l *Levers) Apply(st LeverState, source string) error {
	if st.Ratio != nil && (math.IsNaN(*st.Ratio) || *st.Ratio < 0 || *st.Ratio > 1) {
		return fmt.Errorf("telemetry: ratio %v is not between 0 and 1", *st.Ratio)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	wasOn, was := l.State()
	if st.Enabled != nil {
		l.sampler.SetEnabled(*st.Enabled)
	}
	switch {
	case st.Reset:
		l.sampler.ResetRatio()
	case st.Ratio != nil:
		l.sampler.SetRatio(*st.Ratio)
	}
	on, ratio := l.State()
	l.logger.Warn("telemetry levers changed",
		slog.String("source", source),
		slog.Bool("tracing_enabled", on), slog.Bool("was_enabled", wasOn),
		slog.Float64("sampling_ratio", ratio), slog.Float64("was_ratio", was))
	return nil
}

// decodeLeverState parses a change strictly: one JSON object whose field
// names are exactly the known ones (encoding/json alone would accept
// "ENABLED"), each at most once, nothing after it; "ratio": null means reset.
func decodeLeverState(r io.Reader) (LeverState, error) {
	fields, err := leverFields(r)
	if err != nil {
		return LeverState{}, err
	}
	var st LeverState
	if v, ok := fields["enabled"]; ok {
		if err := json.Unmarshal(v, &st.Enabled); err != nil {
			return LeverState{}, fmt.Errorf("enabled %s is not a boolean", v)
		}
	}
	if v, ok := fields["reset_ratio"]; ok {
		if err := json.Unmarshal(v, &st.Reset); err != nil {
			return LeverState{}, fmt.Errorf("reset_ratio %s is not a boolean", v)
		}
	}
	switch v, ok := fields["ratio"]; {
	case !ok:
	case strings.TrimSpace(string(v)) == "null":
		st.Reset = true
	default:
		var f float64
		if err := json.Unmarshal(v, &f); err != nil {
			return LeverState{}, fmt.Errorf("ratio %s is not a number", v)
		}
		st.Ratio = &f
	}
	return st, nil
}

// leverFields reads one JSON object of known, distinct field names.
func leverFields(r io.Reader) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(r)
	if t, err := dec.Token(); err != nil {
		return nil, err
	} else if t != json.Delim('{') {
		return nil, errors.New("the body is not a JSON object")
	}
	fields := make(map[string]json.RawMessage, 3)
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name, _ := t.(string)
		switch name {
		case "enabled", "ratio", "reset_ratio":
		default:
			return nil, fmt.Errorf("unknown field %q", name)
		}
		if _, dup := fields[name]; dup {
			return nil, fmt.Errorf("field %q given twice", name)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		fields[name] = v
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("unexpected data after the JSON object")
	}
	return fields, nil
}

type leverView struct {
	Enabled bool    `json:"enabled"`
	Ratio   float64 `json:"ratio"`
}

// AdminHandler serves the levers: GET returns {"enabled":..,"ratio":..};
// POST or PUT with a LeverState JSON body changes them. Every request needs
// "Authorization: Bearer <token>"; changes need "Content-Type:
// application/json" and a body of at most 4 KiB; requests a browser sends
// cross-origin (an Origin header, Sec-Fetch-Site other than none or
// same-origin) are refused. Serve it on its own listener (NewAdminServer).
func (l *Levers) AdminHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if code, msg := l.refuse(r); code != 0 {
			if code == http.StatusUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="telemetry"`)
			}
			http.Error(w, msg, code)
			return
		}
		switch r.Method {
		case http.MethodGet, http.MethodHead:
		case http.MethodPost, http.MethodPut:
			if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
				http.Error(w, "telemetry: Content-Type must be application/json", http.StatusUnsupportedMediaType)
				return
			}
			st, err := decodeLeverState(http.MaxBytesReader(w, r.Body, maxLeverBody))
			if err != nil {
				var tooBig *http.MaxBytesError
				if errors.As(err, &tooBig) {
					http.Error(w, "telemetry: body too large", http.StatusRequestEntityTooLarge)
					return
				}
				http.Error(w, "telemetry: bad lever change: "+err.Error(), http.StatusBadRequest)
				return
			}
			if err := l.Apply(st, adminSource(r.RemoteAddr)); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
		default:
			w.Header().Set("Allow", "GET, HEAD, POST, PUT")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		on, ratio := l.State()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(leverView{Enabled: on, Ratio: ratio})
	})
}

// refuse returns the status and message for a request that may not reach
// the levers, or 0.
func (l *Levers) refuse(r *http.Request) (int, string) {
	if !adminHostAllowed(r) {
		return http.StatusMisdirectedRequest, "telemetry: the Host header must be an IP address, localhost or the admin address (" + adminAddrEnv + ")"
	}
	if r.Header.Get("Origin") != "" {
		return http.StatusForbidden, "telemetry: cross-origin requests are refused"
	}
	switch strings.ToLower(r.Header.Get("Sec-Fetch-Site")) {
	case "", "none", "same-origin":
	default:
		return http.StatusForbidden, "telemetry: cross-site requests are refused"
	}
	want := l.token.Load()
	if want == nil {
		return http.StatusUnauthorized, "telemetry: no admin token is configured"
	}
	got, ok := bearerToken(r.Header.Get("Authorization"))
	// Both sides are hashed first, so the comparison takes the same time
	// whatever the length or content of what was presented.
	sum := sha256.Sum256([]byte(got))
	if subtle.ConstantTimeCompare(sum[:], want[:]) != 1 || !ok {
		return http.StatusUnauthorized, "telemetry: missing or wrong bearer token"
	}
	return 0, ""
}

// bearerToken returns the credentials of an Authorization header value whose
// scheme is Bearer. The scheme is matched case-insensitively (RFC 9110
// section 11.1, RFC 6750 section 2.1: "bearer" and "BEARER" are Bearer) and
// separated from the token by one or more spaces.
func bearerToken(header string) (string, bool) {
	scheme, token, found := strings.Cut(strings.TrimLeft(header, " "), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.Trim(token, " \t")
	return token, token != ""
}

// AdminHandler serves the installed levers (see Levers.AdminHandler). Before
// Setup, or when the SDK is disabled, it answers 503.
func AdminHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l := CurrentLevers()
		if l == nil {
			http.Error(w, "telemetry is not set up", http.StatusServiceUnavailable)
			return
		}
		l.AdminHandler().ServeHTTP(w, r)
	})
}

// NewAdminServer returns a server for the levers' own listener serving
// handler (a mux with AdminHandler at AdminPath), with read, write and idle
// timeouts and a small header limit, so a slow or stuck client is cut off,
// and at most MaxAdminConns connections open at once.
func NewAdminServer(handler http.Handler) *http.Server {
	return &http.Server{
		Handler:           handler,
		ConnState:         limitConns(MaxAdminConns),
		ReadHeaderTimeout: 2 * time.Second,
		ReadTimeout:       5 * time.Second,
		WriteTimeout:      5 * time.Second,
		IdleTimeout:       30 * time.Second,
		MaxHeaderBytes:    8 << 10,
	}
}

// WatchFile polls path every interval and applies the LeverState it holds
// whenever its content changes, parsed as strictly as AdminHandler's body.
// A missing file changes nothing. It returns a function that stops the watch.
func (l *Levers) WatchFile(path string, interval time.Duration) (stop func()) {
	done := make(chan struct{})
	var once sync.Once
	go func() {
		var last []byte
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			last = l.readFile(path, last)
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { once.Do(func() { close(done) }) }
}

func (l *Levers) readFile(path string, last []byte) []byte {
	f, err := os.Open(path)
	if err != nil {
		return last
	}
	b, err := io.ReadAll(io.LimitReader(f, maxLeverBody+1))
	_ = f.Close()
	if err != nil || bytes.Equal(b, last) {
		return last
	}
	if len(b) > maxLeverBody {
		l.logger.Error("telemetry control file rejected", slog.String("path", path), slog.String("error", "larger than 4 KiB"))
		return b
	}
	st, err := decodeLeverState(bytes.NewReader(b))
	if err != nil {
		l.logger.Error("telemetry control file rejected", slog.String("path", path), slog.String("error", err.Error()))
		return b
	}
	if err := l.Apply(st, "file "+path); err != nil {
		l.logger.Error("telemetry control file rejected", slog.String("path", path), slog.String("error", err.Error()))
	}
	return b
}

// adminAddrEnv is the variable the skeleton reads the admin listener's
// address from (the conventions' admin_address is its default).
const adminAddrEnv = "ADMIN_ADDR"

// MaxAdminConns is the most connections the admin server (NewAdminServer)
// keeps open at once; a connection past it is closed as soon as it is
// accepted, so a flood of idle connections cannot hold the levers' goroutines
// and file descriptors.
const MaxAdminConns = 16

// adminHostAllowed reports whether the request's Host names the admin
// listener: an IP literal, localhost, or the host of ADMIN_ADDR. A browser
// tricked by DNS rebinding sends the attacker's name, which is refused (421),
// token or not.
func adminHostAllowed(r *http.Request) bool {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if host == "" {
		return false
	}
	if strings.EqualFold(host, "localhost") || net.ParseIP(host) != nil {
		return true
	}
	if configured, _, err := net.SplitHostPort(os.Getenv(adminAddrEnv)); err == nil && configured != "" {
		return strings.EqualFold(host, configured)
	}
	return false
}

// limitConns returns a ConnState hook that closes every connection past max
// open ones at once.
func limitConns(max int64) func(net.Conn, http.ConnState) {
	var open atomic.Int64
	return func(c net.Conn, state http.ConnState) {
		switch state {
		case http.StateNew:
			if open.Add(1) > max {
				_ = c.Close()
			}
		case http.StateHijacked, http.StateClosed:
			open.Add(-1)
		}
	}
}

// adminSource is the source a lever change over the admin API is logged
// with: "admin", followed by the caller's address hashed when the
// conventions hash client.address and a hash key is set (the pseudonym the
// same client gets on spans); a raw address is never logged.
func adminSource(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		host = ip.Unmap().String()
	}
	if privacyActions[string(keyClientAddress)] != actionHash {
		return "admin"
	}
	if h, ok := hashValue(host); ok {
		return "admin " + h
	}
	return "admin"
}
