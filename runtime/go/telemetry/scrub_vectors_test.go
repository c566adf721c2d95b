package telemetry

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
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
