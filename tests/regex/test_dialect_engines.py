"""The shared regular-expression dialect, proven against the real engines: every pattern
scaffold accepts compiles in Go's regexp and in Rust's regex crate (a second engine that
keeps the syntax honest; the Rust runtime reads patterns with its own matcher, checked
against tests/vectors/patterns.json), and every pattern it refuses is refused by one of
them, read differently, or outside what all readers share (NOT_SHARED)."""

from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path

import pytest

from scaffold.conventions.regex_dialect import check
from tests.conftest import cargo_target_dir

HERE = Path(__file__).resolve().parent
REGEX_CRATE = "=1.13.2"

ACCEPTED = [
    r"^[a-z][a-z0-9_.]*( [a-z0-9_.{}/-]+)*$",
    r"a{2,3}b{4}c{1,}",
    r"[]a][^]b]",
    r"\d\D\w\Wx",
    r"\.\+\*\?\(\)\|\[\]\{\}\^\$\-\#\&\~\/",
    r"a|b|",
    r"()",
    r"[\n\t\r\f\v]",
    r"\w{100}",
    r"[\n-\r]",
    r"(?:a)b",
]
# Refused because one engine refuses them ...
REFUSED = [
    r"(?x)a b",
    r"a\Z",
    r"a++",
    r"(?>a)",
    r"(?#c)a",
    r"\d{1001}",
    r"(?P<n>a)(?P=n)",
    r"(?=a)",
    r"(?<=a)b",
    r"\1",
    r"a{",
    r"[a",
    r"(a",
    r"a)",
    r"a**",
    r"\q",
    # found by an attacker: accepted once, refused by Go or Rust
    r"[z-a]",
    r"\x{110000}",
    r"\p{Bogus}",
    r"\pQ",
    r"\p{Alphabetic}",
    r"(a{1000}){1000}",
    r"\w{1000}",
    r"(?i-)",
    r"(?ii)",
    r"\x{D800}",
    r"[\d-z]",
]
# ... or because the two read them differently (Rust's class set operations and nested
# classes), or, for a lone '}', to keep the rule simple: write \} for the character.
DIFFERENT_MEANING = [r"[a-z&&[^q]]", r"[a[b]]", r"[a--b]", r"[a~~b]", r"}"]
# ... or because Go's regexp, Python's re and the Rust runtime's matcher do not all read
# them alike (tests/vectors/patterns.json proves the accepted rest alike).
NOT_SHARED = [
    r"\Ax\z",
    r"\pL+\p{Greek}\PN",
    r"\x41\x{1F600}",
    r"[[:alpha:]][[:^digit:]]",
    r"(?i)abc(?-i:d)(?s:.)(?U)a*",
    r"(?P<first>a)(?<second>b)",
    r"a{2,3}?",
    r"\s\S",
    r"\bx\B",
    r"[\x41-\x5A]",
    r"a{01}",
    r"x{,2}",
    "(" * 33 + ")" * 33,
    "a" * 1001,
    r"(abcdefghijklmnopqrstu){100}",
]

ALPHABET = [
    *"ab()[]{}*+?|^$.-:=!<>,PdzZi01-",
    "\\",
    "(?",
    "[:alpha:]",
    "{2}",
    "{1,3}",
    "{100}",
    "\\w",
]


def _random_patterns(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 8))) for _ in range(count)]


def _go(patterns: list[str], tmp: Path) -> list[bool]:
    go = shutil.which("go")
    assert go is not None
    (tmp / "go.mod").write_text("module example.invalid/regexcheck\n\ngo 1.22\n", encoding="utf-8")
    shutil.copy(HERE / "engines.go.txt", tmp / "main.go")
    proc = subprocess.run(
        [go, "run", "."],
        cwd=tmp,
        input="".join(p.encode().hex() + "\n" for p in patterns),
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
        env={**_env(), "GOFLAGS": "-mod=mod", "GOWORK": "off", "GOTOOLCHAIN": "local"},
    )
    return [line == "ok" for line in proc.stdout.splitlines()]


def _rust(patterns: list[str], tmp: Path) -> list[bool]:
    cargo = shutil.which("cargo")
    assert cargo is not None
    (tmp / "src").mkdir()
    (tmp / "Cargo.toml").write_text(
        '[package]\nname = "regexcheck"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n\n'
        f'[dependencies]\nregex = "{REGEX_CRATE}"\n',
        encoding="utf-8",
    )
    shutil.copy(HERE / "engines.rs.txt", tmp / "src" / "main.rs")
    proc = subprocess.run(
        [cargo, "run", "--quiet"],
        cwd=tmp,
        input="".join(p.encode().hex() + "\n" for p in patterns),
        capture_output=True,
        text=True,
        timeout=1800,
        check=True,
        env={**_env(), "CARGO_TARGET_DIR": str(cargo_target_dir()), "CARGO_TERM_COLOR": "never"},
    )
    return [line == "ok" for line in proc.stdout.splitlines()]


def _env() -> dict[str, str]:
    import os

    return dict(os.environ)


@pytest.mark.toolchain
@pytest.mark.skipif(
    shutil.which("go") is None or shutil.which("cargo") is None,
    reason="go and cargo are needed",
)
def test_the_dialect_agrees_with_go_and_rust(tmp_path: Path) -> None:
    generated = _random_patterns(3000, seed=20261201)
    patterns = ACCEPTED + REFUSED + DIFFERENT_MEANING + NOT_SHARED + generated
    (tmp_path / "go").mkdir()
    (tmp_path / "rust").mkdir()
    go = _go(patterns, tmp_path / "go")
    rust = _rust(patterns, tmp_path / "rust")
    assert len(go) == len(rust) == len(patterns)
    verdicts = {p: (check(p) == "", g, r) for p, g, r in zip(patterns, go, rust, strict=True)}
    for p in ACCEPTED:
        assert verdicts[p] == (True, True, True), (p, check(p), verdicts[p])
    for p in REFUSED:
        ours, g, r = verdicts[p]
        assert not ours and not (g and r), (p, verdicts[p])
    for p in DIFFERENT_MEANING + NOT_SHARED:
        assert verdicts[p][0] is False, p
    wrongly_accepted = [p for p, (ours, g, r) in verdicts.items() if ours and not (g and r)]
    assert wrongly_accepted == [], wrongly_accepted
    accepted = sum(1 for p in generated if verdicts[p][0])
    assert accepted > 100, f"only {accepted} random patterns accepted: the sample proves little"
