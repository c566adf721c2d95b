package telemetry

import (
	"context"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// Query describes a database call for StartQuery.
type Query struct {
	System     string // db.system.name, e.g. "postgresql"
	Operation  string // db.operation.name, e.g. "SELECT"
	Collection string // db.collection.name, e.g. "orders"
	Text       string // db.query.text, recorded only where the conventions allow it
	Namespace  string // db.namespace, optional
	Summary    string // db.query.summary, optional; names the span when set
	Procedure  string // db.stored_procedure.name, optional
	Server     string // server.address, optional
	Port       int    // server.port, optional
}

var dbDuration = sync.OnceValue(func() metric.Float64Histogram {
	return newDBDuration(otel.GetMeterProvider())
})

// newDBDuration is the database duration histogram, with the buckets the
// semantic conventions give it.
func newDBDuration(mp metric.MeterProvider) metric.Float64Histogram {
	return newBucketHistogram(mp, conv.dbDuration, "Duration of database client operations.", dbDurationBuckets)
}

// StartQuery starts a client span for a database call, named as the
// conventions say: by default (semantic conventions 1.45.0) the query summary,
// else the operation and its target (collection, stored procedure, namespace,
// or server address and port), else the operation alone ("SELECT"), else the
// target, else the system. Call the returned
// function with the call's error when it is done: it ends the span and
// records the conventions' database duration histogram.
func StartQuery(ctx context.Context, q Query) (context.Context, func(error)) {
	start := time.Now()
	attrs := []attribute.KeyValue{keyDBSystemName.String(q.System)}
	if q.Operation != "" {
		attrs = append(attrs, keyDBOperationName.String(q.Operation))
	}
	if q.Collection != "" {
		attrs = append(attrs, keyDBCollectionName.String(q.Collection))
	}
	if q.Namespace != "" {
		attrs = append(attrs, keyDBNamespace.String(q.Namespace))
	}
	if q.Summary != "" {
		attrs = append(attrs, keyDBQuerySummary.String(q.Summary))
	}
	if q.Procedure != "" {
		attrs = append(attrs, keyDBStoredProcedureName.String(q.Procedure))
	}
	port := ""
	if q.Server != "" {
		attrs = append(attrs, keyServerAddress.String(q.Server))
		if q.Port > 0 {
			port = strconv.Itoa(q.Port)
			attrs = append(attrs, keyServerPort.Int(q.Port))
		}
	}
	ctx, span := scopeTracer(otel.GetTracerProvider()).Start(ctx,
		dbSpanName(q.System, q.Namespace, q.Collection, q.Operation, q.Summary, q.Procedure, q.Server, port),
		trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	if QueryTextRecorded && q.Text != "" {
		span.SetAttributes(keyDBQueryText.String(q.Text))
	}
	return ctx, func(err error) {
		if err != nil {
			// error.type is conditionally required on the span and the duration.
			span.RecordError(err)
			span.SetStatus(codes.Error, err.Error())
			span.SetAttributes(keyErrorType.String(errorTypeOther))
			attrs = append(attrs, keyErrorType.String(errorTypeOther))
		}
		span.End()
		dbDuration().Record(ctx, time.Since(start).Seconds(), metric.WithAttributes(attrs...))
	}
}
