"""The formatter-insensitive normal form of Go and Rust sources: layout is not a change,
anything a compiler would see differently is."""

from __future__ import annotations

import pytest

from scaffold.sync.normal import normal_digest, same_source

GO = """package telemetry

import (
	"context"
	"net/http"

	"go.opentelemetry.io/otel"
)

// Wrap wraps h.
func Wrap(h http.Handler) http.Handler {
	return wrapped{h: h, name: "server"}
}
"""

RUST = """use std::fmt;
use std::sync::{Arc, Mutex};

mod b;
mod a;

pub fn kind(e: &Error) -> &'static str {
    match e {
        Error::Io(_) => "io",
        Error::Other(msg) => return msg.as_str(),
    }
}
"""


@pytest.mark.parametrize(
    ("rel", "before", "after"),
    [
        ("x.go", GO, GO.replace("\t", "    ")),
        ("x.go", GO, GO.replace('\t"context"\n\t"net/http"\n', '\t"net/http"\n\t"context"\n')),
        ("x.go", GO, GO.replace('"net/http"\n\n\t"go.', '"net/http"\n\t"go.')),  # regrouped
        ("x.go", GO, GO.replace("// Wrap wraps h.", "//   Wrap   wraps h.\n//")),
        ("x.go", GO, GO.replace('name: "server"}', 'name: "server",\n\t}')),
        (
            "x.rs",
            RUST,
            RUST.replace(
                "use std::fmt;\nuse std::sync::{Arc, Mutex};",
                "use std::{\n    fmt,\n    sync::{Mutex, Arc},\n};",
            ),
        ),
        ("x.rs", RUST, RUST.replace("mod b;\nmod a;", "mod a;\nmod b;")),
        ("x.rs", RUST, RUST.replace('=> "io",', '=> {\n            "io"\n        }')),
        (
            "x.rs",
            RUST,
            RUST.replace(
                "=> return msg.as_str(),", "=> {\n            return msg.as_str();\n        }"
            ),
        ),
    ],
)
def test_layout_is_not_a_change(rel: str, before: str, after: str) -> None:
    assert before != after
    assert same_source(rel, before.encode(), after.encode())


@pytest.mark.parametrize(
    ("rel", "before", "after"),
    [
        ("x.go", GO, GO.replace('"server"', '"Server"')),
        ("x.go", GO, GO.replace("// Wrap wraps h.", "// Wrap wraps the handler.")),
        ("x.go", GO, GO.replace('\t"context"\n', "")),
        ("x.go", GO, GO.replace("h: h", "h: nil")),
        ("x.rs", RUST, RUST.replace("Mutex}", "RwLock}")),
        ("x.rs", RUST, RUST.replace("mod a;", "pub mod a;")),
        (
            "x.rs",
            RUST,
            RUST.replace('=> "io",', '=> {\n            let _ = 1;\n            "io"\n        }'),
        ),
        ("x.rs", RUST, RUST.replace("&'static str", "&str")),
    ],
)
def test_a_real_change_is_a_change(rel: str, before: str, after: str) -> None:
    assert not same_source(rel, before.encode(), after.encode())


def test_only_go_and_rust_sources_have_a_normal_form() -> None:
    assert normal_digest("README.md", b"# x\n") == ""
    assert normal_digest("x.go", b"\xff\xfe") == ""
    assert not same_source("config.yaml", b"a: 1\n", b"a:  1\n")
