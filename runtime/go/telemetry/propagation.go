package telemetry

import (
	"context"
	"net/http"
	"net/textproto"
	"reflect"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/propagation"
)

// Propagators returns the conventions' propagators. Baggage leaving the
// service is filtered by the conventions' allow-list (see FilterBaggage).
func Propagators() propagation.TextMapPropagator {
	return propagation.NewCompositeTextMapPropagator(conventionPropagators()...)
}

// allowedBaggage is the set of baggage keys that may leave the service.
var allowedBaggage = func() map[string]bool {
	m := make(map[string]bool, len(conv.baggageAllow))
	for _, k := range conv.baggageAllow {
		m[k] = true
	}
	return m
}()

// FilterBaggage keeps the members of b on the allow-list, at most the
// conventions' maximum number of entries, and applies the privacy actions to
// them (a member classed pii or secret is dropped, hashed or masked even when
// the allow-list names it). Only key=value leaves: a member's properties
// (";prop" or ";k=v", W3C Baggage) are dropped, since the allow-list names
// keys only and properties are free text that no privacy class covers.
func FilterBaggage(b baggage.Baggage) baggage.Baggage {
	members := b.Members()
	kept := make([]baggage.Member, 0, len(members))
	changed := false
	for _, m := range members {
		if !allowedBaggage[m.Key()] || len(kept) >= conv.baggageMaxEntries {
			continue
		}
		if privacyActions[m.Key()] != actionKeep {
			kv, ok := redactOne(attribute.String(m.Key(), m.Value()))
			if !ok {
				continue
			}
			nm, err := baggage.NewMemberRaw(m.Key(), kv.Value.AsString())
			if err != nil {
				continue
			}
			m, changed = nm, true
		}
		if len(m.Properties()) > 0 {
			nm, err := baggage.NewMemberRaw(m.Key(), m.Value())
			if err != nil {
				continue
			}
			m, changed = nm, true
		}
		kept = append(kept, m)
	}
	if len(kept) == len(members) && !changed {
		return b
	}
	out, err := baggage.New(kept...)
	if err != nil {
		return baggage.Baggage{}
	}
	return out
}

// allowListBaggage is the W3C baggage propagator with an outgoing allow-list.
type allowListBaggage struct{ propagation.Baggage }

var _ propagation.TextMapPropagator = allowListBaggage{}

// Inject writes only allowed baggage members.
func (p allowListBaggage) Inject(ctx context.Context, carrier propagation.TextMapCarrier) {
	b := baggage.FromContext(ctx)
	if b.Len() == 0 {
		return
	}
	p.Baggage.Inject(baggage.ContextWithBaggage(ctx, FilterBaggage(b)), carrier)
}

// headerCarrier is propagation.HeaderCarrier without the allocation of
// canonicalising the propagators' lower-case header names on every request.
type headerCarrier http.Header

var (
	_ propagation.TextMapCarrier = headerCarrier(nil)
	_ propagation.ValuesGetter   = headerCarrier(nil)
)

func canonicalHeader(key string) string {
	switch key {
	case "traceparent":
		return "Traceparent"
	case "tracestate":
		return "Tracestate"
	case "baggage":
		return "Baggage"
	}
	return textproto.CanonicalMIMEHeaderKey(key)
}

// Get returns the value of key. The W3C fields go through w3cValues: one
// traceparent, cleaned (several are no valid parent at all); the tracestate
// lines joined with commas, as HTTP combines list fields, and cleaned. Several
// baggage lines are joined with commas too.
func (c headerCarrier) Get(key string) string {
	v := c[canonicalHeader(key)]
	switch key {
	case fieldTraceparent, fieldTracestate, "baggage":
		return w3cValues(key, v)
	}
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// Values returns every value of key (propagation.ValuesGetter).
func (c headerCarrier) Values(key string) []string { return c[canonicalHeader(key)] }

// Set replaces the values of key.
func (c headerCarrier) Set(key, value string) { http.Header(c).Set(key, value) }

// Keys lists the header names.
func (c headerCarrier) Keys() []string { return propagation.HeaderCarrier(c).Keys() }

// w3cOnly reports whether every propagator p applies is W3C Trace Context
// (propagation.TraceContext) or W3C Baggage (propagation.Baggage, or the
// allow-list one of Propagators): p is one of them, or a composite of them
// (propagation.NewCompositeTextMapPropagator, read once here by its type).
// Their Extract returns the context it was given when the request carries
// neither a traceparent nor a baggage header (tracestate is read only with a
// traceparent), so a Handler skips Extract for such requests. Any other
// propagator, or a composite this cannot read, answers false: Extract is
// always called.
func w3cOnly(p propagation.TextMapPropagator) bool {
	switch p.(type) {
	case propagation.TraceContext, propagation.Baggage, allowListBaggage:
		return true
	case nil:
		return false
	}
	v := reflect.ValueOf(p)
	t := v.Type()
	if t.Kind() != reflect.Slice || t.PkgPath() != "go.opentelemetry.io/otel/propagation" || t.Name() != "compositeTextMapPropagator" {
		return false
	}
	for i := range v.Len() {
		switch v.Index(i).Interface().(type) {
		case propagation.TraceContext, propagation.Baggage, allowListBaggage:
		default:
			return false
		}
	}
	return true
}
