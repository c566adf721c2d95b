package telemetry

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"go.opentelemetry.io/otel/trace"
)

// sharedVectors is the table every generated language must agree on, in the
// scaffold repository (tests/vectors/sampling.json). This test runs only here,
// in place: no manifest entry ships it into a service.
var sharedVectors = filepath.Join("..", "..", "..", "tests", "vectors", "sampling.json")

// TestSharedSamplingVectors checks SampleTraceID and the sampler against the
// shared vectors.
func TestSharedSamplingVectors(t *testing.T) {
	raw, err := os.ReadFile(sharedVectors)
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Vectors []struct {
			TraceID string  `json:"trace_id"`
			Ratio   float64 `json:"ratio"`
			Sampled bool    `json:"sampled"`
		} `json:"vectors"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Vectors) < 10000 {
		t.Fatalf("only %d vectors", len(file.Vectors))
	}
	wrong := 0
	for _, v := range file.Vectors {
		id, err := trace.TraceIDFromHex(v.TraceID)
		if err != nil {
			t.Fatalf("%s: %v", v.TraceID, err)
		}
		if got := SampleTraceID(id, v.Ratio); got != v.Sampled {
			wrong++
			if wrong <= 10 {
				t.Errorf("SampleTraceID(%s, %v) = %v, want %v", v.TraceID, v.Ratio, got, v.Sampled)
			}
		}
		// The sampler itself, for a root span with no route: the same decision.
		s := NewSampler(v.Ratio)
		if got := sample(s, t.Context(), id); got != v.Sampled {
			wrong++
			if wrong <= 10 {
				t.Errorf("Sampler at %v for %s sampled %v, want %v", v.Ratio, v.TraceID, got, v.Sampled)
			}
		}
	}
	t.Logf("%d vectors checked, %d disagreements", len(file.Vectors), wrong)
}
