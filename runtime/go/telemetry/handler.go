package telemetry

import (
	"bufio"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// Handler is net/http server middleware: it continues the caller's W3C trace
// at internal boundaries and starts a new, linked root at public ones (the
// conventions' trust policy), names the server span by the conventions' rule
// with the route of the request's ServeMux pattern, sets the stable HTTP
// semantic convention attributes, marks 5xx answers and panics as errors (a
// panic before anything was written is answered with a 500) and
// records the conventions' server duration histogram (seconds) with
// low-cardinality attributes only. With tracing switched off it starts no
// span and passes the incoming context through unchanged, except at a public
// boundary, whose caller's span context and baggage are never continued.
type Handler struct {
	next     http.Handler
	tracer   trace.Tracer
	prop     propagation.TextMapPropagator
	duration metric.Float64Histogram
	caches   *caches
	// Per-route sampling ratios decide root spans, so their routes must be
	// known before the span starts: literal routes are matched on the path,
	// routes with wildcards through the ServeMux (when next is one).
	literal []literalRoute // in the order of the conventions, one per path
	mux     *http.ServeMux
	// Exact routes in the trust policy need the ServeMux's pattern too.
	trustByRoute bool
	// paths tells the paths that no literal route and no trust route can
	// match: without a ServeMux to ask, their requests skip both lookups.
	paths pathFilter
	// w3c says that every propagator in prop is W3C Trace Context or
	// Baggage (w3cOnly): without their headers, Extract is skipped.
	w3c        bool
	serverName string
	serverPort int
}

// literalRoute is a literal route of the per-route sampling ratios with the
// methods it names ("" for every method).
type literalRoute struct {
	path    string
	methods []string
}

var _ http.Handler = (*Handler)(nil)

// errorTypeOther is error.type for a failure with no better name (semantic
// conventions: _OTHER).
const errorTypeOther = "_OTHER"

// NewHandler wraps next.
func NewHandler(next http.Handler, opts ...Option) *Handler {
	c := newConfig(opts)
	h := &Handler{
		next:       next,
		tracer:     scopeTracer(c.tracerProvider),
		prop:       c.propagators,
		w3c:        w3cOnly(c.propagators),
		caches:     newCaches(c),
		serverName: c.serverAddress,
		serverPort: c.serverPort,
	}
	if h.serverName == "" {
		h.serverName = conv.serverName
	}
	mux, isMux := next.(*http.ServeMux)
	for _, rr := range conv.routeRatios {
		if strings.ContainsAny(rr.route, "{}") || strings.HasSuffix(rr.route, "/") || !strings.HasPrefix(rr.route, "/") {
			// A route template: only the ServeMux knows which requests it
			// serves, so it is asked before the span starts (one more
			// lookup per request); the span starts with the route.
			if isMux {
				h.mux = mux
			}
			continue
		}
		h.addLiteral(rr.route, rr.method)
	}
	for _, tr := range conv.trustRoutes {
		if !strings.HasSuffix(tr.route, "*") && isMux {
			h.mux, h.trustByRoute = mux, true
		}
		// A route template is known before the handler runs only through a ServeMux;
		// behind another router its requests get the default boundary, so say so.
		if !isMux && tr.public != conv.trustHTTPServer && strings.ContainsAny(tr.route, "{}") {
			slog.Default().Warn("telemetry trust: this route is recognised only when NewHandler wraps an *http.ServeMux; its requests get the default boundary (use a prefix route such as /public/*)",
				slog.String("route", tr.route), slog.Bool("route_public", tr.public))
		}
	}
	h.paths = newPathFilter(h.literal, conv.trustRoutes)
	h.duration = newDurationHistogram(c.meterProvider, conv.httpServerDuration, "Duration of HTTP server requests.")
	return h
}

func (h *Handler) addLiteral(path, method string) {
	for i := range h.literal {
		if h.literal[i].path == path {
			h.literal[i].methods = append(h.literal[i].methods, method)
			return
		}
	}
	h.literal = append(h.literal, literalRoute{path: path, methods: []string{method}})
}

// earlyRoute returns the request's route before it is served: matched says
// that the ServeMux serves it with that pattern; otherwise it is a literal
// route of the per-route ratios, a guess only the sampler may use.
func (h *Handler) earlyRoute(r *http.Request, method string) (route string, matched bool) {
	if h.mux != nil {
		_, pattern := h.mux.Handler(r)
		if pattern != "" {
			if _, route := splitPattern(pattern); !muxRedirected(r, route) {
				return route, true
			}
		}
	}
	path := r.URL.Path
	for i := range h.literal { // a few routes: cheaper than hashing the path
		if h.literal[i].path != path {
			continue
		}
		for _, m := range h.literal[i].methods {
			if m == "" || m == method {
				return path, false
			}
		}
		break
	}
	return "", false
}

// pathFilter holds the second byte (the first after '/') of every literal
// route's path and of every trust route, prefix or exact; a path whose
// second byte is not among them is none of those routes and starts with
// none of those prefixes. A route or prefix shorter than two bytes (as "/*")
// may match any path: every one then goes through the lookups.
type pathFilter struct {
	second [4]uint64
	every  bool
}

func newPathFilter(literal []literalRoute, trust []trustRoute) pathFilter {
	var f pathFilter
	add := func(p string) {
		if len(p) < 2 {
			f.every = true
			return
		}
		f.second[p[1]>>6] |= 1 << (p[1] & 63)
	}
	for _, l := range literal {
		add(l.path)
	}
	for _, tr := range trust {
		prefix, _ := strings.CutSuffix(tr.route, "*")
		add(prefix)
	}
	return f
}

// mayMatch reports whether a literal route or a trust route may match path.
func (f *pathFilter) mayMatch(path string) bool {
	return f.every || len(path) < 2 || f.second[path[1]>>6]&(1<<(path[1]&63)) != 0
}

var writerPool = sync.Pool{New: func() any { return new(responseWriter) }}

// tracingOff reports whether the installed Setup switched tracing off.
func tracingOff() bool {
	if sdkDisabled.Load() {
		return true
	}
	l := current.Load()
	return l != nil && l.sampler.Off()
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodOptions && r.RequestURI == "*" {
		serveServerWide(h.next, w, r)
		return
	}
	start := time.Now()
	method, known := normalizeMethod(r.Method)
	tls := r.TLS != nil
	route, matched, trustRoute, public := "", false, "", conv.trustHTTPServer
	if h.mux != nil || h.paths.mayMatch(r.URL.Path) {
		route, matched = h.earlyRoute(r, r.Method)
		if matched {
			trustRoute = route
		}
		public = publicRoute(trustRoute, r.URL.Path)
	}
	incoming := r.Context()
	if !h.w3c || len(r.Header["Traceparent"]) > 0 || len(r.Header["Baggage"]) > 0 {
		incoming = h.prop.Extract(incoming, headerCarrier(r.Header))
	}
	if public {
		incoming = baggage.ContextWithoutBaggage(incoming)
	}

	rw := writerPool.Get().(*responseWriter)
	rw.ResponseWriter, rw.status, rw.wrote = w, 0, false
	var span trace.Span
	var ri *routeInfo
	var org origin
	ctx := incoming
	off := tracingOff()
	if off && public {
		// A public caller's context is never continued, not even when
		// tracing is off here: the services behind this one trust it.
		ctx = trace.ContextWithSpanContext(incoming, trace.SpanContext{})
	}

	split := splitAttributes.Load()
	// The span starts with the route the ServeMux matched (semantic
	// conventions: http.route is given at span creation when it is known
	// then), with the method and, when the attributes are split, the
	// other attributes read from the request (attributeOrder), whatever the
	// method. Not split, a route's cached routeOpts carry it for a known
	// method only: a method recorded as _OTHER gets it as the span ends.
	withRoute := matched && known
	routeAtStart := withRoute || (split && matched)
	if !off {
		ri = h.caches.route(method, trustRoute, tls)
		opts := ri.startOpts
		if split {
			opts = splitStartOpts(opts, r, &org, method, known, matched, route, rw)
		} else if withRoute {
			opts = ri.routeOpts
		}
		parent := incoming
		if public {
			parent = baggage.ContextWithoutBaggage(trace.ContextWithSpanContext(r.Context(), trace.SpanContext{}))
			opts = append(opts[:len(opts):len(opts)], trace.WithNewRoot())
			if sc := trace.SpanContextFromContext(incoming); sc.IsValid() {
				opts = append(opts, trace.WithLinks(trace.Link{SpanContext: sc}))
			}
		}
		if route != "" && !withRoute {
			// The per-route ratios name routes and methods as written; the
			// sampler gets them through the context (a literal route the
			// ServeMux was not asked about, a method recorded as _OTHER, or
			// split attributes, which set the route after the others).
			parent = withSamplingRoute(parent, r.Method, route)
		}
		ctx, span = h.tracer.Start(parent, ri.name, opts...)
		if split {
			// The SDK copied the start attributes: the pooled buffer keeps
			// no request data.
			clear(rw.attrs[:])
		}
	}
	hc := &holderCtx{Context: ctx}
	holder := &hc.holder
	holder.outerPath = r.URL.Path
	if matched {
		holder.early = route
	}
	r2 := r.WithContext(hc)
	holder.req = r2 // a ServeMux inside sets r2.Pattern before its handler runs
	defer func() {
		status, wrote := rw.status, rw.wrote
		if status == 0 {
			status = http.StatusOK
		}
		rw.ResponseWriter = nil
		p := recover()
		// A panic once the answer has begun breaks its body: the status the
		// caller saw stays, and the request failed (error.type _OTHER).
		broken := p != nil && wrote
		if p != nil && !wrote {
			status = http.StatusInternalServerError
		}
		final := holder.inner()
		if final == "" && r2.Pattern != "" {
			// The early route passed the same check on the same path.
			if final = routeOfPattern(ri, r2.Pattern); !(matched && final == route) && muxRedirected(r2, final) {
				final = ""
			}
		}
		if span != nil {
			renamed := final != ri.route
			if renamed {
				ri = h.caches.renamed(ri, final)
			}
			if span.IsRecording() {
				if !org.set {
					org.read(r)
				}
				h.finishSpan(span, r, rw, &org, method, known, routeAtStart, status, renamed, broken, ri, p)
			}
			span.End()
		}
		writerPool.Put(rw)
		h.duration.Record(ctx, time.Since(start).Seconds(), h.caches.metricFor(ri, metricKey{
			method: method, route: final, status: status,
			proto: protoVersion(r.ProtoMajor, r.ProtoMinor), tls: forwardedTLS(r, tls),
			broken: broken,
		})...)
		if p != nil {
			if wrote || p == http.ErrAbortHandler {
				// The answer has begun (or an abort was asked for): net/http
				// closes the connection.
				panic(p)
			}
			// Nothing was written yet: the caller gets a 500, and the panic
			// (recorded on the span with its stack) is logged.
			slog.ErrorContext(ctx, "handler panicked", slog.String("panic", fmt.Sprint(p)))
			http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		}
	}()
	h.next.ServeHTTP(rw, r2)
}

// splitStartOpts returns opts with the attributes read from the request
// (attributeOrder, group 1 and the Conditionally Required ones read from the
// request: http.request.method, url.path, url.scheme,
// http.request.method_original, url.query) and, withRoute, the route the
// ServeMux matched: a span whose attributes are split starts with these, in
// that order, so the sampler sees them (http.route is given at creation when
// known, as the semantic conventions require). The other attributes the
// conventions would have at creation for sampling (server.*, client.address,
// user_agent.original) come as the span ends, after a handler's. They are
// built in rw's buffer; o is read here and marked set, so finishSpan does not
// set them again.
func splitStartOpts(opts []trace.SpanStartOption, r *http.Request, o *origin, method string, known, withRoute bool, route string, rw *responseWriter) []trace.SpanStartOption {
	o.read(r)
	o.set = true
	attrs := requestAttrs(rw.attrs[:0], r, o, method, known, false)
	if withRoute {
		attrs = append(attrs, keyHTTPRoute.String(route))
	}
	return append(opts[:len(opts):len(opts)], trace.WithAttributes(attrs...))
}

// serveServerWide serves OPTIONS * (the asterisk-form request target, RFC
// 9112 section 3.2.4: the server as a whole, no resource). net/http's server
// answers it itself unless DisableGeneralOptionsHandler is set; then it
// reaches the Handler, which passes it on untraced (no span, no duration,
// the incoming context unchanged), as Rust does, with the same guard as a
// traced request: a panic before anything was written is logged and
// answered with a 500, one after is passed on for net/http to close the
// connection.
func serveServerWide(next http.Handler, w http.ResponseWriter, r *http.Request) {
	rw := writerPool.Get().(*responseWriter)
	rw.ResponseWriter, rw.status, rw.wrote = w, 0, false
	defer func() {
		wrote := rw.wrote
		rw.ResponseWriter = nil
		writerPool.Put(rw)
		p := recover()
		if p == nil {
			return
		}
		if wrote || p == http.ErrAbortHandler {
			panic(p)
		}
		slog.ErrorContext(r.Context(), "handler panicked", slog.String("panic", fmt.Sprint(p)))
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
	}()
	next.ServeHTTP(rw, r)
}

// forwardedTLS reports whether url.scheme of r is https: as a trusted proxy
// says the client asked (X-Forwarded-Proto, then Forwarded proto, as on the
// span), else the connection's own scheme (tls). http-metrics.md note on
// url.scheme: the scheme of the original client request, if known.
func forwardedTLS(r *http.Request, tls bool) bool {
	if len(trustedProxies) == 0 { // no proxy is trusted: the headers are not read
		return tls
	}
	if len(r.Header["X-Forwarded-Proto"]) == 0 && len(r.Header["Forwarded"]) == 0 {
		return tls
	}
	peer, _, ok := splitHostPort(r.RemoteAddr)
	if !ok {
		peer = r.RemoteAddr
	}
	if !trustedProxy(peer) {
		return tls
	}
	_, sch, _ := fromForwarded(r.Header.Values("Forwarded"), "", forwardedProto(r, scheme(tls)), "")
	return sch == "https"
}

// forwardedProto is the scheme a trusted proxy's X-Forwarded-Proto names, else sch.
func forwardedProto(r *http.Request, sch string) string {
	if v := strings.ToLower(strings.TrimSpace(r.Header.Get("X-Forwarded-Proto"))); v == "http" || v == "https" {
		return v
	}
	return sch
}

// attributeOrder: a server span's attributes are set in the order of their
// requirement levels (semantic conventions v1.45.0,
// http-spans.md, HTTP server span), so that a small attribute count limit
// (OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT), which keeps the first attributes set and
// discards the rest (specification, common/README.md, "Attribute Limits"),
// keeps the most required ones, the same in Go and Rust:
//
//  1. Required: http.request.method, url.path, url.scheme;
//  2. Conditionally Required, those known from the request first:
//     http.request.method_original, url.query, then http.route,
//     http.response.status_code, error.type;
//  3. Recommended: server.address, server.port (Conditionally Required on
//     server.address being set, so it follows it), network.protocol.version,
//     client.address, network.peer.address, network.peer.port,
//     user_agent.original.
//
// Those read from the request alone (the Required ones, method_original and
// url.query) come first. When Setup was given a span attribute count limit
// under the SDK's default of 128 (splitAttributes), the span starts with
// them, followed by http.route when the ServeMux matched the request (a
// route known at span creation is given at creation: semantic conventions
// v1.45.0, http-spans.md, HTTP server span; the sampler sees them all), and
// the others are set when it ends, so the attributes a handler adds come
// between. Rust keeps the same ones (it sets those read from the request as
// the span starts) except for the route, which axum's router confirms only
// with the response (a path it matched may still answer 405), so there it
// follows a handler's attributes (docs/conventions.md, "Where Go and Rust
// differ"). Otherwise a request the ServeMux matched starts its span with the
// method and the route (routeOpts, which the sampler reads) and the others
// are set in one call when the span ends (one SDK call, one growth of the
// span's attribute list and the sampler's context value fewer per request),
// with a handler's attributes between: with 128 attributes a span, the two
// orders keep different ones only when a handler adds over a hundred.
//
// splitAttributes is set by Setup.
var splitAttributes atomic.Bool

// origin is where a request came from and what it was addressed to: the
// peer, and the client, scheme and host a trusted proxy's headers name.
type origin struct {
	peer, client, scheme, host string
	peerPort                   int
	hasPort                    bool
	set                        bool // the request's attributes are set already
}

// read sets o from r (in place: the struct is not copied per request).
func (o *origin) read(r *http.Request) {
	o.scheme, o.host = scheme(r.TLS != nil), r.Host
	o.peer, o.peerPort, o.hasPort = splitPeer(r.RemoteAddr)
	o.client = o.peer
	if trustedProxy(o.peer) {
		if v := r.Header.Values("X-Forwarded-For"); len(v) > 0 {
			if c := forwardedClient(v); c != "" {
				o.client = c
			}
		}
		o.scheme = forwardedProto(r, o.scheme)
		// A list (one per proxy) names the host the client asked for first.
		// A Host is ASCII text (RFC 9110 section 7.2; Go's server refuses
		// any other): a forwarded host that is not is none.
		first, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Host"), ",")
		if v := strings.TrimSpace(first); v != "" && headerText(v) {
			o.host = v
		}
		o.client, o.scheme, o.host = fromForwarded(r.Header.Values("Forwarded"), o.client, o.scheme, o.host)
	}
}

// requestAttrs appends the attributes read from the request that come
// first (attributeOrder).
func requestAttrs(attrs []attribute.KeyValue, r *http.Request, o *origin, method string, known, started bool) []attribute.KeyValue {
	if !started { // else the span started with the method (routeOpts)
		attrs = append(attrs, keyHTTPRequestMethod.String(method))
	}
	attrs = append(attrs,
		keyURLPath.String(pathAsSent(r)),
		keyURLScheme.String(o.scheme),
	)
	drops := sourceDrops.Load()
	if !known && drops&dropsMethodOriginal == 0 {
		attrs = append(attrs, keyHTTPRequestMethodOriginal.String(r.Method))
	}
	if q := r.URL.RawQuery; q != "" && drops&dropsQuery == 0 {
		if querySensitiveKeys(q) {
			q = SanitizeQuery(q)
		}
		attrs = append(attrs, keyURLQuery.String(q))
	}
	return attrs
}

// finishSpan sets the attributes of a recording server span not set yet
// (attributeOrder: all of them, unless the span started with the request's)
// in one call; rw's buffer (the pooled response writer's) holds them on the
// way, so building them allocates nothing.
func (h *Handler) finishSpan(span trace.Span, r *http.Request, rw *responseWriter, o *origin, method string, known, withRoute bool, status int, renamed, broken bool, ri *routeInfo, p any) {
	attrs := rw.attrs[:0]
	if !o.set {
		attrs = requestAttrs(attrs, r, o, method, known, withRoute)
	}
	if ri.route != "" && (renamed || !withRoute) {
		attrs = append(attrs, keyHTTPRoute.String(ri.route))
	}
	attrs = append(attrs, keyHTTPResponseStatusCode.Int(status))
	if status >= 500 {
		// The status code says what went wrong: no description (semantic
		// conventions), also when the caller has gone away since: the
		// server's failure stays one.
		span.SetStatus(codes.Error, "")
		attrs = append(attrs, keyErrorType.String(statusText(status)))
	} else if broken {
		span.SetStatus(codes.Error, "")
		attrs = append(attrs, keyErrorType.String(errorTypeOther))
	}
	attrs = h.routeAttrs(attrs, ri, o.host, o.scheme, protoVersion(r.ProtoMajor, r.ProtoMinor))
	drops := sourceDrops.Load() // sourceDrops: left out, they would only take slots
	if drops&dropsClient == 0 {
		attrs = append(attrs, keyClientAddress.String(o.client))
	}
	if drops&dropsPeer == 0 {
		attrs = append(attrs, keyNetworkPeerAddress.String(o.peer))
	}
	if o.hasPort {
		attrs = append(attrs, keyNetworkPeerPort.Int(o.peerPort))
	}
	if ua := r.Header["User-Agent"]; len(ua) > 0 && ua[0] != "" && drops&dropsAgent == 0 { // r.UserAgent() without canonicalising the key
		attrs = append(attrs, keyUserAgentOriginal.String(ua[0]))
	}
	if renamed {
		span.SetName(ri.name)
	}
	span.SetAttributes(attrs...)
	// The span has its copy; the pooled buffer keeps no request data.
	clear(attrs)
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

// routeAttrs appends the attributes that follow from the host, the scheme
// and the protocol: server.address, server.port and
// network.protocol.version. ri keeps the first such list it sees (unless the
// conventions class server.address or server.port as private), so the usual
// request copies it instead of building it.
func (h *Handler) routeAttrs(attrs []attribute.KeyValue, ri *routeInfo, host, sch, proto string) []attribute.KeyValue {
	if f := ri.attrs.Load(); f != nil && f.host == host && f.scheme == sch && f.proto == proto {
		return append(attrs, f.attrs...)
	}
	n := len(attrs)
	attrs = h.serverAttrs(attrs, host, sch)
	if proto != "" {
		attrs = append(attrs, keyNetworkProtocolVersion.String(proto))
	}
	if ri.attrs.Load() == nil && hostKeepable() {
		ri.attrs.CompareAndSwap(nil, &routeAttrs{host: host, scheme: sch, proto: proto, attrs: slices.Clone(attrs[n:])})
	}
	return attrs
}

// hostKeepable reports whether a Host header's server.address and
// server.port may be kept past their request: not when the conventions class
// either as private (then every request builds its own list).
func hostKeepable() bool {
	return privacyActions[string(keyServerAddress)] == actionKeep && privacyActions[string(keyServerPort)] == actionKeep
}

// serverAttrs appends server.address and server.port: the configured server
// name, else the Host header (or a trusted proxy's X-Forwarded-Host).
func (h *Handler) serverAttrs(attrs []attribute.KeyValue, host, scheme string) []attribute.KeyValue {
	if h.serverName != "" {
		attrs = append(attrs, keyServerAddress.String(h.serverName))
		if h.serverPort > 0 {
			attrs = append(attrs, keyServerPort.Int(h.serverPort))
		}
		return attrs
	}
	if host == "" {
		return attrs
	}
	name, port, ok := requestAddress(host, scheme)
	if !ok {
		return attrs
	}
	attrs = append(attrs, keyServerAddress.String(name))
	if port > 0 {
		attrs = append(attrs, keyServerPort.Int(port))
	}
	return attrs
}

// requestAddress is server.address and server.port of a server span from
// a Host or X-Forwarded-Host value ("[userinfo@]host[:port]"), before the
// address is cleaned for export (cleanAddress); ok is false when the value
// names no host (":8080"): then neither is set. The port is the one given
// (1 to 65535), the scheme's default when none is given, and 0 (none) when
// the one given is no port (":abc", ":0"). Rust's address::request_address
// does the same.
func requestAddress(text, scheme string) (name string, port int, ok bool) {
	name, p := requestHostPort(text)
	if name == "" {
		return "", 0, false
	}
	// RFC 3986 section 3.2.3: port = *DIGIT ("+80" is no port).
	if n, ok := atoi(p); ok && n > 0 && n < 65536 && strings.TrimLeft(p, "0123456789") == "" {
		return name, n, true
	}
	if p == "" {
		return name, defaultPort(scheme), true
	}
	return name, 0, true
}

func defaultPort(scheme string) int {
	if scheme == "https" {
		return 443
	}
	return 80
}

// maxServerAttrs bounds the attributes finishSpan sets: fifteen at most
// (url.path, url.scheme, client.address, network.peer.address and .port,
// http.response.status_code, url.query, user_agent.original,
// network.protocol.version, http.request.method and its original,
// http.route, server.address and .port, error.type).
const maxServerAttrs = 16

// responseWriter records the status code written by the handler. It is
// pooled, and carries the buffer the span's attributes are built in.
type responseWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
	attrs  [maxServerAttrs]attribute.KeyValue
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

// headerText reports whether v holds only visible ASCII, spaces and tabs:
// the header values Rust's http crate reads as text (HeaderValue::to_str).
func headerText(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < 0x20 || c > 0x7e) && c != '\t' {
			return false
		}
	}
	return true
}

// splitHostPort is net.SplitHostPort without its error values: ok is false
// where net.SplitHostPort fails. The common "host:port" with one colon and no
// brackets is split in place; every other form goes to net.SplitHostPort.
func splitHostPort(hostport string) (host, port string, ok bool) {
	if i := strings.IndexByte(hostport, ':'); i >= 0 && strings.IndexByte(hostport[i+1:], ':') < 0 &&
		strings.IndexByte(hostport, '[') < 0 && strings.IndexByte(hostport, ']') < 0 {
		return hostport[:i], hostport[i+1:], true
	}
	host, port, err := net.SplitHostPort(hostport)
	return host, port, err == nil
}

// splitPeer splits a RemoteAddr into network.peer.address and .port: the
// host and port of net.SplitHostPort, the port read by strconv.Atoi
// (hasPort is false when either fails; the address is then addr as it is).
// The common "host:port", a port of up to five digits after the last colon
// and a host without ':', '[' or ']', is read in place from the end; every
// other form goes through splitHostPort and atoi.
func splitPeer(addr string) (host string, port int, hasPort bool) {
	if i := strings.IndexByte(addr, ':'); i >= 0 && len(addr)-i-1 > 0 && len(addr)-i-1 <= 5 {
		// Digits after the first colon: it is the last one too.
		for _, c := range []byte(addr[i+1:]) {
			if c < '0' || c > '9' {
				goto other
			}
			port = port*10 + int(c-'0')
		}
		if h := addr[:i]; strings.IndexByte(h, '[') < 0 && strings.IndexByte(h, ']') < 0 {
			return h, port, true
		}
	}
other:
	h, p, ok := splitHostPort(addr)
	if !ok {
		return addr, 0, false
	}
	port, ok = atoi(p)
	return h, port, ok
}

// atoi is strconv.Atoi without its error value: a short run of decimal
// digits (a port) is read in place, anything else goes to strconv.Atoi.
func atoi(s string) (int, bool) {
	if len(s) == 0 || len(s) > 9 {
		n, err := strconv.Atoi(s)
		return n, err == nil
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			n, err := strconv.Atoi(s)
			return n, err == nil
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// pathAsSent is the request's path as the client sent it (RFC 3986's path
// component, percent-encoding and all), as the Rust layer records url.path:
// r.URL.Path is decoded and r.URL.EscapedPath re-encodes what it would not
// have sent raw. A request target that is not a path (absolute form, "*")
// gives EscapedPath, and an absolute form with an empty path "/", as in Rust
// (RFC 9112 section 3.2.1: a client sends "/" for an empty path); the
// authority form of CONNECT has no scheme and no path, and gives "", as in
// Rust.
func pathAsSent(r *http.Request) string {
	u := r.RequestURI
	if u == "" || u[0] != '/' {
		if p := r.URL.EscapedPath(); p != "" || r.URL.Scheme == "" {
			return p
		}
		return "/"
	}
	if i := strings.IndexByte(u, '?'); i >= 0 {
		u = u[:i]
	}
	return u
}
