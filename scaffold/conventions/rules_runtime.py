"""Rule checks of what a service reads at run time: trusted networks, trust routes, the
admin listener's address, and the variables that must not share a name."""

from __future__ import annotations

import ipaddress
import re

from scaffold.conventions.build import incident_variables, secret_variables
from scaffold.conventions.rulebase import Context, Rule
from scaffold.conventions.yamlsource import Path_

# Addresses and prefix lengths in ASCII only: no scope ids, no other scripts' digits.
_CIDR_TEXT = re.compile(r"[0-9A-Fa-f:.]+/[0-9]{1,3}")
# Decimal without leading zeros, which Go and Rust might read differently.
_PORT = re.compile(r"[1-9][0-9]{0,4}")
# Every IPv4 address as an IPv4-mapped IPv6 address (how a dual-stack socket may show it).
_MAPPED_IPV4 = ipaddress.IPv6Network("::ffff:0:0/96")
_CIDR_HINT = "Write a network as address/prefix length, such as 10.0.0.0/8 or fd00::/8."


def cidr_problem(text: str) -> tuple[str, str]:
    """(message, hint) of what is wrong with a trusted network, or ('', '')."""
    if not _CIDR_TEXT.fullmatch(text):
        if "/" not in text and _CIDR_TEXT.fullmatch(text + "/0"):
            return f"{text!r} has no prefix length", "For one address write /32 (IPv4) or /128."
        return f"found {text!r}, expected a network in CIDR notation", _CIDR_HINT
    try:
        network = ipaddress.ip_network(text, strict=True)
    except ValueError as error:
        if "host bits set" not in str(error):
            return f"found {text!r}, expected a network in CIDR notation", _CIDR_HINT
        base = ipaddress.ip_network(text, strict=False).with_prefixlen
        return f"{text!r} has bits set after its prefix", f"Did you mean {base!r}?"
    if network.prefixlen == 0 or (
        isinstance(network, ipaddress.IPv6Network) and _MAPPED_IPV4.subnet_of(network)
    ):
        return (
            f"{text!r} trusts every address: any client could set the client address, "
            "scheme and host that telemetry records",
            "List the networks your proxies send from, such as 10.0.0.0/8.",
        )
    return "", ""


def address_problem(text: str) -> str:
    """What is wrong with an admin listener address (IP:port or [IPv6]:port), or ''."""
    if text.startswith("["):
        host, sep, port = text[1:].partition("]:")
        if not sep:
            return "an IPv6 address in brackets needs a port after it, such as [::1]:7465"
    else:
        host, sep, port = text.rpartition(":")
        if not sep:
            return "it needs a port, such as 127.0.0.1:7465"
        if ":" in host:
            return "an IPv6 address goes in brackets, such as [::1]:7465"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return f"{host!r} is not an IP address (Go and Rust read an IP literal the same way)"
    if isinstance(address, ipaddress.IPv6Address) and address.scope_id:
        return "an IPv6 scope id is not supported"
    if text.startswith("[") and not isinstance(address, ipaddress.IPv6Address):
        return "only an IPv6 address goes in brackets"
    if not _PORT.fullmatch(port) or int(port) > 65535:
        return f"{port!r} is not a port from 1 to 65535 (without leading zeros)"
    return ""


def trusted_proxies(ctx: Context) -> None:
    for index, text in enumerate(ctx.section("trust").get("trusted_proxies", [])):
        message, hint = cidr_problem(text)
        if message:
            ctx.add(("trust", "trusted_proxies", index), message, hint)


def trust_routes(ctx: Context) -> None:
    seen: set[str] = set()
    for index, item in enumerate(ctx.section("trust").get("routes", [])):
        if item["route"] in seen:
            ctx.add(
                ("trust", "routes", index, "route"),
                f"route {item['route']!r} is listed twice",
                "Keep one entry per route.",
            )
        seen.add(item["route"])


def admin_address(ctx: Context) -> None:
    text = ctx.section("incident").get("admin_address")
    if text is None:
        return
    problem = address_problem(text)
    if problem:
        ctx.add(
            ("incident", "admin_address"),
            f"found {text!r}, expected IP:port: {problem}",
            "Write it as 127.0.0.1:7465, 0.0.0.0:7465 or [::1]:7465.",
        )


_SECRETS = ("the hash key", "the admin token")


def server_name(ctx: Context) -> None:
    """The schema's pattern lets through the shape of a name or an IPv6 address; this
    checks the length of a name and that an address with colons is one."""
    name = ctx.section("http").get("server_name", "")
    problem = ""
    if ":" in name:
        try:
            ipaddress.IPv6Address(name)  # the pattern lets no scope id ('%') through
        except ValueError:
            problem = "not an IPv6 address"
    elif len(name) > 253:
        problem = "a host name is at most 253 characters"
    if problem:
        ctx.add(
            ("http", "server_name"),
            f"found {name[:60]!r}, {problem}",
            "Write a host name such as api.example.com, or an address such as 2001:db8::1.",
        )


def _variables(ctx: Context) -> list[tuple[str, Path_, str, int]]:
    """(name, path, what, weight) of every variable the levers and secrets are read from;
    weight 2: named in the file and not the default, 1: named as the default, 0: left out."""
    org = ctx.data["organisation"]
    kill, ratio = incident_variables(org["name"])
    hash_key, token = secret_variables(org["name"])
    sections = {"organisation": org, "incident": ctx.section("incident")}
    sections["privacy"] = ctx.section("privacy")
    out: list[tuple[str, Path_, str, int]] = []
    for path, default, what in (
        (("organisation", "environment_variable"), "DEPLOYMENT_ENVIRONMENT", "the environment"),
        (("incident", "kill_switch_env"), kill, "the kill switch"),
        (("incident", "ratio_env"), ratio, "the sampling ratio"),
        (("privacy", "hash_key_env"), hash_key, _SECRETS[0]),
        (("incident", "admin_token_env"), token, _SECRETS[1]),
    ):
        section, key = sections[str(path[0])], str(path[1])
        name = section.get(key, default)
        weight = (2 if name != default else 1) if key in section else 0
        out.append((name, path, what, weight))
        if what in _SECRETS:
            out.append((name + "_FILE", path, f"the file of {what}", weight))
    return out


def variables_differ(ctx: Context) -> None:
    """The levers and secrets each have their own variable, and no resource attribute
    exports a secret's. A clash is reported where the file departs from the defaults."""
    variables = _variables(ctx)
    seen: dict[str, tuple[str, Path_, int]] = {}
    clashed: set[tuple[Path_, Path_]] = set()
    for name, path, what, weight in variables:
        if name in seen:
            first, first_path, first_weight = seen[name]
            if (first_path, path) in clashed:
                continue  # a secret's _FILE twin clashes when the secret's name does
            clashed.add((first_path, path))
            ctx.add(
                path if weight >= first_weight else first_path,
                f"the variable {name!r} would name both {first} and {what}",
                "Give each its own variable.",
            )
            continue
        seen[name] = (what, path, weight)
    secrets = {n: w for n, _, w, _ in variables if w.endswith(_SECRETS)}
    for index, res in enumerate(ctx.data.get("resource", [])):
        if res.get("source") == "env" and res.get("env") in secrets:
            ctx.add(
                ("resource", index, "env"),
                f"{res['key']!r} would export {res['env']}, which holds {secrets[res['env']]}",
                "Read the attribute from another variable.",
            )


RULES = (
    Rule((("trust", "trusted_proxies"),), trusted_proxies),
    Rule((("trust", "routes"),), trust_routes),
    Rule((("incident", "admin_address"),), admin_address),
    Rule((("http", "server_name"),), server_name),
    Rule(
        (
            ("organisation",),
            ("incident",),
            ("privacy", "hash_key_env"),
            ("resource",),
        ),
        variables_differ,
    ),
)
