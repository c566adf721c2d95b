package telemetry

import (
	"context"
	"errors"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/codes"
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
	if want := dbSpanName("postgresql", "", "orders", "SELECT", "", ""); s.Name() != want {
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
}
