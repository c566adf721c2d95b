"""Benchmark: update N services after a conventions change, scaffold vs copier, per service.

Both sides update the same Go services (scaffold's `go` target) after the same change to
the conventions (the production sampling ratio and one attribute removed), with the same
hand-written edit in each service's user-owned handlers.go:

- scaffold: `scaffold.update.update_services` in-process, once over the folder holding all
  N services (a monorepo run), and once per service (a fresh call each time);
- copier: `copier.run_update` in-process on each service, from template tag v1 to v2 of
  an equivalent copier template (bench/copier_template/, its files generated from the
  `go` target at each version); each service is a clean git repository, as copier needs.

After the run the updated trees are compared file by file (scaffold's and copier's must
hold the same bytes, the lock and answers files aside), so both did the same work.

One run, printed side by side with the ratio. Not a test; nothing here asserts a time.

    .venv/bin/python bench/update_bench.py            # 100 services
    .venv/bin/python bench/update_bench.py --services 10
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scaffold.conventions import load  # noqa: E402
from scaffold.render import RenderOptions  # noqa: E402
from scaffold.resources import bundled_conventions, runtime_beside, templates_root  # noqa: E402
from scaffold.sync import Status, create_service  # noqa: E402
from scaffold.targets.registry import render_target  # noqa: E402
from scaffold.update import update_services  # noqa: E402

COPIER_TEMPLATE = Path(__file__).resolve().parent / "copier_template"
PLACEHOLDER = "zzbenchsvc"
PLACEHOLDER_MODULE = f"example.com/{PLACEHOLDER}"
ROUTE = '\tmux.HandleFunc("GET /orders/{id}", a.order)\n'
OUR_ROUTE = '\tmux.HandleFunc("GET /version", a.version)\n'
OUR_HANDLER = (
    "\n// version answers the build's version (written by the service team).\n"
    "func (a *app) version(w http.ResponseWriter, _ *http.Request) {\n"
    '\t_, _ = io.WriteString(w, "v1\\n")\n}\n'
)
GIT_TIMEOUT_S = 120


class ProcessCounter:
    """Counts the processes this Python process starts (copier runs git through them)."""

    count = 0

    @classmethod
    def install(cls) -> None:
        original = subprocess.Popen.__init__

        def counting(self: subprocess.Popen[Any], *args: Any, **kwargs: Any) -> None:
            cls.count += 1
            original(self, *args, **kwargs)

        subprocess.Popen.__init__ = counting  # type: ignore[method-assign]


def git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=bench", "-c", "user.email=bench@localhost", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        timeout=GIT_TIMEOUT_S,
    )


def change_conventions(path: Path) -> None:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["sampling"]["environments"]["production"] = 0.25
    data["attributes"] = [a for a in data["attributes"] if a["id"] != "app.cart.items"]
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def options(name: str) -> RenderOptions:
    return RenderOptions(service_name=name, target="go", module_path=f"example.com/{name}")


def hand_edit(root: Path) -> None:
    handlers = root / "handlers.go"
    text = handlers.read_text(encoding="utf-8")
    if ROUTE not in text:
        raise SystemExit(f"{handlers}: the skeleton's route line moved; update ROUTE in {__file__}")
    handlers.write_text(text.replace(ROUTE, ROUTE + OUR_ROUTE) + OUR_HANDLER, encoding="utf-8")


# --- copier ------------------------------------------------------------------------------


def as_copier_template(text: str) -> str:
    """A rendered file as a copier (jinja) template: the name and module are questions."""
    out: list[str] = []
    for i, chunk in enumerate(text.split(PLACEHOLDER_MODULE)):
        if i:
            out.append("{{ module_path }}")
        for j, piece in enumerate(chunk.split(PLACEHOLDER)):
            if j:
                out.append("{{ service_name }}")
            if piece:
                out.append("{% raw %}" + piece + "{% endraw %}")
    return "".join(out)


def write_template_version(repo: Path, conventions: Path, tag: str, templates: Path) -> None:
    folder = repo / "template"
    for path in folder.rglob("*"):
        if path.is_file() and not path.name.startswith("{{_copier_conf"):
            path.unlink()
    rendered = render_target("go", load(conventions), options(PLACEHOLDER), templates_dir=templates)
    for rel, file in rendered.files.items():
        assert PLACEHOLDER not in rel
        target = folder / f"{rel}.jinja"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(as_copier_template(file.content), encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"template {tag}")
    git(repo, "tag", tag)


def copier_services(
    ws: Path, n: int, v1: Path, v2: Path, templates: Path
) -> tuple[list[Path], Path]:
    import copier

    repo = ws / "copier-template"
    shutil.copytree(COPIER_TEMPLATE, repo)
    git(repo, "init", "-q")
    write_template_version(repo, v1, "v1", templates)
    write_template_version(repo, v2, "v2", templates)
    roots = []
    for i in range(n):
        name = f"svc{i:03d}"
        dst = ws / "copier" / name
        copier.run_copy(
            str(repo),
            dst,
            data={"service_name": name, "module_path": f"example.com/{name}"},
            vcs_ref="v1",
            defaults=True,
            quiet=True,
        )
        git(dst, "init", "-q")
        git(dst, "add", "-A")
        git(dst, "commit", "-q", "-m", "generated by copier")
        hand_edit(dst)
        git(dst, "commit", "-q", "-am", "our route")
        roots.append(dst)
    return roots, repo


def copier_update(roots: list[Path]) -> list[float]:
    import copier

    times = []
    for dst in roots:
        start = time.perf_counter()
        copier.run_update(
            dst,
            vcs_ref="v2",
            defaults=True,
            overwrite=True,
            skip_answered=True,
            quiet=True,
        )
        times.append(time.perf_counter() - start)
    return times


# --- scaffold ----------------------------------------------------------------------------


def scaffold_services(
    ws: Path, n: int, conventions: Path, folder: str, templates: Path
) -> list[Path]:
    conv = load(conventions)
    roots = []
    for i in range(n):
        name = f"svc{i:03d}"
        root = ws / folder / name
        opts = options(name)
        create_service(
            dest=root,
            rendered=render_target("go", conv, opts, templates_dir=templates),
            conventions_path=conventions,
            conventions_digest=conv.digest,
            target="go",
            options=opts,
            templates_dir=templates,
        )
        hand_edit(root)
        roots.append(root)
    return roots


def check_statuses(results: Any) -> None:
    bad = [r for r in results if r.status is not Status.UPDATED]
    if bad:
        raise SystemExit(f"scaffold update did not update every service: {bad[0]}")


def same_trees(ours: Path, theirs: Path) -> list[str]:
    """Relative paths whose bytes differ (scaffold's lock and copier's answers aside)."""

    def files(root: Path) -> dict[str, bytes]:
        return {
            p.relative_to(root).as_posix(): p.read_bytes()
            for p in root.rglob("*")
            if p.is_file()
            and ".git" not in p.relative_to(root).parts
            and ".scaffold" not in p.relative_to(root).parts
            and p.name != ".copier-answers.yml"
        }

    a, b = files(ours), files(theirs)
    return sorted(p for p in set(a) | set(b) if a.get(p) != b.get(p))


@dataclass(frozen=True)
class Figures:
    label: str
    total_s: float
    per_service_ms: float


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=100, help="how many services")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    n: int = args.services

    ws = Path(tempfile.mkdtemp(prefix="scaffold-update-bench-"))
    try:
        v1 = ws / "platform" / "observability.yaml"
        v1.parent.mkdir(parents=True)
        shutil.copy(bundled_conventions(), v1)
        v2 = ws / "platform-v2.yaml"
        shutil.copy(v1, v2)
        change_conventions(v2)

        # A snapshot of the templates: both sides render exactly these, whatever happens
        # to the checkout during the run.
        templates = ws / "templates"
        shutil.copytree(templates_root(), templates)
        # The static runtime sources the manifests name live beside the templates.
        shutil.copytree(runtime_beside(templates_root()), runtime_beside(templates))
        print(f"setting up {n} services per side in {ws} ...", file=sys.stderr)
        mono = scaffold_services(ws, n, v1, "scaffold-monorepo", templates)
        single = scaffold_services(ws, n, v1, "scaffold-single", templates)
        copier_roots, _repo = copier_services(ws, n, v1, v2, templates)
        shutil.copy(v2, v1)  # the conventions change, seen by every scaffold service

        ProcessCounter.install()
        spawned = ProcessCounter.count
        start = time.perf_counter()
        report = update_services([ws / "scaffold-monorepo"], templates_dir=templates)
        mono_s = time.perf_counter() - start
        ours_spawned = ProcessCounter.count - spawned
        check_statuses(report.services)
        first = report.services[0]
        changed = ", ".join(f"{c.path} ({c.owner}, {c.action})" for c in first.changes)

        single_times = []
        for root in single:
            start = time.perf_counter()
            one = update_services([root], templates_dir=templates)
            single_times.append(time.perf_counter() - start)
            check_statuses(one.services)

        spawned = ProcessCounter.count
        copier_times = copier_update(copier_roots)
        copier_spawned = ProcessCounter.count - spawned
        copier_s = sum(copier_times)

        differing = [same_trees(mono[i], copier_roots[i]) for i in range(n)]
        differing += [same_trees(single[i], copier_roots[i]) for i in range(n)]
        conflicts = sum(
            1
            for root in copier_roots
            for p in root.rglob("*")
            if p.is_file() and ".git" not in p.parts and b"<<<<<<<" in p.read_bytes()
        )
    finally:
        if not args.keep:
            shutil.rmtree(ws, ignore_errors=True)

    rows = [
        Figures("scaffold update (one run, all services)", mono_s, 1000 * mono_s / n),
        Figures(
            "scaffold update (one run per service)", sum(single_times), 1000 * sum(single_times) / n
        ),
        Figures("copier run_update (per service)", copier_s, 1000 * copier_s / n),
    ]
    print(
        f"\nUpdating {n} Go services after a conventions change (one run, {os.cpu_count()} CPUs)\n"
    )
    print(f"{'':44}{'total s':>10}{'per service ms':>16}{'copier / this':>15}")
    for row in rows:
        ratio = (1000 * copier_s / n) / row.per_service_ms
        print(f"{row.label:44}{row.total_s:10.2f}{row.per_service_ms:16.1f}{ratio:14.1f}x")
    same = sum(1 for d in differing if not d)
    print(f"\nupdated trees identical, scaffold vs copier: {same}/{len(differing)}")
    if same != len(differing):
        first = next(d for d in differing if d)
        print(f"  first difference: {first[:5]}")
    print(f"copier files with conflict markers: {conflicts}")
    print(
        f"processes started per service: scaffold {ours_spawned / n:.1f}, "
        f"copier {copier_spawned / n:.1f}"
    )
    print(f"files changed per service ({len(first.changes)}): {changed}")
    print(
        f"copier per service: median {1000 * sorted(copier_times)[n // 2]:.0f} ms, "
        f"min {1000 * min(copier_times):.0f} ms, max {1000 * max(copier_times):.0f} ms"
    )


if __name__ == "__main__":
    main()
