"""Library mode: the organisation's instrumentation as one versioned Go module or Rust
crate (`scaffold lib`), and services that depend on it (`scaffold new --lib`).

See docs/library.md. `lock` (the library's lock), `render` (the library's files),
`build` (the `scaffold lib` verb), `follow` (a service's library version for `new`,
`update` and `check`). A service's reference to the library and the version rules live
in scaffold.targets.library_ref and library_version, which the targets read.
"""
