package telemetry

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// patternVectors is the name-pattern table the Go and the Rust runtime and
// `scaffold verify` must agree on, in the scaffold repository. This test runs
// only here, in place: no manifest entry ships it into a service.
var patternVectors = filepath.Join("..", "..", "..", "tests", "vectors", "patterns.json")

// TestSharedPatternVectors checks Go's regexp, as ValidSpanName uses it,
// against every shared vector.
func TestSharedPatternVectors(t *testing.T) {
	raw, err := os.ReadFile(patternVectors)
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Vectors []struct {
			Pattern string `json:"pattern"`
			Name    string `json:"name"`
			Match   bool   `json:"match"`
		} `json:"vectors"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Vectors) < 5000 {
		t.Fatalf("only %d vectors", len(file.Vectors))
	}
	wrong, matched := 0, 0
	for _, v := range file.Vectors {
		re, err := regexp.Compile(v.Pattern)
		if err != nil {
			t.Errorf("%q does not compile: %v", v.Pattern, err)
			wrong++
		} else if got := re.MatchString(v.Name); got != v.Match {
			t.Errorf("%q on %q: %v, want %v", v.Pattern, v.Name, got, v.Match)
			wrong++
		}
		if v.Match {
			matched++
		}
		if wrong > 40 {
			t.Fatal("too many")
		}
	}
	if matched < 1000 || matched > len(file.Vectors)-1000 {
		t.Fatalf("%d matches", matched)
	}
}
