package telemetry

import (
	"context"
	"errors"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

func TestProducerConsumerCarryTheTrace(t *testing.T) {
	p := newTestProviders(t, nil)
	otel.SetTracerProvider(p.tp)
	otel.SetTextMapPropagator(Propagators())
	msg := Message{System: "kafka", Destination: "orders", ID: "m-1", Group: "billing"}
	var headers []Header
	carrier := HeaderCarrier{Headers: &headers}
	_, send := StartProducer(context.Background(), msg, carrier)
	End(send, nil)
	if carrier.Get("traceparent") == "" {
		t.Fatalf("no traceparent header in %v", headers)
	}
	_, process := StartConsumer(context.Background(), msg, carrier)
	End(process, nil)

	spans := p.spans.Ended()
	producer, consumer := spans[0], spans[1]
	if producer.SpanKind() != trace.SpanKindProducer || consumer.SpanKind() != trace.SpanKindConsumer {
		t.Errorf("kinds %v %v", producer.SpanKind(), consumer.SpanKind())
	}
	if consumer.Parent().SpanID() != producer.SpanContext().SpanID() {
		t.Error("the consumer span does not continue the producer's context")
	}
	if want := messagingProducerSpanName("kafka", "orders", "send", "send"); producer.Name() != want {
		t.Errorf("producer name %q, want %q", producer.Name(), want)
	}
	if want := messagingConsumerSpanName("kafka", "orders", "process", "process", "billing"); consumer.Name() != want {
		t.Errorf("consumer name %q, want %q", consumer.Name(), want)
	}
	a := attrMap(consumer.Attributes())
	wantAttr(t, a, keyMessagingSystem, "kafka")
	wantAttr(t, a, keyMessagingDestinationName, "orders")
	wantAttr(t, a, keyMessagingOperationType, "process")
	wantAttr(t, a, keyMessagingConsumerGroup, "billing")
	wantAttr(t, attrMap(producer.Attributes()), keyMessagingOperationType, "send")
}

// Process spans follow messaging-spans.md (semantic conventions 1.45.0): in
// the scope of another span, that span is the parent and the creation
// context a link; with no ambient span, the creation context is the parent
// and the link; a message without a context gives no link, whatever the
// ambient span.
func TestConsumerParentAndLinks(t *testing.T) {
	p := newTestProviders(t, nil)
	otel.SetTracerProvider(p.tp)
	otel.SetTextMapPropagator(Propagators())
	msg := Message{System: "kafka", Destination: "orders"}
	var headers []Header
	carrier := HeaderCarrier{Headers: &headers}
	_, send := StartProducer(context.Background(), msg, carrier)
	End(send, nil)
	creation := p.spans.Ended()[0].SpanContext()
	ambientCtx, ambient := p.tp.Tracer("test").Start(context.Background(), "POST /push")

	_, inScope := StartConsumer(ambientCtx, msg, carrier)
	End(inScope, nil)
	_, alone := StartConsumer(context.Background(), msg, carrier)
	End(alone, nil)
	var none []Header
	_, bare := StartConsumer(ambientCtx, msg, HeaderCarrier{Headers: &none})
	End(bare, nil)
	ambient.End()

	spans := p.spans.Ended()
	for _, tc := range []struct {
		name   string
		span   sdktrace.ReadOnlySpan
		parent trace.SpanID
		links  []trace.SpanID
	}{
		{"in scope", spans[1], ambient.SpanContext().SpanID(), []trace.SpanID{creation.SpanID()}},
		{"alone", spans[2], creation.SpanID(), []trace.SpanID{creation.SpanID()}},
		{"no context", spans[3], ambient.SpanContext().SpanID(), nil},
	} {
		if got := tc.span.Parent().SpanID(); got != tc.parent {
			t.Errorf("%s: parent %v, want %v", tc.name, got, tc.parent)
		}
		var links []trace.SpanID
		for _, l := range tc.span.Links() {
			links = append(links, l.SpanContext.SpanID())
		}
		if len(links) != len(tc.links) || (len(links) == 1 && links[0] != tc.links[0]) {
			t.Errorf("%s: links %v, want %v", tc.name, links, tc.links)
		}
	}
}

// A failed messaging operation carries error.type besides its status
// (conditionally required, semantic conventions 1.45.0).
func TestMessagingEndSetsErrorType(t *testing.T) {
	p := newTestProviders(t, nil)
	otel.SetTracerProvider(p.tp)
	_, span := StartProducer(context.Background(), Message{System: "kafka", Destination: "orders"}, HeaderCarrier{Headers: &[]Header{}})
	End(span, errors.New("broker down"))
	_, ok := StartProducer(context.Background(), Message{System: "kafka", Destination: "orders"}, HeaderCarrier{Headers: &[]Header{}})
	End(ok, nil)
	spans := p.spans.Ended()
	wantAttr(t, attrMap(spans[0].Attributes()), keyErrorType, "_OTHER")
	if spans[0].Status().Code != codes.Error {
		t.Error("a failed send has no error status")
	}
	if _, set := attrMap(spans[1].Attributes())[keyErrorType]; set {
		t.Error("error.type on a send that succeeded")
	}
}
