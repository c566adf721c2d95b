package telemetry

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/codes"
)

// An http.Client following redirects through the transport: one client span
// per hop, siblings under the caller's span, each hop's traceparent naming
// its own span, http.request.resend_count on the hops after the first
// (semantic conventions v1.45.0, http-spans.md, "HTTP request retries and
// redirects"), one duration point per hop.
func TestTransportRedirectHopsAreSpans(t *testing.T) {
	p := newTestProviders(t, nil)
	// A sensitive query key of these conventions, if they name any.
	sensitive := ""
	if len(conv.sensitiveQueryParams) > 0 {
		sensitive = conv.sensitiveQueryParams[0]
	}
	var parents []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		parents = append(parents, r.Header.Get("Traceparent"))
		switch r.URL.Path {
		case "/first":
			http.Redirect(w, r, "/second?"+url.QueryEscape(sensitive)+"=SECRETMARK", http.StatusFound)
		case "/second":
			http.Redirect(w, r, "/final", http.StatusTemporaryRedirect)
		default:
			_, _ = io.WriteString(w, "ok")
		}
	}))
	defer srv.Close()
	ctx, parent := p.tp.Tracer("test").Start(context.Background(), "parent")
	client := &http.Client{Transport: NewTransport(nil, p.options()...)}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/first", nil)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	parent.End()

	ended := p.spans.Ended()
	if len(ended) != 4 {
		t.Fatalf("%d spans, want three hops and the parent", len(ended))
	}
	wantStatus := []int64{302, 307, 200}
	for i, s := range ended[:3] {
		a := attrMap(s.Attributes())
		if s.Parent().SpanID() != parent.SpanContext().SpanID() {
			t.Errorf("hop %d: parent %v, want the caller's span", i, s.Parent().SpanID())
		}
		wantAttr(t, a, keyHTTPResponseStatusCode, wantStatus[i])
		if s.Status().Code != codes.Unset {
			t.Errorf("hop %d: status %v", i, s.Status())
		}
		rc, ok := a[keyHTTPRequestResendCount]
		switch {
		case i == 0 && ok:
			t.Errorf("the first hop carries http.request.resend_count %v", rc.AsInt64())
		case i > 0 && (!ok || rc.AsInt64() != int64(i)):
			t.Errorf("hop %d: http.request.resend_count %v (set %v), want %d", i, rc.AsInt64(), ok, i)
		}
		if u := a[keyURLFull].AsString(); sensitive != "" && strings.Contains(u, "SECRETMARK") {
			t.Errorf("hop %d: url.full %q keeps a sensitive query value", i, u)
		}
		if !strings.Contains(parents[i], s.SpanContext().SpanID().String()) {
			t.Errorf("hop %d: traceparent %q does not name its span", i, parents[i])
		}
	}
	if pts := p.histogram(t, conv.httpClientDuration); len(pts) != 3 {
		t.Errorf("%d duration points, want one per status code", len(pts))
	}
}

// A call whose context the caller cancels ends its span with no error status
// and records its duration without error.type: the caller gave up. A
// deadline is a timeout (TestTransportErrorTypes).
func TestTransportCallAbandonedByItsCaller(t *testing.T) {
	p := newTestProviders(t, nil)
	arrived := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer hang.Close()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-arrived
		cancel()
	}()
	client := &http.Client{Transport: NewTransport(nil, p.options()...)}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, hang.URL+"/slow", nil)
	resp, err := client.Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatal("the cancelled call answered")
	}
	s := onlySpan(t, p)
	if s.Status().Code != codes.Unset {
		t.Errorf("status %v, want unset", s.Status())
	}
	if _, ok := attrMap(s.Attributes())[keyErrorType]; ok {
		t.Error("an abandoned call carries error.type")
	}
	if len(s.Events()) != 0 {
		t.Errorf("events %v, want none", s.Events())
	}
	pts := p.histogram(t, conv.httpClientDuration)
	if len(pts) != 1 || pts[0].Count != 1 {
		t.Fatalf("duration points %+v, want one", pts)
	}
	if _, ok := pts[0].Attributes.Value(keyErrorType); ok {
		t.Error("the duration of an abandoned call carries error.type")
	}
}

// http.Client.Timeout is the call's own timeout, not its caller giving up:
// error.type "timeout" and an error status.
func TestTransportClientTimeoutIsATimeout(t *testing.T) {
	p := newTestProviders(t, nil)
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer hang.Close()
	client := &http.Client{Transport: NewTransport(nil, p.options()...), Timeout: 100 * time.Millisecond}
	resp, err := client.Get(hang.URL + "/slow")
	if err == nil {
		resp.Body.Close()
		t.Fatal("the call answered")
	}
	s := onlySpan(t, p)
	if s.Status().Code != codes.Error {
		t.Errorf("status %v, want error", s.Status())
	}
	wantAttr(t, attrMap(s.Attributes()), keyErrorType, "timeout")
}
