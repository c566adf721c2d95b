"""`scaffold verify FILE...`: the file layouts it reads, --json, --fail-on, coverage, and
bad input as exit 2 naming the file and line."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import DEFAULT_CONVENTIONS, CliResult
from tests.verify.payloads import attrs, span, to_proto, traces

Cli = Callable[..., CliResult]
CONV = ["--conventions", str(DEFAULT_CONVENTIONS)]
BAD = traces(
    span(
        "GET /users/{id}",
        attributes=attrs(
            http__request__method="GET",
            http__route="/users/{id}",
            url__path="/users/42",
            url__scheme="http",
            foo="x",
        ),
    )
)
DEPRECATED = traces(
    span(
        attributes=attrs(
            http__request__method="GET",
            http__route="/users/{id}",
            url__path="/users/42",
            url__scheme="http",
            app__customer__id="t",
        )
    )
)


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _layouts(tmp: Path) -> dict[str, Path]:
    data = to_proto(BAD)
    files = {
        "json-lines": ("a.json", (json.dumps(BAD) + "\n" + json.dumps(BAD) + "\n").encode()),
        "json-document": ("b.json", json.dumps(BAD, indent=2).encode()),
        "json-gzip": ("c.json.gz", gzip.compress((json.dumps(BAD) + "\n").encode())),
        "proto-u32": ("traces.pb", len(data).to_bytes(4, "big") + data),
        "proto-varint": ("spans.bin", _varint(len(data)) + data + _varint(len(data)) + data),
        "proto-single": ("export.pb", data),
    }
    out = {}
    for key, (name, content) in files.items():
        (tmp / name).write_bytes(content)
        out[key] = tmp / name
    return out


@pytest.mark.parametrize(
    "layout",
    ["json-lines", "json-document", "json-gzip", "proto-u32", "proto-varint", "proto-single"],
)
def test_every_layout_is_read(cli: Cli, tmp_path: Path, layout: str) -> None:
    path = _layouts(tmp_path)[layout]
    result = cli("verify", *CONV, str(path), "--json")
    lines = [json.loads(line) for line in result.out.splitlines()]
    unknown = [x for x in lines if x.get("rule") == "attribute.unknown"]
    assert unknown and unknown[0]["attribute"] == "foo"
    assert unknown[0]["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    summary = lines[-1]
    assert summary["type"] == "summary" and summary["failed"] is True
    assert result.code == 1


def test_json_is_one_object_per_finding_then_a_summary(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text(json.dumps(BAD) + "\n", encoding="utf-8")
    result = cli("verify", *CONV, str(path), "--json")
    objects = [json.loads(line) for line in result.out.splitlines()]
    assert [o["type"] for o in objects] == ["finding"] * (len(objects) - 1) + ["summary"]
    summary = objects[-1]
    assert summary["findings"]["violation"] == 1
    assert "app.tenant.id" in summary["coverage"]["attributes_never_seen"]
    assert summary["coverage"]["naming_rules_seen"] == ["http_server"]


@pytest.mark.parametrize(
    ("fail_on", "code"), [("violation", 0), ("improvement", 1), ("information", 1)]
)
def test_fail_on_sets_the_exit_code(cli: Cli, tmp_path: Path, fail_on: str, code: int) -> None:
    path = tmp_path / "t.json"
    path.write_text(json.dumps(DEPRECATED) + "\n", encoding="utf-8")
    result = cli("verify", *CONV, str(path), "--fail-on", fail_on)
    assert result.code == code, result.out + result.err
    assert "attribute.deprecated" in result.out
    assert "app.customer.id is deprecated; use app.tenant.id" in result.out
    assert f"--fail-on {fail_on}" in result.out


def test_human_output_names_rule_service_and_line(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text(json.dumps(BAD) + "\n", encoding="utf-8")
    result = cli("verify", *CONV, str(path))
    line = next(x for x in result.out.splitlines() if "attribute.unknown" in x)
    assert line.startswith("violation: payments span 'GET /users/{id}'")
    assert f"{DEFAULT_CONVENTIONS}:" in line
    assert "registry attributes seen: 1/9" in result.out
    assert "verdict: FAIL" in result.out


@pytest.mark.parametrize(
    ("content", "where"),
    [
        (json.dumps(BAD) + "\n{not json\n", ":2: not valid JSON"),
        (
            json.dumps(BAD) + "\n" + json.dumps({"resourceSpans": 3}) + "\n",
            ":2: `resourceSpans` must be a list",
        ),
        ('{"hello": 1}\n', ":1: not an OTLP export"),
        ('{\n  "resourceSpans": [\n  ,\n]}\n', ":3: not valid JSON"),
    ],
)
def test_bad_input_is_exit_2_with_file_and_line(
    cli: Cli, tmp_path: Path, content: str, where: str
) -> None:
    path = tmp_path / "t.json"
    path.write_text(content, encoding="utf-8")
    result = cli("verify", *CONV, str(path))
    assert result.code == 2
    assert f"error: {path}{where}" in result.err
    assert "Traceback" not in result.err


def test_truncated_protobuf_is_exit_2(cli: Cli, tmp_path: Path) -> None:
    data = to_proto(BAD)
    path = tmp_path / "traces.pb"
    path.write_bytes(len(data).to_bytes(4, "big") + data[:-3])
    result = cli("verify", *CONV, str(path))
    assert result.code == 2
    assert f"{path}: at byte 0: the file ends inside a message" in result.err


def test_usage_errors(cli: Cli, tmp_path: Path) -> None:
    assert cli("verify", *CONV).code == 2
    assert cli("verify", *CONV, str(tmp_path / "missing.json")).code == 2
    result = cli("verify", *CONV, str(tmp_path), "--fail-on", "loud")
    assert result.code == 2 and "--fail-on" in result.err


def test_varint_framing_reports_the_byte_offset(cli: Cli, tmp_path: Path) -> None:
    data = to_proto(BAD)
    assert len(data) > 127  # a two-byte length prefix
    first = _varint(len(data)) + data
    path = tmp_path / "traces.bin"
    path.write_bytes(first + _varint(len(data)) + data[:10])
    result = cli("verify", *CONV, str(path))
    assert result.code == 2
    assert f"at byte {len(first)}: the file ends inside a message" in result.err


def test_a_file_that_is_not_otlp_is_exit_2(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "junk.bin"
    path.write_bytes(b"hello world\x00\xff\xfe")
    result = cli("verify", *CONV, str(path))
    assert result.code == 2
    assert "neither OTLP JSON nor an OTLP protobuf message" in result.err
