"""Write patterns.json: name patterns of the conventions' dialect, names, and whether each
pattern is found in each name, as `scaffold verify` (Python's `re`, through
`regex_dialect.as_python`) decides. The Go runtime (`regexp`) and the Rust runtime
(telemetry/pattern.rs) are checked against every row, so all three read the dialect alike.

Patterns are generated from the dialect's pieces (every one `regex_dialect.check`
accepts) plus hand-picked ones; names mix letters, digits, punctuation, newlines, other
control characters and non-ASCII letters, digits and spaces. Run
`python -m tests.vectors.make_patterns` to rewrite the file; the output is deterministic
(a fixed seed) and tests/test_pattern_vectors.py checks it is current.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from scaffold.conventions.regex_dialect import as_python, check

OUT = Path(__file__).resolve().parent / "patterns.json"
GENERATED = 600
NAMES_PER_PATTERN = 14

# Each piece is dialect syntax; a piece may be repeated with a quantifier.
ATOMS = [
    "a",
    "b",
    "z",
    "A",
    "0",
    "9",
    "_",
    " ",
    ".",
    "-",
    "/",
    "é",
    "\\d",
    "\\D",
    "\\w",
    "\\W",
    "\\.",
    "\\-",
    "\\{",
    "\\}",
    "\\$",
    "\\^",
    "\\n",
    "\\t",
    "\\r",
    "\\f",
    "\\v",
    "\\\\",
    "[a-z]",
    "[^a-z]",
    "[a-z0-9_.{}/-]",
    "[]a]",
    "[^]a]",
    "[-a]",
    "[a-]",
    "[\\d\\W]",
    "[^\\w]",
    "[\\n\\v]",
    "[$^]",
    "[0-9A-F]",
    "[é-ü]",
    "[\\--/]",
]
QUANTIFIERS = ["", "", "", "*", "+", "?", "{2}", "{0,1}", "{1,}", "{0}", "{1,3}", "{2,2}"]
CHARS = "abzAZ09_ .-/{}$^\n\t\r\x0b\x0c\\é\u2003٣ßK"
HAND = [
    "^[a-z][a-z0-9_.]*( [a-z0-9_.{}/-]+)*$",
    "^[a-z][a-z0-9_.]*$",
    '^[a-z"\\\\*/]+$',
    "^\\w+$",
    "^\\W+$",
    "^\\d+$",
    "^[^ ]+$",
    "^.+$",
    "$",
    "^$",
    "a$",
    "^(a*)*$",
    "^(|a)b$",
    "^(a|ab)(c|bcd)(d*)$",
    "^[\\w.]{1,100}$",
    "^" + "a?" * 300 + "a{1,}$",
]


def _piece(rng: random.Random, depth: int) -> str:
    if depth < 3 and rng.random() < 0.2:
        inner = "|".join(_sequence(rng, depth + 1) for _ in range(rng.randint(1, 3)))
        group = rng.choice(["(", "(?:"]) + inner + ")"
        return group + rng.choice(["", "?", "{0,2}"[: 0 if depth else 5]])
    return rng.choice(ATOMS) + rng.choice(QUANTIFIERS)


def _sequence(rng: random.Random, depth: int) -> str:
    return "".join(_piece(rng, depth) for _ in range(rng.randint(0, 4)))


def _pattern(rng: random.Random) -> str:
    body = _sequence(rng, 0)
    if rng.random() < 0.3:
        body += "|" + _sequence(rng, 1)
    return rng.choice(["", "^"]) + body + rng.choice(["", "$"])


def _name(rng: random.Random) -> str:
    return "".join(rng.choice(CHARS) for _ in range(rng.randint(0, 8)))


def vectors() -> list[dict[str, object]]:
    rng = random.Random(20261203)
    patterns = list(HAND)
    while len(patterns) < len(HAND) + GENERATED:
        p = _pattern(rng)
        if p not in patterns and not check(p):
            patterns.append(p)
    out: list[dict[str, object]] = []
    for p in patterns:
        problem = check(p)
        assert problem == "", (p, problem)
        compiled = as_python(p)
        assert compiled is not None
        names = {_name(rng) for _ in range(NAMES_PER_PATTERN)}
        # Names the pattern matches too: a sample from a search of a long random text.
        found = compiled.search("".join(rng.choice(CHARS) for _ in range(24)))
        if found:
            names.add(found.group(0))
            names.add(found.group(0) + "\n")
        for name in sorted(names):
            out.append({"pattern": p, "name": name, "match": bool(compiled.search(name))})
    return out


def render() -> str:
    rows = [json.dumps(v, ensure_ascii=True, separators=(",", ":")) for v in vectors()]
    return '{"vectors":[\n' + ",\n".join(rows) + "\n]}\n"


if __name__ == "__main__":
    OUT.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {OUT}\n")
