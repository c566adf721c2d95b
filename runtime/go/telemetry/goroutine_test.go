package telemetry

import (
	"context"
	"errors"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

func TestGoCarriesTheSpan(t *testing.T) {
	p := newTestProviders(t, nil)
	otel.SetTracerProvider(p.tp)
	ctx, cancel := context.WithCancel(context.Background())
	ctx, parent := p.tp.Tracer("test").Start(ctx, "request")
	var inner trace.SpanContext
	done := Go(ctx, "background work", func(ctx context.Context) error {
		inner = trace.SpanContextFromContext(ctx)
		if ctx.Err() != nil {
			t.Error("the background context was cancelled with the request")
		}
		return errors.New("failed")
	})
	cancel()
	if err := <-done; err == nil {
		t.Error("the error of fn was not passed on")
	}
	parent.End()
	if inner.TraceID() != parent.SpanContext().TraceID() {
		t.Error("the background span is not in the request's trace")
	}
	child := p.spans.Ended()[0]
	if child.Parent().SpanID() != parent.SpanContext().SpanID() || child.Status().Code != codes.Error {
		t.Errorf("child span parent %v status %v", child.Parent().SpanID(), child.Status())
	}
}

func TestGoDetachedLinksInsteadOfParenting(t *testing.T) {
	p := newTestProviders(t, nil)
	otel.SetTracerProvider(p.tp)
	ctx, parent := p.tp.Tracer("test").Start(context.Background(), "request")
	<-GoDetached(ctx, "job", func(context.Context) error { return nil })
	parent.End()
	job := p.spans.Ended()[0]
	if job.SpanContext().TraceID() == parent.SpanContext().TraceID() || job.Parent().IsValid() {
		t.Error("a detached span must start a new trace")
	}
	if len(job.Links()) != 1 || job.Links()[0].SpanContext.SpanID() != parent.SpanContext().SpanID() {
		t.Errorf("links %v, want one to the request span", job.Links())
	}
}
