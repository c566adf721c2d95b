"""Resource rules: required and recommended resource attributes, telemetry.sdk.*, and a
service name of the form `scaffold new` accepts."""

from __future__ import annotations

import re

from scaffold.conventions.model import ResourceAttribute
from scaffold.verify.context import Context
from scaffold.verify.findings import Level, Where
from scaffold.verify.records import Resource
from scaffold.verify.rules_attributes import check_attributes

SDK_KEYS = ("telemetry.sdk.name", "telemetry.sdk.language", "telemetry.sdk.version")
SERVICE_NAME = re.compile(r"^[a-z][a-z0-9-]{0,62}$")


def check_resource(ctx: Context, resource: Resource, input_name: str) -> None:
    where = Where("resource", service=resource.service, input=input_name)
    attrs = resource.attributes
    for spec in ctx.conv.resource:
        value = attrs.get(spec.key)
        empty = value is None or value.kind == "empty" or value.text().strip() == ""
        if not empty:
            if value is not None and value.kind == "string":
                _check_placeholder(ctx, spec, value.text(), where)
            continue
        required = spec.requirement_level == "required"
        state = "missing" if value is None else "empty"
        ctx.add(
            Level.VIOLATION if required else Level.IMPROVEMENT,
            "resource.required" if required else "resource.recommended",
            f"{spec.requirement_level} resource attribute {spec.key} is {state}",
            where,
            ctx.lines.resource(spec.key),
            spec.key,
        )
    missing = [key for key in SDK_KEYS if key not in attrs]
    if missing:
        ctx.add(
            Level.IMPROVEMENT,
            "resource.sdk",
            f"resource lacks {', '.join(missing)} (an OpenTelemetry SDK sets them)",
            where,
            ctx.lines.at("resource"),
        )
    name = resource.service
    _check_consistent(ctx, name, where)
    if name and not SERVICE_NAME.match(name):
        ctx.add(
            Level.IMPROVEMENT,
            "resource.service_name",
            f"service.name {name!r} is not a service name scaffold accepts "
            "(lower-case letters, digits and '-', starting with a letter)",
            where,
            ctx.lines.resource("service.name"),
            "service.name",
        )
    check_attributes(ctx, attrs, where, "resource", on_resource=True)


def _variable(ctx: Context, spec: ResourceAttribute) -> str:
    """The variable that gives the attribute its value where the service runs."""
    if spec.source == "env":
        return spec.env
    if spec.source == "environment":
        return ctx.conv.environment_variable
    if spec.source == "version":
        return "SERVICE_VERSION"
    return "OTEL_SERVICE_NAME"


def _check_placeholder(ctx: Context, spec: ResourceAttribute, text: str, where: Where) -> None:
    """A required attribute whose value is its placeholder was never set where the
    service runs. A static value is the conventions' own, whatever it says."""
    if spec.requirement_level != "required" or spec.source == "static":
        return
    if text != spec.placeholder:
        return
    ctx.add(
        Level.VIOLATION,
        "resource.placeholder",
        f"required resource attribute {spec.key} has its placeholder value "
        f"{spec.placeholder!r}: set {_variable(ctx, spec)} where the service runs",
        where,
        ctx.lines.resource(spec.key),
        spec.key,
    )


def _check_consistent(ctx: Context, name: str, where: Where) -> None:
    """One service, one spelling: payments-api and Payments_API are the same service."""
    key = name.lower().replace("_", "-").replace(".", "-")
    remember = len(ctx.service_names) < 10_000 and len(name) <= 256
    first = (
        ctx.service_names.setdefault(key, name) if remember else ctx.service_names.get(key, name)
    )
    if first != name:
        ctx.add(
            Level.VIOLATION,
            "resource.service_name.spelling",
            f"service.name {name!r} is spelled {first!r} elsewhere; one service, one name",
            where,
            ctx.lines.resource("service.name"),
            "service.name",
        )
