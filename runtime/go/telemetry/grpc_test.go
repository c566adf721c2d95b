package telemetry

import (
	"context"
	"net"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

func TestGRPCOptionsTraceBothSides(t *testing.T) {
	p := newTestProviders(t, nil)
	// A meter provider with the views Setup installs.
	p.reader = sdkmetric.NewManualReader()
	p.mp = sdkmetric.NewMeterProvider(sdkmetric.WithReader(p.reader), sdkmetric.WithView(grpcViews()...))
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
