//! The checkout service: its routes and its telemetry.

pub mod routes;
pub mod telemetry;
