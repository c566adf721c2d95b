package telemetry

import (
	"net/url"
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
		"jane%40example.com":              "example.com",
		"eyJhbGciOiJIUzI1.eyJzdWIi":       "REDACTED",
		"eyJhbGciOiJIUzI.eyJzdWIi":        "REDACTED",
		"id-AKIAABCDEFGHIJKLMNOP.example": "id-REDACTED.example",
		"xoxb-abcdefghij.example":         "REDACTED.example",
		"keyword.example":                 "keyword.example",
		// The userinfo ends at the scrub's other at-signs too.
		"user:hunter2%40host":         "host",
		"hunter2%40host":              "host",
		"jane%2540shop.example":       "shop.example",
		"user:hunter2\uff20host":      "host",
		"jane\uff20":                  "REDACTED",
		"user:pass\uff20host.example": "host.example",
		"user:hunter2@shop.example":   "shop.example",
		// A zone is no part of an IP address: it is scrubbed as text.
		"::1%z-4111111111111111":                       "::1%z-REDACTED",
		"::1%eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc": "::1%REDACTED",
		"fe80::1%AKIAABCDEFGHIJKLMNOP":                 "fe80::1%REDACTED",
		"fe80::1%eth0":                                 "fe80::1%eth0",
		// The zone is scrubbed on its own: digits glued to the address
		// are a digit run (RFC 6874's "%25" ahead of the zone stays).
		"fe80::1%254111111111111111": "fe80::1%25REDACTED",
		"fe80::1%4111111111111111":   "fe80::1%REDACTED",
		"fe80::1%251":                "fe80::1%251",
		"::1%40x":                    "::1%40x",
	}
	for in, want := range cases {
		got := Redact([]attribute.KeyValue{keyServerAddress.String(in)})
		if len(got) != 1 || got[0].Value.AsString() != want {
			t.Errorf("server.address %q left as %v, want %q", in, got, want)
		}
	}
}

// The userinfo of a Host (or a trusted proxy's X-Forwarded-Host) is cut
// before host and port are split: its ':' is no port separator.
func TestServerAttrsCutTheUserinfoBeforeThePort(t *testing.T) {
	useTestConventions(t)
	usePrivacyActions(t, nil)
	h := &Handler{}
	cases := []struct {
		host, addr string
		port       int64 // 0: no server.port
	}{
		{"user:hunter2@shop.example", "shop.example", 80},
		{"jane.doe:pw@shop.example", "shop.example", 80},
		{"user:hunter2@shop.example:8443", "shop.example", 8443},
		{"user@[::1]:8080", "::1", 8080},
		{"user:hunter2%40shop.example:8443", "shop.example", 8443},
		{"user:pw%2540shop.example", "shop.example", 80},
		{"user:pw\uff20shop.example:9090", "shop.example", 9090},
		{"jane@", "", 0},
		{"shop.example:8443", "shop.example", 8443},
		// No host, no address and no port.
		{":8080", "", 0},
		{"@:8443", "", 0},
		{"[]:80", "", 0},
		// An at-sign inside the brackets of an IP-literal is no userinfo.
		{"[::1%40x]:80", "::1%40x", 80},
		{"user@[::1%40x]:81", "::1%40x", 81},
		{"a@b@[::1]:82", "::1", 82},
	}
	for _, c := range cases {
		got := Redact(h.serverAttrs(nil, c.host, "http"))
		var addr string
		var port int64
		for _, kv := range got {
			switch kv.Key {
			case keyServerAddress:
				addr = kv.Value.AsString()
			case keyServerPort:
				port = kv.Value.AsInt64()
			}
		}
		if addr != c.addr || port != c.port {
			t.Errorf("Host %q gave server.address %q, server.port %d; want %q, %d", c.host, addr, port, c.addr, c.port)
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
		// Not a listed parameter here, but a secret name to the free-text scrub.
		"/orders/3;jsessionid=abc;v=1": "/orders/3;jsessionid=REDACTED;v=1",
		"/orders;%73ig=x":              "/orders;%73ig=REDACTED",
		"/orders/3;sig":                "/orders/3;sig",
		"/a;x&sig=1":                   "/a;x&sig=1",
		// Names are compared without regard to ASCII case.
		"/a;SIG=x;SigNature=y": "/a;SIG=REDACTED;SigNature=REDACTED",
		"/orders;%53ig=x":      "/orders;%53ig=REDACTED",
	}
	for in, want := range cases {
		got := Redact([]attribute.KeyValue{keyURLPath.String(in)})
		if len(got) != 1 || got[0].Value.AsString() != want {
			t.Errorf("url.path %q left as %v, want %q", in, got, want)
		}
	}
	// The same in the path of url.full and of a URL in free text.
	const full = "https://h.example/orders/3;sig=ABCDEF;v=1?a=1"
	const clean = "https://h.example/orders/3;sig=REDACTED;v=1?a=1"
	if u, err := url.Parse(full); err != nil || SanitizeURL(u) != clean {
		t.Errorf("SanitizeURL(%q) = %q", full, SanitizeURL(u))
	}
	if got := ScrubText("GET " + full + " failed"); got != "GET "+clean+" failed" {
		t.Errorf("ScrubText: %q", got)
	}
	const mixed = "https://h.example/a;SIG=1?Token=2&SIGNATURE=3"
	const masked = "https://h.example/a;SIG=REDACTED?Token=REDACTED&SIGNATURE=REDACTED"
	if u, err := url.Parse(mixed); err != nil || SanitizeURL(u) != masked {
		t.Errorf("SanitizeURL(%q) = %q", mixed, SanitizeURL(u))
	}
	if got := ScrubText("GET " + mixed + " failed"); got != "GET "+masked+" failed" {
		t.Errorf("ScrubText: %q", got)
	}
}

func BenchmarkCleanAddressPlainHost(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if cleanAddress("localhost") != "localhost" {
			b.Fatal("changed")
		}
	}
}
