package telemetry

import (
	"context"
	"errors"
	"slices"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
)

func TestStartQuery(t *testing.T) {
	p := newTestProviders(t, nil)
	otel.SetTracerProvider(p.tp)
	_, done := StartQuery(context.Background(), Query{
		System: "postgresql", Operation: "SELECT", Collection: "orders",
		Text: "SELECT * FROM orders WHERE email = 'jane@example.com'",
	})
	done(errors.New("no rows"))
	s := p.spans.Ended()[0]
	if want := dbSpanName("postgresql", "", "orders", "SELECT", "", "", "", ""); s.Name() != want {
		t.Errorf("name %q, want %q", s.Name(), want)
	}
	a := attrMap(s.Attributes())
	wantAttr(t, a, keyDBSystemName, "postgresql")
	wantAttr(t, a, keyDBOperationName, "SELECT")
	_, hasText := a[keyDBQueryText]
	if hasText != QueryTextRecorded {
		t.Errorf("db.query.text present %v, conventions allow it: %v", hasText, QueryTextRecorded)
	}
	if s.Status().Code != codes.Error {
		t.Error("the query's error was not recorded")
	}
	// error.type is conditionally required on a failed call's span, as on its duration.
	wantAttr(t, a, keyErrorType, "_OTHER")
}

// Every field the conventions' rule can name a database span by reaches it,
// with server.port as text.
func TestStartQueryNamesByTheRule(t *testing.T) {
	p := newTestProviders(t, nil)
	otel.SetTracerProvider(p.tp)
	for _, q := range []Query{
		{System: "postgresql", Operation: "SELECT", Summary: "SELECT orders customers", Collection: "orders"},
		{System: "postgresql", Operation: "SELECT", Namespace: "shop"},
		{System: "postgresql", Operation: "SELECT"},
		{System: "postgresql", Operation: "CALL", Procedure: "refresh_totals"},
		{System: "postgresql", Operation: "VACUUM", Server: "db.internal", Port: 5432},
		{System: "postgresql", Collection: "orders"},
		{System: "postgresql"},
	} {
		p.spans.Reset()
		_, done := StartQuery(context.Background(), q)
		done(nil)
		port := ""
		if q.Port > 0 {
			port = "5432"
		}
		want := dbSpanName(q.System, q.Namespace, q.Collection, q.Operation, q.Summary, q.Procedure, q.Server, port)
		if got := p.spans.Ended()[0].Name(); got != want {
			t.Errorf("%+v: span %q, want %q", q, got, want)
		}
	}
}

// db.client.operation.duration has its own bucket boundaries (semantic
// conventions 1.45.0, database-metrics.md), not the HTTP ones.
func TestStartQueryDurationBuckets(t *testing.T) {
	p := newTestProviders(t, nil)
	otel.SetTracerProvider(p.tp)
	saved := dbDuration
	dbDuration = func() metric.Float64Histogram { return newDBDuration(p.mp) }
	t.Cleanup(func() { dbDuration = saved })
	_, done := StartQuery(context.Background(), Query{System: "postgresql", Operation: "SELECT"})
	done(nil)
	points := p.histogram(t, conv.dbDuration)
	want := []float64{0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10}
	if len(points) != 1 {
		t.Fatalf("%d points", len(points))
	}
	if !slices.Equal(points[0].Bounds, want) {
		t.Errorf("bounds %v, want %v", points[0].Bounds, want)
	}
}
