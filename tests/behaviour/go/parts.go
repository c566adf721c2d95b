package main

// The behaviour table's fixture for the generated package's other parts
// (tests/behaviour/README.md): gRPC, the database helper and messaging, each
// driven by an HTTP route so the rows can reach them. Written as a service
// team would, with the generated package's public API only.

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	"google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/stats"

	"example.com/behaviour/internal/telemetry"
)

func (a *app) partRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /rpc/{which}", a.rpc)
	mux.HandleFunc("GET /db/{which}", a.db)
	mux.HandleFunc("GET /messaging", a.messaging)
	mux.HandleFunc("GET /messaging-flags-09", a.messagingFlags09)
	mux.HandleFunc("GET /messaging-repeated-traceparent", a.messagingRepeated)
}

// grpcPeer is the gRPC health service on loopback, served by an instrumented
// server and reached through an instrumented client connection.
var grpcPeer = sync.OnceValues(func() (*grpc.ClientConn, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := telemetry.NewGRPCServer(nil, grpc.StatsHandler(&serverEnds))
	grpc_health_v1.RegisterHealthServer(srv, health.NewServer())
	go func() { _ = srv.Serve(ln) }()
	return telemetry.NewGRPCClient(ln.Addr().String(), nil,
		grpc.WithTransportCredentials(insecure.NewCredentials()))
})

// serverEnds counts the calls the gRPC server has finished. gRPC ends a
// call on the server (and the generated handler its span) after the client
// has the status, so /rpc waits for the server's end before it answers: the
// harness stops the service once every answer is in.
var serverEnds endCounter

type endCounter struct{ n atomic.Int64 }

func (c *endCounter) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context { return ctx }
func (c *endCounter) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context {
	return ctx
}
func (c *endCounter) HandleConn(context.Context, stats.ConnStats) {}
func (c *endCounter) HandleRPC(_ context.Context, s stats.RPCStats) {
	if _, ok := s.(*stats.End); ok {
		c.n.Add(1)
	}
}

// waitPast waits (at most two seconds) until more than before calls ended.
func (c *endCounter) waitPast(before int64) {
	for deadline := time.Now().Add(2 * time.Second); c.n.Load() <= before && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
}

// grpcListed is a second client connection to the health service that
// recognises only the methods it is told (Watch, not Check).
var grpcListed = sync.OnceValues(func() (*grpc.ClientConn, error) {
	conn, err := grpcPeer()
	if err != nil {
		return nil, err
	}
	return telemetry.NewGRPCClient(conn.Target(),
		[]telemetry.Option{telemetry.WithGRPCMethods(grpc_health_v1.Health_Watch_FullMethodName)},
		grpc.WithTransportCredentials(insecure.NewCredentials()))
})

// rpc calls the health service: /rpc/known its Check method, /rpc/unknown a
// method no service on the server registered, /rpc/listed Check through a
// client told to recognise only Watch. It answers 200 with the gRPC status
// either way.
func (a *app) rpc(w http.ResponseWriter, r *http.Request) {
	conn, err := grpcPeer()
	if r.PathValue("which") == "listed" && err == nil {
		conn, err = grpcListed()
	}
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	req := &grpc_health_v1.HealthCheckRequest{}
	resp := &grpc_health_v1.HealthCheckResponse{}
	before := serverEnds.n.Load()
	switch r.PathValue("which") {
	case "known", "listed":
		err = conn.Invoke(r.Context(), grpc_health_v1.Health_Check_FullMethodName, req, resp)
	case "unknown":
		err = conn.Invoke(r.Context(), "/acme.shop.v1.Orders/Nope", req, resp)
	case "twice":
		err = callWithTwoParents(conn.Target(), req, resp)
	default:
		http.NotFound(w, r)
		return
	}
	serverEnds.waitPast(before)
	outcome := "OK"
	if err != nil {
		outcome = err.Error()
	}
	writeJSON(w, http.StatusOK, map[string]string{"rpc": outcome})
}

// twoParents are the traceparent metadata values /rpc/twice sends in one
// call: no valid parent together.
var twoParents = []string{
	"00-12345678901234567890123456789011-1234567890123456-01",
	"00-12345678901234567890123456789012-1234567890123456-01",
}

// callWithTwoParents calls Check through a plain (uninstrumented) client
// with two traceparent metadata values, as a caller of another stack might.
func callWithTwoParents(target string, req, resp any) error {
	plain, err := grpc.NewClient(target, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer plain.Close()
	ctx := metadata.AppendToOutgoingContext(context.Background(),
		"traceparent", twoParents[0], "traceparent", twoParents[1])
	return plain.Invoke(ctx, grpc_health_v1.Health_Check_FullMethodName, req, resp)
}

// queries are the database calls /db/{which} makes through the generated
// helper, each naming a different step of the conventions' naming rule.
var queries = map[string]telemetry.Query{
	"summary":    {System: "sqlite", Operation: "SELECT", Collection: "orders", Summary: "SELECT orders", Text: "SELECT id FROM orders WHERE id = 7"},
	"collection": {System: "sqlite", Operation: "SELECT", Collection: "orders", Text: "SELECT id FROM orders"},
	"operation":  {System: "sqlite", Operation: "SELECT", Text: "SELECT 1"},
	"procedure":  {System: "sqlite", Operation: "CALL", Procedure: "refresh_totals", Text: "CALL refresh_totals"},
	"namespace":  {System: "sqlite", Operation: "SELECT", Namespace: "shop", Text: "SELECT 1"},
	"server":     {System: "sqlite", Operation: "SELECT", Server: "db.internal", Port: 5432, Text: "SELECT 1"},
	"target":     {System: "sqlite", Collection: "orders", Text: "SELECT id FROM orders"},
	"system":     {System: "sqlite", Text: "SELECT 1"},
	"failing":    {System: "sqlite", Operation: "SELECT", Collection: "orders", Text: "SELECT broken FROM orders"},
}

// db runs one query through database/sql inside the generated helper's span.
func (a *app) db(w http.ResponseWriter, r *http.Request) {
	q, ok := queries[r.PathValue("which")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	ctx, done := telemetry.StartQuery(r.Context(), q)
	var answer string
	err := fixtureDB().QueryRowContext(ctx, q.Text).Scan(&answer)
	done(err)
	writeJSON(w, http.StatusOK, map[string]any{"answer": answer, "failed": err != nil})
}

// messaging sends a message with the context in its headers, then receives
// it with nothing but the headers (a background context, as a consumer on
// another process would have).
func (a *app) messaging(w http.ResponseWriter, r *http.Request) {
	a.sendAndProcess(w, r, "")
}

// messagingFlags09 is messaging with the message's traceparent flags set to
// "09" (sampled and a bit W3C Trace Context leaves undefined) between the
// send and the receive.
func (a *app) messagingFlags09(w http.ResponseWriter, r *http.Request) {
	a.sendAndProcess(w, r, "09")
}

// messagingRepeated is messaging with the message's traceparent header
// repeated, under another case, between the send and the receive.
func (a *app) messagingRepeated(w http.ResponseWriter, r *http.Request) {
	a.sendAndProcess(w, r, "repeat")
}

func (a *app) sendAndProcess(w http.ResponseWriter, r *http.Request, flags string) {
	m := telemetry.Message{System: "kafka", Destination: "orders"}
	var headers []telemetry.Header
	_, send := telemetry.StartProducer(r.Context(), m, telemetry.HeaderCarrier{Headers: &headers})
	telemetry.End(send, nil)
	for i, h := range headers {
		switch {
		case flags == "repeat" && h.Key == "traceparent":
			headers = append(headers, telemetry.Header{Key: "Traceparent", Value: append([]byte(nil), h.Value...)})
		case flags != "" && h.Key == "traceparent" && len(h.Value) == 55:
			headers[i].Value = append(h.Value[:53:53], flags...)
		}
	}

	_, process := telemetry.StartConsumer(context.Background(), m, telemetry.HeaderCarrier{Headers: &headers})
	telemetry.End(process, nil)
	names := make([]string, 0, len(headers))
	for _, h := range headers {
		names = append(names, h.Key)
	}
	writeJSON(w, http.StatusOK, map[string]any{"headers": names})
}

// The database the fixture queries: a database/sql driver that lives in this
// file (the rows judge the generated helper's spans, not a database engine).
// Every query answers one row, "ok"; a query that mentions "broken" fails.
var fixtureDB = sync.OnceValue(func() *sql.DB {
	sql.Register("behaviourdb", fixtureDriver{})
	db, _ := sql.Open("behaviourdb", "memory")
	return db
})

type fixtureDriver struct{}

func (fixtureDriver) Open(string) (driver.Conn, error) { return fixtureConn{}, nil }

type fixtureConn struct{}

func (fixtureConn) Prepare(query string) (driver.Stmt, error) { return fixtureStmt(query), nil }
func (fixtureConn) Close() error                              { return nil }
func (fixtureConn) Begin() (driver.Tx, error)                 { return nil, errors.New("no transactions") }

type fixtureStmt string

func (fixtureStmt) Close() error  { return nil }
func (fixtureStmt) NumInput() int { return -1 }
func (fixtureStmt) Exec([]driver.Value) (driver.Result, error) {
	return nil, errors.New("read only")
}

func (s fixtureStmt) Query([]driver.Value) (driver.Rows, error) {
	if strings.Contains(string(s), "broken") {
		return nil, errors.New("no such column: broken")
	}
	return &fixtureRows{}, nil
}

type fixtureRows struct{ done bool }

func (*fixtureRows) Columns() []string { return []string{"answer"} }
func (*fixtureRows) Close() error      { return nil }
func (r *fixtureRows) Next(dest []driver.Value) error {
	if r.done {
		return io.EOF
	}
	r.done = true
	dest[0] = "ok"
	return nil
}
