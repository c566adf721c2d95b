package telemetry

import (
	"testing"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
)

func TestOtelgrpcScopeNameIsWrittenOutRight(t *testing.T) {
	if otelgrpc.ScopeName != otelgrpcScope {
		t.Errorf("otelgrpc.ScopeName is %q; metrics_redact.go says %q", otelgrpc.ScopeName, otelgrpcScope)
	}
}
