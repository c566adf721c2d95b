"""`scaffold` for subprocess tests: the syncdemo fixture target registered, its templates
used by update and check, and (with HOSTILE_STEP_DELAY seconds) each apply step slowed
down so that kills and concurrent runs land in the middle of an apply."""

from __future__ import annotations

import importlib.util
import os
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "sync" / "fixtures"


def _setup() -> None:
    spec = importlib.util.spec_from_file_location(
        "syncdemo_target", FIXTURES / "syncdemo_target.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    from scaffold.cli import sync as sync_cli
    from scaffold.sync import atomic
    from scaffold.targets.registry import TARGETS, Target

    TARGETS["syncdemo"] = Target("syncdemo", module.build_view, "test target")
    templates = FIXTURES / "templates"
    real_update, real_check = sync_cli.update_services, sync_cli.check_services
    sync_cli.update_services = lambda *a, **k: real_update(*a, templates_dir=templates, **k)  # type: ignore[assignment]
    sync_cli.check_services = lambda *a, **k: real_check(*a, templates_dir=templates, **k)  # type: ignore[assignment]
    delay = float(os.environ.get("HOSTILE_STEP_DELAY", "0"))
    if delay:
        for name in ("_stage", "_commit"):
            real = getattr(atomic, name)

            def slow(*args: Any, _real: Any = real) -> None:
                time.sleep(delay)
                _real(*args)

            setattr(atomic, name, slow)


if __name__ == "__main__":
    _setup()
    from scaffold.cli.main import main

    main()
