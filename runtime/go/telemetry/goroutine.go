package telemetry

import (
	"context"
	"regexp"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

var internalSpanName = regexp.MustCompile(conv.internalSpanPattern)

// ValidSpanName reports whether name follows the conventions' rule for
// internal spans.
func ValidSpanName(name string) bool { return internalSpanName.MatchString(name) }

// Go runs fn in a new goroutine inside a child span of ctx's span named name.
// fn's context keeps ctx's values and span but is not cancelled with ctx, so
// background work outlives the request. Go returns a channel that receives
// fn's error (or nil) and is closed when fn returns.
func Go(ctx context.Context, name string, fn func(context.Context) error) <-chan error {
	ctx, span := scopeTracer(otel.GetTracerProvider()).Start(context.WithoutCancel(ctx), name)
	return run(ctx, span, fn)
}

// GoDetached runs fn in a new goroutine inside a new root span named name
// that links to ctx's span instead of being its child: use it for work the
// request starts but does not wait for (a trace per job, not one huge trace).
func GoDetached(ctx context.Context, name string, fn func(context.Context) error) <-chan error {
	link := trace.LinkFromContext(ctx)
	ctx, span := scopeTracer(otel.GetTracerProvider()).Start(context.WithoutCancel(ctx), name,
		trace.WithNewRoot(), trace.WithLinks(link))
	return run(ctx, span, fn)
}

func run(ctx context.Context, span trace.Span, fn func(context.Context) error) <-chan error {
	done := make(chan error, 1)
	go func() {
		defer close(done)
		// The span ends before the result is sent, so a caller that has the result
		// also has the finished span (and a panic in fn still ends it).
		done <- runInSpan(ctx, span, fn)
	}()
	return done
}

func runInSpan(ctx context.Context, span trace.Span, fn func(context.Context) error) error {
	defer span.End()
	err := fn(ctx)
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	return err
}
