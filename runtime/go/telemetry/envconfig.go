package telemetry

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// Standard OTEL_* variables follow one rule: a variable that is set and valid
// wins over the conventions, which win over the SDK's defaults. A variable
// that is set but invalid is reported once (the variable, the bad value and
// the value used instead) and ignored; with the conventions' strict start-up
// Setup returns those reports as its error instead. Enumerations are
// case-insensitive, as the OpenTelemetry SDK environment variable
// specification says.

// envReader reads the variables of one Setup and collects what was wrong.
type envReader struct {
	getenv func(string) string
	logger *slog.Logger
	errs   []error
	warned map[string]bool
}

// warn reports a bad value and the value used instead, once per variable and value.
func (e *envReader) warn(variable, bad, used string) {
	if e.warned[variable+"="+bad] {
		return
	}
	if e.warned == nil {
		e.warned = make(map[string]bool)
	}
	e.warned[variable+"="+bad] = true
	e.errs = append(e.errs, fmt.Errorf("telemetry: %s=%q is not valid; using %s", variable, bad, used))
	e.logger.Warn("telemetry configuration: invalid value ignored",
		slog.String("variable", variable), slog.String("value", bad), slog.String("using", used))
}

// notice reports something that needs an operator's attention without a bad
// value (no hash key, no admin token); strict start-up does not stop for it.
func (e *envReader) notice(msg string, attrs ...slog.Attr) {
	e.logger.LogAttrs(context.Background(), slog.LevelWarn, "telemetry configuration: "+msg, attrs...)
}

// get returns the trimmed value of name.
func (e *envReader) get(name string) string { return strings.TrimSpace(e.getenv(name)) }

// boolean reads a boolean variable: only "true" (any case) is true; values
// other than "true", "false" and empty are reported.
func (e *envReader) boolean(name string) bool {
	v := e.get(name)
	switch {
	case strings.EqualFold(v, "true"):
		return true
	case v == "" || strings.EqualFold(v, "false"):
		return false
	}
	e.warn(name, v, "false")
	return false
}

// firstUsable returns the first of names (a signal's variable, then the
// general one) that is set and that parse accepts, else fallback. A set but
// unusable value is ignored as if it were not set (the SDK environment
// variable specification, v1.60.0: warn and "gracefully ignore the
// setting") and reported, naming the value used instead. The Rust module
// reads the signal and general variables the same way.
func firstUsable[T any](e *envReader, fallback T, describe func(T) string, parse func(string) (T, bool), names ...string) T {
	var bad []string
	used := fallback
	for _, name := range names {
		v := e.get(name)
		if v == "" {
			continue
		}
		if got, ok := parse(v); ok {
			used = got
			break
		}
		bad = append(bad, name, v)
	}
	for i := 0; i < len(bad); i += 2 {
		e.warn(bad[i], bad[i+1], describe(used))
	}
	return used
}

// maxMillis is the longest duration in milliseconds a time.Duration holds
// (9,223,372,036,854 ms, about 292 years).
const maxMillis = math.MaxInt64 / int64(time.Millisecond)

// parseMillis reads a duration (OTEL_BSP_SCHEDULE_DELAY,
// OTEL_METRIC_EXPORT_INTERVAL): decimal digits of at most maxMillis.
func parseMillis(v string) (time.Duration, bool) {
	n, read := readDecimal(v, uint64(maxMillis))
	if read != decimalValue {
		return 0, false
	}
	return time.Duration(n) * time.Millisecond, true
}

// decimal is what readDecimal made of a value.
type decimal int

const (
	decimalValue decimal = iota // a value of at most the bound
	notDecimal                  // not decimal digits alone
	tooLarge                    // decimal digits alone, above the bound
)

// readDecimal reads v, a variable's trimmed value, as every integer variable
// takes one (limits, timeouts, delays, intervals, queue and batch sizes): one
// or more ASCII digits and nothing else, leading zeros allowed. A sign ("+5",
// "-0"), inner spaces, a base prefix, an exponent, underscores or bytes that
// are not UTF-8 make it notDecimal (configuration/common.md v1.60.0,
// §Numeric: warned about, treated as not set). Digits above max, however
// many, are tooLarge; the caller's family decides what that means, by one
// rule each (docs/conventions.md, "Environment: numbers"):
//
//   - timeouts (OTEL_EXPORTER_OTLP_[SIGNAL_]TIMEOUT, OTEL_BSP_EXPORT_TIMEOUT,
//     OTEL_METRIC_EXPORT_TIMEOUT), max 2147483647 ms: no limit, as 0 is
//     (parseTimeout);
//   - durations (OTEL_BSP_SCHEDULE_DELAY, OTEL_METRIC_EXPORT_INTERVAL), max
//     maxMillis: warned about, the default used (parseMillis);
//   - count limits (OTEL_*_COUNT_LIMIT), max maxCount, and value length limits
//     (OTEL_[SPAN_]ATTRIBUTE_VALUE_LENGTH_LIMIT), max math.MaxInt: warned
//     about, treated as not set (count, valueLength);
//   - queue and batch sizes (OTEL_BSP_MAX_QUEUE_SIZE,
//     OTEL_BSP_MAX_EXPORT_BATCH_SIZE), max maxSpanQueue: warned about, held
//     to maxSpanQueue (positive).
//
// The Rust module's settings::decimal reads by the same rules.
func readDecimal(v string, max uint64) (uint64, decimal) {
	if v == "" {
		return 0, notDecimal
	}
	var n uint64
	over := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < '0' || c > '9' {
			return 0, notDecimal
		}
		d := uint64(c - '0')
		if over || n > max/10 || d > max-n*10 {
			over = true
			continue
		}
		n = n*10 + d
	}
	if over {
		return 0, tooLarge
	}
	return n, decimalValue
}

// millis reads a duration in milliseconds; fallback when unset or invalid.
func (e *envReader) millis(fallback time.Duration, names ...string) time.Duration {
	return firstUsable(e, fallback, time.Duration.String, parseMillis, names...)
}

// noLimit is what a timeout of 0 (no limit: configuration/common.md
// v1.60.0, §Timeout) becomes: the largest number of milliseconds a 32-bit
// integer holds, the "very large duration" the specification allows. The
// SDK would take 0 as "not set" and use its own default. The Rust module
// uses the same value.
const noLimit = time.Duration(math.MaxInt32) * time.Millisecond

// timeout reads a timeout in milliseconds (parseTimeout); fallback when
// unset or invalid.
func (e *envReader) timeout(fallback time.Duration, names ...string) time.Duration {
	describe := func(d time.Duration) string {
		if d == noLimit {
			return "no limit"
		}
		return d.String()
	}
	return firstUsable(e, fallback, describe, parseTimeout, names...)
}

// parseTimeout reads a timeout in milliseconds (readDecimal): 0 is noLimit,
// and so is any value over it, however many digits it has (it names a
// timeout longer than any other).
func parseTimeout(v string) (time.Duration, bool) {
	n, read := readDecimal(v, math.MaxInt32)
	switch {
	case read == notDecimal:
		return 0, false
	case read == tooLarge || n == 0:
		return noLimit, true
	}
	return time.Duration(n) * time.Millisecond, true
}

// minScheduleDelay is the shortest OTEL_BSP_SCHEDULE_DELAY accepted: at 0
// the SDK's batcher resets its timer in a loop and spins a core while idle.
// A smaller value is reported and this one used; the Rust module has the
// same floor.
const minScheduleDelay = 10 * time.Millisecond

func (e *envReader) scheduleDelay() time.Duration {
	const name = "OTEL_BSP_SCHEDULE_DELAY"
	d := e.millis(conv.scheduleDelay, name)
	if d < minScheduleDelay {
		e.warn(name, e.get(name), minScheduleDelay.String()+" (the smallest accepted)")
		return minScheduleDelay
	}
	return d
}

// maxSpanQueue bounds OTEL_BSP_MAX_QUEUE_SIZE and
// OTEL_BSP_MAX_EXPORT_BATCH_SIZE: the SDK allocates both in full at start-up,
// so a value of billions would stop the process before it serves. The Rust
// module has the same bound.
const maxSpanQueue = 1 << 16

// positive reads a positive integer (readDecimal) of at most max; fallback
// when unset or invalid (0 included: the specification says valid values are
// positive), max when larger.
func (e *envReader) positive(name string, fallback, max int) int {
	v := e.get(name)
	if v == "" {
		return fallback
	}
	n, read := readDecimal(v, uint64(max))
	switch {
	case read == tooLarge:
		e.warn(name, v, strconv.Itoa(max)+" (the largest accepted)")
		return max
	case read == notDecimal || n == 0:
		e.warn(name, v, strconv.Itoa(fallback))
		return fallback
	}
	return int(n)
}

// secret reads a secret from name, or from the file named by name_FILE.
// It never logs the secret itself.
func (e *envReader) secret(name string) []byte {
	if name == "" {
		return nil
	}
	if v := e.getenv(name); v != "" {
		return []byte(strings.TrimSpace(v))
	}
	path := e.get(name + "_FILE")
	if path == "" {
		return nil
	}
	b, err := readSecretFile(path)
	if err != nil {
		e.notice("secret file unreadable", slog.String("variable", name+"_FILE"), slog.String("error", err.Error()))
		return nil
	}
	return []byte(strings.TrimSpace(string(b)))
}

// maxSecretFile bounds a secret file: a key or token is short.
const maxSecretFile = 64 << 10

// readSecretFile reads a regular file of at most maxSecretFile bytes, so a
// path naming a device (/dev/zero), a FIFO or a huge file never stalls or
// exhausts the start-up.
func readSecretFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxSecretFile {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, maxSecretFile)
	}
	return b, nil
}

// exportSettings are the exporter settings after the precedence rule.
type exportSettings struct {
	traceExporters  []string
	metricExporters []string
	traceProtocol   string
	metricProtocol  string
	traceTimeout    time.Duration
	metricTimeout   time.Duration
	traceGzip       bool
	metricGzip      bool
	bspDelay        time.Duration
	bspTimeout      time.Duration
	bspQueue        int
	bspBatch        int
	metricInterval  time.Duration
	metricExpTime   time.Duration
	// The OTLP metric exporters' temporality: given to them, so that the
	// SDK's own reading (which reports a bad value only at debug level)
	// never decides.
	metricTemporality sdkmetric.TemporalitySelector
}

func (e *envReader) exportSettings() exportSettings {
	e.checkHeaders()
	s := exportSettings{
		traceExporters:    e.exporters("OTEL_TRACES_EXPORTER"),
		metricExporters:   e.exporters("OTEL_METRICS_EXPORTER"),
		traceProtocol:     e.protocol("TRACES"),
		metricProtocol:    e.protocol("METRICS"),
		traceTimeout:      e.timeout(conv.exportTimeout, "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT"),
		metricTimeout:     e.timeout(conv.exportTimeout, "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT"),
		traceGzip:         e.compression("TRACES"),
		metricGzip:        e.compression("METRICS"),
		bspDelay:          e.scheduleDelay(),
		bspTimeout:        e.timeout(conv.exportTimeout, "OTEL_BSP_EXPORT_TIMEOUT"),
		bspQueue:          e.positive("OTEL_BSP_MAX_QUEUE_SIZE", conv.queueSize, maxSpanQueue),
		bspBatch:          e.positive("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", conv.batchSize, maxSpanQueue),
		metricInterval:    e.millis(conv.exportInterval, "OTEL_METRIC_EXPORT_INTERVAL"),
		metricExpTime:     e.timeout(conv.exportTimeout, "OTEL_METRIC_EXPORT_TIMEOUT"),
		metricTemporality: e.temporality(),
	}
	if s.bspBatch > s.bspQueue {
		e.warn("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", strconv.Itoa(s.bspBatch), strconv.Itoa(s.bspQueue)+" (the queue size)")
		s.bspBatch = s.bspQueue
	}
	if s.metricInterval <= 0 {
		e.warn("OTEL_METRIC_EXPORT_INTERVAL", "0", conv.exportInterval.String())
		s.metricInterval = conv.exportInterval
	}
	return s
}

// exporters reads OTEL_TRACES_EXPORTER or OTEL_METRICS_EXPORTER: a
// comma-separated list of otlp, console and none. none alone exports
// nothing; listed with other exporters it is warned about and ignored, as in
// the Rust crate. A list of only unknown names is warned about and means otlp.
func (e *envReader) exporters(name string) []string {
	v := e.get(name)
	if v == "" {
		return []string{"otlp"}
	}
	var out []string
	for part := range strings.SplitSeq(v, ",") {
		k := strings.ToLower(strings.TrimSpace(part))
		switch k {
		case "otlp", "console", "none":
			if !slices.Contains(out, k) {
				out = append(out, k)
			}
		case "":
		default:
			e.warn(name, strings.TrimSpace(part), "no exporter for this entry (known: otlp, console, none)")
		}
	}
	if len(out) == 0 {
		e.warn(name, v, "otlp")
		return []string{"otlp"}
	}
	if len(out) > 1 && slices.Contains(out, "none") {
		e.warn(name, "none", "ignored (listed with other exporters)")
		out = slices.DeleteFunc(out, func(k string) bool { return k == "none" })
	}
	if len(out) == 1 && out[0] == "none" {
		return nil
	}
	return out
}

// protocol reads OTEL_EXPORTER_OTLP_<SIGNAL>_PROTOCOL, else
// OTEL_EXPORTER_OTLP_PROTOCOL, else the conventions' protocol. http/json is
// not built in and becomes http/protobuf, as grpc does without the OTLP/gRPC
// exporter; both are reported. An unknown value is ignored as if unset.
func (e *envReader) protocol(signal string) string {
	parse := func(v string) (string, bool) {
		switch p := strings.ToLower(v); p {
		case "grpc", "http/protobuf", "http/json":
			return p, true
		}
		return "", false
	}
	describe := func(p string) string {
		if p == conv.exportProtocol {
			return p + ", the conventions' protocol"
		}
		return p
	}
	names := []string{"OTEL_EXPORTER_OTLP_" + signal + "_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"}
	p := firstUsable(e, conv.exportProtocol, describe, parse, names...)
	name := names[0]
	if e.get(name) == "" || !strings.EqualFold(e.get(name), p) {
		name = names[1]
	}
	switch {
	case p == "grpc" && grpcSpanExporter == nil:
		e.warn(name, e.get(name), "http/protobuf (the OTLP/gRPC exporter is not built in: scaffold add --with grpc adds it)")
		return "http/protobuf"
	case p == "http/json":
		e.warn(name, e.get(name), "http/protobuf (http/json is not built in)")
		return "http/protobuf"
	}
	return p
}

// temporality reads OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE
// (metrics/sdk_exporters/otlp.md, v1.60.0): cumulative (the default), delta
// or lowmemory, any case; another value is reported and cumulative used.
func (e *envReader) temporality() sdkmetric.TemporalitySelector {
	const name = "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE"
	switch v := e.get(name); strings.ToLower(v) {
	case "", "cumulative":
		return sdkmetric.CumulativeTemporalitySelector
	case "delta":
		return sdkmetric.DeltaTemporalitySelector
	case "lowmemory":
		return sdkmetric.LowMemoryTemporalitySelector
	default:
		e.warn(name, v, "cumulative (the specification's default)")
		return sdkmetric.CumulativeTemporalitySelector
	}
}

// compression reads OTEL_EXPORTER_OTLP_<SIGNAL>_COMPRESSION, else
// OTEL_EXPORTER_OTLP_COMPRESSION (gzip or none), else the conventions'.
func (e *envReader) compression(signal string) bool {
	describe := func(gzip bool) string {
		if gzip {
			return "gzip"
		}
		return "none"
	}
	parse := func(v string) (bool, bool) {
		switch strings.ToLower(v) {
		case "gzip":
			return true, true
		case "none":
			return false, true
		}
		return false, false
	}
	names := []string{"OTEL_EXPORTER_OTLP_" + signal + "_COMPRESSION", "OTEL_EXPORTER_OTLP_COMPRESSION"}
	return firstUsable(e, conv.exportGzip, describe, parse, names...)
}

// endpointFromEnv reports whether the standard variables name an endpoint.
func (e *envReader) endpointFromEnv(signal string) bool {
	return e.get("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || e.get("OTEL_EXPORTER_OTLP_"+signal+"_ENDPOINT") != ""
}

// defaultEndpoint is the endpoint when no variable names one: the
// conventions' endpoint when protocol is the conventions' protocol, else the
// specification's default for protocol (protocol/exporter.md, v1.60.0: the
// default endpoint depends on the protocol, http://localhost:4317 for gRPC
// and http://localhost:4318 for OTLP/HTTP). So overriding only the protocol
// never sends OTLP/HTTP to a gRPC port, and the Rust module does the same.
func defaultEndpoint(protocol string) string {
	switch {
	case protocol == conv.exportProtocol:
		return conv.exportEndpoint
	case protocol == "grpc":
		return "http://localhost:4317"
	default:
		return "http://localhost:4318"
	}
}

// endpointURL is the endpoint the OTLP exporter of signal ("TRACES",
// "METRICS") sends to, as the specification resolves it: the signal's
// variable as it is, else OTEL_EXPORTER_OTLP_ENDPOINT (with the signal's
// path for OTLP/HTTP), else defaultEndpoint the same way. It may hold
// credentials: log it only through cleanEndpoint.
//
// Over OTLP/HTTP a value that is no http or https URL with a host is warned
// about and passed over: OTLP/HTTP always uses the endpoint's scheme
// (protocol/exporter.md, v1.60.0), so `collector:4318` names no transport,
// and the SDK would drop every export after one parse error.
func (e *envReader) endpointURL(signal, protocol string) string {
	var bad []string
	usable := func(name string) string {
		v := e.get(name)
		if v != "" && protocol != "grpc" && !httpEndpoint(v) {
			bad = append(bad, name, v)
			return ""
		}
		return v
	}
	out := usable("OTEL_EXPORTER_OTLP_" + signal + "_ENDPOINT")
	if out == "" {
		base := usable("OTEL_EXPORTER_OTLP_ENDPOINT")
		if base == "" {
			base = defaultEndpoint(protocol)
		}
		out = base
		if protocol != "grpc" {
			out = signalURL(base, "v1/"+strings.ToLower(signal))
		}
	}
	for i := 0; i < len(bad); i += 2 {
		e.warn(bad[i], cleanEndpoint(bad[i+1]), cleanEndpoint(out)+" (OTLP/HTTP needs an http:// or https:// URL)")
	}
	return out
}

// httpEndpoint reports whether v is an http or https URL with a host.
func httpEndpoint(v string) bool {
	u, err := url.Parse(v)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// exporterEndpoint is the endpoint URL to give the OTLP exporter of signal,
// and false when the exporter should read the standard variables itself (an
// endpoint without an http or https scheme, which only OTLP/gRPC accepts).
// An endpoint with a scheme is always given: the SDK lets
// OTEL_EXPORTER_OTLP_INSECURE override the scheme, which would send an
// https:// endpoint's data and headers in plain text, while the
// specification (protocol/exporter.md, v1.60.0) says the scheme takes
// precedence over the insecure setting for OTLP/gRPC and OTLP/HTTP always
// uses the endpoint's scheme.
func (e *envReader) exporterEndpoint(signal, protocol string) (string, bool) {
	raw := e.endpointURL(signal, protocol)
	if !e.endpointFromEnv(signal) {
		return raw, true
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return "", false
	}
	return raw, true
}

// knownMethods reads OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS: a
// comma-separated, case-sensitive list that replaces the known HTTP methods.
func (e *envReader) knownMethods() {
	v := e.get("OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS")
	if v == "" {
		setKnownMethods(conv.knownMethods)
		return
	}
	var ms []string
	for m := range strings.SplitSeq(v, ",") {
		if m = strings.TrimSpace(m); m != "" {
			ms = append(ms, m)
		}
	}
	setKnownMethods(ms)
}
