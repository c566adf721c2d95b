package telemetry

import (
	"testing"

	"go.opentelemetry.io/otel/attribute"
)

func TestServerAddressLeavesAsAHost(t *testing.T) {
	useTestConventions(t)
	usePrivacyActions(t, nil)
	cases := map[string]string{
		"localhost":                       "localhost",
		"shop.acme.example":               "shop.acme.example",
		"192.168.100.200":                 "192.168.100.200",
		"2001:db8::1":                     "2001:db8::1",
		"/tmp/my.sock":                    "/tmp/my.sock",
		"jane@example.com":                "example.com",
		"a@b@shop.example":                "shop.example",
		"jane@":                           "REDACTED",
		"4111111111111111.example":        "REDACTED.example",
		"jane%40example.com":              "REDACTED",
		"eyJhbGciOiJIUzI1.eyJzdWIi":       "REDACTED",
		"eyJhbGciOiJIUzI.eyJzdWIi":        "REDACTED",
		"id-AKIAABCDEFGHIJKLMNOP.example": "id-REDACTED.example",
		"xoxb-abcdefghij.example":         "REDACTED.example",
		"keyword.example":                 "keyword.example",
	}
	for in, want := range cases {
		got := Redact([]attribute.KeyValue{keyServerAddress.String(in)})
		if len(got) != 1 || got[0].Value.AsString() != want {
			t.Errorf("server.address %q left as %v, want %q", in, got, want)
		}
	}
}

func TestPathParametersNamedSensitiveAreRedacted(t *testing.T) {
	useTestConventions(t)
	usePrivacyActions(t, nil)
	cases := map[string]string{
		"/orders/42":                      "/orders/42",
		"/orders/3;sig=ABCDEF":            "/orders/3;sig=REDACTED",
		"/a;sig=x;keep=y/b;Signature=z/c": "/a;sig=REDACTED;keep=y/b;Signature=REDACTED/c",
		"/orders/3;jsessionid=abc;v=1":    "/orders/3;jsessionid=abc;v=1",
		"/orders;%73ig=x":                 "/orders;%73ig=REDACTED",
		"/orders/3;sig":                   "/orders/3;sig",
		"/a;x&sig=1":                      "/a;x&sig=1",
	}
	for in, want := range cases {
		got := Redact([]attribute.KeyValue{keyURLPath.String(in)})
		if len(got) != 1 || got[0].Value.AsString() != want {
			t.Errorf("url.path %q left as %v, want %q", in, got, want)
		}
	}
}

func BenchmarkCleanAddressPlainHost(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if cleanAddress("localhost") != "localhost" {
			b.Fatal("changed")
		}
	}
}
