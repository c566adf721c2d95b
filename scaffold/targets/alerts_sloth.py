"""The SLOs as Sloth `prometheus/v1` specs, one per SLO period, for teams that generate
their SLO rules with Sloth instead of using rules/slo.rules.yaml.

Sloth's built-in period catalogs cover 28 and 30 days; SLOs with another window are left
out of the specs (and named in the file's comment), since Sloth needs a custom windows
catalog for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from scaffold.render.filters import go_template_text
from scaffold.targets import pipeline_metrics as pm

SLOTH_PERIODS = ("28d", "30d")
# Stands for Sloth's `{{.window}}` while the query's own text is made template-literal;
# a NUL never survives the PromQL string filter, so no conventions text can contain it.
_WINDOW = "\x00window\x00"


@dataclass(frozen=True)
class SlothSlo:
    name: str
    objective: str  # a percentage
    description: str
    error_query: str
    total_query: str
    summary: str


@dataclass(frozen=True)
class SlothSpec:
    period: str
    slos: tuple[SlothSlo, ...]


def _query(text: str) -> str:
    return go_template_text(text).replace(_WINDOW, "{{.window}}")


def _slo(slo: pm.SloView, metric: str) -> SlothSlo:
    # Per service, as in rules/slo.rules.yaml: each service burns its own budget.
    by = f"sum by ({pm.SERVICE})"
    total = f"{by} (rate({metric}_count{{{slo.selector}}}[{_WINDOW}]))"
    if slo.kind == "latency":
        le = pm.le_matcher(slo.bound)
        fast = f"{by} (rate({metric}_bucket{{{slo.selector}, {le}}}[{_WINDOW}]))"
        errors = f"({total} - {fast})"
    else:
        errors = f'{by} (rate({metric}_count{{{slo.selector}, {pm.STATUS}=~"5.."}}[{_WINDOW}]))'
    return SlothSlo(
        name=slo.name,
        objective=pm.number(slo.objective * 100),
        description=slo.description,
        error_query=_query(errors),
        total_query=_query(total),
        summary=f"SLO {slo.name} is burning its error budget",
    )


def sloth_specs(slos: Sequence[pm.SloView], metric: str) -> tuple[SlothSpec, ...]:
    return tuple(
        SlothSpec(period, tuple(_slo(s, metric) for s in slos if s.window == period))
        for period in SLOTH_PERIODS
        if any(s.window == period for s in slos)
    )


def left_out(slos: Sequence[pm.SloView]) -> tuple[str, ...]:
    """SLOs whose window no Sloth default catalog covers, as `name (window)`."""
    return tuple(f"{s.name} ({s.window})" for s in slos if s.window not in SLOTH_PERIODS)
