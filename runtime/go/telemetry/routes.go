package telemetry

import (
	"strconv"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// maxCached bounds the caches of a handler: patterns come from the code, so
// real services stay far below it; past it, values are computed per request.
const maxCached = 4096

// routeInfo is what a server span needs that only depends on the method and
// the route.
type routeInfo struct {
	name      string
	method    string
	route     string
	tls       bool
	startOpts []trace.SpanStartOption
	// routeOpts are startOpts with http.request.method and http.route, for
	// a route the ServeMux matched when the attributes are not split
	// (splitAttributes): the sampler reads them, no context is made for it.
	routeOpts []trace.SpanStartOption
	// renamedTo is the routeInfo of a route spans started with this one were
	// renamed to, and metric the attribute set of a duration point of this
	// route: each keeps the first value stored (others are looked up in the
	// caches' maps), so the common case, one route answering alike, costs
	// an atomic load instead of a map lookup.
	renamedTo atomic.Pointer[routeInfo]
	metric    atomic.Pointer[metricEntry]
	// pattern is the ServeMux pattern requests of this routeInfo were
	// served by, with its route (the first one stored stays).
	pattern atomic.Pointer[patternRoute]
	// attrs is the first list of host, scheme and protocol attributes a
	// span of this routeInfo was given (Handler.routeAttrs).
	attrs atomic.Pointer[routeAttrs]
}

type routeAttrs struct {
	host, scheme, proto string
	attrs               []attribute.KeyValue
}

type patternRoute struct{ pattern, route string }

// routeOfPattern returns the route of a ServeMux pattern served to a request
// of ri (nil when tracing is off), splitting each pattern once per routeInfo.
func routeOfPattern(ri *routeInfo, pattern string) string {
	if ri == nil {
		_, route := splitPattern(pattern)
		return route
	}
	if p := ri.pattern.Load(); p != nil && p.pattern == pattern {
		return p.route
	}
	_, route := splitPattern(pattern)
	ri.pattern.CompareAndSwap(nil, &patternRoute{pattern, route})
	return route
}

type metricEntry struct {
	key  metricKey
	opts []metric.RecordOption
}

type routeCacheKey struct {
	method, route string
	tls           bool
}

type metricKey struct {
	method, route string
	status        int
	proto         string
	tls           bool
	broken        bool // the body broke after the head: error.type _OTHER
}

// readMostly is a map read on every request and written once per new key:
// readers load an immutable map without taking a lock (a read lock's shared
// counter is written by every request on every core); a writer copies the map
// with its new entry, at most maxCached entries, so a miss past that is
// computed per request and not kept.
type readMostly[K comparable, V any] struct {
	mu   sync.Mutex
	read atomic.Pointer[map[K]V]
}

func (m *readMostly[K, V]) load(k K) (V, bool) {
	if p := m.read.Load(); p != nil {
		v, ok := (*p)[k]
		return v, ok
	}
	var zero V
	return zero, false
}

// store keeps v for k unless k is there already (the first value stays) or
// the map is full; it returns the value kept for k, else v.
func (m *readMostly[K, V]) store(k K, v V) V {
	m.mu.Lock()
	defer m.mu.Unlock()
	var old map[K]V
	if p := m.read.Load(); p != nil {
		old = *p
	}
	if kept, ok := old[k]; ok {
		return kept
	}
	if len(old) >= maxCached {
		return v
	}
	next := make(map[K]V, len(old)+1)
	for ek, ev := range old {
		next[ek] = ev
	}
	next[k] = v
	m.read.Store(&next)
	return v
}

// caches memoises span names, start options and metric attribute sets so the
// hot path does not allocate them per request.
type caches struct {
	// first is the first routeInfo stored: most requests of a service
	// start alike (method, no route yet, scheme), so they skip the map.
	first   atomic.Pointer[routeInfo]
	routes  readMostly[routeCacheKey, *routeInfo]
	metrics readMostly[metricKey, []metric.RecordOption]
	base    []attribute.KeyValue // server.address, server.port from configuration
	addr    string
	port    string
}

func newCaches(c config) *caches {
	port := ""
	if c.serverPort > 0 {
		port = strconv.Itoa(c.serverPort)
	}
	// Span names read server.address as the attribute does: the option,
	// else the conventions' server_name. Names are made per route, not per
	// request, so a name never holds a request's Host (docs/conventions.md).
	addr := c.serverAddress
	if addr == "" {
		addr = conv.serverName
	}
	return &caches{
		base: serverAttrs(c),
		addr: addr,
		port: port,
	}
}

// route returns what a server span of method on route (a path template,
// "" when unknown) needs.
func (c *caches) route(method, route string, tls bool) *routeInfo {
	if ri := c.first.Load(); ri != nil && ri.method == method && ri.route == route && ri.tls == tls {
		return ri
	}
	k := routeCacheKey{method, route, tls}
	if ri, ok := c.routes.load(k); ok {
		return ri
	}
	ri := &routeInfo{
		name:      httpServerSpanName(spanMethod(method), route, scheme(tls), c.addr, c.port),
		method:    method,
		route:     route,
		tls:       tls,
		startOpts: []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindServer)},
	}
	ri.routeOpts = ri.startOpts
	if route != "" {
		ri.routeOpts = append(ri.startOpts[:1:1], trace.WithAttributes(
			keyHTTPRequestMethod.String(method), keyHTTPRoute.String(route)))
	}
	ri = c.routes.store(k, ri)
	c.first.CompareAndSwap(nil, ri)
	return ri
}

// renamed returns what a span started with ri needs once the route it
// served is known.
func (c *caches) renamed(ri *routeInfo, route string) *routeInfo {
	if f := ri.renamedTo.Load(); f != nil && f.route == route {
		return f
	}
	f := c.route(ri.method, route, ri.tls)
	ri.renamedTo.CompareAndSwap(nil, f)
	return f
}

// metricFor returns the duration point's options for k; ri, when not nil,
// is the routeInfo of k's route.
func (c *caches) metricFor(ri *routeInfo, k metricKey) []metric.RecordOption {
	if ri == nil || ri.route != k.route {
		return c.metricOpts(k)
	}
	e := ri.metric.Load()
	if e != nil && e.key == k {
		return e.opts
	}
	opts := c.metricOpts(k)
	if e == nil {
		ri.metric.CompareAndSwap(nil, &metricEntry{key: k, opts: opts})
	}
	return opts
}

func (c *caches) metricOpts(k metricKey) []metric.RecordOption {
	if opts, ok := c.metrics.load(k); ok {
		return opts
	}
	attrs := make([]attribute.KeyValue, 0, 7+len(c.base))
	attrs = append(attrs,
		keyHTTPRequestMethod.String(k.method),
		keyHTTPResponseStatusCode.Int(k.status),
		keyURLScheme.String(scheme(k.tls)),
	)
	if k.route != "" {
		attrs = append(attrs, keyHTTPRoute.String(k.route))
	}
	if k.proto != "" {
		attrs = append(attrs, keyNetworkProtocolVersion.String(k.proto))
	}
	if k.status >= 500 {
		attrs = append(attrs, keyErrorType.String(strconv.Itoa(k.status)))
	} else if k.broken {
		attrs = append(attrs, keyErrorType.String(errorTypeOther))
	}
	attrs = append(attrs, c.base...)
	opts := []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(attrs...))}
	return c.metrics.store(k, opts)
}

func scheme(tls bool) string {
	if tls {
		return "https"
	}
	return "http"
}

// protoVersion returns network.protocol.version without allocating.
func protoVersion(major, minor int) string {
	switch {
	case major == 1 && minor == 1:
		return "1.1"
	case major == 2:
		return "2"
	case major == 1 && minor == 0:
		return "1.0"
	case major == 3:
		return "3"
	default:
		return ""
	}
}
