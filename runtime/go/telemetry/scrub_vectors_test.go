package telemetry

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
)

// scrubVectors is the free-text table the Go and the Rust runtime must agree
// on, in the scaffold repository. This test runs only here, in place: no
// manifest entry ships it into a service.
var scrubVectors = filepath.Join("..", "..", "..", "tests", "vectors", "scrub.json")

// TestSharedScrubVectors checks ScrubText against every shared vector.
func TestSharedScrubVectors(t *testing.T) {
	raw, err := os.ReadFile(scrubVectors)
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Mask    string `json:"mask"`
		Vectors []struct {
			Input  string `json:"input"`
			Output string `json:"output"`
		} `json:"vectors"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	if file.Mask != redactedValue {
		t.Fatalf("mask %q, the runtime writes %q", file.Mask, redactedValue)
	}
	if len(file.Vectors) < 30 {
		t.Fatalf("only %d vectors", len(file.Vectors))
	}
	changed := 0
	for _, v := range file.Vectors {
		if got := ScrubText(v.Input); got != v.Output {
			t.Errorf("ScrubText(%q) = %q, want %q", v.Input, got, v.Output)
		}
		if v.Output != v.Input {
			changed++
		}
	}
	if changed == 0 || changed == len(file.Vectors) {
		t.Fatalf("%d of %d vectors change their input: the table must hold both kinds", changed, len(file.Vectors))
	}
}

// TestScrubCleanTextIsNotCopied: text with nothing to clean comes back as
// it is, without allocating.
func TestScrubCleanTextIsNotCopied(t *testing.T) {
	useTestConventions(t)
	for _, s := range []string{"order lookup failed", "status 500 after 3 retries", "caf\u00e9 ferm\u00e9", "key=value x_y"} {
		if n := testing.AllocsPerRun(50, func() { _ = ScrubText(s) }); n != 0 {
			t.Errorf("ScrubText(%q) allocated %v times", s, n)
		}
	}
}

// TestScrubIsLinear feeds a megabyte of each shape that would make a naive
// scan start again at every byte; a quadratic scan would not finish.
func TestScrubIsLinear(t *testing.T) {
	useTestConventions(t)
	const size = 1 << 20
	for _, unit := range []string{"eyJ-", "1 ", "a.", "a@", "%40", "Basic=", "x://", "%3A%2F%2F", "\"a", "password=", "１ ", "AKIA"} {
		s := strings.Repeat(unit, size/len(unit))
		out := ScrubText(s)
		if len(out) > 2*len(s)+64 {
			t.Errorf("%q: output grew to %d bytes", unit, len(out))
		}
	}
	long := strings.Repeat("a", size) + "@example.com " + strings.Repeat("4111 ", size/5)
	if out := ScrubText(long); !strings.HasPrefix(out, "REDACTED REDACTED") {
		t.Errorf("long address and digit run: %q...", out[:40])
	}
}

// TestFreeTextAttributesAreScrubbed: every free-text key is scrubbed,
// others only have their URLs cleaned.
func TestFreeTextAttributesAreScrubbed(t *testing.T) {
	useTestConventions(t)
	for _, key := range []attribute.Key{"exception.message", "exception.stacktrace", "error.message", "error.type", "user_agent.original", "url.path", "http.request.method_original"} {
		got := Redact([]attribute.KeyValue{key.String("mail jane@example.com")})
		if len(got) != 1 || got[0].Value.AsString() != "mail REDACTED" {
			t.Errorf("%s: %v", key, got)
		}
	}
	kept := []attribute.KeyValue{attribute.String("app.note", "mail jane@example.com")}
	if got := Redact(kept); got[0].Value.AsString() != "mail jane@example.com" {
		t.Errorf("app.note changed: %v", got)
	}
}

// TestSharedSecretNames checks the secret-name words against the list the
// Rust runtime holds too, and isSecretName against every shared name.
func TestSharedSecretNames(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "tests", "vectors", "secret_names.json"))
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Terms []string        `json:"terms"`
		Names map[string]bool `json:"names"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	if strings.Join(file.Terms, ",") != strings.Join(secretNameTerms[:], ",") {
		t.Fatalf("terms %v, the runtime holds %v", file.Terms, secretNameTerms)
	}
	kinds := map[bool]int{}
	for name, want := range file.Names {
		kinds[want]++
		if got := isSecretName(name); got != want {
			t.Errorf("isSecretName(%q) = %v, want %v", name, got, want)
		}
	}
	if kinds[true] == 0 || kinds[false] == 0 {
		t.Fatalf("the table must hold both kinds: %v", kinds)
	}
}
