package telemetry

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
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

// A message's traceparent with unknown trace-flags bits is continued, as an
// HTTP or gRPC request's is (W3C Trace Context, trace-flags: a receiver
// ignores the bits it does not know); Rust's propagator does the same.
func TestConsumerIgnoresUnknownTraceFlags(t *testing.T) {
	p := newTestProviders(t, nil)
	otel.SetTracerProvider(p.tp)
	otel.SetTextMapPropagator(Propagators())
	const head = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-"
	for _, c := range []struct {
		flags   string
		sampled bool
	}{{"09", true}, {"ff", true}, {"08", false}, {"01", true}} {
		headers := []Header{{Key: "traceparent", Value: []byte(head + c.flags)}, {Key: "baggage", Value: []byte("k=v")}}
		_, span := StartConsumer(context.Background(), Message{System: "kafka", Destination: "orders"}, HeaderCarrier{Headers: &headers})
		span.End()
		ended := p.spans.Ended()
		parent := ended[len(ended)-1].Parent()
		if parent.TraceID().String() != "4bf92f3577b34da6a3ce929d0e0e4736" || parent.SpanID().String() != "00f067aa0ba902b7" {
			t.Errorf("flags %s: parent %v, not the message's context", c.flags, parent)
		}
		if got := parent.IsSampled(); got != c.sampled {
			t.Errorf("flags %s: sampled %v, want %v", c.flags, got, c.sampled)
		}
		if string(headers[0].Value) != head+c.flags {
			t.Errorf("flags %s: the message's header was changed to %s", c.flags, headers[0].Value)
		}
	}
}

// w3cFields keeps a carrier's ValuesGetter (the baggage propagator reads
// every baggage header through it) and cleans traceparent whatever its case.
func TestW3CFieldsKeepsValues(t *testing.T) {
	h := http.Header{}
	h.Add("Baggage", "a=1")
	h.Add("Baggage", "b=2")
	h.Set("Traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09")
	c := w3cFields(propagation.HeaderCarrier(h))
	v, ok := c.(propagation.ValuesGetter)
	if !ok || len(v.Values("baggage")) != 2 {
		t.Fatalf("values lost: %T", c)
	}
	if got := c.Get("traceparent"); got[53:] != "01" {
		t.Errorf("traceparent %s", got)
	}
	if _, ok := w3cFields(propagation.MapCarrier{}).(propagation.ValuesGetter); ok {
		t.Error("a carrier without Values gained one")
	}
}

// A message with two traceparent headers carries no parent (as an HTTP
// request with two traceparent lines); its tracestate headers are joined.
func TestConsumerRepeatedHeaders(t *testing.T) {
	p := newTestProviders(t, nil)
	otel.SetTracerProvider(p.tp)
	otel.SetTextMapPropagator(Propagators())
	const tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	two := []Header{{Key: "traceparent", Value: []byte(tp)}, {Key: "Traceparent", Value: []byte(tp)}}
	_, span := StartConsumer(context.Background(), Message{System: "kafka", Destination: "orders"}, HeaderCarrier{Headers: &two})
	span.End()
	if parent := p.spans.Ended()[0].Parent(); parent.IsValid() {
		t.Errorf("two traceparent headers continued as %v", parent)
	}
	one := []Header{{Key: "TRACEPARENT", Value: []byte(tp)}, {Key: "tracestate", Value: []byte("a=1")}, {Key: "tracestate", Value: []byte("b=2")}}
	_, span = StartConsumer(context.Background(), Message{System: "kafka", Destination: "orders"}, HeaderCarrier{Headers: &one})
	span.End()
	parent := p.spans.Ended()[1].Parent()
	if parent.SpanID().String() != "00f067aa0ba902b7" || parent.TraceState().String() != "a=1,b=2" {
		t.Errorf("parent %v tracestate %q", parent, parent.TraceState().String())
	}
}

// Message header names are matched without regard to ASCII case only, as the
// Rust module matches them: "traceſtate" (U+017F, which Unicode folds to "s")
// is another header, neither read nor replaced.
func TestHeaderNamesFoldASCIIOnly(t *testing.T) {
	headers := []Header{{Key: "traceſtate", Value: []byte("a=1")}, {Key: "TraceState", Value: []byte("b=2")}}
	c := HeaderCarrier{Headers: &headers}
	if got := c.Get("tracestate"); got != "b=2" {
		t.Errorf("Get read %q, want the TraceState header", got)
	}
	if got := c.Values("tracestate"); len(got) != 1 || got[0] != "b=2" {
		t.Errorf("Values read %q", got)
	}
	c.Set("tracestate", "c=3")
	if len(headers) != 2 || headers[0].Key != "traceſtate" || string(headers[1].Value) != "c=3" {
		t.Errorf("Set left %q", headers)
	}
}
