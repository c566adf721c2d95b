package telemetry

import (
	"bytes"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"
)

func TestReadDecimalOutcomes(t *testing.T) {
	for _, c := range []struct {
		in   string
		max  uint64
		n    uint64
		read decimal
	}{
		{"0", 10, 0, decimalValue},
		{"10", 10, 10, decimalValue},
		{"0007", 10, 7, decimalValue},
		{"11", 10, 0, tooLarge},
		{"99999999999999999999999", 10, 0, tooLarge},
		{"18446744073709551615", math.MaxUint64, math.MaxUint64, decimalValue},
		{"18446744073709551616", math.MaxUint64, 0, tooLarge},
		{"2147483647", math.MaxInt32, math.MaxInt32, decimalValue},
		{"2147483648", math.MaxInt32, 0, tooLarge},
		{"65536", maxSpanQueue, maxSpanQueue, decimalValue},
		{"65537", maxSpanQueue, 0, tooLarge},
		{"", 10, 0, notDecimal},
		{"+5", 10, 0, notDecimal},
		{"-0", 10, 0, notDecimal},
		{"0x10", 100, 0, notDecimal},
		{"1e3", 10000, 0, notDecimal},
		{"1_000", 10000, 0, notDecimal},
		{"1 0", 100, 0, notDecimal},
		{"5.0", 10, 0, notDecimal},
		{"١٢", 100, 0, notDecimal},
		{"12\xff", 100, 0, notDecimal},
		{"99999999999999999999999x", 10, 0, notDecimal},
	} {
		n, read := readDecimal(c.in, c.max)
		if n != c.n || read != c.read {
			t.Errorf("readDecimal(%q, %d) = %d, %d; want %d, %d", c.in, c.max, n, read, c.n, c.read)
		}
	}
}

func TestPlainDecimalRatios(t *testing.T) {
	for in, want := range map[string]float64{
		"0": 0, "1": 1, "0.25": 0.25, ".5": 0.5, "1.": 1, "25e-2": 0.25, "1E0": 1,
		"0.1e+1": 1, " 0.5 ": 0.5, "1e-400": 0,
	} {
		if got, err := parseRatio(in); err != nil || got != want {
			t.Errorf("parseRatio(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{
		"", ".", "e1", "1e", "1e+", "+1", "+0.5", "-0", "0x1p-1", "0X.8p0", "inf", "Inf",
		"nan", "NaN", "infinity", "1_0", "0.5x", "1.5", "1e400", "0. 5", "0.5\xff",
	} {
		if got, err := parseRatio(in); err == nil {
			t.Errorf("parseRatio(%q) = %v, want an error", in, got)
		}
	}
}

// envWith is an envReader over vars whose warnings go to the returned buffer.
func envWith(vars map[string]string) (*envReader, *bytes.Buffer) {
	var logs bytes.Buffer
	return &envReader{
		getenv: func(k string) string { return vars[k] },
		logger: slog.New(slog.NewTextHandler(&logs, nil)),
	}, &logs
}

// Each family's rule for a value above its bound (readDecimal's comment).
func TestTooLargeValuesByFamily(t *testing.T) {
	huge := "99999999999999999999999"
	e, logs := envWith(map[string]string{
		"OTEL_EXPORTER_OTLP_TIMEOUT":     "2147483648",
		"OTEL_BSP_EXPORT_TIMEOUT":        huge,
		"OTEL_BSP_SCHEDULE_DELAY":        "9223372036855",
		"OTEL_METRIC_EXPORT_INTERVAL":    huge,
		"OTEL_BSP_MAX_QUEUE_SIZE":        "65537",
		"OTEL_SPAN_EVENT_COUNT_LIMIT":    "4294967296",
		"OTEL_ATTRIBUTE_COUNT_LIMIT":     "4294967295",
		"OTEL_SPAN_LINK_COUNT_LIMIT":     "0",
		"OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "65536",
	})
	s := e.exportSettings()
	if s.traceTimeout != noLimit || s.bspTimeout != noLimit {
		t.Errorf("timeouts %v, %v; want no limit", s.traceTimeout, s.bspTimeout)
	}
	if s.bspDelay != conv.scheduleDelay || s.metricInterval != conv.exportInterval {
		t.Errorf("delay %v, interval %v; want the defaults", s.bspDelay, s.metricInterval)
	}
	if s.bspQueue != maxSpanQueue || s.bspBatch != maxSpanQueue {
		t.Errorf("queue %d, batch %d; want %d", s.bspQueue, s.bspBatch, maxSpanQueue)
	}
	c := e.spanCounts()
	if c.events != 128 || c.attrs != math.MaxUint32 || c.links != 0 {
		t.Errorf("counts %+v; want events 128, attributes 4294967295, links 0", c)
	}
	out := logs.String()
	for _, name := range []string{"OTEL_BSP_SCHEDULE_DELAY", "OTEL_METRIC_EXPORT_INTERVAL", "OTEL_BSP_MAX_QUEUE_SIZE", "OTEL_SPAN_EVENT_COUNT_LIMIT"} {
		if strings.Count(out, "variable="+name+" ") != 1 {
			t.Errorf("want one warning about %s in:\n%s", name, out)
		}
	}
	for _, name := range []string{"OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_BSP_EXPORT_TIMEOUT", "OTEL_ATTRIBUTE_COUNT_LIMIT", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE"} {
		if strings.Contains(out, "variable="+name+" ") {
			t.Errorf("unexpected warning about %s in:\n%s", name, out)
		}
	}
	e, _ = envWith(map[string]string{"OTEL_BSP_SCHEDULE_DELAY": "9223372036854"})
	if d := e.scheduleDelay(); d != 9223372036854*time.Millisecond {
		t.Errorf("the longest delay: %v", d)
	}
	e, _ = envWith(map[string]string{"OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT": "9223372036854775808"})
	if n := e.spanValueLength(); n != conv.spanValueLength {
		t.Errorf("value length %d past int, want the conventions' %d", n, conv.spanValueLength)
	}
}

func TestNonUTF8NumbersAreWarnedAbout(t *testing.T) {
	e, logs := envWith(map[string]string{
		"OTEL_BSP_MAX_QUEUE_SIZE":    "12\xff",
		"OTEL_TRACES_SAMPLER_ARG":    "0.5\xff",
		"OTEL_BSP_SCHEDULE_DELAY":    "\xff",
		"OTEL_SPAN_LINK_COUNT_LIMIT": "\xfe\xff",
	})
	if q := e.positive("OTEL_BSP_MAX_QUEUE_SIZE", 7, maxSpanQueue); q != 7 {
		t.Errorf("queue %d, want the fallback", q)
	}
	if r := e.samplerArg(1); r != 1 {
		t.Errorf("sampler argument %v, want the default", r)
	}
	if d := e.scheduleDelay(); d != conv.scheduleDelay {
		t.Errorf("delay %v, want the default", d)
	}
	if c := e.spanCounts(); c.links != 128 {
		t.Errorf("links %d, want the default", c.links)
	}
	for _, name := range []string{"OTEL_BSP_MAX_QUEUE_SIZE", "OTEL_TRACES_SAMPLER_ARG", "OTEL_BSP_SCHEDULE_DELAY", "OTEL_SPAN_LINK_COUNT_LIMIT"} {
		if !strings.Contains(logs.String(), "variable="+name+" ") {
			t.Errorf("no warning about %s in:\n%s", name, logs.String())
		}
	}
}
