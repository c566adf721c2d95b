"""Split one large OTLP JSON document into its resource groups without loading it whole.

A pretty-printed export (or a single line too long to take at once) is scanned in
chunks: only the text of one element of `resourceSpans`, `resourceLogs` or
`resourceMetrics` is held at a time, parsed by the json module's C decoder
(`raw_decode`, which also finds where the group ends) and handed on as a request of its
own. Between groups the scanner jumps from one quote, bracket or brace to the next with
regular expressions.

Accepted shapes: one object, several objects one after another (JSON lines included), or
an array of objects. Each resource group is parsed strictly; the text around them (the
commas between groups, keys other than the three above) is skipped, not validated.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from typing import Any, Protocol

from scaffold.errors import InputError

TOP_KEYS = frozenset({"resourceSpans", "resourceLogs", "resourceMetrics"})
CHUNK = 1 << 20
_SPECIAL = re.compile(r'["{}\[\]]')
_STRING_END = re.compile(r'["\\]')
_NOT_SPACE = re.compile(r"\S")


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class _Scanner:
    def __init__(self, stream: Readable, max_element: int) -> None:
        self.stream = stream
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self.max_element = max_element
        self.buf = ""
        self.pos = 0
        self.line = 1  # line number of buf[0]
        self.eof = False
        self.depth = 0
        self.doc_depth = 1  # depth of a document object: 1, or 2 inside a top-level array
        self.key = ""
        self.start = -1  # where the element being read starts in buf, or -1
        self.seen_top = False
        self._decoder = json.JSONDecoder()

    def more(self, size: int = 0) -> bool:
        """Read the next chunk (at least `size` bytes), dropping text already done; False at
        the end of the file."""
        if self.eof:
            return False
        keep = self.start if self.start >= 0 else self.pos
        self.line += self.buf.count("\n", 0, keep)
        self.buf, self.pos = self.buf[keep:], self.pos - keep
        if self.start >= 0:
            self.start = 0
            if len(self.buf) > self.max_element:
                self._too_big()
        data = self.stream.read(max(CHUNK, size))
        self.eof = not data
        self.buf += self.decoder.decode(data, final=self.eof)
        return not self.eof or self.pos < len(self.buf)

    def string_end(self, at: int) -> int | None:
        """Index of the quote closing the string opening at `at`, or None if not yet read."""
        j = at + 1
        while True:
            found = _STRING_END.search(self.buf, j)
            if found is None:
                return None
            if found.group() == '"':
                return found.start()
            j = found.start() + 2
            if j > len(self.buf):
                return None

    def next_char(self, at: int) -> str:
        while True:
            found = _NOT_SPACE.search(self.buf, at)
            if found is not None:
                return found.group()
            if not self.more():
                return ""
            at = self.pos

    def step(self) -> Any | None:
        """Advance to the next special character; returns a finished element, if any."""
        found = _SPECIAL.search(self.buf, self.pos)
        if found is None:
            self.pos = len(self.buf)
            return None
        at, char = found.start(), found.group()
        if char == '"':
            end = self.string_end(at)
            if end is None:
                self.pos = at
                self._need_more()
                return None
            self.pos = end + 1
            if self.depth == self.doc_depth:
                text = self.buf[at : end + 1]
                if self.next_char(self.pos) == ":":
                    self.key = json.loads(text)
                    self.seen_top = self.seen_top or self.key in TOP_KEYS
            return None
        self.pos = at + 1
        if char in "{[":
            if self.depth == 0 and char == "[":
                self.doc_depth = 2
            if self.depth == self.doc_depth + 1 and self.key in TOP_KEYS and char == "{":
                return self._element(at)
            self.depth += 1
            return None
        self.depth -= 1
        if self.depth < 0:
            raise InputError(f"{self.line + self.buf.count(chr(10), 0, at)}: unbalanced {char}")
        return None

    def _need_more(self) -> None:
        if not self.more():
            raise InputError(f"{self.line}: the file ends inside a string")

    def _too_big(self) -> None:
        first_line = self.line + self.buf.count("\n", 0, max(self.start, 0))
        raise InputError(
            f"{first_line}: one resource group over {self.max_element} bytes; "
            "write one export request per line"
        )

    def _element(self, at: int) -> Any:
        """Parse the resource group starting at `at` (in C), reading on until it is whole."""
        self.start = at
        while True:
            try:
                value, end = self._decoder.raw_decode(self.buf, self.start)
                break
            except json.JSONDecodeError as exc:
                if len(self.buf) - self.start > self.max_element:
                    self._too_big()
                if not self.more(len(self.buf) - self.start):
                    line = self.line + self.buf.count("\n", 0, exc.pos)
                    raise InputError(f"{line}: not valid JSON: {exc.msg}") from exc
        if end - self.start > self.max_element:
            self._too_big()
        first_line = self.line + self.buf.count("\n", 0, self.start)
        self.start, self.pos = -1, end
        return first_line, {self.key: [value]}


def split(stream: Readable, max_element: int) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line, one-group export request) for every resource group in the stream."""
    scanner = _Scanner(stream, max_element)
    scanner.more()
    while True:
        if scanner.pos >= len(scanner.buf) and not scanner.more():
            break
        element = scanner.step()
        if element is not None:
            yield element
    if scanner.depth != 0:
        raise InputError(f"{scanner.line}: the file ends inside the document")
    if not scanner.seen_top:
        raise InputError("1: not an OTLP export: no resourceSpans, resourceLogs or resourceMetrics")
