package telemetry

import (
	"net"
	"net/http"
	"net/url"
	"strconv"
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
		tracer:   c.tracerProvider.Tracer(instrumentationName),
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
// the response headers arrive; reading the body is not included.
func (t *Transport) RoundTrip(r *http.Request) (*http.Response, error) {
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
	portText := ""
	if port > 0 {
		portText = strconv.Itoa(port)
	}
	ctx, span := t.tracer.Start(r.Context(), httpClientSpanName(spanMethod(method), host, portText, r.URL.Scheme),
		trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	if span.IsRecording() {
		span.SetAttributes(keyURLFull.String(redactURL(r.URL)))
		if !known {
			span.SetAttributes(keyHTTPRequestMethodOriginal.String(r.Method))
		}
	}
	r = r.Clone(ctx)
	t.prop.Inject(ctx, propagation.HeaderCarrier(r.Header))
	resp, err := t.base.RoundTrip(r)
	status := 0
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
		attrs = append(attrs, keyErrorType.String(errorType(err)))
	} else {
		status = resp.StatusCode
		span.SetAttributes(keyHTTPResponseStatusCode.Int(status))
		attrs = append(attrs, keyHTTPResponseStatusCode.Int(status))
		if status >= 400 {
			span.SetStatus(codes.Error, http.StatusText(status))
			span.SetAttributes(keyErrorType.String(statusText(status)))
			attrs = append(attrs, keyErrorType.String(statusText(status)))
		}
	}
	span.End()
	t.duration.Record(ctx, time.Since(start).Seconds(), metric.WithAttributes(attrs...))
	return resp, err
}

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

// redactURL drops credentials and masks query values before url.full is set.
func redactURL(u *url.URL) string {
	c := *u
	if c.User != nil {
		c.User = url.UserPassword("REDACTED", "REDACTED")
	}
	if c.RawQuery != "" {
		q := c.Query()
		for k := range q {
			q[k] = []string{"REDACTED"}
		}
		c.RawQuery = q.Encode()
	}
	return c.String()
}

func errorType(err error) string {
	var ne net.Error
	if asNetError(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	return "_OTHER"
}
