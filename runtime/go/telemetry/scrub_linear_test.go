package telemetry

import (
	"strings"
	"testing"
)

// hostileScrubInputs are texts whose every secret-named key holds a value
// that is already masked, in the forms a scan could read to the end of the
// text or line each time: a header line, name=value, a quoted value and a
// path.
var hostileScrubInputs = []string{
	"password:REDACTED ",
	"password=REDACTED",
	"password:REDACTED/",
	"x password=REDACTED ",
	"password: \"REDACTED ",
	"\"token\":REDACTED,",
}

// scrubWork is the work ScrubText's scan does on n bytes of unit repeated.
func scrubWork(unit string, n int) int {
	_, steps := scrubCounted(strings.Repeat(unit, n/len(unit)))
	return steps
}

// Doubling a hostile text at most doubles the scan's work, and the work
// stays a few steps per byte: a scan that read to the end of the text from
// every key would do thousands of times more.
func TestScrubWorkGrowsLinearly(t *testing.T) {
	const n = 64 << 10
	for _, unit := range hostileScrubInputs {
		small, large := scrubWork(unit, n), scrubWork(unit, 2*n)
		if large > 2*small+len(unit)*8 || large > 8*2*n {
			t.Errorf("%q: %d steps for %d bytes, %d for %d", unit, small, n, large, 2*n)
		}
	}
}

// A run of blanks after a secret-named key (password = x allows blanks
// before '=') is read once, not again from each of its bytes.
func TestScrubWorkOnARunOfBlanks(t *testing.T) {
	const n = 64 << 10
	for _, text := range []string{
		"password=x" + strings.Repeat(" ", n) + "y",
		"password=x" + strings.Repeat("\t", n) + "y",
		strings.Repeat("x =   ", n/6),
	} {
		if _, steps := scrubCounted(text); steps > 8*len(text) {
			t.Errorf("%q...: %d steps for %d bytes", text[:12], steps, len(text))
		}
	}
}

// BenchmarkScrubHostile scrubs 256 KiB of masked secret fields.
func BenchmarkScrubHostile(b *testing.B) {
	for _, unit := range hostileScrubInputs[:2] {
		text := strings.Repeat(unit, (256<<10)/len(unit))
		b.Run(strings.TrimSpace(unit), func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for range b.N {
				ScrubText(text)
			}
		})
	}
}
