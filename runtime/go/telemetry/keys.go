package telemetry

import (
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// Attribute keys of OpenTelemetry's stable semantic conventions used here.
const (
	keyHTTPRequestMethod         = semconv.HTTPRequestMethodKey
	keyHTTPRequestMethodOriginal = semconv.HTTPRequestMethodOriginalKey
	keyHTTPResponseStatusCode    = semconv.HTTPResponseStatusCodeKey
	keyHTTPRequestResendCount    = semconv.HTTPRequestResendCountKey
	keyHTTPRoute                 = semconv.HTTPRouteKey
	keyURLScheme                 = semconv.URLSchemeKey
	keyURLPath                   = semconv.URLPathKey
	keyURLFull                   = semconv.URLFullKey
	keyURLQuery                  = semconv.URLQueryKey
	keyNetworkPeerAddress        = semconv.NetworkPeerAddressKey
	keyNetworkPeerPort           = semconv.NetworkPeerPortKey
	keyServerAddress             = semconv.ServerAddressKey
	keyServerPort                = semconv.ServerPortKey
	keyNetworkProtocolVersion    = semconv.NetworkProtocolVersionKey
	keyClientAddress             = semconv.ClientAddressKey
	keyUserAgentOriginal         = semconv.UserAgentOriginalKey
	keyErrorType                 = semconv.ErrorTypeKey
	keyDBSystemName              = semconv.DBSystemNameKey
	keyDBOperationName           = semconv.DBOperationNameKey
	keyDBCollectionName          = semconv.DBCollectionNameKey
	keyDBQueryText               = semconv.DBQueryTextKey
	keyDBNamespace               = semconv.DBNamespaceKey
	keyDBQuerySummary            = semconv.DBQuerySummaryKey
	keyDBStoredProcedureName     = semconv.DBStoredProcedureNameKey
	keyMessagingConsumerGroup    = semconv.MessagingConsumerGroupNameKey
	keyMessagingSystem           = semconv.MessagingSystemKey
	keyMessagingDestinationName  = semconv.MessagingDestinationNameKey
	keyMessagingOperationType    = semconv.MessagingOperationTypeKey
	keyMessagingOperationName    = semconv.MessagingOperationNameKey
	keyMessagingMessageID        = semconv.MessagingMessageIDKey
)

func globalTracerProvider() trace.TracerProvider       { return otel.GetTracerProvider() }
func globalMeterProvider() metric.MeterProvider        { return otel.GetMeterProvider() }
func globalPropagators() propagation.TextMapPropagator { return otel.GetTextMapPropagator() }
