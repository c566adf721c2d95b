package telemetry

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// privacyAction is what happens to an attribute classed pii or secret.
type privacyAction int

const (
	actionKeep privacyAction = iota
	actionDrop
	actionHash
	actionRedact
)

// isFreeText reports whether values under key are free text that may quote
// personal data or credentials, scrubbed like a status description
// (ScrubText): the semantic conventions' exception.message,
// exception.stacktrace, error.message, error.type, user_agent.original,
// url.path and http.request.method_original (the url registry: sensitive
// content in url.path SHOULD be scrubbed when it can be identified).
func isFreeText(key attribute.Key) bool {
	switch key {
	case "exception.message", "exception.stacktrace", "error.message", "error.type", "user_agent.original",
		"url.path", "http.request.method_original":
		return true
	}
	return false
}

// redactedValue replaces the value of attributes whose action is redact.
const redactedValue = "REDACTED"

// hashKey is the HMAC-SHA-256 key of the action hash; nil means no key is
// configured, and hash then drops the attribute.
var hashKey atomic.Pointer[[]byte]

// SetHashKey sets the key that the privacy action hash uses (HMAC-SHA-256,
// hex). Setup reads it from the variable the conventions name, or from the
// file named by that variable with _FILE appended. An empty key makes hash
// drop the attribute. To rotate the key, restart the service with the new
// key: hashed values change from then on.
func SetHashKey(key []byte) {
	if len(key) == 0 {
		hashKey.Store(nil)
		return
	}
	k := append([]byte(nil), key...)
	hashKey.Store(&k)
	refreshSourceDrops()
}

// The request attributes the server span leaves out when the privacy rules
// drop them at export anyway (action drop, or hash with no key set), a bit
// each in sourceDrops: set, they would take slots of a small attribute count
// limit (OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT) and then be dropped, so a span
// would keep fewer attributes than the same span in Rust, which leaves them
// out too. The exporter still applies every rule to every attribute: this
// only leaves out what it would drop.
const (
	dropsQuery uint32 = 1 << iota
	dropsClient
	dropsPeer
	dropsAgent
	dropsMethodOriginal
)

// sourceDrops holds the drops* bits for the current rules and hash key:
// computed when the package starts and on each SetHashKey.
var sourceDrops atomic.Uint32

func init() { refreshSourceDrops() }

// refreshSourceDrops recomputes sourceDrops from privacyActions and the
// hash key.
func refreshSourceDrops() {
	var bits uint32
	for bit, key := range map[uint32]attribute.Key{
		dropsQuery:          keyURLQuery,
		dropsClient:         keyClientAddress,
		dropsPeer:           keyNetworkPeerAddress,
		dropsAgent:          keyUserAgentOriginal,
		dropsMethodOriginal: keyHTTPRequestMethodOriginal,
	} {
		switch privacyActions[string(key)] {
		case actionDrop:
			bits |= bit
		case actionHash:
			if hashKey.Load() == nil {
				bits |= bit
			}
		}
	}
	sourceDrops.Store(bits)
}

// hashValue returns the keyed hash of v, or false when no key is set.
func hashValue(v string) (string, bool) {
	k := hashKey.Load()
	if k == nil {
		return "", false
	}
	m := hmac.New(sha256.New, *k)
	m.Write([]byte(v))
	return hex.EncodeToString(m.Sum(nil)), true
}

// validText returns s with each invalid UTF-8 sequence replaced by U+FFFD.
// OTLP string fields must be UTF-8: one invalid byte (a User-Agent, a
// percent-decoded path, a forwarded host: any request can carry one) makes the
// exporter refuse the whole batch it is in.
func validText(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// needsRedaction reports whether kv leaves the service changed.
func needsRedaction(kv attribute.KeyValue) bool {
	if privacyActions[string(kv.Key)] != actionKeep || !utf8.ValidString(string(kv.Key)) {
		return true
	}
	if kv.Value.Type() == attribute.STRINGSLICE {
		for _, v := range kv.Value.AsStringSlice() {
			if hasURL(v) || !utf8.ValidString(v) {
				return true
			}
		}
		return false
	}
	if kv.Value.Type() != attribute.STRING {
		return false
	}
	if !utf8.ValidString(kv.Value.AsString()) {
		return true
	}
	if kv.Key == keyServerAddress {
		return cleanAddress(kv.Value.AsString()) != kv.Value.AsString()
	}
	if kv.Key == keyURLPath {
		return ScrubText(cleanPathParams(kv.Value.AsString())) != kv.Value.AsString()
	}
	if isFreeText(kv.Key) {
		return ScrubText(kv.Value.AsString()) != kv.Value.AsString()
	}
	if kv.Key == keyURLQuery {
		return SanitizeQuery(kv.Value.AsString()) != kv.Value.AsString()
	}
	return hasURL(kv.Value.AsString())
}

// Redact applies the conventions' privacy actions to attrs: attributes classed
// pii or secret are dropped, hashed (HMAC-SHA-256 with the configured key,
// dropped when there is none) or masked; URLs in every other string value,
// and in every element of a string array, are sanitised (credentials,
// sensitive query parameters); the free-text keys (exception.message,
// exception.stacktrace, error.message, error.type, user_agent.original,
// url.path, http.request.method_original) are scrubbed (ScrubText); server.address
// leaves as a host (cleanAddress) and url.path without sensitive path
// parameters (cleanPathParams). It returns attrs itself when nothing changes.
func Redact(attrs []attribute.KeyValue) []attribute.KeyValue {
	i := 0
	for ; i < len(attrs); i++ {
		if needsRedaction(attrs[i]) {
			break
		}
	}
	if i == len(attrs) {
		return attrs
	}
	out := make([]attribute.KeyValue, 0, len(attrs))
	out = append(out, attrs[:i]...)
	for _, kv := range attrs[i:] {
		if kv, ok := redactOne(kv); ok {
			out = append(out, kv)
		}
	}
	return out
}

// redactOne returns what leaves the service of kv, and false when nothing does.
// Keys and string values leave as valid UTF-8 (validText).
func redactOne(kv attribute.KeyValue) (attribute.KeyValue, bool) {
	kv, ok := redactValue(kv)
	if ok && !utf8.ValidString(string(kv.Key)) {
		kv.Key = attribute.Key(validText(string(kv.Key)))
	}
	return kv, ok
}

func redactValue(kv attribute.KeyValue) (attribute.KeyValue, bool) {
	switch privacyActions[string(kv.Key)] {
	case actionDrop:
		return kv, false
	case actionHash:
		h, ok := hashValue(kv.Value.Emit())
		return kv.Key.String(h), ok
	case actionRedact:
		return kv.Key.String(redactedValue), true
	}
	if kv.Value.Type() == attribute.STRING {
		if kv.Key == keyURLQuery {
			return kv.Key.String(validText(SanitizeQuery(kv.Value.AsString()))), true
		}
		if kv.Key == keyServerAddress {
			return kv.Key.String(validText(cleanAddress(kv.Value.AsString()))), true
		}
		if kv.Key == keyURLPath {
			return kv.Key.String(validText(ScrubText(cleanPathParams(kv.Value.AsString())))), true
		}
		if isFreeText(kv.Key) {
			return kv.Key.String(validText(ScrubText(kv.Value.AsString()))), true
		}
		return kv.Key.String(validText(SanitizeText(kv.Value.AsString()))), true
	}
	if kv.Value.Type() == attribute.STRINGSLICE {
		vs := kv.Value.AsStringSlice()
		for i, v := range vs {
			vs[i] = validText(SanitizeText(v))
		}
		return kv.Key.StringSlice(vs), true
	}
	return kv, true
}

// redactingExporter applies Redact to span, event and link attributes and
// scrubs the span name, the status description and event names (ScrubText)
// before handing spans to the next exporter.
// When res is set, spans carry it as their resource: the SDK merges the
// process environment's OTEL_RESOURCE_ATTRIBUTES into the resource it is
// given, unparsed and unredacted, and res is the resource Setup built.
// When capped, every span, event and link attribute value is cut to maxValue
// after the privacy rules (cutAttributes; see valuelimit.go).
type redactingExporter struct {
	next     sdktrace.SpanExporter
	res      *resource.Resource
	maxValue int
	capped   bool
}

var _ sdktrace.SpanExporter = (*redactingExporter)(nil)

func (e *redactingExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	limit := -1
	if e.capped {
		limit = e.maxValue
	}
	out := make([]sdktrace.ReadOnlySpan, len(spans))
	for i, s := range spans {
		out[i] = redactSpan(s, limit)
		if e.res != nil && out[i].Resource() != e.res {
			out[i] = withResource{out[i], e.res}
		}
	}
	return e.next.ExportSpans(ctx, out)
}

// withResource overrides the resource a finished span exports.
type withResource struct {
	sdktrace.ReadOnlySpan
	res *resource.Resource
}

func (s withResource) Resource() *resource.Resource { return s.res }

func (e *redactingExporter) Shutdown(ctx context.Context) error { return e.next.Shutdown(ctx) }

// redactedSpan overrides what a finished span exports.
type redactedSpan struct {
	sdktrace.ReadOnlySpan
	name   string
	attrs  []attribute.KeyValue
	events []sdktrace.Event
	links  []sdktrace.Link
	status sdktrace.Status
}

func (s redactedSpan) Name() string                     { return s.name }
func (s redactedSpan) Attributes() []attribute.KeyValue { return s.attrs }
func (s redactedSpan) Events() []sdktrace.Event         { return s.events }
func (s redactedSpan) Links() []sdktrace.Link           { return s.links }
func (s redactedSpan) Status() sdktrace.Status          { return s.status }

func same(a, b []attribute.KeyValue) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// redactSpan applies the privacy rules to s, then cuts its attribute values
// to limit characters (none when limit is negative).
func redactSpan(s sdktrace.ReadOnlySpan, limit int) sdktrace.ReadOnlySpan {
	changed := false
	attrs := cutAttributes(Redact(s.Attributes()), limit)
	changed = changed || !same(attrs, s.Attributes())
	events := s.Events()
	var re []sdktrace.Event
	for i, ev := range events {
		r := cutAttributes(Redact(ev.Attributes), limit)
		name := validText(ScrubText(ev.Name))
		if !same(r, ev.Attributes) || name != ev.Name {
			if re == nil {
				re = append([]sdktrace.Event(nil), events...)
			}
			re[i].Attributes, re[i].Name = r, name
		}
	}
	if re == nil {
		re = events
	} else {
		changed = true
	}
	links := s.Links()
	var rl []sdktrace.Link
	for i, l := range links {
		if r := cutAttributes(Redact(l.Attributes), limit); !same(r, l.Attributes) {
			if rl == nil {
				rl = append([]sdktrace.Link(nil), links...)
			}
			rl[i].Attributes = r
		}
	}
	if rl == nil {
		rl = links
	} else {
		changed = true
	}
	status := s.Status()
	if d := validText(ScrubText(status.Description)); d != status.Description {
		status.Description, changed = d, true
	}
	// A span name is free text too (tracer.Start takes any string).
	name := validText(ScrubText(s.Name()))
	if !changed && name == s.Name() {
		return s
	}
	return redactedSpan{ReadOnlySpan: s, name: name, attrs: attrs, events: re, links: rl, status: status}
}

// RecordError records err on the span of ctx as a span event and marks the
// span as failed with err's message as its description, the way the
// conventions expect (the message is scrubbed before export: ScrubText).
func RecordError(ctx context.Context, err error) {
	if err == nil {
		return
	}
	span := trace.SpanFromContext(ctx)
	span.RecordError(err)
	span.SetStatus(codes.Error, err.Error())
}
