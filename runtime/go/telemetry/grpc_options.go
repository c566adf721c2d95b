package telemetry

import (
	"go.opentelemetry.io/otel/attribute"
	"google.golang.org/grpc/stats"
)

// WithGRPCFilter records only the RPCs for which filter returns true (spans
// and metrics; the context still propagates). Default: every RPC.
func WithGRPCFilter(filter func(*stats.RPCTagInfo) bool) Option {
	return optionFunc(func(c *config) {
		c.grpcFilter = func(info any) bool {
			i, _ := info.(*stats.RPCTagInfo)
			return filter(i)
		}
	})
}

// WithGRPCAttributes adds attributes to every gRPC span and metric. Default: none.
func WithGRPCAttributes(attrs ...attribute.KeyValue) Option {
	return optionFunc(func(c *config) { c.grpcAttrs = append(c.grpcAttrs, attrs...) })
}
