package telemetry

import (
	"strconv"
	"sync"

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
	startOpts []trace.SpanStartOption
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
	cancelled     bool
	broken        bool // the body broke after the head: error.type _OTHER
}

// caches memoises span names, start options and metric attribute sets so the
// hot path does not allocate them per request.
type caches struct {
	mu      sync.RWMutex
	routes  map[routeCacheKey]*routeInfo
	metrics map[metricKey][]metric.RecordOption
	base    []attribute.KeyValue // server.address, server.port from configuration
	addr    string
	port    string
}

func newCaches(c config) *caches {
	port := ""
	if c.serverPort > 0 {
		port = strconv.Itoa(c.serverPort)
	}
	return &caches{
		routes:  make(map[routeCacheKey]*routeInfo),
		metrics: make(map[metricKey][]metric.RecordOption),
		base:    serverAttrs(c),
		addr:    c.serverAddress,
		port:    port,
	}
}

// route returns what a server span of method on route (a path template,
// "" when unknown) needs.
func (c *caches) route(method, route string, tls bool) *routeInfo {
	k := routeCacheKey{method, route, tls}
	c.mu.RLock()
	ri, ok := c.routes[k]
	c.mu.RUnlock()
	if ok {
		return ri
	}
	ri = &routeInfo{
		name:      httpServerSpanName(spanMethod(method), route, scheme(tls), c.addr, c.port),
		method:    method,
		route:     route,
		startOpts: []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindServer)},
	}
	if route != "" {
		// Known before the span starts: give the sampler the route.
		ri.startOpts = append(ri.startOpts, trace.WithAttributes(
			keyHTTPRequestMethod.String(method), keyHTTPRoute.String(route)))
	}
	c.mu.Lock()
	if len(c.routes) < maxCached {
		c.routes[k] = ri
	}
	c.mu.Unlock()
	return ri
}

func (c *caches) metricOpts(k metricKey) []metric.RecordOption {
	c.mu.RLock()
	opts, ok := c.metrics[k]
	c.mu.RUnlock()
	if ok {
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
	if k.status >= 500 && !k.cancelled {
		attrs = append(attrs, keyErrorType.String(strconv.Itoa(k.status)))
	} else if k.broken {
		attrs = append(attrs, keyErrorType.String(errorTypeOther))
	}
	attrs = append(attrs, c.base...)
	opts = []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(attrs...))}
	c.mu.Lock()
	if len(c.metrics) < maxCached {
		c.metrics[k] = opts
	}
	c.mu.Unlock()
	return opts
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
