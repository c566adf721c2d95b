"""An internal-link checker for generated Markdown: every relative link must name a file
that exists, and every `#fragment` an anchor in that file (an explicit `id`/`name`, or a
heading's anchor as code hosts derive it)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from markdown_it import MarkdownIt


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self._heading: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for key, value in attrs:
            if key in ("id", "name") and value:
                self.ids.add(value)
            if key == "href" and value is not None and tag == "a":
                self.hrefs.append(value)
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self._heading = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6") and self._heading is not None:
            self.ids.add(heading_anchor("".join(self._heading)))
            self._heading = None

    def handle_data(self, data: str) -> None:
        if self._heading is not None:
            self._heading.append(data)


def heading_anchor(text: str) -> str:
    """The fragment a code host gives a heading: lower case, punctuation dropped, spaces to -."""
    text = text.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


@dataclass(frozen=True)
class Page:
    ids: frozenset[str]
    hrefs: tuple[str, ...]


def parse(path: Path) -> Page:
    html = (
        MarkdownIt("commonmark", {"html": True})
        .enable("table")
        .render(path.read_text(encoding="utf-8"))
    )
    collector = _Collector()
    collector.feed(html)
    return Page(frozenset(collector.ids), tuple(collector.hrefs))


def broken_links(folder: Path) -> tuple[list[str], int]:
    """(every broken internal link as 'file: href (why)', how many internal links were checked)."""
    pages = {p: parse(p) for p in sorted(folder.rglob("*.md"))}
    broken: list[str] = []
    checked = 0
    for path, page in pages.items():
        for href in page.hrefs:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc:
                continue
            checked += 1
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if target not in pages:
                broken.append(f"{path.name}: {href} (no file {parts.path})")
                continue
            fragment = unquote(parts.fragment)
            if fragment and fragment not in pages[target].ids:
                broken.append(f"{path.name}: {href} (no anchor #{fragment} in {target.name})")
    return broken, checked
