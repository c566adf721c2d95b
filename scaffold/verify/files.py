"""Read OTLP files one export request at a time, never the whole file at once.

- JSON: one export request per line (the collector's file exporter), or one document
  of any size (pretty-printed, or one long line), split into its resource groups as it
  is read; each line, or each resource group, at most `max_message` bytes.
- protobuf: messages framed as the collector's file exporter writes them (a 4-byte
  big-endian length before each), delimited by a varint length (the OTLP file spec), or
  one whole message (up to `max_message` bytes).
- Either may be gzip-compressed.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from scaffold.errors import InputError, UsageError, explain_os_error
from scaffold.verify import jsonsplit, otlp_json, otlp_proto
from scaffold.verify.records import Batch

DEFAULT_MAX_MESSAGE = 32 * 1024 * 1024
_NAME_HINTS = (("trace", "traces"), ("span", "traces"), ("metric", "metrics"), ("log", "logs"))


Stream = io.BufferedReader | gzip.GzipFile


@dataclass(frozen=True)
class Piece:
    """One export request read from a file, and where it was (line, or byte offset)."""

    where: str
    batch: Batch


def _open(path: Path) -> Stream:
    try:
        raw = path.open("rb")
    except FileNotFoundError as exc:
        raise UsageError(f"{path}: no such file; give the OTLP files to check") from exc
    except IsADirectoryError as exc:
        raise UsageError(f"{path}: is a directory; give OTLP files") from exc
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {explain_os_error(exc, path)}") from exc
    if raw.peek(2)[:2] == b"\x1f\x8b":
        return gzip.open(raw, "rb")
    return raw


def _first_byte(stream: Stream) -> bytes:
    head = stream.peek(64)
    stripped = bytes(head).lstrip(b" \t\r\n\xef\xbb\xbf")
    return stripped[:1]


def read_file(
    path: Path, signal: str | None = None, max_message: int = DEFAULT_MAX_MESSAGE
) -> Iterator[Piece]:
    """Every export request in `path`, in order."""
    with _open(path) as stream:
        try:
            if _first_byte(stream) in (b"{", b"["):
                yield from _json_pieces(path, stream, max_message)
            else:
                yield from _proto_pieces(path, stream, signal, max_message)
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise InputError(f"{path}: a broken gzip stream ({exc})") from exc


def _json_pieces(path: Path, stream: Stream, max_message: int) -> Iterator[Piece]:
    number = 0
    while True:
        line = stream.readline(max_message + 1)
        if not line:
            return
        number += 1
        if len(line) > max_message and number > 1:
            raise InputError(
                f"{path}:{number}: a line longer than {max_message} bytes; "
                "split the export into smaller requests"
            )
        if not line.strip():
            continue
        try:
            document = otlp_json.loads(line) if len(line) <= max_message else None
        except otlp_json.JsonSyntaxError as exc:
            if number > 1:
                raise InputError(f"{path}:{number}: {exc}") from exc
            document = None
        except InputError as exc:
            raise InputError(f"{path}:{number}: {exc}") from exc
        if document is None:
            # Not one request per line: a pretty-printed or very long document.
            stream.seek(0)
            yield from _json_document(path, stream, max_message)
            return
        yield _json_piece(path, number, document)


def _json_piece(path: Path, number: int, document: object) -> Piece:
    try:
        return Piece(f"{path}:{number}", otlp_json.batch_of(document))
    except InputError as exc:
        raise InputError(f"{path}:{number}: {exc}") from exc


def _json_document(path: Path, stream: Stream, max_message: int) -> Iterator[Piece]:
    """One document (or an array of them): parsed whole when it fits in `max_message`,
    else split into its resource groups as it is read."""
    data = stream.read(max_message + 1)
    if len(data) <= max_message:
        try:
            document = otlp_json.loads(data)
        except otlp_json.JsonSyntaxError as exc:
            raise InputError(f"{path}:{exc.line}: {exc}") from exc
        except InputError as exc:
            raise InputError(f"{path}: {exc}") from exc
        for item in document if isinstance(document, list) else [document]:
            yield _json_piece(path, 1, item)
        return
    del data
    stream.seek(0)
    try:
        for number, document in jsonsplit.split(stream, max_message):
            yield _json_piece(path, number, document)
    except InputError as exc:
        if str(exc).startswith(str(path)):
            raise
        raise InputError(f"{path}:{exc}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 ({exc.reason})") from exc
    except RecursionError as exc:
        raise InputError(f"{path}: JSON nested too deeply to read") from exc


def _read_varint(stream: Stream) -> tuple[int, int] | None:
    """A varint length prefix and how many bytes it took, or None at the end of the file."""
    shift, result, used = 0, 0, 0
    while True:
        byte = stream.read(1)
        if not byte:
            if used == 0:
                return None
            raise InputError("the file ends inside a length prefix")
        used += 1
        result |= (byte[0] & 0x7F) << shift
        if not byte[0] & 0x80:
            return result, used
        shift += 7
        if shift > 63:
            raise InputError("a length prefix is not a varint")


def _framing(stream: Stream) -> str:
    head = bytes(stream.peek(16))
    if len(head) >= 5 and head[0] == 0 and head[4] == 0x0A:
        return "u32"
    length, used = 0, 0
    for used, byte in enumerate(head[:10], start=1):
        length |= (byte & 0x7F) << (7 * (used - 1))
        if not byte & 0x80:
            break
    if used < len(head) and head[used] == 0x0A and length > 0 and head[0] != 0x0A:
        return "varint"
    return "single"


def _frames(stream: Stream, max_message: int) -> Iterator[tuple[int, bytes]]:
    framing = _framing(stream)
    if framing == "single":
        data = stream.read(max_message + 1)
        if len(data) > max_message:
            raise InputError(
                f"one protobuf message over {max_message} bytes; write length-delimited messages"
            )
        yield 0, data
        return
    offset = 0
    while True:
        if framing == "u32":
            prefix = stream.read(4)
            if not prefix:
                return
            if len(prefix) < 4:
                raise InputError(f"at byte {offset}: the file ends inside a length prefix")
            length, size = int.from_bytes(prefix, "big"), 4
        else:
            found = _read_varint(stream)
            if found is None:
                return
            length, size = found
        if length > max_message:
            raise InputError(f"at byte {offset}: a message of {length} bytes is over the limit")
        data = stream.read(length)
        if len(data) < length:
            raise InputError(f"at byte {offset}: the file ends inside a message")
        yield offset, data
        offset += size + length


def _signal_from_name(path: Path) -> str | None:
    name = path.name.lower()
    for hint, signal in _NAME_HINTS:
        if hint in name:
            return signal
    return None


def _proto_pieces(
    path: Path, stream: Stream, signal: str | None, max_message: int
) -> Iterator[Piece]:
    chosen = signal or _signal_from_name(path)
    try:
        for offset, data in _frames(stream, max_message):
            if chosen is None:
                chosen = otlp_proto.guess_signal(data)
            if chosen is None:
                raise InputError("neither OTLP JSON nor an OTLP protobuf message")
            yield Piece(f"{path}@{offset}", otlp_proto.batch_of(chosen, data))
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from exc
