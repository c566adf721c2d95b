package telemetry

import (
	"context"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	grpccodes "google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"
)

// The RPC attributes of semantic conventions 1.45.0, where RPC spans and call
// durations are stable.
const (
	keyRPCSystemName     = attribute.Key("rpc.system.name")
	keyRPCMethod         = attribute.Key("rpc.method")
	keyRPCMethodOriginal = attribute.Key("rpc.method_original")
	keyRPCStatusCode     = attribute.Key("rpc.status_code")

	rpcSystemGRPC = "grpc"
	// rpcOther is rpc.method for a method the service does not know.
	rpcOther = "_OTHER"
	// rpcClientDuration is the client call duration histogram (seconds).
	rpcClientDuration = "rpc.client.call.duration"
)

// grpcStatusNames are the gRPC status codes as the conventions write them.
var grpcStatusNames = [...]string{
	"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
	"ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
	"ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
	"UNAUTHENTICATED",
}

// grpcStatusName is rpc.status_code for code: its name, or its number when
// the code is not one gRPC defines.
func grpcStatusName(code grpccodes.Code) string {
	if int(code) < len(grpcStatusNames) {
		return grpcStatusNames[code]
	}
	return strconv.FormatUint(uint64(code), 10)
}

// grpcServerError reports whether a server span counts code as an error: the
// conventions leave the caller's mistakes (NOT_FOUND, INVALID_ARGUMENT, ...)
// unset on the server side; a client counts every code but OK.
func grpcServerError(code grpccodes.Code) bool {
	switch code {
	case grpccodes.Unknown, grpccodes.DeadlineExceeded, grpccodes.Unimplemented,
		grpccodes.Internal, grpccodes.Unavailable, grpccodes.DataLoss:
		return true
	}
	return false
}

// WithGRPCFilter records only the RPCs for which filter returns true (spans
// and metrics; the context still propagates). Default: every RPC.
func WithGRPCFilter(filter func(*stats.RPCTagInfo) bool) Option {
	return optionFunc(func(c *config) {
		c.grpc.filter = func(info any) bool {
			i, _ := info.(*stats.RPCTagInfo)
			return filter(i)
		}
	})
}

// WithGRPCAttributes adds attributes to every gRPC span and metric. Default: none.
func WithGRPCAttributes(attrs ...attribute.KeyValue) Option {
	return optionFunc(func(c *config) {
		c.grpc.spanAttrs = append(c.grpc.spanAttrs, attrs...)
		c.grpc.metricAttrs = append(c.grpc.metricAttrs, attrs...)
	})
}

// WithGRPCSpanAttributes adds attributes to every gRPC span. Default: none.
func WithGRPCSpanAttributes(attrs ...attribute.KeyValue) Option {
	return optionFunc(func(c *config) { c.grpc.spanAttrs = append(c.grpc.spanAttrs, attrs...) })
}

// WithGRPCSpanOptions adds span start options (links, attributes, a start
// time) to every gRPC span. Default: none.
func WithGRPCSpanOptions(opts ...trace.SpanStartOption) Option {
	return optionFunc(func(c *config) { c.grpc.spanOpts = append(c.grpc.spanOpts, opts...) })
}

// WithGRPCMetricAttributes adds attributes to every gRPC call duration.
// Keep them low in cardinality. Default: none.
func WithGRPCMetricAttributes(attrs ...attribute.KeyValue) Option {
	return optionFunc(func(c *config) { c.grpc.metricAttrs = append(c.grpc.metricAttrs, attrs...) })
}

// WithGRPCMetricAttributesFn adds the attributes fn returns for a call's
// context to its call duration. Default: none.
func WithGRPCMetricAttributesFn(fn func(context.Context) []attribute.KeyValue) Option {
	return optionFunc(func(c *config) { c.grpc.metricAttrsFn = fn })
}

// WithGRPCMethods names the methods ("pkg.Service/Method") the service
// recognises; any other is recorded as rpc.method "_OTHER" with the name in
// rpc.method_original, and its span is named after the RPC system. Default
// on a server: the methods registered on a server from NewGRPCServer, and
// none for GRPCServerOption, which cannot see the server: every call is then
// "_OTHER", because an interceptor that answers before routing (an auth or
// rate-limit check) would otherwise let callers mint rpc.method values, span
// names and metric series (semantic conventions 1.45.0, rpc-spans.md: when
// the instrumentation cannot reliably tell whether a method is predefined,
// rpc.method MUST be "_OTHER"). Default on a client: every method is
// recognised unless the call ends with UNIMPLEMENTED.
func WithGRPCMethods(methods ...string) Option {
	return optionFunc(func(c *config) {
		if c.grpc.methods == nil {
			c.grpc.methods = make(map[string]bool, len(methods))
		}
		for _, m := range methods {
			c.grpc.methods[strings.TrimPrefix(m, "/")] = true
		}
	})
}

// WithGRPCTarget sets the target the client connection was created with, the
// source of server.address and server.port on client spans and durations
// (NewGRPCClient sets it). Default: none, and then neither is recorded.
func WithGRPCTarget(target string) Option {
	return optionFunc(func(c *config) { c.grpc.target = target })
}

// GRPCServerOption instruments a gRPC server. Spans are named by the
// conventions' rule. It cannot see which methods the server registered, so
// without WithGRPCMethods every call is recorded as rpc.method "_OTHER" (the
// name in rpc.method_original); NewGRPCServer learns them from the server.
// Add GRPCUnknownServiceHandler too (or use NewGRPCServer)
// so that calls to methods no service registered are recorded. Methods the conventions' trust policy calls public start
// a new root span linked to the caller's span context, and the caller's
// baggage is ignored; when no span is recorded (tracing off, or the filter)
// the caller's span context is not continued. Server spans carry the
// caller's network.peer.address and network.peer.port (IP and port of a TCP
// connection; nothing for an unnamed Unix socket peer), never the durations.
func GRPCServerOption(opts ...Option) grpc.ServerOption {
	return grpc.StatsHandler(newGRPCHandler(true, opts))
}

// NewGRPCServer creates a gRPC server instrumented as GRPCServerOption does,
// that recognises the methods registered on it (unless WithGRPCMethods names
// them) and answers any other with UNIMPLEMENTED, recorded as rpc.method
// "_OTHER". serverOpts come after its own, so an UnknownServiceHandler among
// them wins.
func NewGRPCServer(opts []Option, serverOpts ...grpc.ServerOption) *grpc.Server {
	h := newGRPCHandler(true, opts)
	srv := grpc.NewServer(append([]grpc.ServerOption{grpc.StatsHandler(h), GRPCUnknownServiceHandler()}, serverOpts...)...)
	h.registered.Store(srv)
	return srv
}

// GRPCUnknownServiceHandler answers a method no service registered with
// UNIMPLEMENTED, as gRPC does by default, but through a handler: without one
// gRPC reports no end for such a call and GRPCServerOption cannot record it.
// NewGRPCServer includes it.
func GRPCUnknownServiceHandler() grpc.ServerOption {
	return grpc.UnknownServiceHandler(func(any, grpc.ServerStream) error {
		return status.Error(grpccodes.Unimplemented, "unknown method")
	})
}

// GRPCDialOption instruments a gRPC client connection; spans are named by
// the conventions' rule. Pass WithGRPCTarget for server.address, or use
// NewGRPCClient. network.peer.address and network.peer.port are the address
// the call's transport reached (the last attempt's, after retries); a call
// that reached no server has neither.
func GRPCDialOption(opts ...Option) grpc.DialOption {
	return grpc.WithStatsHandler(newGRPCHandler(false, opts))
}

// NewGRPCClient creates an instrumented client connection to target, with
// server.address and server.port taken from target.
func NewGRPCClient(target string, opts []Option, dialOpts ...grpc.DialOption) (*grpc.ClientConn, error) {
	opts = append(append([]Option(nil), opts...), WithGRPCTarget(target))
	return grpc.NewClient(target, append(dialOpts, GRPCDialOption(opts...))...)
}

// grpcHandler is the stats handler of both sides.
type grpcHandler struct {
	server   bool
	c        config
	tracer   trace.Tracer
	duration metric.Float64Histogram
	peer     []attribute.KeyValue // server.address and server.port of a client

	registered atomic.Pointer[grpc.Server] // set by NewGRPCServer
	methods    sync.Once
	known      map[string]bool // the recognised methods; nil: not known
}

// knownMethods is the set of recognised methods: WithGRPCMethods, else the
// methods registered on a server from NewGRPCServer (read once, at the first
// call: gRPC refuses registrations once serving), else nil.
func (h *grpcHandler) knownMethods() map[string]bool {
	h.methods.Do(func() {
		h.known = h.c.grpc.methods
		srv := h.registered.Load()
		if h.known != nil || srv == nil {
			return
		}
		h.known = map[string]bool{}
		for service, info := range srv.GetServiceInfo() {
			for _, m := range info.Methods {
				h.known[service+"/"+m.Name] = true
			}
		}
	})
	return h.known
}

var _ stats.Handler = (*grpcHandler)(nil)

func newGRPCHandler(server bool, opts []Option) *grpcHandler {
	c := newConfig(opts)
	h := &grpcHandler{server: server, c: c, tracer: scopeTracer(c.tracerProvider)}
	if server {
		h.duration = newDurationHistogram(c.meterProvider, conv.rpcServerDuration,
			"Duration of incoming remote procedure calls.")
		if c.serverAddress != "" {
			h.peer = hostPortAttrs(c.serverAddress, c.serverPort)
		}
	} else {
		h.duration = newDurationHistogram(c.meterProvider, rpcClientDuration,
			"Duration of outgoing remote procedure calls.")
		if c.grpc.target != "" {
			host, port := grpcTargetAddress(c.grpc.target)
			h.peer = hostPortAttrs(host, port)
		}
	}
	return h
}

func hostPortAttrs(host string, port int) []attribute.KeyValue {
	attrs := []attribute.KeyValue{keyServerAddress.String(host)}
	if port > 0 {
		attrs = append(attrs, keyServerPort.Int(port))
	}
	return attrs
}

// grpcTargetAddress is server.address and server.port for a client's target
// as the conventions read it: host and port of "host:port",
// "dns://authority/host:port" or "http://host:port", the path of "unix:",
// and otherwise the whole target with no port.
func grpcTargetAddress(target string) (string, int) {
	defaultPort := 0
	rest, isDNS := strings.CutPrefix(target, "dns:")
	if after, ok := strings.CutPrefix(target, "http://"); ok {
		rest, defaultPort = after, 80
	} else if after, ok := strings.CutPrefix(target, "https://"); ok {
		rest, defaultPort = after, 443
	} else if isDNS {
		if after, ok := strings.CutPrefix(rest, "//"); ok {
			if i := strings.IndexByte(after, '/'); i >= 0 {
				rest = after[i+1:]
			}
		}
	} else if path, ok := strings.CutPrefix(target, "unix://"); ok {
		return path, 0
	} else if path, ok := strings.CutPrefix(target, "unix:"); ok {
		return path, 0
	} else if strings.Contains(target, "://") || strings.HasPrefix(target, "ipv4:") || strings.HasPrefix(target, "ipv6:") {
		return target, 0
	}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		rest = rest[:i]
	}
	host, port, err := net.SplitHostPort(rest)
	if err != nil {
		return strings.Trim(rest, "[]"), defaultPort
	}
	p, err := strconv.Atoi(port)
	if err != nil || p <= 0 || p > 65535 {
		return host, 0
	}
	return host, p
}

// grpcCall is one RPC in flight, kept in its context.
type grpcCall struct {
	span     trace.Span // nil when not recorded
	start    time.Time
	method   string // rpc.method as recorded so far
	original string // the method as called
	known    bool   // whether method was recognised up front
	attrs    []attribute.KeyValue
	once     sync.Once
}

type grpcCallKey struct{}

// TagConn implements stats.Handler.
func (h *grpcHandler) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context { return ctx }

// HandleConn implements stats.Handler.
func (h *grpcHandler) HandleConn(context.Context, stats.ConnStats) {}

// TagRPC implements stats.Handler: it starts the call's span.
func (h *grpcHandler) TagRPC(ctx context.Context, info *stats.RPCTagInfo) context.Context {
	original := strings.TrimPrefix(info.FullMethodName, "/")
	var links []trace.Link
	if h.server {
		ctx = h.extract(ctx)
		if publicRPC(info.FullMethodName) {
			ctx = baggage.ContextWithoutBaggage(ctx)
			if sc := trace.SpanContextFromContext(ctx); sc.IsRemote() {
				links = append(links, trace.Link{SpanContext: sc})
				ctx = trace.ContextWithSpanContext(ctx, trace.SpanContext{})
			}
		}
	}
	recorded := !tracingOff() && (h.c.grpc.filter == nil || h.c.grpc.filter(info))
	if !recorded {
		if !h.server {
			ctx = h.inject(ctx)
		}
		return ctx
	}
	call := &grpcCall{start: time.Now(), original: original, method: original, known: true}
	known := h.knownMethods()
	if !validMethod(original) || (known != nil && !known[original]) || (h.server && known == nil) {
		call.method, call.known = rpcOther, false
	}
	attrs := []attribute.KeyValue{keyRPCSystemName.String(rpcSystemGRPC), keyRPCMethod.String(call.method)}
	if !h.server {
		// A client's target is recommended on rpc.client.call.duration; a
		// server's own address (WithServerAddress) is opt-in on
		// rpc.server.call.duration, so it goes on the span only.
		attrs = append(attrs, h.peer...)
	}
	call.attrs = attrs
	spanAttrs := append(append([]attribute.KeyValue(nil), attrs...), h.c.grpc.spanAttrs...)
	if h.server {
		spanAttrs = append(spanAttrs, h.peer...)
	}
	if !call.known {
		spanAttrs = append(spanAttrs, keyRPCMethodOriginal.String(original))
	}
	if h.server && len(h.peer) == 0 {
		spanAttrs = append(spanAttrs, authorityAttrs(ctx)...)
	}
	if p, ok := peer.FromContext(ctx); ok && h.server {
		// The connection's other end (on the span only: one value per caller).
		spanAttrs = append(spanAttrs, networkPeerAttrs(p.Addr)...)
	}
	kind := trace.SpanKindClient
	if h.server {
		kind = trace.SpanKindServer
	}
	opts := append([]trace.SpanStartOption{trace.WithSpanKind(kind), trace.WithLinks(links...)}, h.c.grpc.spanOpts...)
	ctx, call.span = h.tracer.Start(ctx, h.spanName(call.method), append(opts, trace.WithAttributes(spanAttrs...))...)
	if !h.server {
		ctx = h.inject(ctx)
	}
	return context.WithValue(ctx, grpcCallKey{}, call)
}

// validMethod reports whether a method reads "pkg.Service/Method".
func validMethod(m string) bool {
	i := strings.IndexByte(m, '/')
	return i > 0 && i < len(m)-1 && strings.IndexByte(m[i+1:], '/') < 0
}

// spanName follows the conventions: the method, or the RPC system for _OTHER.
func (h *grpcHandler) spanName(method string) string {
	if method == rpcOther {
		method = ""
	}
	var host, port string
	for _, kv := range h.peer {
		switch kv.Key {
		case keyServerAddress:
			host = kv.Value.AsString()
		case keyServerPort:
			port = strconv.FormatInt(kv.Value.AsInt64(), 10)
		}
	}
	if h.server {
		return rpcServerSpanName(rpcSystemGRPC, method, host, port)
	}
	return rpcClientSpanName(rpcSystemGRPC, method, host, port)
}

// authorityAttrs is server.address and server.port of a server span from the
// :authority the client used (on the span only: it is the client's choice).
func authorityAttrs(ctx context.Context) []attribute.KeyValue {
	md, _ := metadata.FromIncomingContext(ctx)
	v := md.Get(":authority")
	if len(v) != 1 || v[0] == "" || len(v[0]) > 255 {
		return nil
	}
	host, port := grpcTargetAddress(v[0])
	return hostPortAttrs(host, port)
}

// networkPeerAttrs is network.peer.address and network.peer.port of a
// connection's remote address: the IP and port of a TCP peer, the socket
// name of a Unix one, and nothing for an address that is neither.
func networkPeerAttrs(addr net.Addr) []attribute.KeyValue {
	switch a := addr.(type) {
	case *net.TCPAddr:
		if a.IP == nil {
			return nil
		}
		return []attribute.KeyValue{keyNetworkPeerAddress.String(a.IP.String()), keyNetworkPeerPort.Int(a.Port)}
	case *net.UnixAddr:
		if a.Name == "" || a.Name == "@" {
			return nil
		}
		return []attribute.KeyValue{keyNetworkPeerAddress.String(a.Name)}
	}
	return nil
}

// HandleRPC implements stats.Handler: a client's span takes the address of
// the server each attempt reached (the last one wins, as the conventions
// ask for retries); the span ends on End.
func (h *grpcHandler) HandleRPC(ctx context.Context, s stats.RPCStats) {
	call, _ := ctx.Value(grpcCallKey{}).(*grpcCall)
	if call == nil {
		return
	}
	switch s := s.(type) {
	case *stats.OutHeader:
		if s.Client {
			call.span.SetAttributes(networkPeerAttrs(s.RemoteAddr)...)
		}
	case *stats.End:
		call.once.Do(func() { h.finish(ctx, call, s) })
	}
}

func (h *grpcHandler) finish(ctx context.Context, call *grpcCall, end *stats.End) {
	code := status.Code(end.Error)
	attrs := call.attrs
	if code == grpccodes.Unimplemented && call.known && h.knownMethods() == nil {
		// No service registered the method: it is not one the service knows.
		attrs = append([]attribute.KeyValue{attrs[0], keyRPCMethod.String(rpcOther)}, attrs[2:]...)
		call.span.SetName(h.spanName(rpcOther))
		call.span.SetAttributes(keyRPCMethod.String(rpcOther), keyRPCMethodOriginal.String(call.original))
	}
	name := grpcStatusName(code)
	attrs = append(attrs, keyRPCStatusCode.String(name))
	call.span.SetAttributes(keyRPCStatusCode.String(name))
	failed := code != grpccodes.OK
	if h.server {
		failed = grpcServerError(code)
	}
	if failed {
		attrs = append(attrs, keyErrorType.String(name))
		call.span.SetAttributes(keyErrorType.String(name))
		call.span.SetStatus(codes.Error, "")
	}
	attrs = append(attrs, h.c.grpc.metricAttrs...)
	if h.c.grpc.metricAttrsFn != nil {
		attrs = append(attrs, h.c.grpc.metricAttrsFn(ctx)...)
	}
	// Recorded before the span ends, so an ended span means a recorded call.
	h.duration.Record(ctx, time.Since(call.start).Seconds(), metric.WithAttributes(attrs...))
	call.span.End()
}

// extract continues the caller's context from the incoming metadata. Several
// traceparent values are no valid parent at all (as for HTTP; see w3cValues).
func (h *grpcHandler) extract(ctx context.Context) context.Context {
	md, _ := metadata.FromIncomingContext(ctx)
	return h.c.propagators.Extract(ctx, metadataCarrier(md))
}

// inject writes the current context into the outgoing metadata.
func (h *grpcHandler) inject(ctx context.Context) context.Context {
	md, _ := metadata.FromOutgoingContext(ctx)
	md = md.Copy()
	h.c.propagators.Inject(ctx, metadataCarrier(md))
	return metadata.NewOutgoingContext(ctx, md)
}

// metadataCarrier adapts gRPC metadata to propagation.TextMapCarrier.
type metadataCarrier metadata.MD

// Get returns the value of key; the W3C fields go through w3cValues, as for
// HTTP headers.
func (m metadataCarrier) Get(key string) string {
	v := metadata.MD(m).Get(key)
	switch key {
	case fieldTraceparent, fieldTracestate:
		return w3cValues(key, v)
	}
	if len(v) > 0 {
		return v[0]
	}
	return ""
}

// Values returns every value of key, so a second baggage line is not lost.
func (m metadataCarrier) Values(key string) []string { return metadata.MD(m).Get(key) }

func (m metadataCarrier) Set(key, value string) { metadata.MD(m).Set(key, value) }

func (m metadataCarrier) Keys() []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}
