//! The checkout service: its routes and its telemetry.

pub mod otelconv;
pub mod routes;
