"""Library mode: the organisation's instrumentation as one versioned Go module or Rust
crate (`scaffold lib`), and services that depend on it (`scaffold new --lib`).

See docs/library.md. Submodules: `ref` (a service's reference to the library),
`version` (semver and Go's major-version paths), `lock` (the library's lock),
`render` (the library's files), `build` (the `scaffold lib` verb), `follow` (moving a
service to the library's current version).
"""
