package telemetry

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// Handler is net/http server middleware: it continues the caller's W3C trace,
// names the server span by the conventions' rule with the route of the
// request's ServeMux pattern, sets the stable HTTP semantic convention
// attributes, marks 5xx answers and panics as errors and records the
// conventions' server duration histogram (seconds) with low-cardinality
// attributes only.
type Handler struct {
	next     http.Handler
	tracer   trace.Tracer
	prop     propagation.TextMapPropagator
	duration metric.Float64Histogram
	caches   *caches
	// Per-route sampling ratios decide root spans, so their routes must be
	// known before the span starts: literal routes are matched on the path,
	// routes with wildcards through the ServeMux (when next is one).
	literal map[literalRoute]struct{}
	mux     *http.ServeMux
	details bool
}

// literalRoute is a route of a per-route ratio without wildcards; an empty
// method matches every method.
type literalRoute struct{ method, path string }

var _ http.Handler = (*Handler)(nil)

// NewHandler wraps next.
func NewHandler(next http.Handler, opts ...Option) *Handler {
	c := newConfig(opts)
	h := &Handler{
		next:    next,
		tracer:  c.tracerProvider.Tracer(instrumentationName),
		prop:    c.propagators,
		caches:  newCaches(c),
		details: c.requestDetails,
	}
	for _, rr := range conv.routeRatios {
		if strings.ContainsAny(rr.route, "{}") || strings.HasSuffix(rr.route, "/") || !strings.HasPrefix(rr.route, "/") {
			if mux, ok := next.(*http.ServeMux); ok {
				h.mux = mux
			}
			continue
		}
		if h.literal == nil {
			h.literal = make(map[literalRoute]struct{})
		}
		h.literal[literalRoute{rr.method, rr.route}] = struct{}{}
	}
	h.duration = newDurationHistogram(c.meterProvider, conv.httpServerDuration, "Duration of HTTP server requests.")
	return h
}

// earlyRoute returns the route a root span's sampler needs, or "".
func (h *Handler) earlyRoute(r *http.Request, method string) string {
	if h.literal != nil {
		if _, ok := h.literal[literalRoute{method, r.URL.Path}]; ok {
			return r.URL.Path
		}
		if _, ok := h.literal[literalRoute{"", r.URL.Path}]; ok {
			return r.URL.Path
		}
	}
	if h.mux != nil {
		_, pattern := h.mux.Handler(r)
		_, route := splitPattern(pattern)
		return route
	}
	return ""
}

var (
	writerPool = sync.Pool{New: func() any { return new(responseWriter) }}
	attrsPool  = sync.Pool{New: func() any { return new([14]attribute.KeyValue) }}
)

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	ctx := h.prop.Extract(r.Context(), headerCarrier(r.Header))
	method, known := normalizeMethod(r.Method)
	tls := r.TLS != nil
	route := ""
	if !trace.SpanContextFromContext(ctx).IsValid() {
		route = h.earlyRoute(r, method)
	}
	ri := h.caches.route(method, route, tls)
	ctx, span := h.tracer.Start(ctx, ri.name, ri.startOpts...)
	early := ri.route != ""

	rw := writerPool.Get().(*responseWriter)
	rw.ResponseWriter, rw.status, rw.wrote = w, 0, false
	r2 := r.WithContext(ctx)
	defer func() {
		status := rw.status
		if status == 0 {
			status = http.StatusOK
		}
		rw.ResponseWriter = nil
		writerPool.Put(rw)
		p := recover()
		if p != nil {
			status = http.StatusInternalServerError
		}
		renamed := false
		if r2.Pattern != "" {
			if _, final := splitPattern(r2.Pattern); final != ri.route {
				ri, renamed = h.caches.route(method, final, tls), true
			}
		}
		if span.IsRecording() {
			h.finishSpan(span, r, status, known, early, renamed, ri, p)
		}
		span.End()
		h.duration.Record(ctx, time.Since(start).Seconds(), h.caches.metricOpts(metricKey{
			method: method, route: ri.route, status: status,
			proto: protoVersion(r.ProtoMajor, r.ProtoMinor), tls: tls,
		})...)
		if p != nil {
			panic(p)
		}
	}()
	h.next.ServeHTTP(rw, r2)
}

// finishSpan sets the attributes of a recording server span in one call, so
// the span's attribute slice grows once. early says the span started with
// the method, route and server attributes already.
func (h *Handler) finishSpan(span trace.Span, r *http.Request, status int, known, early, renamed bool, ri *routeInfo, p any) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	buf := attrsPool.Get().(*[14]attribute.KeyValue)
	attrs := append(buf[:0],
		keyURLPath.String(r.URL.Path),
		keyURLScheme.String(scheme(r.TLS != nil)),
		keyClientAddress.String(host),
		keyHTTPResponseStatusCode.Int(status),
	)
	if !early {
		attrs = append(attrs, keyHTTPRequestMethod.String(ri.method))
		attrs = append(attrs, h.caches.base...)
	}
	if renamed {
		span.SetName(ri.name)
	}
	if (renamed || !early) && ri.route != "" {
		attrs = append(attrs, keyHTTPRoute.String(ri.route))
	}
	if !known {
		attrs = append(attrs, keyHTTPRequestMethodOriginal.String(r.Method))
	}
	if h.details {
		attrs = append(attrs,
			keyUserAgentOriginal.String(r.UserAgent()),
			keyNetworkProtocolVersion.String(protoVersion(r.ProtoMajor, r.ProtoMinor)),
		)
	}
	if status >= 500 {
		span.SetStatus(codes.Error, http.StatusText(status))
		attrs = append(attrs, keyErrorType.String(statusText(status)))
	}
	span.SetAttributes(attrs...)
	clear(buf[:])
	attrsPool.Put(buf)
	if p != nil {
		err, ok := p.(error)
		if !ok {
			err = fmt.Errorf("panic: %v", p)
		}
		if !errors.Is(err, http.ErrAbortHandler) {
			span.RecordError(err, trace.WithStackTrace(true))
		}
	}
}

// responseWriter records the status code written by the handler.
type responseWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *responseWriter) WriteHeader(code int) {
	if !w.wrote && (code >= 200 || code == http.StatusSwitchingProtocols) {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *responseWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.status, w.wrote = http.StatusOK, true
	}
	return w.ResponseWriter.Write(b)
}

// Flush implements http.Flusher when the wrapped writer does.
func (w *responseWriter) Flush() {
	if !w.wrote {
		w.status, w.wrote = http.StatusOK, true
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Hijack implements http.Hijacker when the wrapped writer does.
func (w *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if hj, ok := w.ResponseWriter.(http.Hijacker); ok {
		if !w.wrote {
			w.status, w.wrote = http.StatusSwitchingProtocols, true
		}
		return hj.Hijack()
	}
	return nil, nil, errors.New("telemetry: the response writer does not support hijacking")
}

// Unwrap lets http.ResponseController reach the wrapped writer.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
