"""Read a service's lock as the untrusted input it is (anyone can edit it in a pull request).

The lock is read without following symlinks, at most `MAX_LOCK_BYTES`, as strict JSON (no
duplicate keys, NaN or huge numbers), and checked key by key: exact key sets, types,
lengths, nesting, hashes as hex, the target a registered name (never a folder), every file
a clean relative path inside the service that is no VCS or scaffold internal. Any problem
is one UsageError (exit 2) naming the lock file and the fix.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from pathlib import Path
from typing import Any, NoReturn

from scaffold.errors import UsageError
from scaffold.render.manifest import Owner
from scaffold.render.options import RenderOptions
from scaffold.sync.lock import BUNDLED_PREFIX, LOCK_NAME, LOCK_VERSION, Lock, LockedFile
from scaffold.sync.paths import read_inside, rel_problem, state_internal

MAX_LOCK_BYTES = 16 * 1024 * 1024
MAX_FILES = 20_000
MAX_DEPTH = 8
MAX_TEXT = 4096
_TOP = {
    "comment",
    "lock_version",
    "tool_version",
    "templates_digest",
    "target",
    "conventions",
    "options",
    "files",
}
_OPTION_KEYS = {"service_name", "target", "mode", "module_path", "crate_name", "extra"}
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_SHA = re.compile(r"[0-9a-f]{64}")
_TARGET = re.compile(r"[a-z][a-z0-9_-]{0,31}")
_VERSION = re.compile(r"[0-9A-Za-z.+_-]{1,64}")
_SERVICE = re.compile(r"[a-z][a-z0-9-]{0,62}")
_CRATE = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,63}")
_MODULE = re.compile(r"[\x21-\x7e]{1,512}")


class _Bad(Exception):
    """One problem with the lock; turned into a UsageError naming the file."""


def _fail(why: str) -> NoReturn:
    raise _Bad(why)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, value in pairs:
        if key in data:
            _fail(f"key {key[:80]!r} appears twice")
        data[key] = value
    return data


def _no_constant(name: str) -> NoReturn:
    _fail(f"{name} is not a JSON number")


def _walk(value: object, depth: int = 0) -> None:
    """Bounds every value: nesting, string sizes, NUL bytes, integer range."""
    if depth > MAX_DEPTH:
        _fail(f"nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, str):
        if len(value) > MAX_TEXT or "\0" in value:
            _fail(f"a string over {MAX_TEXT} characters or with a NUL: {value[:40]!r}")
    elif isinstance(value, bool) or value is None or isinstance(value, float):
        return
    elif isinstance(value, int):
        if abs(value) >= 2**63:
            _fail("an integer out of range")
    elif isinstance(value, dict):
        for key, item in value.items():
            _walk(key, depth + 1)
            _walk(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _walk(item, depth + 1)


def _text(data: dict[str, Any], key: str, pattern: re.Pattern[str] | None = None) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        _fail(f"{key!r} must be a string, not {type(value).__name__}")
    if pattern is not None and pattern.fullmatch(value) is None:
        _fail(f"{key!r} is not valid: {value[:80]!r}")
    return value


def _keys(data: object, where: str, required: set[str], allowed: set[str]) -> dict[str, Any]:
    if not isinstance(data, dict):
        _fail(f"{where} must be an object, not {type(data).__name__}")
    missing, unknown = required - set(data), set(data) - allowed
    if missing or unknown:
        _fail(f"{where}: missing keys {sorted(missing)}, unknown keys {sorted(unknown)[:5]}")
    return data


def _conventions(data: dict[str, Any]) -> tuple[str, str]:
    conv = _keys(data["conventions"], "'conventions'", {"path", "digest"}, {"path", "digest"})
    path = _text(conv, "path")
    if path.startswith(BUNDLED_PREFIX):
        bad = rel_problem(path.removeprefix(BUNDLED_PREFIX))
    elif path.startswith("/"):
        bad = "is absolute"
    else:  # relative to the service, and usually outside it: `..` is allowed here
        bad = rel_problem("/".join(p for p in path.split("/") if p != ".."))
    if bad or not path.endswith((".yaml", ".yml")):
        _fail(f"conventions path {path[:80]!r} {bad or 'is not a .yaml or .yml file'}")
    return path, _text(conv, "digest", _DIGEST)


def _options(data: dict[str, Any], target: str) -> RenderOptions:
    opts = _keys(data["options"], "'options'", {"service_name", "target"}, _OPTION_KEYS)
    if opts["target"] != target:
        _fail(f"options.target {str(opts['target'])[:40]!r} is not the lock's target {target!r}")
    mode = opts.get("mode", "new")
    if mode not in ("new", "add"):
        _fail(f"options.mode {str(mode)[:40]!r} is neither 'new' nor 'add'")
    module = _text(opts, "module_path", _MODULE) if opts.get("module_path") else ""
    crate = _text(opts, "crate_name", _CRATE) if opts.get("crate_name") else ""
    extra = opts.get("extra", {})
    if not isinstance(extra, dict):
        _fail("options.extra must be an object")
    return RenderOptions(
        service_name=_text(opts, "service_name", _SERVICE),
        target=target,
        mode="add" if mode == "add" else "new",
        module_path=module,
        crate_name=crate,
        extra=dict(extra),
    )


def _files(data: dict[str, Any]) -> dict[str, LockedFile]:
    files = data["files"]
    if not isinstance(files, dict) or len(files) > MAX_FILES:
        _fail(f"'files' must be an object of at most {MAX_FILES} entries")
    out: dict[str, LockedFile] = {}
    for rel, entry in files.items():
        problem = rel_problem(rel)
        if problem or state_internal(rel):
            _fail(f"file path {rel[:120]!r} {problem or 'is a VCS or scaffold internal'}")
        allowed = {"owner", "sha256", "template", "normal_sha256"}
        item = _keys(entry, f"file {rel!r}", {"owner", "sha256"}, allowed)
        if item["owner"] not in ("user", "generated"):
            _fail(f"file {rel!r} has an unknown owner {str(item['owner'])[:40]!r}")
        template = item.get("template", "")
        if not isinstance(template, str):
            _fail(f"file {rel!r}: 'template' must be a string")
        sha = _text(item, "sha256", _SHA)
        normal = _text(item, "normal_sha256", _SHA) if "normal_sha256" in item else ""
        owner: Owner = "user" if item["owner"] == "user" else "generated"
        out[rel] = LockedFile(owner, sha, template, normal)
    return out


def _parse(raw: bytes, targets: Collection[str] | None) -> Lock:
    try:
        data = json.loads(
            raw.decode("utf-8"), object_pairs_hook=_no_duplicates, parse_constant=_no_constant
        )
    except (UnicodeDecodeError, ValueError, RecursionError, MemoryError) as exc:
        _fail(f"not a JSON lock ({str(exc)[:200]})")
    _walk(data)
    data = _keys(data, "the lock", _TOP - {"comment"}, _TOP)
    version = data["lock_version"]
    if type(version) is not int or version != LOCK_VERSION:
        _fail(f"lock version {str(version)[:20]!r} is not {LOCK_VERSION}")
    target = _text(data, "target", _TARGET)
    if targets is not None and target not in targets:
        _fail(f"target {target!r} is not a known target ({', '.join(sorted(targets))})")
    conv_path, conv_digest = _conventions(data)
    return Lock(
        tool_version=_text(data, "tool_version", _VERSION),
        templates_digest=_text(data, "templates_digest", _DIGEST),
        target=target,
        conventions_path=conv_path,
        conventions_digest=conv_digest,
        options=_options(data, target),
        files=_files(data),
    )


def read_lock(root: Path, targets: Collection[str] | None = None) -> Lock:
    """Read and check the lock of the service at `root` (see the module doc).

    `targets`: the registered target names (the verbs pass the registry); without it, only
    the name's spelling is checked.
    """
    path = root / LOCK_NAME
    fix = (
        f"restore it from version control (git checkout -- {LOCK_NAME}); "
        "the lock is generated by scaffold, never edit it"
    )
    try:
        raw = read_inside(root, LOCK_NAME, limit=MAX_LOCK_BYTES)
    except UsageError as exc:
        raise UsageError(f"{exc}; the lock of {root}: {fix}") from None
    if raw is None:
        raise UsageError(
            f"{root} is not a scaffold service (no {LOCK_NAME}); "
            "create one with `scaffold new` or `scaffold add`"
        )
    try:
        return _parse(raw, targets)
    except _Bad as exc:
        raise UsageError(f"{path}: invalid lock: {exc}; {fix}") from None
