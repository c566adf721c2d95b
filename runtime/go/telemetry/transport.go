package telemetry

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// Transport is an http.RoundTripper that starts a client span named by the
// conventions' rule, injects the trace context and the allowed baggage into
// the request and records the conventions' client duration histogram.
type Transport struct {
	base     http.RoundTripper
	tracer   trace.Tracer
	prop     propagation.TextMapPropagator
	duration metric.Float64Histogram
}

var _ http.RoundTripper = (*Transport)(nil)

// NewTransport wraps base; a nil base means http.DefaultTransport.
func NewTransport(base http.RoundTripper, opts ...Option) *Transport {
	if base == nil {
		base = http.DefaultTransport
	}
	c := newConfig(opts)
	return &Transport{
		base:     base,
		tracer:   scopeTracer(c.tracerProvider),
		prop:     c.propagators,
		duration: newDurationHistogram(c.meterProvider, conv.httpClientDuration, "Duration of HTTP client requests."),
	}
}

// NewClient returns an http.Client whose transport is NewTransport(nil, opts...).
func NewClient(opts ...Option) *http.Client {
	return &http.Client{Transport: NewTransport(nil, opts...)}
}

// CloseIdleConnections closes the idle connections of the wrapped transport,
// so http.Client.CloseIdleConnections reaches it.
func (t *Transport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// RoundTrip implements http.RoundTripper. The span and the duration end when
// the response headers arrive; reading the body is not included. With
// tracing switched off it starts no span and injects the context it was
// given unchanged.
//
// An http.Client that follows redirects calls RoundTrip once per hop: each
// hop is its own client span, and a hop after the first carries
// http.request.resend_count (1 for the first redirect). A call whose
// context the caller cancelled (context.Canceled) ends its span without an
// error status and records its duration without error.type: the caller gave
// up, the server did not fail. A deadline (the context's or
// http.Client.Timeout) is a timeout: error.type "timeout".
func (t *Transport) RoundTrip(r *http.Request) (*http.Response, error) {
	if tracingOff() {
		r = r.Clone(r.Context())
		redirectHeaders(r)
		t.prop.Inject(r.Context(), propagation.HeaderCarrier(r.Header))
		resp, err := t.base.RoundTrip(r)
		return withRequest(resp, r), err
	}
	start := time.Now()
	method, known := normalizeMethod(r.Method)
	host, port := hostPort(r.URL)
	attrs := []attribute.KeyValue{
		keyHTTPRequestMethod.String(method),
		keyServerAddress.String(host),
	}
	if port > 0 {
		attrs = append(attrs, keyServerPort.Int(port))
	}
	resends := resendCount(r)
	portText := ""
	if port > 0 {
		portText = strconv.Itoa(port)
	}
	ctx, span := t.tracer.Start(r.Context(), httpClientSpanName(spanMethod(method), host, portText, r.URL.Scheme),
		trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	if span.IsRecording() {
		span.SetAttributes(keyURLFull.String(SanitizeURL(r.URL)))
		if !known {
			span.SetAttributes(keyHTTPRequestMethodOriginal.String(r.Method))
		}
		if resends > 0 {
			span.SetAttributes(keyHTTPRequestResendCount.Int(resends))
		}
	}
	r = r.Clone(ctx)
	redirectHeaders(r)
	t.prop.Inject(ctx, propagation.HeaderCarrier(r.Header))
	resp, err := t.base.RoundTrip(r)
	resp = withRequest(resp, r)
	switch {
	case err != nil && errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		// The caller gave up: not an error of the call.
	case err != nil:
		et := callErrorType(r, err)
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
		span.SetAttributes(keyErrorType.String(et))
		attrs = append(attrs, keyErrorType.String(et))
	default:
		status := resp.StatusCode
		span.SetAttributes(keyHTTPResponseStatusCode.Int(status))
		attrs = append(attrs, keyHTTPResponseStatusCode.Int(status))
		// The protocol the response came in (semantic conventions: the one
		// negotiated, so known only now).
		if v := protoVersion(resp.ProtoMajor, resp.ProtoMinor); v != "" {
			span.SetAttributes(keyNetworkProtocolVersion.String(v))
			attrs = append(attrs, keyNetworkProtocolVersion.String(v))
		}
		if status >= 400 {
			// The status code says what went wrong: no description (semantic conventions).
			span.SetStatus(codes.Error, "")
			span.SetAttributes(keyErrorType.String(statusText(status)))
			attrs = append(attrs, keyErrorType.String(statusText(status)))
		}
	}
	span.End()
	t.duration.Record(ctx, time.Since(start).Seconds(), metric.WithAttributes(attrs...))
	return resp, err
}

// withRequest gives resp the request sent for it when the wrapped transport
// left Response.Request unset, so that the next hop's chain (resendCount,
// redirectHeaders) reaches back to the first request.
func withRequest(resp *http.Response, r *http.Request) *http.Response {
	if resp != nil && resp.Request == nil {
		resp.Request = r
	}
	return resp
}

// resendCount is how many times the request was sent before: the redirect
// responses an http.Client followed to reach it (Request.Response is the
// redirect that caused a request, and that response's Request the one
// before). Bounded, so a forged cycle of responses cannot hold the call.
func resendCount(r *http.Request) int {
	n := 0
	for resp := r.Response; resp != nil && n < maxResendCount; {
		n++
		if resp.Request == nil {
			break
		}
		resp = resp.Request.Response
	}
	return n
}

// redirectHeaders cleans the headers of r, a copy of a redirect hop (one
// with Request.Response set), as HttpClient does in the Rust module:
//   - once the chain of hops has left the first request's origin (scheme,
//     host and port; http.Client itself compares host names only),
//     Authorization, Proxy-Authorization, Cookie, Cookie2, WWW-Authenticate
//     and every header whose name is secret (isSecretName: X-Api-Key,
//     Private-Token, X-Auth-Token...) are dropped;
//   - the Referer http.Client adds (the previous URL, its query included)
//     is replaced by the caller's own Referer of the first request, or
//     dropped when it had none.
//
// Here, not in a CheckRedirect, so that a client with a CheckRedirect of its
// own cleans its hops too.
func redirectHeaders(r *http.Request) {
	if r.Response == nil || r.URL == nil {
		return
	}
	if r.Header == nil {
		r.Header = make(http.Header)
	}
	origin := originOf(r.URL)
	crossed := false
	first := r
	for resp, n := r.Response, 0; resp != nil && resp.Request != nil && n < maxResendCount; n++ {
		first = resp.Request
		if first.URL != nil && originOf(first.URL) != origin {
			crossed = true
		}
		resp = first.Response
	}
	if ref := first.Header.Get("Referer"); ref != "" {
		r.Header.Set("Referer", ref)
	} else {
		r.Header.Del("Referer")
	}
	if !crossed {
		return
	}
	for name, values := range r.Header {
		if !isSecretName(name) && !redirectCredential[http.CanonicalHeaderKey(name)] {
			continue
		}
		kept := withoutCallerValues(values, first.Header.Values(name))
		if len(kept) == 0 {
			delete(r.Header, name)
		} else {
			r.Header[name] = kept
		}
	}
}

// withoutCallerValues is values less those the caller set on the first
// request (http.Client copies them to every hop), so that what the hop got
// on its own way stays: the cookie jar's cookies for the new origin
// (http.Client appends them to the Cookie line, "caller; jar") and headers a
// CheckRedirect set for this hop.
func withoutCallerValues(values, caller []string) []string {
	if len(caller) == 0 {
		return values
	}
	kept := make([]string, 0, len(values))
	for _, v := range values {
		for _, c := range caller {
			if v == c {
				v = ""
				break
			}
			if rest, ok := strings.CutPrefix(v, c+"; "); ok {
				v = rest
			}
		}
		if v != "" {
			kept = append(kept, v)
		}
	}
	return kept
}

// redirectCredential: headers dropped on leaving the origin whatever the
// secret-name rule says of their names.
var redirectCredential = map[string]bool{
	"Authorization":       true,
	"Proxy-Authorization": true,
	"Cookie":              true,
	"Cookie2":             true,
	"Www-Authenticate":    true,
}

// originOf is the origin of u: scheme, host and port (the scheme's default
// port when none is written), host names compared in lower case.
func originOf(u *url.URL) string {
	host, port := hostPort(u)
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(host) + ":" + strconv.Itoa(port)
}

// maxResendCount bounds resendCount's walk (http.Client stops after 10
// redirects by default).
const maxResendCount = 1000

func hostPort(u *url.URL) (string, int) {
	host := u.Hostname()
	if p := u.Port(); p != "" {
		n, _ := strconv.Atoi(p)
		return host, n
	}
	switch u.Scheme {
	case "https":
		return host, 443
	case "http":
		return host, 80
	}
	return host, 0
}

// callErrorType is error.type of the call r that failed with err: "timeout"
// once r's deadline has passed, whatever err says. http.Client.Timeout gives
// a transport it does not know both a context deadline and Request.Cancel,
// closed at the same moment; the wrapped transport may report either, and
// the closed channel reads as a plain cancellation.
func callErrorType(r *http.Request, err error) string {
	if deadline, ok := r.Context().Deadline(); ok && !time.Now().Before(deadline) {
		return "timeout"
	}
	return errorType(err)
}

// errorType is error.type of a failed call: "timeout" for a timeout (the
// call's deadline or a network timeout), else "_OTHER": the values the Rust
// module records for the same failures (semantic conventions 1.45.0 allow
// either a type name or _OTHER; a Go type name has no Rust twin).
func errorType(err error) string {
	var ne net.Error
	if asNetError(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	return "_OTHER"
}
