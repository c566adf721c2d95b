package telemetry

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"testing"
)

// addressVectors is the server.address and url.full table the Go and the
// Rust runtime must agree on, in the scaffold repository. This test runs
// only here, in place: no manifest entry ships it into a service.
var addressVectors = filepath.Join("..", "..", "..", "tests", "vectors", "address.json")

type addressFile struct {
	Hosts []struct {
		Host    string  `json:"host"`
		HTTPS   bool    `json:"https"`
		Address *string `json:"address"`
		Port    *int    `json:"port"`
	} `json:"hosts"`
	FullURLs []struct {
		Input  string `json:"input"`
		Output string `json:"output"`
		// Opaque: a URL without "//" (RFC 3986 section 3), which free text
		// does not read as a URL.
		Opaque bool `json:"opaque"`
	} `json:"full_urls"`
}

func readAddressVectors(t *testing.T) addressFile {
	t.Helper()
	raw, err := os.ReadFile(addressVectors)
	if err != nil {
		t.Fatal(err)
	}
	var file addressFile
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Hosts) < 30 || len(file.FullURLs) < 8 {
		t.Fatalf("only %d hosts and %d URLs", len(file.Hosts), len(file.FullURLs))
	}
	return file
}

// TestSharedAddressVectors checks requestAddress and cleanAddress (what a
// server span's server.address and server.port leave as) against every
// shared host vector.
func TestSharedAddressVectors(t *testing.T) {
	for _, v := range readAddressVectors(t).Hosts {
		scheme := "http"
		if v.HTTPS {
			scheme = "https"
		}
		name, port, ok := requestAddress(v.Host, scheme)
		if !ok {
			if v.Address != nil || v.Port != nil {
				t.Errorf("%q: no address, want %v port %v", v.Host, deref(v.Address), v.Port)
			}
			continue
		}
		if v.Address == nil {
			t.Errorf("%q: address %q, want none", v.Host, name)
			continue
		}
		if got := validText(cleanAddress(name)); got != *v.Address {
			t.Errorf("%q: address %q, want %q", v.Host, got, *v.Address)
		}
		if want := 0; v.Port != nil && *v.Port != port || v.Port == nil && port != want {
			t.Errorf("%q: port %d, want %v", v.Host, port, v.Port)
		}
	}
}

// TestSharedFullURLVectors checks url.full as the client transport records
// it (SanitizeURL) and as the export cleans it (SanitizeText).
func TestSharedFullURLVectors(t *testing.T) {
	for _, v := range readAddressVectors(t).FullURLs {
		u, err := url.Parse(v.Input)
		if err != nil {
			t.Fatal(err)
		}
		if got := SanitizeURL(u); got != v.Output {
			t.Errorf("SanitizeURL(%q) = %q, want %q", v.Input, got, v.Output)
		}
		if got := SanitizeText(v.Input); !v.Opaque && got != v.Output {
			t.Errorf("SanitizeText(%q) = %q, want %q", v.Input, got, v.Output)
		}
	}
}

func deref(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}
