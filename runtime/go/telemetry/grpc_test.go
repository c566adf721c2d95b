package telemetry

import (
	"context"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	grpccodes "google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

func TestGRPCOptionsTraceBothSides(t *testing.T) {
	p := newTestProviders(t, nil)
	// A meter provider with the views Setup installs.
	p.reader = sdkmetric.NewManualReader()
	p.mp = sdkmetric.NewMeterProvider(sdkmetric.WithReader(p.reader), sdkmetric.WithView(metricView))
	t.Cleanup(func() { _ = p.mp.Shutdown(context.Background()) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(GRPCServerOption(append(p.options(), WithGRPCMethods("grpc.health.v1.Health/Check"))...))
	healthpb.RegisterHealthServer(srv, health.NewServer())
	go func() { _ = srv.Serve(ln) }()
	defer srv.Stop()

	conn, err := NewGRPCClient(ln.Addr().String(), p.options(),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	deadline := time.Now().Add(5 * time.Second)
	for len(p.spans.Ended()) < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	var server, client int
	for _, s := range p.spans.Ended() {
		switch s.SpanKind() {
		case trace.SpanKindServer:
			server++
			if want := rpcServerSpanName("grpc", "grpc.health.v1.Health/Check", "127.0.0.1", port); s.Name() != want {
				t.Errorf("server span %q, want %q", s.Name(), want)
			}
			a := attrMap(s.Attributes())
			wantAttr(t, a, keyRPCSystemName, "grpc")
			wantAttr(t, a, keyRPCMethod, "grpc.health.v1.Health/Check")
			wantAttr(t, a, keyRPCStatusCode, "OK")
			for _, old := range []attribute.Key{"rpc.system", "rpc.service", "rpc.grpc.status_code", keyRPCMethodOriginal, keyErrorType} {
				if _, ok := a[old]; ok {
					t.Errorf("server span has %s", old)
				}
			}
		case trace.SpanKindClient:
			client++
			if want := rpcClientSpanName("grpc", "grpc.health.v1.Health/Check", "127.0.0.1", port); s.Name() != want {
				t.Errorf("client span %q, want %q", s.Name(), want)
			}
			a := attrMap(s.Attributes())
			wantAttr(t, a, keyRPCMethod, "grpc.health.v1.Health/Check")
			wantAttr(t, a, keyRPCStatusCode, "OK")
			wantAttr(t, a, keyServerAddress, "127.0.0.1")
			wantAttr(t, a, keyServerPort, int64(ln.Addr().(*net.TCPAddr).Port))
		}
	}
	if server != 1 || client != 1 {
		t.Errorf("%d server and %d client spans, want one each", server, client)
	}
	// The server records the call's duration when the call ends, after
	// answering: wait for it, within a bound.
	points, err := p.tryHistogram(conv.rpcServerDuration)
	for err != nil && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		points, err = p.tryHistogram(conv.rpcServerDuration)
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(points) != 1 || points[0].Count != 1 || len(points[0].Bounds) != len(conv.durationBuckets) {
		t.Errorf("server call duration %+v, want one call with the conventions' buckets", points)
	}
}

// With tracing switched off, a client call carries the caller's context
// unchanged and nothing is recorded.
func TestGRPCTracingOffPassesContextThrough(t *testing.T) {
	useTestConventions(t)
	s := NewSampler(1)
	installLevers(s, nil)
	defer current.Store(nil)
	s.SetEnabled(false)
	p := newTestProviders(t, s)
	got := make(chan []string, 1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(GRPCServerOption(p.options()...), grpc.UnaryInterceptor(
		func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			md, _ := metadata.FromIncomingContext(ctx)
			got <- md.Get("traceparent")
			return h(ctx, req)
		}))
	healthpb.RegisterHealthServer(srv, health.NewServer())
	go func() { _ = srv.Serve(ln) }()
	defer srv.Stop()
	conn, err := grpc.NewClient(ln.Addr().String(),
		grpc.WithTransportCredentials(insecure.NewCredentials()), GRPCDialOption(p.options()...))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx := Propagators().Extract(context.Background(), propagation.MapCarrier{"traceparent": testTraceparent})
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatal(err)
	}
	if tp := <-got; len(tp) != 1 || tp[0] != testTraceparent {
		t.Errorf("traceparent on the wire %q, want the caller's %q", tp, testTraceparent)
	}
	if n := len(p.spans.Ended()); n != 0 {
		t.Errorf("%d spans while tracing is off", n)
	}
}

func TestPublicRPC(t *testing.T) {
	useTestConventions(t)
	conv.trustRoutes = []trustRoute{{route: "shop.Public/*", public: true}, {route: "shop.Orders/Get", public: true}}
	for method, want := range map[string]bool{
		"/shop.Public/List": true, "/shop.Orders/Get": true, "/shop.Orders/Put": conv.trustGRPCServer,
	} {
		if got := publicRPC(method); got != want {
			t.Errorf("publicRPC(%q) = %v, want %v", method, got, want)
		}
	}
}

// With tracing switched off, a public method still does not continue the
// caller's trace: the services behind this one would trust it.
func TestGRPCPublicTracingOffContinuesNothing(t *testing.T) {
	useTestConventions(t)
	conv.trustRoutes = []trustRoute{{route: "grpc.health.v1.Health/*", public: true}}
	s := NewSampler(1)
	installLevers(s, nil)
	defer current.Store(nil)
	s.SetEnabled(false)
	p := newTestProviders(t, s)
	got := make(chan trace.SpanContext, 1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(GRPCServerOption(p.options()...), grpc.UnaryInterceptor(
		func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			got <- trace.SpanContextFromContext(ctx)
			return h(ctx, req)
		}))
	healthpb.RegisterHealthServer(srv, health.NewServer())
	go func() { _ = srv.Serve(ln) }()
	defer srv.Stop()
	conn, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx := metadata.AppendToOutgoingContext(context.Background(), "traceparent", testTraceparent)
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatal(err)
	}
	if sc := <-got; sc.IsValid() {
		t.Errorf("a public method continues the caller's span context %v", sc.TraceID())
	}
}

// Two traceparent values in the metadata are no valid parent: a new trace
// starts (as for HTTP; W3C Trace Context test suite, duplicated traceparent).
func TestGRPCDuplicatedTraceparentStartsNewTrace(t *testing.T) {
	useTestConventions(t)
	p := newTestProviders(t, nil)
	got := make(chan trace.SpanContext, 1)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(GRPCServerOption(p.options()...), grpc.UnaryInterceptor(
		func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			got <- trace.SpanContextFromContext(ctx)
			return h(ctx, req)
		}))
	healthpb.RegisterHealthServer(srv, health.NewServer())
	go func() { _ = srv.Serve(ln) }()
	defer srv.Stop()
	conn, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx := metadata.AppendToOutgoingContext(context.Background(),
		"traceparent", testTraceparent, "traceparent", "00-12345678901234567890123456789012-1234567890123456-01")
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatal(err)
	}
	sc := <-got
	if !sc.IsValid() || strings.HasPrefix(testTraceparent[3:], sc.TraceID().String()) || sc.TraceID().String() == "12345678901234567890123456789012" {
		t.Errorf("server span in trace %v, want a new valid trace", sc.TraceID())
	}
}

// startHealthServer serves the gRPC health service on loopback with the
// package's server option and returns a client connection with its dial option.
func startHealthServer(t *testing.T, p *testProviders, opts ...Option) *grpc.ClientConn {
	t.Helper()
	p.reader = sdkmetric.NewManualReader()
	p.mp = sdkmetric.NewMeterProvider(sdkmetric.WithReader(p.reader), sdkmetric.WithView(metricView))
	t.Cleanup(func() { _ = p.mp.Shutdown(context.Background()) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewGRPCServer(append(p.options(), opts...))
	healthpb.RegisterHealthServer(srv, health.NewServer())
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(srv.Stop)
	conn, err := NewGRPCClient(ln.Addr().String(), append(p.options(), opts...),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// waitSpans waits, within a bound, until n spans have ended.
func waitSpans(p *testProviders, n int) []sdktrace.ReadOnlySpan {
	deadline := time.Now().Add(10 * time.Second)
	for len(p.spans.Ended()) < n && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	return p.spans.Ended()
}

// Fifty methods the client makes up give one span name and one metric series
// per side: rpc.method is _OTHER, the called name is in rpc.method_original.
func TestGRPCUnknownMethodsAreOther(t *testing.T) {
	useTestConventions(t)
	p := newTestProviders(t, nil)
	conn := startHealthServer(t, p)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	called := map[string]bool{}
	for i := range 50 {
		method := "/evil.Service" + strconv.Itoa(i) + "/Method" + strconv.Itoa(i)
		if i%2 == 1 {
			method = "/grpc.health.v1.Health/Nope" + strconv.Itoa(i)
		}
		called[method[1:]] = true
		err := conn.Invoke(ctx, method, &healthpb.HealthCheckRequest{}, &healthpb.HealthCheckResponse{})
		if status.Code(err) != grpccodes.Unimplemented {
			t.Fatalf("%s answered %v, want UNIMPLEMENTED", method, err)
		}
	}
	spans := waitSpans(p, 100)
	names := map[string]int{}
	for _, s := range spans {
		names[s.SpanKind().String()+" "+s.Name()]++
		a := attrMap(s.Attributes())
		wantAttr(t, a, keyRPCMethod, rpcOther)
		wantAttr(t, a, keyRPCStatusCode, "UNIMPLEMENTED")
		wantAttr(t, a, keyErrorType, "UNIMPLEMENTED")
		if !called[a[keyRPCMethodOriginal].AsString()] {
			t.Errorf("rpc.method_original %q is not a called method", a[keyRPCMethodOriginal].AsString())
		}
		if s.Status().Code != codes.Error {
			t.Errorf("UNIMPLEMENTED left the %s span's status %v", s.SpanKind(), s.Status().Code)
		}
	}
	want := map[string]int{
		"server " + rpcServerSpanName("grpc", "", "", ""): 50,
		"client " + rpcClientSpanName("grpc", "", "", ""): 50,
	}
	if len(names) != 2 || names["server "+rpcServerSpanName("grpc", "", "", "")] != 50 {
		t.Errorf("span names %v, want %v", names, want)
	}
	for _, name := range []string{conv.rpcServerDuration, rpcClientDuration} {
		points := p.histogram(t, name)
		if len(points) != 1 || points[0].Count != 50 {
			t.Errorf("%s: %d series, want one with 50 calls", name, len(points))
			continue
		}
		method, _ := points[0].Attributes.Value(keyRPCMethod)
		if method.AsString() != rpcOther {
			t.Errorf("%s: rpc.method %q, want _OTHER", name, method.AsString())
		}
		if _, ok := points[0].Attributes.Value(keyRPCMethodOriginal); ok {
			t.Errorf("%s carries rpc.method_original", name)
		}
	}
}

// With the recognised methods named, any other is _OTHER from the start.
func TestGRPCMethodsOption(t *testing.T) {
	useTestConventions(t)
	p := newTestProviders(t, nil)
	conn := startHealthServer(t, p, WithGRPCMethods("grpc.health.v1.Health/Watch"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatal(err)
	}
	for _, s := range waitSpans(p, 2) {
		a := attrMap(s.Attributes())
		wantAttr(t, a, keyRPCMethod, rpcOther)
		wantAttr(t, a, keyRPCMethodOriginal, "grpc.health.v1.Health/Check")
		wantAttr(t, a, keyRPCStatusCode, "OK")
	}
}

// NOT_FOUND is the caller's mistake: an error for the client, not the server.
func TestGRPCStatusByKind(t *testing.T) {
	useTestConventions(t)
	p := newTestProviders(t, nil)
	conn := startHealthServer(t, p, WithGRPCSpanAttributes(attribute.String("app.team", "shop")),
		WithGRPCSpanOptions(trace.WithAttributes(attribute.String("app.region", "eu"))),
		WithGRPCMetricAttributes(attribute.String("app.tier", "gold")))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: "absent"})
	if status.Code(err) != grpccodes.NotFound {
		t.Fatalf("got %v, want NOT_FOUND", err)
	}
	for _, s := range waitSpans(p, 2) {
		a := attrMap(s.Attributes())
		wantAttr(t, a, keyRPCStatusCode, "NOT_FOUND")
		wantAttr(t, a, "app.team", "shop")
		wantAttr(t, a, "app.region", "eu")
		_, hasType := a[keyErrorType]
		server := s.SpanKind() == trace.SpanKindServer
		if server == hasType || server == (s.Status().Code == codes.Error) {
			t.Errorf("%s span: error.type present %v, status %v", s.SpanKind(), hasType, s.Status().Code)
		}
	}
	points := p.histogram(t, rpcClientDuration)
	if len(points) != 1 {
		t.Fatalf("%d client series, want 1", len(points))
	}
	if v, _ := points[0].Attributes.Value("app.tier"); v.AsString() != "gold" {
		t.Errorf("metric attribute app.tier %q, want gold", v.AsString())
	}
	if v, _ := points[0].Attributes.Value(keyErrorType); v.AsString() != "NOT_FOUND" {
		t.Errorf("client metric error.type %q, want NOT_FOUND", v.AsString())
	}
}

func TestGRPCTargetAddress(t *testing.T) {
	for target, want := range map[string]string{
		"grpc.io:50051":                                  "grpc.io 50051",
		"dns://1.2.3.4/grpc.io:50051":                    "grpc.io 50051",
		"dns:///grpc.io:50051":                           "grpc.io 50051",
		"unix:///run/containerd/containerd.sock":         "/run/containerd/containerd.sock 0",
		"zk://zookeeper:2181/my-server":                  "zk://zookeeper:2181/my-server 0",
		"ipv4:198.51.100.123:50051,198.51.100.124:50051": "ipv4:198.51.100.123:50051,198.51.100.124:50051 0",
		"http://orders:8080":                             "orders 8080",
		"https://orders":                                 "orders 443",
		"[::1]:443":                                      "::1 443",
		"localhost":                                      "localhost 0",
	} {
		host, port := grpcTargetAddress(target)
		if got := host + " " + strconv.Itoa(port); got != want {
			t.Errorf("%s: %q, want %q", target, got, want)
		}
	}
}

// Both sides record the other end of the connection (semantic conventions
// 1.45.0: network.peer.address and network.peer.port are Recommended on RPC
// spans): the server the caller's address, the client the server it reached.
// Neither goes on the call durations (one series per caller would follow).
func TestGRPCNetworkPeerOverTCP(t *testing.T) {
	p := newTestProviders(t, nil)
	conn := startHealthServer(t, p)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(conn.Target())
	serverPort, _ := strconv.Atoi(port)
	spans := waitSpans(p, 2)
	if len(spans) != 2 {
		t.Fatalf("%d spans, want 2", len(spans))
	}
	for _, s := range spans {
		a := attrMap(s.Attributes())
		wantAttr(t, a, keyNetworkPeerAddress, "127.0.0.1")
		got, ok := a[keyNetworkPeerPort]
		switch {
		case !ok:
			t.Errorf("%s span has no network.peer.port", s.SpanKind())
		case s.SpanKind() == trace.SpanKindClient && got.AsInt64() != int64(serverPort):
			t.Errorf("client span network.peer.port %d, want the server's %d", got.AsInt64(), serverPort)
		case s.SpanKind() == trace.SpanKindServer && (got.AsInt64() <= 0 || got.AsInt64() == int64(serverPort)):
			t.Errorf("server span network.peer.port %d, want the caller's own port", got.AsInt64())
		}
	}
	// Both sides record under the package's one instrumentation scope.
	want := packageScope(t)
	for _, s := range spans {
		if s.InstrumentationScope() != want {
			t.Errorf("%s span scope %+v, want %+v", s.SpanKind(), s.InstrumentationScope(), want)
		}
	}
	var rm metricdata.ResourceMetrics
	if err := p.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope != want {
			t.Errorf("metrics %v under scope %+v, want %+v", sm.Metrics, sm.Scope, want)
		}
	}
	for _, name := range []string{conv.rpcServerDuration, rpcClientDuration} {
		for _, point := range p.histogram(t, name) {
			for _, key := range []attribute.Key{keyNetworkPeerAddress, keyNetworkPeerPort} {
				if _, ok := point.Attributes.Value(key); ok {
					t.Errorf("%s carries %s", name, key)
				}
			}
		}
	}
}

// Over a Unix socket the client's peer is the socket's name, with no port;
// the caller's end of such a connection has no name, so the server records none.
func TestGRPCNetworkPeerOverUnixSocket(t *testing.T) {
	p := newTestProviders(t, nil)
	path := filepath.Join(t.TempDir(), "grpc.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Skipf("no Unix sockets here: %v", err)
	}
	srv := NewGRPCServer(p.options())
	healthpb.RegisterHealthServer(srv, health.NewServer())
	go func() { _ = srv.Serve(ln) }()
	defer srv.Stop()
	conn, err := NewGRPCClient("unix:"+path, p.options(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatal(err)
	}
	for _, s := range waitSpans(p, 2) {
		a := attrMap(s.Attributes())
		if _, ok := a[keyNetworkPeerPort]; ok {
			t.Errorf("%s span has network.peer.port over a Unix socket", s.SpanKind())
		}
		if s.SpanKind() == trace.SpanKindClient {
			wantAttr(t, a, keyNetworkPeerAddress, path)
		} else if v, ok := a[keyNetworkPeerAddress]; ok {
			t.Errorf("server span network.peer.address %q for an unnamed caller", v.AsString())
		}
	}
}

// A call that never reached a server has no peer to record.
func TestGRPCNoNetworkPeerWithoutConnection(t *testing.T) {
	p := newTestProviders(t, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	target := ln.Addr().String()
	_ = ln.Close()
	conn, err := NewGRPCClient(target, p.options(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{}); status.Code(err) != grpccodes.Unavailable {
		t.Fatalf("call to a closed port: %v, want UNAVAILABLE", err)
	}
	spans := waitSpans(p, 1)
	if len(spans) != 1 {
		t.Fatalf("%d spans, want 1", len(spans))
	}
	a := attrMap(spans[0].Attributes())
	wantAttr(t, a, keyRPCStatusCode, "UNAVAILABLE")
	for _, key := range []attribute.Key{keyNetworkPeerAddress, keyNetworkPeerPort} {
		if v, ok := a[key]; ok {
			t.Errorf("%s = %v without a connection", key, v.Emit())
		}
	}
}

func TestNetworkPeerAttrs(t *testing.T) {
	for _, c := range []struct {
		addr net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.ParseIP("10.1.2.3"), Port: 4}, "network.peer.address=10.1.2.3 network.peer.port=4"},
		{&net.TCPAddr{IP: net.ParseIP("::1"), Port: 50051}, "network.peer.address=::1 network.peer.port=50051"},
		{&net.TCPAddr{IP: net.ParseIP("::ffff:127.0.0.1"), Port: 1}, "network.peer.address=127.0.0.1 network.peer.port=1"},
		{&net.TCPAddr{}, ""},
		{&net.UnixAddr{Name: "/run/app.sock", Net: "unix"}, "network.peer.address=/run/app.sock"},
		{&net.UnixAddr{Name: "@", Net: "unix"}, ""},
		{&net.UDPAddr{IP: net.ParseIP("10.0.0.1"), Port: 5}, ""},
		{nil, ""},
	} {
		var parts []string
		for _, kv := range networkPeerAttrs(c.addr) {
			parts = append(parts, string(kv.Key)+"="+kv.Value.Emit())
		}
		if got := strings.Join(parts, " "); got != c.want {
			t.Errorf("networkPeerAttrs(%v) = %q, want %q", c.addr, got, c.want)
		}
	}
}

// WithServerAddress puts server.address and server.port on a server's spans;
// on rpc.server.call.duration they are opt-in, so the metric has neither.
func TestGRPCServerAddressOffTheServerMetric(t *testing.T) {
	p := newTestProviders(t, nil)
	p.reader = sdkmetric.NewManualReader()
	p.mp = sdkmetric.NewMeterProvider(sdkmetric.WithReader(p.reader), sdkmetric.WithView(metricView))
	t.Cleanup(func() { _ = p.mp.Shutdown(context.Background()) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	opts := append(p.options(), WithServerAddress("api.internal", 8443))
	srv := grpc.NewServer(GRPCServerOption(opts...))
	healthpb.RegisterHealthServer(srv, health.NewServer())
	go func() { _ = srv.Serve(ln) }()
	defer srv.Stop()
	conn, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	points, err := p.tryHistogram(conv.rpcServerDuration)
	for err != nil && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		points, err = p.tryHistogram(conv.rpcServerDuration)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, pt := range points {
		for _, key := range []attribute.Key{keyServerAddress, keyServerPort} {
			if _, ok := pt.Attributes.Value(key); ok {
				t.Errorf("%s on rpc.server.call.duration", key)
			}
		}
	}
	// The span may end just after the duration is recorded.
	spans := p.spans.Ended()
	for len(spans) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		spans = p.spans.Ended()
	}
	if len(spans) != 1 {
		t.Fatalf("%d spans, want the server's one", len(spans))
	}
	a := attrMap(spans[0].Attributes())
	wantAttr(t, a, keyServerAddress, "api.internal")
	wantAttr(t, a, keyServerPort, int64(8443))
}

// An interceptor that answers before routing (here: every call is
// unauthenticated) hides whether a method exists. Without a method list,
// GRPCServerOption then records every call as _OTHER, so callers cannot mint
// rpc.method values, span names or series; NewGRPCServer knows the methods
// registered on it.
func TestGRPCServerOptionWithoutMethodsRecordsOther(t *testing.T) {
	useTestConventions(t)
	deny := grpc.ChainStreamInterceptor(func(any, grpc.ServerStream, *grpc.StreamServerInfo, grpc.StreamHandler) error {
		return status.Error(grpccodes.Unauthenticated, "no")
	})
	denyUnary := grpc.ChainUnaryInterceptor(func(context.Context, any, *grpc.UnaryServerInfo, grpc.UnaryHandler) (any, error) {
		return nil, status.Error(grpccodes.Unauthenticated, "no")
	})
	for _, tc := range []struct {
		name  string
		serve func(*testProviders) *grpc.Server
		check string // rpc.method of a registered method's call
	}{
		{"option", func(p *testProviders) *grpc.Server {
			return grpc.NewServer(GRPCServerOption(p.options()...), GRPCUnknownServiceHandler(), deny, denyUnary)
		}, rpcOther},
		{"new-server", func(p *testProviders) *grpc.Server {
			return NewGRPCServer(p.options(), deny, denyUnary)
		}, "grpc.health.v1.Health/Check"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newTestProviders(t, nil)
			p.reader = sdkmetric.NewManualReader()
			p.mp = sdkmetric.NewMeterProvider(sdkmetric.WithReader(p.reader), sdkmetric.WithView(metricView))
			t.Cleanup(func() { _ = p.mp.Shutdown(context.Background()) })
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			srv := tc.serve(p)
			healthpb.RegisterHealthServer(srv, health.NewServer())
			go func() { _ = srv.Serve(ln) }()
			defer srv.Stop()
			conn, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			for i := 0; i < 3; i++ {
				err := conn.Invoke(ctx, "/evil.S/M"+strconv.Itoa(i), &healthpb.HealthCheckRequest{}, &healthpb.HealthCheckResponse{})
				if status.Code(err) != grpccodes.Unauthenticated {
					t.Fatalf("call %d: %v", i, err)
				}
			}
			if _, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{}); status.Code(err) != grpccodes.Unauthenticated {
				t.Fatalf("check: %v", err)
			}
			deadline := time.Now().Add(5 * time.Second)
			for len(p.spans.Ended()) < 4 && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			spans := p.spans.Ended()
			if len(spans) != 4 {
				t.Fatalf("%d spans, want 4", len(spans))
			}
			for _, s := range spans {
				a := attrMap(s.Attributes())
				orig := a[keyRPCMethodOriginal].AsString()
				want := rpcOther
				if orig == "" {
					want = tc.check
				}
				if got := a[keyRPCMethod].AsString(); got != want || strings.Contains(s.Name(), "evil") {
					t.Errorf("span %q: rpc.method %q (original %q), want %q", s.Name(), got, orig, want)
				}
			}
			points := p.histogram(t, conv.rpcServerDuration)
			for _, pt := range points {
				m, _ := pt.Attributes.Value(keyRPCMethod)
				if m.AsString() != rpcOther && m.AsString() != tc.check {
					t.Errorf("a series for rpc.method %q", m.AsString())
				}
			}
		})
	}
}

// The gRPC metadata carrier reads traceparent as the HTTP one does
// (traceparentCarrierCases in tracecontext_test.go).
func TestMetadataCarrierContinuesOnlyValidTraceparents(t *testing.T) {
	checkTraceparentCarrier(t, "grpc", func(v []string) propagation.TextMapCarrier {
		return metadataCarrier(metadata.MD{"traceparent": v})
	})
}
