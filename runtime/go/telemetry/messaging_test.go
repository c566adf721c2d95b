package telemetry

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel"
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
