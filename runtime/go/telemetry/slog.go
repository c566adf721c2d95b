package telemetry

import (
	"bytes"
	"context"
	"encoding"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// LogHandler is a slog.Handler that adds the conventions' trace id, span id
// and trace flags fields to every record logged with a context that carries
// a span, and http.route to records logged while a Handler serves a request
// whose route is known (RouteFromContext). The fields stay at the top level of the record even inside groups
// opened with WithGroup. Fields whose key the conventions class pii or
// secret get their privacy action, as on spans; the message and every other
// string-valued field (error values, fmt.Stringer values, the strings of
// groups, structs, maps and slices) are scrubbed as free text (ScrubText:
// URLs, e-mail addresses, credentials, long digit runs); numbers and bools
// stay. Inside groups the key is the dotted path ("app" then "user.email" is
// app.user.email). A field or member whose name says it is a secret
// (isSecretName: password, apiKey, Set-Cookie...) and that the conventions
// do not class is written as REDACTED, whatever its value. The message and
// each text field are then cut to maxLogText bytes (at a character
// boundary, ending in logCutMarker); a structured value whose JSON form is
// longer is written as that JSON text, cut.
type LogHandler struct {
	base slog.Handler // the wrapped handler with the attributes added before any group
	next slog.Handler // base with every group and attribute added
	ops  []logOp      // the WithGroup and WithAttrs calls from the first group on
	// prefix is the open groups joined with dots, each followed by a dot: a
	// field's key as a log backend shows it is prefix + key.
	prefix string
}

// logOp is one WithGroup (group set) or WithAttrs call.
type logOp struct {
	group string
	attrs []slog.Attr
}

var _ slog.Handler = LogHandler{}

// NewLogHandler wraps next.
func NewLogHandler(next slog.Handler) LogHandler { return LogHandler{base: next, next: next} }

// Enabled implements slog.Handler.
func (h LogHandler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

// Handle implements slog.Handler.
func (h LogHandler) Handle(ctx context.Context, r slog.Record) error {
	r = redactRecord(r, h.prefix)
	sc := trace.SpanContextFromContext(ctx)
	route := RouteFromContext(ctx)
	if !sc.IsValid() && route == "" {
		return h.next.Handle(ctx, r)
	}
	var fields []slog.Attr
	if sc.IsValid() {
		fields = append(fields,
			slog.String(conv.logTraceID, sc.TraceID().String()),
			slog.String(conv.logSpanID, sc.SpanID().String()),
			slog.String(conv.logTraceFlags, sc.TraceFlags().String()),
		)
	}
	if route != "" {
		// The route of the request being served, also behind http.StripPrefix (Route).
		fields = append(fields, slog.String(string(keyHTTPRoute), route))
	}
	if len(h.ops) == 0 {
		r = r.Clone()
		r.AddAttrs(fields...)
		return h.next.Handle(ctx, r)
	}
	// Groups are open: add the fields before them, then replay the groups.
	out := h.base.WithAttrs(fields)
	for _, op := range h.ops {
		if op.group != "" {
			out = out.WithGroup(op.group)
		} else {
			out = out.WithAttrs(op.attrs)
		}
	}
	return out.Handle(ctx, r)
}

// WithAttrs implements slog.Handler.
func (h LogHandler) WithAttrs(as []slog.Attr) slog.Handler {
	if len(as) == 0 {
		return h
	}
	as = redactLogAttrs(as, h.prefix)
	if len(h.ops) == 0 {
		return LogHandler{base: h.base.WithAttrs(as), next: h.next.WithAttrs(as)}
	}
	return LogHandler{base: h.base, next: h.next.WithAttrs(as), ops: append(slices.Clip(h.ops), logOp{attrs: as}), prefix: h.prefix}
}

// WithGroup implements slog.Handler.
func (h LogHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return LogHandler{base: h.base, next: h.next.WithGroup(name), ops: append(slices.Clip(h.ops), logOp{group: name}), prefix: h.prefix + name + "."}
}

// maxLogText is the longest message or text field written, in bytes, after
// scrubbing; a longer one is cut at a character boundary and ends in
// logCutMarker.
const maxLogText = 16 << 10

// logCutMarker is what a cut message or text field ends in.
const logCutMarker = "...[cut]"

// cutLogText returns s cut to maxLogText bytes at a character boundary,
// with logCutMarker, or s when it is not longer.
func cutLogText(s string) string {
	if len(s) <= maxLogText {
		return s
	}
	end := maxLogText
	for end > 0 && !utf8.RuneStart(s[end]) {
		end--
	}
	return s[:end] + logCutMarker
}

// logText is the text a string field leaves with: scrubbed, then cut.
func cleanLogText(s string) string { return cutLogText(ScrubText(s)) }

// redactRecord applies the privacy policy to a record's message and fields,
// whose keys are below prefix.
func redactRecord(r slog.Record, prefix string) slog.Record {
	msg := cleanLogText(r.Message)
	dirty := msg != r.Message
	if !dirty {
		r.Attrs(func(a slog.Attr) bool {
			dirty = logAttrNeedsRedaction(a, prefix)
			return !dirty
		})
	}
	if !dirty {
		return r
	}
	out := slog.NewRecord(r.Time, r.Level, msg, r.PC)
	attrs := make([]slog.Attr, 0, r.NumAttrs())
	r.Attrs(func(a slog.Attr) bool {
		attrs = append(attrs, a)
		return true
	})
	out.AddAttrs(redactLogAttrs(attrs, prefix)...)
	return out
}

// groupPrefix is the prefix of the fields of group a below prefix (an
// inline group, with an empty key, adds nothing).
func groupPrefix(prefix string, a slog.Attr) string {
	if a.Key == "" {
		return prefix
	}
	return prefix + a.Key + "."
}

// logPrivacyKey returns the registry key that classes the field key below
// prefix, or "": the dotted path, or the path below any of its groups (a
// field "app.user.email" in a group "request" is still app.user.email).
func logPrivacyKey(prefix, key string) string {
	if privacyActions[key] != actionKeep {
		return key
	}
	for i := 0; i < len(prefix); i++ {
		if i == 0 || prefix[i-1] == '.' {
			if k := prefix[i:] + key; privacyActions[k] != actionKeep {
				return k
			}
		}
	}
	return ""
}

// logClassedBelow reports whether the conventions class keys below the
// field key under prefix (or below it under any of its groups): then a
// secret-named value there is left to their actions, member by member
// (app.session when app.session.token is classed), instead of being masked
// whole.
func logClassedBelow(prefix, key string) bool {
	for i := 0; i <= len(prefix); i++ {
		if i > 0 && prefix[i-1] != '.' {
			continue
		}
		path := prefix[i:] + key
		for k := range privacyActions {
			if len(k) > len(path) && k[len(path)] == '.' && strings.HasPrefix(k, path) {
				return true
			}
		}
	}
	return false
}

// secretLogKey reports whether the field key below prefix names a secret:
// the key, or its dotted path (a member of a group opened with WithGroup
// under a secret name, such as credentials.value, as slog.Group's members
// are; api.key joins to apikey).
func secretLogKey(prefix, key string) bool {
	return isSecretName(key) || prefix != "" && isSecretName(prefix+key)
}

func logAttrNeedsRedaction(a slog.Attr, prefix string) bool {
	if logPrivacyKey(prefix, a.Key) != "" || secretLogKey(prefix, a.Key) {
		return true
	}
	switch a.Value.Kind() {
	case slog.KindString:
		return cleanLogText(a.Value.String()) != a.Value.String()
	case slog.KindGroup:
		for _, g := range a.Value.Group() {
			if logAttrNeedsRedaction(g, groupPrefix(prefix, a)) {
				return true
			}
		}
	case slog.KindAny, slog.KindLogValuer:
		return true
	}
	return false
}

// redactLogAttrs returns as, whose keys are below prefix, with the privacy
// policy applied.
func redactLogAttrs(as []slog.Attr, prefix string) []slog.Attr {
	out := make([]slog.Attr, 0, len(as))
	for _, a := range as {
		if a, ok := redactLogAttr(a, prefix); ok {
			out = append(out, a)
		}
	}
	return out
}

func redactLogAttr(a slog.Attr, prefix string) (slog.Attr, bool) {
	v := a.Value.Resolve()
	if key := logPrivacyKey(prefix, a.Key); key != "" {
		kv, ok := redactOne(attribute.String(key, logText(v)))
		if !ok {
			return a, false
		}
		return slog.String(a.Key, kv.Value.AsString()), true
	}
	if secretLogKey(prefix, a.Key) && !logClassedBelow(prefix, a.Key) {
		// Named a secret, not classed by the conventions: masked.
		return slog.String(a.Key, redactedValue), true
	}
	switch v.Kind() {
	case slog.KindGroup:
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(redactLogAttrs(v.Group(), groupPrefix(prefix, a))...)}, true
	case slog.KindString:
		return slog.String(a.Key, cleanLogText(v.String())), true
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, cleanLogText(err.Error())), true
		}
		if s, ok := v.Any().(fmt.Stringer); ok {
			return slog.String(a.Key, cleanLogText(s.String())), true
		}
		if ss, ok := v.Any().([]string); ok {
			out := make([]string, len(ss))
			for i, s := range ss {
				out[i] = cleanLogText(s)
			}
			return slog.Any(a.Key, out), true
		}
		if !plainScalar(v.Any()) {
			return slog.Any(a.Key, redactedTree(v.Any(), groupPrefix(prefix, a))), true
		}
	}
	return slog.Attr{Key: a.Key, Value: v}, true
}

// plainScalar reports whether x is nil or a bool or number (behind any
// pointers) that prints as itself: no custom text or JSON form that could
// carry free text. Anything else (a struct, map, slice, a named string type,
// a value with its own MarshalText or MarshalJSON) is rendered as JSON and
// cleaned (redactedTree), never logged raw.
func plainScalar(x any) bool {
	if x == nil {
		return true
	}
	if _, ok := x.(encoding.TextMarshaler); ok {
		return false
	}
	if _, ok := x.(json.Marshaler); ok {
		return false
	}
	t := reflect.TypeOf(x)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		return true
	}
	return false
}

// redactedTree renders x the way encoding/json sees it (field names from json
// tags, map keys as text) and applies the privacy policy to it: a member whose
// dotted path below prefix the conventions class pii or secret gets its
// action, and every string is scrubbed (ScrubText). A value JSON cannot render is
// replaced by a note naming its type, never logged raw.
func redactedTree(x any, prefix string) any {
	raw, err := json.Marshal(x)
	if err != nil {
		return fmt.Sprintf("[%T not logged: %v]", x, err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return fmt.Sprintf("[%T not logged]", x)
	}
	clean := cleanTree(tree, prefix)
	if len(raw) <= maxLogText {
		return clean
	}
	// Too long to log whole: its cleaned JSON text, cut.
	if text, err := json.Marshal(clean); err == nil && len(text) > maxLogText {
		return cutLogText(string(text))
	}
	return clean
}

func cleanTree(node any, prefix string) any {
	switch n := node.(type) {
	case map[string]any:
		out := make(map[string]any, len(n))
		for k, v := range n {
			if key := logPrivacyKey(prefix, k); key != "" {
				if kv, ok := redactOne(attribute.String(key, treeText(v))); ok {
					out[k] = kv.Value.AsString()
				}
				continue
			}
			if isSecretName(k) && !logClassedBelow(prefix, k) {
				out[ScrubText(k)] = redactedValue
				continue
			}
			// A key may be data too (a map keyed by e-mail address).
			out[ScrubText(k)] = cleanTree(v, prefix+k+".")
		}
		return out
	case []any:
		out := make([]any, len(n))
		for i, v := range n {
			out[i] = cleanTree(v, prefix)
		}
		return out
	case string:
		return cleanLogText(n)
	}
	return node
}

// treeText is the text a privacy action works on: a string as it is, any
// other value as JSON.
func treeText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

func logText(v slog.Value) string {
	if v.Kind() == slog.KindAny {
		if err, ok := v.Any().(error); ok {
			return err.Error()
		}
	}
	return v.String()
}
