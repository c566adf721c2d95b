package telemetry

import (
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"sync"
	"testing"
)

// headerRecorder is a loopback server that answers 200 and keeps the
// headers of every request it receives.
type headerRecorder struct {
	mu   sync.Mutex
	seen []http.Header
}

func (h *headerRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.seen = append(h.seen, r.Header.Clone())
	h.mu.Unlock()
}

func (h *headerRecorder) all() []http.Header {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]http.Header(nil), h.seen...)
}

// credentialHeaders are set by the caller on the first request; each is
// secret by its name or one of the credentials a redirect must not carry
// to another origin.
var credentialHeaders = map[string]string{
	"Authorization":       "Bearer SECRETAUTH",
	"Proxy-Authorization": "Basic SECRETPROXY",
	"Cookie":              "sid=SECRETCOOKIE",
	"X-Api-Key":           "SECRETKEY",
	"Private-Token":       "SECRETTOKEN",
	"X-Auth-Token":        "SECRETXAUTH",
}

// redirectThrough sends a GET with the credential headers (and referer, when
// not empty) to a loopback server that redirects to target, through client.
func redirectThrough(t *testing.T, client *http.Client, target, referer string) {
	t.Helper()
	first := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/final" {
			return
		}
		to := target
		if to == "" {
			to = "/final"
		}
		http.Redirect(w, r, to, http.StatusFound)
	}))
	defer first.Close()
	req, _ := http.NewRequest(http.MethodGet, first.URL+"/elsewhere?token=SECRETQUERY", nil)
	for k, v := range credentialHeaders {
		req.Header.Set(k, v)
	}
	if referer != "" {
		req.Header.Set("Referer", referer)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

// A redirect to another origin (here another loopback port, same host name,
// which http.Client alone treats as the same place): none of the caller's
// credentials reach it, and no Referer with the first URL's query.
func TestTransportRedirectToAnotherOriginDropsCredentials(t *testing.T) {
	p := newTestProviders(t, nil)
	withOwnCheck := NewClient(p.options()...)
	calls := 0
	withOwnCheck.CheckRedirect = func(*http.Request, []*http.Request) error {
		calls++
		return nil
	}
	for name, client := range map[string]*http.Client{
		"NewClient":           NewClient(p.options()...),
		"own CheckRedirect":   withOwnCheck,
		"client of Transport": {Transport: NewTransport(nil, p.options()...)},
	} {
		rec := &headerRecorder{}
		other := httptest.NewServer(rec)
		redirectThrough(t, client, other.URL+"/final", "")
		other.Close()
		got := rec.all()
		if len(got) != 1 {
			t.Fatalf("%s: other origin got %d requests, want 1", name, len(got))
		}
		for k := range credentialHeaders {
			if v := got[0].Get(k); v != "" {
				t.Errorf("%s: other origin got %s: %q", name, k, v)
			}
		}
		if v := got[0].Get("Referer"); v != "" {
			t.Errorf("%s: other origin got Referer %q", name, v)
		}
	}
	if calls != 1 {
		t.Errorf("the caller's CheckRedirect ran %d times, want 1", calls)
	}
}

// Within one origin a redirect keeps the caller's headers (its own Referer
// too) and adds no Referer of its own.
func TestTransportRedirectSameOriginKeepsHeaders(t *testing.T) {
	p := newTestProviders(t, nil)
	for _, referer := range []string{"", "https://caller.example/page"} {
		var seen http.Header
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/final" {
				seen = r.Header.Clone()
				return
			}
			http.Redirect(w, r, "/final", http.StatusFound)
		}))
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/start?token=SECRETQUERY", nil)
		for k, v := range credentialHeaders {
			req.Header.Set(k, v)
		}
		if referer != "" {
			req.Header.Set("Referer", referer)
		}
		resp, err := NewClient(p.options()...).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		srv.Close()
		for k, v := range credentialHeaders {
			if seen.Get(k) != v {
				t.Errorf("same origin: %s = %q, want %q", k, seen.Get(k), v)
			}
		}
		if seen.Get("Referer") != referer {
			t.Errorf("same origin: Referer %q, want %q", seen.Get("Referer"), referer)
		}
	}
}

// What a hop gets on its own way past another origin stays: the cookie jar's
// cookies for the new origin, and a header the caller's CheckRedirect sets
// for that hop; the caller's own credentials of the first request do not.
func TestTransportRedirectKeepsWhatTheHopGotOnItsOwnWay(t *testing.T) {
	p := newTestProviders(t, nil)
	var got http.Header
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/set":
			http.SetCookie(w, &http.Cookie{Name: "sid", Value: "B-SESSION", Path: "/"})
			http.Redirect(w, r, "/check", http.StatusFound)
		default:
			got = r.Header.Clone()
		}
	}))
	defer other.Close()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := NewClient(p.options()...)
	client.Jar = jar
	client.CheckRedirect = func(r *http.Request, via []*http.Request) error {
		if r.URL.Path == "/check" {
			r.Header.Set("X-Api-Key", "HOP-KEY")
		}
		return nil
	}
	redirectThrough(t, client, other.URL+"/set", "")
	if got == nil {
		t.Fatal("the other origin's /check got no request")
	}
	if c := got.Get("Cookie"); c != "sid=B-SESSION" {
		t.Errorf("Cookie at the other origin = %q, want the jar's sid=B-SESSION alone", c)
	}
	if k := got.Get("X-Api-Key"); k != "HOP-KEY" {
		t.Errorf("X-Api-Key at the other origin = %q, want the one CheckRedirect set", k)
	}
	if a := got.Get("Authorization"); a != "" {
		t.Errorf("the caller's Authorization reached the other origin: %q", a)
	}
}

// noRequest is a transport that leaves Response.Request unset.
type noRequest struct{}

func (noRequest) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if resp != nil {
		resp.Request = nil
	}
	return resp, err
}

// A wrapped transport that does not set Response.Request does not open the
// way for the caller's credentials to another origin.
func TestTransportRedirectCleansOverATransportWithoutRequest(t *testing.T) {
	p := newTestProviders(t, nil)
	rec := &headerRecorder{}
	other := httptest.NewServer(rec)
	defer other.Close()
	client := &http.Client{Transport: NewTransport(noRequest{}, p.options()...)}
	redirectThrough(t, client, other.URL+"/final", "")
	got := rec.all()
	if len(got) != 1 {
		t.Fatalf("other origin got %d requests, want 1", len(got))
	}
	for k := range credentialHeaders {
		if v := got[0].Get(k); v != "" {
			t.Errorf("other origin got %s: %q", k, v)
		}
	}
	if v := got[0].Get("Referer"); v != "" {
		t.Errorf("other origin got Referer %q", v)
	}
}
