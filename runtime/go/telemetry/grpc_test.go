package telemetry

import (
	"context"
	"net"
	"testing"
	"time"

	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
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
	srv := grpc.NewServer(GRPCServerOption(p.options()...))
	healthpb.RegisterHealthServer(srv, health.NewServer())
	go func() { _ = srv.Serve(ln) }()
	defer srv.Stop()

	conn, err := grpc.NewClient(ln.Addr().String(),
		grpc.WithTransportCredentials(insecure.NewCredentials()), GRPCDialOption(p.options()...))
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
	for len(p.spans.Ended()) < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	var server, client int
	for _, s := range p.spans.Ended() {
		switch s.SpanKind() {
		case trace.SpanKindServer:
			server++
			if want := rpcServerSpanName("grpc", "grpc.health.v1.Health", "Check", ""); s.Name() != want {
				t.Errorf("server span %q, want %q", s.Name(), want)
			}
		case trace.SpanKindClient:
			client++
			if want := rpcClientSpanName("grpc", "grpc.health.v1.Health", "Check", ""); s.Name() != want {
				t.Errorf("client span %q, want %q", s.Name(), want)
			}
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
