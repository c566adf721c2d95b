package telemetry

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// notAllowed is a baggage key that is not on the allow-list.
func notAllowed(t *testing.T) string {
	t.Helper()
	for _, k := range []string{"zz.not.allowed", "zz.not.allowed.either"} {
		if !slices.Contains(conv.baggageAllow, k) {
			return k
		}
	}
	t.Fatal("no key off the allow-list")
	return ""
}

func TestTransportInjectsContextAndAllowedBaggage(t *testing.T) {
	useTestConventions(t)
	p := newTestProviders(t, nil)
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		w.WriteHeader(http.StatusTeapot)
	}))
	defer srv.Close()

	var members []baggage.Member
	for _, k := range conv.baggageAllow {
		m, err := baggage.NewMember(k, "v")
		if err != nil {
			t.Fatal(err)
		}
		members = append(members, m)
	}
	secret, err := baggage.NewMember(notAllowed(t), "leak")
	if err != nil {
		t.Fatal(err)
	}
	bag, err := baggage.New(append(members, secret)...)
	if err != nil {
		t.Fatal(err)
	}
	ctx := baggage.ContextWithBaggage(context.Background(), bag)
	ctx, parent := p.tp.Tracer("test").Start(ctx, "parent")

	client := &http.Client{Transport: NewTransport(nil, p.options()...)}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/x?sig=secret&color=blue", nil)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	parent.End()

	spans := p.spans.Ended()
	if len(spans) != 2 {
		t.Fatalf("%d spans, want client and parent", len(spans))
	}
	cs := spans[0]
	if cs.SpanKind() != trace.SpanKindClient || cs.Parent().SpanID() != parent.SpanContext().SpanID() {
		t.Errorf("client span kind %v parent %v", cs.SpanKind(), cs.Parent().SpanID())
	}
	want := "00-" + cs.SpanContext().TraceID().String() + "-" + cs.SpanContext().SpanID().String() + "-01"
	if tp := got.Get("Traceparent"); tp != want {
		t.Errorf("traceparent %q, want %q", tp, want)
	}
	sent, err := baggage.Parse(got.Get("Baggage"))
	if err != nil {
		t.Fatal(err)
	}
	if sent.Member(notAllowed(t)).Key() != "" {
		t.Errorf("baggage %q carries a key off the allow-list", got.Get("Baggage"))
	}
	wantN := min(len(conv.baggageAllow), conv.baggageMaxEntries)
	if sent.Len() != wantN {
		t.Errorf("baggage %q has %d members, want %d", got.Get("Baggage"), sent.Len(), wantN)
	}
	a := attrMap(cs.Attributes())
	wantAttr(t, a, keyHTTPRequestMethod, "GET")
	wantAttr(t, a, keyHTTPResponseStatusCode, int64(418))
	wantAttr(t, a, keyServerAddress, "127.0.0.1")
	if u := a[keyURLFull].AsString(); u == "" || strings.Contains(u, "secret") || !strings.Contains(u, "sig=REDACTED&color=blue") {
		t.Errorf("url.full %q: the sensitive query value must be masked, the others kept", u)
	}
	if cs.Status().Code != codes.Error {
		t.Errorf("a 4xx answer is an error for a client span, got %v", cs.Status())
	}
	if pts := p.histogram(t, conv.httpClientDuration); len(pts) != 1 || pts[0].Count != 1 {
		t.Errorf("client duration points %+v", pts)
	}
}

func TestFilterBaggageKeepsAllowedOnly(t *testing.T) {
	m, _ := baggage.NewMember(notAllowed(t), "x")
	b, _ := baggage.New(m)
	if FilterBaggage(b).Len() != 0 {
		t.Error("a key off the allow-list survived")
	}
}

func TestFilterBaggageDropsProperties(t *testing.T) {
	useTestConventions(t)
	if len(conv.baggageAllow) == 0 {
		t.Skip("the conventions allow no baggage key")
	}
	key := conv.baggageAllow[0]
	prop, err := baggage.NewKeyValueProperty("note", "PIIMARK-prop")
	if err != nil {
		t.Fatal(err)
	}
	flag, err := baggage.NewKeyProperty("flag")
	if err != nil {
		t.Fatal(err)
	}
	m, err := baggage.NewMember(key, "v1", prop, flag)
	if err != nil {
		t.Fatal(err)
	}
	b, err := baggage.New(m)
	if err != nil {
		t.Fatal(err)
	}
	got := FilterBaggage(b)
	out := got.Member(key)
	if len(out.Properties()) != 0 || strings.Contains(got.String(), "PIIMARK") {
		t.Errorf("properties left the service: %q", got.String())
	}
	if privacyActions[key] == actionKeep && out.Value() != "v1" {
		t.Errorf("the value changed: %q", got.String())
	}
}

// error.type of a failed call takes the values Rust records: "timeout" for
// a timeout, "_OTHER" for anything else (a refused connection, a DNS
// failure), on the span and on the duration.
func TestTransportErrorTypes(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String() + "/"
	_ = ln.Close()
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer hang.Close()
	for _, tc := range []struct {
		url     string
		timeout time.Duration
		want    string
	}{
		{refused, 0, "_OTHER"},
		{hang.URL, 50 * time.Millisecond, "timeout"},
	} {
		p := newTestProviders(t, nil)
		client := &http.Client{Transport: NewTransport(http.DefaultTransport, p.options()...)}
		ctx := context.Background()
		if tc.timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, tc.timeout)
			defer cancel()
		}
		req, _ := http.NewRequestWithContext(ctx, "GET", tc.url, nil)
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			t.Fatalf("%s: no error", tc.url)
		}
		wantAttr(t, attrMap(onlySpan(t, p).Attributes()), keyErrorType, tc.want)
		points := p.histogram(t, conv.httpClientDuration)
		if v, _ := points[0].Attributes.Value(keyErrorType); v.AsString() != tc.want {
			t.Errorf("%s: error.type on the duration %q, want %q", tc.url, v.AsString(), tc.want)
		}
	}
}
