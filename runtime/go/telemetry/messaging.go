package telemetry

import (
	"context"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// Header is one message header, as Kafka-style clients carry them.
type Header struct {
	Key   string
	Value []byte
}

// HeaderCarrier adapts a slice of message headers to propagation.TextMapCarrier.
// Header names are matched without regard to ASCII case, as W3C Trace Context
// reads its field names (the Rust module's message headers read the same).
type HeaderCarrier struct{ Headers *[]Header }

var (
	_ propagation.TextMapCarrier = HeaderCarrier{}
	_ propagation.ValuesGetter   = HeaderCarrier{}
)

// Get returns the value of the first header named key.
func (c HeaderCarrier) Get(key string) string {
	for _, h := range *c.Headers {
		if asciiEqualFold(h.Key, key) {
			return string(h.Value)
		}
	}
	return ""
}

// Values returns the value of every header named key, in order: a message
// may repeat a header, and two traceparent headers are no valid parent.
func (c HeaderCarrier) Values(key string) []string {
	var out []string
	for _, h := range *c.Headers {
		if asciiEqualFold(h.Key, key) {
			out = append(out, string(h.Value))
		}
	}
	return out
}

// Set replaces the headers named key with one, or appends it.
func (c HeaderCarrier) Set(key, value string) {
	kept := (*c.Headers)[:0]
	for _, h := range *c.Headers {
		if !asciiEqualFold(h.Key, key) {
			kept = append(kept, h)
		}
	}
	*c.Headers = append(kept, Header{Key: key, Value: []byte(value)})
}

// asciiEqualFold reports whether a and b are equal without regard to ASCII
// case. Unlike strings.EqualFold it folds no other letter ("ſ" is not "s"),
// as the Rust module's eq_ignore_ascii_case.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// Keys lists the header names.
func (c HeaderCarrier) Keys() []string {
	keys := make([]string, 0, len(*c.Headers))
	for _, h := range *c.Headers {
		keys = append(keys, h.Key)
	}
	return keys
}

// Message describes a message for producer and consumer spans.
type Message struct {
	System      string // messaging.system, e.g. "kafka"
	Destination string // messaging.destination.name
	ID          string // messaging.message.id, optional
	Group       string // messaging.consumer.group.name, for consumers, optional
}

func (m Message) attrs(opType, opName string) []attribute.KeyValue {
	attrs := []attribute.KeyValue{
		keyMessagingSystem.String(m.System),
		keyMessagingDestinationName.String(m.Destination),
		keyMessagingOperationType.String(opType),
		keyMessagingOperationName.String(opName),
	}
	if m.ID != "" {
		attrs = append(attrs, keyMessagingMessageID.String(m.ID))
	}
	if m.Group != "" && opType == "process" {
		attrs = append(attrs, keyMessagingConsumerGroup.String(m.Group))
	}
	return attrs
}

// StartProducer starts a producer span for sending m and injects its context
// (and the allowed baggage) into carrier. End the span with End.
func StartProducer(ctx context.Context, m Message, carrier propagation.TextMapCarrier) (context.Context, trace.Span) {
	ctx, span := scopeTracer(otel.GetTracerProvider()).Start(ctx,
		messagingProducerSpanName(m.System, m.Destination, "send", "send"),
		trace.WithSpanKind(trace.SpanKindProducer), trace.WithAttributes(m.attrs("send", "send")...))
	otel.GetTextMapPropagator().Inject(ctx, carrier)
	return ctx, span
}

// StartConsumer starts a consumer ("process") span for processing m, linked
// to the message's creation context (the context carrier holds, when it holds
// one). Its parent follows semantic conventions 1.45.0 (messaging-spans.md,
// Consumer spans): when ctx already holds a valid span (processing happens in
// the scope of another span, such as an HTTP server span) that span is the
// parent and ctx is kept as it is (the message's baggage is not taken); otherwise
// the creation context is the parent, with the message's baggage. A carrier
// without a context gives no link. The message's traceparent and tracestate
// are read as an HTTP request's are (w3cValues): unknown trace-flags bits
// ignored, two traceparent headers no parent, tracestate headers joined.
// End the span with End.
func StartConsumer(ctx context.Context, m Message, carrier propagation.TextMapCarrier) (context.Context, trace.Span) {
	ambient := trace.SpanContextFromContext(ctx)
	msg := otel.GetTextMapPropagator().Extract(ctx, w3cFields(carrier))
	opts := []trace.SpanStartOption{
		trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(m.attrs("process", "process")...),
	}
	if creation := trace.SpanContextFromContext(msg); creation.IsValid() && !creation.Equal(ambient) {
		opts = append(opts, trace.WithLinks(trace.Link{SpanContext: creation}))
	}
	if !ambient.IsValid() {
		ctx = msg
	}
	return scopeTracer(otel.GetTracerProvider()).Start(ctx, messagingConsumerSpanName(m.System, m.Destination, "process", "process", m.Group), opts...)
}

// End ends span, recording err as its error when not nil: the span's status,
// an exception event and error.type "_OTHER" (conditionally required on
// messaging spans when the operation failed, semantic conventions 1.45.0).
func End(span trace.Span, err error) {
	if err != nil {
		span.RecordError(err)
		span.SetAttributes(keyErrorType.String(errorTypeOther))
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}
