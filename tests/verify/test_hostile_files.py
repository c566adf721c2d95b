"""Hostile files: every malformed input ends as exit 2 with the file named and no traceback."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

from scaffold.errors import InputError
from scaffold.verify import otlp_proto
from tests.conftest import DEFAULT_CONVENTIONS, CliResult
from tests.verify.payloads import attrs, span, traces

Cli = Callable[..., CliResult]
CONV = ["--conventions", str(DEFAULT_CONVENTIONS)]
GOOD_LINE = json.dumps(traces(span())) + "\n"


def _deep_kvlist_doc(levels: int) -> str:
    """A span whose one attribute nests `levels` kvlists, written as text (json.dumps would
    itself recurse too deeply)."""
    value = '{"stringValue": "x"}'
    for _ in range(levels):
        value = '{"kvlistValue": {"values": [{"key": "k", "value": ' + value + "}]}}"
    doc = json.dumps(traces(span(attributes=[{"key": "app.deep", "value": {}}])))
    return doc.replace('"value": {}', '"value": ' + value) + "\n"


HOSTILE = {
    "invalid-utf8": GOOD_LINE.replace("payments", "\udcff").encode("utf-8", "surrogateescape"),
    "deep-array": b"[" * 100_000 + b"]" * 100_000,
    "deep-on-line-2": GOOD_LINE.encode() + b'{"resourceSpans":' + b"[" * 50_000 + b"\n",
    "deep-kvlist": _deep_kvlist_doc(300).encode(),
    "nan-literal": GOOD_LINE.replace('"stringValue": "GET"', '"doubleValue": NaN').encode(),
    "bad-gzip-header": b"\x1f\x8b\x09" + bytes(range(64)),
    "truncated-gzip": gzip.compress(GOOD_LINE.encode() * 200)[:-40],
}
EXPECTED = {
    "invalid-utf8": "not UTF-8",
    "deep-array": "nested too deeply",
    "deep-on-line-2": ":2: JSON nested too deeply",
    "deep-kvlist": "nested too deeply",
    "nan-literal": "NaN is not a JSON value",
    "bad-gzip-header": "broken gzip stream",
    "truncated-gzip": "broken gzip stream",
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_file_is_exit_2_naming_the_file(cli: Cli, tmp_path: Path, case: str) -> None:
    path = tmp_path / f"{case}.json"
    path.write_bytes(HOSTILE[case])
    result = cli("verify", *CONV, str(path))
    assert result.code == 2, result.err
    assert str(path) in result.err and EXPECTED[case] in result.err
    assert "Traceback" not in result.err


def test_kvlist_nesting_within_the_parser_but_past_the_limit_is_refused(
    cli: Cli, tmp_path: Path
) -> None:
    path = tmp_path / "nested.json"
    path.write_text(_deep_kvlist_doc(100), encoding="utf-8")
    result = cli("verify", *CONV, str(path))
    assert result.code == 2 and "nests arrays or kvlists over 64 deep" in result.err
    path.write_text(_deep_kvlist_doc(10), encoding="utf-8")
    assert cli("verify", *CONV, str(path)).code in (0, 1)


def test_protobuf_kvlist_nesting_past_the_limit_is_refused() -> None:
    value = AnyValue(string_value="x")
    for _ in range(70):
        outer = AnyValue()
        pair = outer.kvlist_value.values.add()
        pair.key = "k"
        pair.value.CopyFrom(value)
        value = outer
    with pytest.raises(InputError, match="over 64 deep"):
        otlp_proto.value_of(value)
    assert otlp_proto.value_of(AnyValue(string_value="x")).value == "x"


def test_a_good_file_still_reads(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "ok.json"
    path.write_text(json.dumps(traces(span(attributes=attrs(foo="x")))) + "\n", encoding="utf-8")
    result = cli("verify", *CONV, str(path), "--json")
    assert result.code == 1 and '"attribute": "foo"' in result.out
