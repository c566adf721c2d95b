//! The Rust telemetry module's static sources, compiled in place with the files
//! rendered from the bundled default conventions. This crate never ships: services
//! receive the module through `scaffold new` and `scaffold add`.

pub mod telemetry;
