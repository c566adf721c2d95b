package telemetry

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Levers are the incident controls of a running service: the kill switch and
// the sampling ratio. Every change is logged.
type Levers struct {
	sampler *Sampler
	logger  *slog.Logger
	mu      sync.Mutex // serialises changes so the log reads in order
}

// LeverState is the JSON form of the levers, read and written by AdminHandler
// and the watched control file. Ratio null (or absent in a change) means the
// environment's and per-route ratios.
type LeverState struct {
	Enabled *bool    `json:"enabled,omitempty"`
	Ratio   *float64 `json:"ratio,omitempty"`
	Reset   bool     `json:"reset_ratio,omitempty"`
}

var current atomic.Pointer[Levers]

func installLevers(s *Sampler, logger *slog.Logger) *Levers {
	if logger == nil {
		logger = slog.Default()
	}
	l := &Levers{sampler: s, logger: logger}
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

// State returns the current kill switch and ratio.
func (l *Levers) State() (enabled bool, ratio float64) {
	return l.sampler.Enabled(), l.sampler.Ratio()
}

// Apply changes the levers named in st and logs the change.
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
	if on != wasOn || ratio != was || st.Reset {
		l.logger.Warn("telemetry levers changed",
			slog.String("source", source),
			slog.Bool("tracing_enabled", on), slog.Bool("was_enabled", wasOn),
			slog.Float64("sampling_ratio", ratio), slog.Float64("was_ratio", was))
	}
	return nil
}

type leverView struct {
	Enabled bool    `json:"enabled"`
	Ratio   float64 `json:"ratio"`
}

// AdminHandler serves the levers: GET returns {"enabled":..,"ratio":..};
// POST or PUT with a LeverState JSON body changes them. Mount it on an admin
// listener that only operators reach.
func (l *Levers) AdminHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead:
		case http.MethodPost, http.MethodPut:
			var st LeverState
			dec := json.NewDecoder(io.LimitReader(r.Body, 4096))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&st); err != nil {
				http.Error(w, "telemetry: bad lever change: "+err.Error(), http.StatusBadRequest)
				return
			}
			if err := l.Apply(st, "admin "+r.RemoteAddr); err != nil {
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
		_ = json.NewEncoder(w).Encode(leverView{Enabled: on, Ratio: ratio})
	})
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

// WatchFile polls path every interval and applies the LeverState it holds
// whenever its content changes. A missing file changes nothing. It returns a
// function that stops the watch.
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
	b, err := os.ReadFile(path)
	if err != nil || bytes.Equal(b, last) {
		return last
	}
	var st LeverState
	if err := json.Unmarshal(b, &st); err != nil {
		l.logger.Error("telemetry control file unreadable", slog.String("path", path), slog.String("error", err.Error()))
		return b
	}
	if err := l.Apply(st, "file "+path); err != nil {
		l.logger.Error("telemetry control file rejected", slog.String("path", path), slog.String("error", err.Error()))
	}
	return b
}
