"""The docs site in real headless Chromium, served by `scaffold docs serve`.

Search finds attributes by part of their name and by a word of their brief, deep links
open the right entry, PII is marked, nothing logs a console error or leaves loopback,
and hostile text from the conventions is shown, never run.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Imported plainly: without Playwright these tests fail, they are never skipped.
from playwright import sync_api as playwright_api

from scaffold.conventions import load
from tests.conftest import DEFAULT_CONVENTIONS, HOSTILE
from tests.docs.browser import ARTIFACTS, CHROMIUM_ARGS, Served, chromium_path, serve_docs

pytestmark = pytest.mark.browser


PAGES = [
    "index.html",
    "glossary.html",
    "attributes.html",
    "span-naming.html",
    "sampling.html",
    "privacy.html",
    "runbook.html",
    "environment.html",
    "contract.html",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as pw:
        launched = pw.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve_docs(DEFAULT_CONVENTIONS, tmp_path_factory.mktemp("serve")) as served:
        yield served


@pytest.fixture(scope="module")
def monorepo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """Two real services made by `new_service` (Go and Rust), one edited by hand."""
    from scaffold.conventions import locate
    from scaffold.services import new_service

    repo = tmp_path_factory.mktemp("monorepo")
    located = locate(DEFAULT_CONVENTIONS)
    new_service(
        name="payments", lang="go", dest=repo / "services" / "payments", conventions=located
    )
    new_service(name="search", lang="rust", dest=repo / "services" / "search", conventions=located)
    edited = repo / "services" / "search" / "src" / "telemetry" / "attributes.rs"
    edited.write_text(edited.read_text(encoding="utf-8") + "// a hand edit\n", encoding="utf-8")
    with serve_docs(DEFAULT_CONVENTIONS, repo, scan=repo) as served:
        yield served


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve_docs(HOSTILE, tmp_path_factory.mktemp("serve-hostile")) as served:
        yield served


class Watched:
    """A page whose console errors, page errors, failed and off-loopback requests are kept."""

    def __init__(self, browser: Any, base: str) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.base = base
        self.page.on(
            "console",
            lambda m: (
                self.problems.append(f"console {m.type}: {m.text}")
                if m.type in ("error", "warning")
                else None
            ),
        )
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url}"))
        self.page.on(
            "response",
            lambda r: (
                self.problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None
            ),
        )
        self.page.on(
            "request",
            lambda r: (
                None
                if r.url.startswith((base, "data:"))
                else self.problems.append(f"left loopback: {r.url}")
            ),
        )

    def goto(self, rel: str) -> Any:
        self.page.goto(self.base + rel, wait_until="load")
        return self.page

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def watched(browser: Any, site: Served) -> Iterator[Watched]:
    w = Watched(browser, site.url)
    yield w
    w.close()


def results(page: Any) -> list[tuple[str, str]]:
    found = page.eval_on_selector_all(
        "#search-results a",
        "els => els.map(a => [a.querySelector('.title').textContent, a.querySelector('.kind').textContent])",
    )
    return [(title, kind) for title, kind in found]


def target_id(page: Any) -> str | None:
    return page.evaluate("() => { const t = document.querySelector(':target'); return t && t.id; }")


def in_viewport(page: Any, element_id: str) -> bool:
    return bool(
        page.evaluate(
            """id => { const r = document.getElementById(id).getBoundingClientRect();
                      return r.top >= 0 && r.top < window.innerHeight; }""",
            element_id,
        )
    )


def test_search_finds_an_attribute_by_part_of_its_name(watched: Watched) -> None:
    page = watched.goto("index.html")
    page.fill("#search", "user.em")
    page.wait_for_selector("#search-results a")
    assert results(page)[0] == ("app.user.email", "attribute")
    mark = page.eval_on_selector("#search-results a .title mark", "m => m.textContent")
    assert mark == "user.em"
    page.click("#search-results a >> nth=0")
    page.wait_for_url("**/attributes.html#attr-app-user-email")
    assert target_id(page) == "attr-app-user-email"
    assert in_viewport(page, "attr-app-user-email")
    assert watched.problems == []


def test_search_finds_an_attribute_by_a_word_of_its_brief(watched: Watched) -> None:
    page = watched.goto("glossary.html")
    page.fill("#search", "commercial")
    page.wait_for_selector("#search-results a")
    assert ("app.plan", "attribute") in results(page)
    page.fill("#search", "e-mail")
    page.wait_for_selector("#search-results a")
    assert results(page)[0] == ("app.user.email", "attribute")
    page.press("#search", "Enter")
    page.wait_for_url("**/attributes.html#attr-app-user-email")
    assert target_id(page) == "attr-app-user-email"
    assert watched.problems == []


def test_search_finds_terms_and_says_when_nothing_matches(watched: Watched) -> None:
    page = watched.goto("index.html")
    page.fill("#search", "tail samp")
    page.wait_for_selector("#search-results a")
    assert results(page)[0] == ("tail sampling", "term")
    page.fill("#search", "zzzz-no-such-thing")
    page.wait_for_selector("#search-results .empty")
    assert results(page) == []
    page.press("#search", "Escape")
    assert page.is_hidden("#search-results")


def test_a_deep_link_opens_the_right_entry(watched: Watched) -> None:
    page = watched.goto("attributes.html#attr-app-session-token")
    assert target_id(page) == "attr-app-session-token"
    assert in_viewport(page, "attr-app-session-token")
    heading = page.inner_text("#attr-app-session-token h3")
    assert heading.startswith("app.session.token")
    page = watched.goto("glossary.html#term-baggage")
    assert target_id(page) == "term-baggage"
    assert in_viewport(page, "term-baggage")
    assert "allow-listed" in page.inner_text("#term-baggage")
    page = watched.goto("span-naming.html#span-http-server")
    assert in_viewport(page, "span-http-server")
    assert "GET /orders/{id}" in page.inner_text("#span-http-server")
    assert watched.problems == []


def test_pii_attributes_are_marked(watched: Watched) -> None:
    conv = load(DEFAULT_CONVENTIONS)
    page = watched.goto("attributes.html")
    marked = page.eval_on_selector_all(
        "article.attribute",
        """els => els.map(e => [e.querySelector('h3 code').textContent,
                               e.classList.contains('sensitive'),
                               (e.querySelector('h3 .badge-pii, h3 .badge-secret') || {}).textContent || ''])""",
    )
    by_id = {aid: (flag, badge) for aid, flag, badge in marked}
    assert len(by_id) == len(conv.registry)
    for aid, attr in conv.registry.items():
        flag, badge = by_id[aid]
        expected = {"none": "", "pii": "PII", "secret": "Secret"}[attr.pii]
        assert (flag, badge) == (attr.pii != "none", expected), aid
    assert by_id["app.user.email"] == (True, "PII")
    assert by_id["app.session.token"] == (True, "Secret")
    # The badge stands out: its colours differ from the page's text colours.
    colours = page.eval_on_selector(
        "#attr-app-user-email .badge-pii",
        "e => [getComputedStyle(e).backgroundColor, getComputedStyle(document.body).backgroundColor]",
    )
    assert colours[0] != colours[1]


def test_attribute_filters_show_pii_own_and_deprecated_entries(watched: Watched) -> None:
    conv = load(DEFAULT_CONVENTIONS)
    page = watched.goto("attributes.html")

    def visible() -> set[str]:
        ids = page.eval_on_selector_all(
            "article.attribute",
            "els => els.filter(e => e.checkVisibility())"
            ".map(e => e.querySelector('h3 code').textContent)",
        )
        return set(ids)

    assert visible() == set(conv.registry)
    page.click(".filters button[data-filter='sensitive']")
    assert visible() == {a.id for a in conv.sensitive_attributes}
    assert (
        page.inner_text(".filter-count")
        == f"{len(conv.sensitive_attributes)} of {len(conv.registry)} attributes"
    )
    page.click(".filters button[data-filter='own']")
    assert visible() == {a.id for a in conv.attributes}
    page.click(".filters button[data-filter='deprecated']")
    assert visible() == {"app.customer.id"}
    # A deep link to a hidden entry shows everything again and the entry.
    page.evaluate("window.location.hash = 'attr-http-route'")
    page.wait_for_function("!document.getElementById('attr-http-route').hidden")
    assert in_viewport(page, "attr-http-route")
    assert watched.problems == []


def test_every_page_loads_without_console_errors_or_network(watched: Watched) -> None:
    for rel in PAGES:
        page = watched.goto(rel)
        assert page.title().endswith("Acme observability conventions"), rel
        assert page.evaluate("Array.isArray(window.SCAFFOLD_SEARCH)"), rel
        nav = page.eval_on_selector_all(".side a", "els => els.map(a => a.getAttribute('href'))")
        assert nav == PAGES
    assert watched.problems == []


def test_internal_links_of_the_site_resolve(watched: Watched) -> None:
    seen: set[str] = set()
    for rel in PAGES:
        page = watched.goto(rel)
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)")
        seen.update(h for h in hrefs if h.startswith(watched.base))
    checked = 0
    for href in sorted(seen):
        path, _, fragment = href.partition("#")
        page = watched.page
        if page.url.split("#")[0] != path:
            page.goto(path, wait_until="load")
        if fragment:
            assert page.evaluate("id => !!document.getElementById(id)", fragment), href
        checked += 1
    assert checked > 80
    assert watched.problems == []


def test_theme_toggle_switches_and_is_remembered(watched: Watched) -> None:
    page = watched.goto("index.html")
    before = page.evaluate("getComputedStyle(document.body).backgroundColor")
    page.click("#theme-toggle")
    after = page.evaluate("getComputedStyle(document.body).backgroundColor")
    theme = page.evaluate("document.documentElement.getAttribute('data-theme')")
    assert theme in ("light", "dark") and before != after
    page = watched.goto("runbook.html")
    assert page.evaluate("document.documentElement.getAttribute('data-theme')") == theme
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == after


def test_copy_buttons_copy_the_snippet(watched: Watched) -> None:
    watched.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = watched.goto("runbook.html")
    code = page.inner_text("#disable-tracing pre.code code")
    assert "ACME_TRACING_DISABLED" in code or '{"enabled": false}' in code
    page.click("#disable-tracing pre.code .copy >> nth=0")
    page.wait_for_function(
        "document.querySelector('#disable-tracing pre.code .copy').textContent === 'Copied'"
    )
    assert page.evaluate("navigator.clipboard.readText()") == code
    assert watched.problems == []


def test_search_results_follow_the_keyboard(watched: Watched) -> None:
    page = watched.goto("index.html")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "search"
    page.keyboard.type("tenant")
    page.wait_for_selector("#search-results a")
    second = results(page)[1]
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    selected = page.eval_on_selector(
        "#search-results a[aria-selected='true'] .title", "e => e.textContent"
    )
    assert selected == second[0]
    page.keyboard.press("Enter")
    page.wait_for_url("**/*.html#*")
    page.wait_for_load_state("load")
    assert target_id(page) is not None
    assert page.inner_text(f"#{target_id(page)}").find(second[0]) >= 0
    assert watched.problems == []


def test_service_catalogue_shows_each_service_and_whether_it_is_in_sync(
    browser: Any, monorepo_site: Served
) -> None:
    w = Watched(browser, monorepo_site.url)
    try:
        page = w.goto("index.html")
        assert "services.html" in page.eval_on_selector_all(
            ".side a", "els => els.map(a => a.getAttribute('href'))"
        )
        page = w.goto("services.html#service-services-search")
        assert target_id(page) == "service-services-search"
        rows = page.eval_on_selector_all(
            "table.services tbody tr",
            "rows => rows.map(r => [...r.cells].map(c => c.textContent.trim()))",
        )
        by_name = {r[0].split()[0]: r for r in rows}
        assert set(by_name) == {"payments", "search"}
        assert by_name["payments"][1] == "go" and by_name["payments"][4] == "in sync"
        assert by_name["search"][1] == "rust"
        assert by_name["search"][4].startswith("out of sync out of sync: ")
        assert "src/telemetry/attributes.rs" in by_name["search"][4]
        page.fill("#search", "payments")
        page.wait_for_selector("#search-results a")
        assert ("payments", "service") in results(page)
        assert w.problems == []
    finally:
        w.close()


def test_screenshot_is_saved(watched: Watched) -> None:
    page = watched.goto("attributes.html#attr-app-user-email")
    page.fill("#search", "tenant")
    page.wait_for_selector("#search-results a")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "docs-site-search.png"
    page.screenshot(path=str(shot))
    print(f"screenshot: {shot}")
    assert shot.stat().st_size > 5_000


def test_hostile_text_is_shown_not_run(browser: Any, hostile_site: Served) -> None:
    w = Watched(browser, hostile_site.url)
    try:
        for rel in PAGES:
            page = w.goto(rel)
            assert page.evaluate("typeof window.__pwned") == "undefined", rel
            scripts = page.eval_on_selector_all(
                "script", "els => els.map(s => s.getAttribute('src'))"
            )
            assert scripts == ["assets/search-index.js", "assets/site.js"], rel
            assert page.eval_on_selector_all("main img", "els => els.length") == 0, rel
        page = w.goto("attributes.html")
        text = page.inner_text("main")
        assert "<script>window.__pwned = true</script>" in text
        assert '<img src=x onerror="window.__pwned=1">' in text
        page = w.goto("glossary.html")
        assert "<script>window.__pwned=3</script>" in page.inner_text("main")
        page.fill("#search", "pwned")
        page.wait_for_selector("#search-results a")
        shown = page.inner_text("#search-results")
        assert "<script>" in shown
        page.wait_for_timeout(200)
        assert page.evaluate("typeof window.__pwned") == "undefined"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / "docs-site-hostile.png"
        page.screenshot(path=str(shot))
        print(f"screenshot: {shot}")
        assert [p for p in w.problems if "__pwned" in p or "left loopback" in p] == []
        assert w.problems == []
    finally:
        w.close()


def test_the_site_works_offline_from_files(browser: Any, tmp_path: Path) -> None:
    from scaffold.docs.build import build_docs

    built = build_docs(conventions=DEFAULT_CONVENTIONS, out=tmp_path)
    base = built.site_dir.as_uri() + "/"
    w = Watched(browser, base)
    try:
        page = w.goto("index.html")
        page.fill("#search", "tenant.id")
        page.wait_for_selector("#search-results a")
        assert results(page)[0] == ("app.tenant.id", "attribute")
        page.press("#search", "Enter")
        page.wait_for_url("**/attributes.html#attr-app-tenant-id")
        assert target_id(page) == "attr-app-tenant-id"
        assert w.problems == []
    finally:
        w.close()
