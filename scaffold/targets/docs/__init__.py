"""The docs target's view: everything the Markdown pages and the HTML site show.

Pages, the glossary (built-in terms plus the organisation's), the attribute registry with
where each attribute is used and its Go and Rust identifiers, span naming, sampling,
privacy, the incident runbook, the behavioural contract, the service catalogue (from
`opts.extra["services"]`, filled by scaffold/docs/catalogue.py) and the search index.
"""

from __future__ import annotations

from typing import Any

from scaffold.conventions.model import Conventions
from scaffold.render.options import RenderOptions
from scaffold.targets.docs.anchors import Anchors
from scaffold.targets.docs.environment import environment_view
from scaffold.targets.docs.registry_view import attribute_views
from scaffold.targets.docs.runbook_view import runbook_view
from scaffold.targets.docs.sections_view import (
    contract_view,
    glossary_view,
    internal_view,
    privacy_view,
    sampling_view,
    span_rules_view,
)

# slug, title, one-line summary. The Markdown index is README.md, the HTML one index.html.
PAGES: tuple[tuple[str, str, str], ...] = (
    ("index", "Overview", "What the conventions are and where to find what."),
    ("glossary", "Glossary", "The words of tracing, metrics and logs, and the organisation's own."),
    ("attributes", "Attribute registry", "Every attribute: type, examples, PII class, where used."),
    ("span-naming", "Span naming", "How spans are named at each boundary, with worked examples."),
    ("sampling", "Sampling and propagation", "Ratios per environment, tail policies, baggage."),
    ("privacy", "Privacy and retention", "What happens to personal data, how long data is kept."),
    ("runbook", "Incident runbook", "Disable tracing, change the ratio, raise detail, roll back."),
    (
        "environment",
        "Environment variables",
        "Every variable a service reads, and what Go and Rust services do with it.",
    ),
    ("contract", "Behavioural contract", "What is traced, how errors show, how signals correlate."),
)
CATALOGUE_PAGE = (
    "services",
    "Service catalogue",
    "Every service, its owner and whether it is in sync.",
)


def _page(slug: str, title: str, summary: str) -> dict[str, str]:
    return {
        "slug": slug,
        "title": title,
        "summary": summary,
        "md": "README.md" if slug == "index" else f"{slug}.md",
        "html": f"{slug}.html",
    }


def _services(opts: RenderOptions) -> list[dict[str, Any]]:
    raw = opts.extra.get("services", [])
    if not isinstance(raw, list):
        return []
    return sorted((dict(s) for s in raw), key=lambda s: str(s.get("path", "")))


def _search_index(view: dict[str, Any]) -> list[dict[str, str]]:
    entries: list[dict[str, str]] = []
    for a in view["attributes"]:
        text = " ".join(
            [
                a["brief"],
                a["type"],
                a["pii_text"] if a["sensitive"] else "",
                *a["examples"],
                a["go_key"],
                a["rust"],
            ]
        )
        entries.append(
            {"t": a["id"], "k": "attribute", "u": f"attributes.html#{a['anchor']}", "s": text}
        )
    for t in view["glossary"]:
        entries.append(
            {"t": t["term"], "k": "term", "u": f"glossary.html#{t['anchor']}", "s": t["definition"]}
        )
    for r in view["span_rules"]:
        entries.append(
            {
                "t": f"{r['title']} span name",
                "k": "span name",
                "u": f"span-naming.html#{r['anchor']}",
                "s": f"{r['template']} e.g. {r['example']}",
            }
        )
    for p in view["pages"]:
        entries.append({"t": p["title"], "k": "page", "u": p["html"], "s": p["summary"]})
    for s in view["services"]:
        entries.append(
            {
                "t": str(s.get("name", "")),
                "k": "service",
                "u": f"services.html#{s.get('anchor', '')}",
                "s": f"{s.get('lang', '')} {s.get('owner', '')} {s.get('path', '')}",
            }
        )
    return entries


def build_view(conv: Conventions, opts: RenderOptions) -> dict[str, object]:
    anchors = Anchors()
    services = _services(opts)
    for s in services:
        s["anchor"] = anchors.get("service", str(s.get("path", s.get("name", ""))))
    pages = [_page(*p) for p in PAGES]
    if services:
        pages.append(_page(*CATALOGUE_PAGE))
    view: dict[str, Any] = {
        "org": conv.organisation,
        "source": conv.source,
        "digest": conv.digest,
        "pages": pages,
        "page_by_slug": {p["slug"]: p for p in pages},
        "catalogue_pages": [p for p in pages if p["slug"] == "services"],
        "attributes": attribute_views(conv, anchors),
        "glossary": glossary_view(conv, anchors),
        "span_rules": span_rules_view(conv, anchors),
        "internal": internal_view(conv),
        "sampling": sampling_view(conv, anchors),
        "privacy": privacy_view(conv, anchors),
        "runbook": runbook_view(conv),
        "contract": contract_view(conv, anchors),
        "environment": environment_view(conv),
        "services": services,
    }
    view["own_attributes"] = [a for a in view["attributes"] if a["origin"] == "conventions"]
    view["semconv_attributes"] = [a for a in view["attributes"] if a["origin"] != "conventions"]
    view["search_index"] = _search_index(view)
    return view
