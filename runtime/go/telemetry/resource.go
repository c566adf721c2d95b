package telemetry

import (
	"context"
	"fmt"
	"runtime/debug"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
)

// buildResource builds the resource of the conventions, lets OTEL_SERVICE_NAME
// and OTEL_RESOURCE_ATTRIBUTES override it, gives missing required
// attributes their placeholders and applies the privacy policy.
func buildResource(ctx context.Context, c *setupConfig, e *envReader) (*resource.Resource, string) {
	attrs := make([]attribute.KeyValue, 0, len(resourceSpecs))
	for _, spec := range resourceSpecs {
		var v string
		switch spec.source {
		case sourceService:
			v = ServiceName
		case sourceVersion:
			v = serviceVersion(c)
		case sourceEnvironment:
			v = e.get(conv.environmentVariable)
		case sourceEnv:
			v = strings.TrimSpace(c.getenv(spec.arg))
		case sourceStatic:
			v = spec.arg
		}
		if v != "" {
			attrs = append(attrs, attribute.String(spec.key, v))
		}
	}
	base := resource.NewWithAttributes(SchemaURL, attrs...)
	fromEnv, err := resource.New(ctx, resource.WithDetectors(envDetector{c.getenv}))
	if err != nil {
		// The value itself is never logged: it may hold pii or secret values.
		e.warn("OTEL_RESOURCE_ATTRIBUTES", strings.TrimPrefix(err.Error(), resource.ErrPartialResource.Error()+": "), "its well-formed pairs only")
	}
	// The SDK's own attributes (telemetry.sdk.*) come first, so that
	// OTEL_RESOURCE_ATTRIBUTES wins over them as over the conventions, as in
	// the Rust module. The SDK's detector names its own schema; its
	// attributes mean the same here.
	sdkRes, _ := resource.New(ctx, resource.WithTelemetrySDK())
	if merged, err := resource.Merge(resource.NewSchemaless(sdkRes.Attributes()...), base); err == nil {
		base = merged
	}
	res, err := resource.Merge(base, fromEnv)
	if err != nil {
		res = base
	}
	var fill []attribute.KeyValue
	env := ""
	if v, ok := res.Set().Value(attribute.Key("deployment.environment.name")); ok {
		env = v.Emit()
	}
	for _, spec := range resourceSpecs {
		if spec.source == sourceEnvironment {
			if v, ok := res.Set().Value(attribute.Key(spec.key)); ok {
				env = v.Emit()
			}
		}
	}
	for _, spec := range resourceSpecs {
		if v, ok := res.Set().Value(attribute.Key(spec.key)); ok && v.Emit() != "" || !spec.required {
			continue
		}
		e.warn(spec.variable(), "", fmt.Sprintf("%s=%q (placeholder)", spec.key, spec.placeholder))
		fill = append(fill, attribute.String(spec.key, spec.placeholder))
	}
	if len(fill) > 0 {
		if merged, err := resource.Merge(res, resource.NewSchemaless(fill...)); err == nil {
			res = merged
		}
	}
	redacted := Redact(res.Attributes())
	return resource.NewWithAttributes(res.SchemaURL(), redacted...), env
}

// variable names what sets the attribute, for the warning when it is missing.
func (s resourceSpec) variable() string {
	switch s.source {
	case sourceService:
		return "OTEL_SERVICE_NAME"
	case sourceVersion:
		return "SERVICE_VERSION"
	case sourceEnvironment:
		return conv.environmentVariable
	case sourceEnv:
		return s.arg
	default:
		return "OTEL_RESOURCE_ATTRIBUTES"
	}
}

func serviceVersion(c *setupConfig) string {
	if v := strings.TrimSpace(c.getenv("SERVICE_VERSION")); v != "" {
		return v
	}
	if c.serviceVersion != "" {
		return c.serviceVersion
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return ""
}

// envDetector reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES through getenv.
type envDetector struct{ getenv func(string) string }

func (d envDetector) Detect(context.Context) (*resource.Resource, error) {
	var attrs []attribute.KeyValue
	var errs []string
	// Errors name an entry by its position, or by its key, never by its
	// value: a value may be pii or secret.
	for i, pair := range strings.Split(d.getenv("OTEL_RESOURCE_ATTRIBUTES"), ",") {
		if strings.TrimSpace(pair) == "" {
			continue
		}
		k, v, ok := strings.Cut(pair, "=")
		if !ok || strings.TrimSpace(k) == "" {
			errs = append(errs, fmt.Sprintf("entry %d has no key=value form", i+1))
			continue
		}
		uv, err := urlUnescape(strings.TrimSpace(v))
		if err != nil {
			errs = append(errs, fmt.Sprintf("the value of entry %d (%.64q) is not valid percent-encoding", i+1, strings.TrimSpace(k)))
			continue
		}
		attrs = append(attrs, attribute.String(strings.TrimSpace(k), uv))
	}
	if name := strings.TrimSpace(d.getenv("OTEL_SERVICE_NAME")); name != "" {
		attrs = append(attrs, attribute.String("service.name", name))
	}
	if len(errs) > 0 {
		// Partial: resource.New keeps the well-formed pairs.
		return resource.NewSchemaless(attrs...), fmt.Errorf("%w: %s", resource.ErrPartialResource, strings.Join(errs, "; "))
	}
	return resource.NewSchemaless(attrs...), nil
}
