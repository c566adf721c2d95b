//! The start-up settings read from the environment, with one precedence rule:
//! a standard `OTEL_*` variable wins over the conventions, which win over the
//! SDK's defaults.
//!
//! A bad value never stops the service (unless the conventions ask for a
//! strict start-up): it is reported as a [`Warning`] naming the variable, the
//! value and the value used instead, as the SDK environment variable
//! specification says (log, ignore, use the default). Enumerated values are
//! read case-insensitively.

use std::fmt;

use super::conventions;
use super::rules::{Protocol, Source};

/// A bad setting and what was used instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// The variable (or resource attribute) at fault.
    pub variable: String,
    /// Its value.
    pub value: String,
    /// What the service uses instead.
    pub used: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}={:?} is not usable; using {}",
            self.variable, self.value, self.used
        )
    }
}

/// Collected warnings.
#[derive(Debug, Default)]
pub struct Warnings(pub Vec<Warning>);

impl Warnings {
    /// Records one (once: the same warning twice is kept once).
    pub fn push(&mut self, variable: &str, value: &str, used: impl Into<String>) {
        let warning = Warning {
            variable: variable.to_owned(),
            value: value.to_owned(),
            used: used.into(),
        };
        if !self.0.contains(&warning) {
            self.0.push(warning);
        }
    }
}

/// Reads a variable: trimmed, `None` when unset or blank.
pub fn value(getenv: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    getenv(name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// Reads a boolean as the specification defines it: `true` (any case) is
/// true, unset or `false` is false, anything else is false with a warning.
pub fn boolean(getenv: &dyn Fn(&str) -> Option<String>, name: &str, w: &mut Warnings) -> bool {
    match value(getenv, name) {
        None => false,
        Some(v) if v.eq_ignore_ascii_case("true") => true,
        Some(v) if v.eq_ignore_ascii_case("false") => false,
        Some(v) => {
            w.push(name, &v, "false");
            false
        }
    }
}

/// How root and child spans are sampled.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SamplerChoice {
    /// Whether a sampled or unsampled parent decides for its children.
    pub parent_based: bool,
    /// The ratio root spans (or, not parent-based, all spans) are sampled at.
    pub ratio: f64,
    /// Whether the ratio came from the conventions' ratio variable (an
    /// incident lever: at 0 it switches tracing off).
    pub from_lever: bool,
}

fn ratio(text: &str) -> Option<f64> {
    text.parse::<f64>().ok().filter(|r| (0.0..=1.0).contains(r))
}

/// The name of the environment: the conventions' variable, else
/// `deployment.environment.name` in `OTEL_RESOURCE_ATTRIBUTES`.
pub fn environment(getenv: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    value(getenv, conventions::ENVIRONMENT_VARIABLE)
        .or_else(|| resource_attribute(getenv, "deployment.environment.name"))
}

/// A key's value in `OTEL_RESOURCE_ATTRIBUTES` (percent-decoded).
pub fn resource_attribute(getenv: &dyn Fn(&str) -> Option<String>, key: &str) -> Option<String> {
    let list = value(getenv, "OTEL_RESOURCE_ATTRIBUTES")?;
    list.split(',')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| k.trim() == key)
        .map(|(_, v)| percent_decode(v.trim()))
        .filter(|v| !v.is_empty())
}

/// Whether every `%` in `text` starts a two-digit hex escape (the W3C Baggage
/// octet encoding `OTEL_RESOURCE_ATTRIBUTES` values use).
pub fn percent_encoding_valid(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().all(|(i, &b)| {
        b != b'%'
            || (i + 2 < bytes.len()
                && bytes[i + 1].is_ascii_hexdigit()
                && bytes[i + 2].is_ascii_hexdigit())
    })
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The environment's ratio; an unknown or missing environment gets the
/// lowest ratio of the conventions (a warning says so).
pub fn environment_ratio(getenv: &dyn Fn(&str) -> Option<String>, w: &mut Warnings) -> f64 {
    let lowest = conventions::ENVIRONMENT_RATIOS
        .iter()
        .map(|(_, r)| *r)
        .fold(1.0_f64, f64::min);
    let name = environment(getenv).unwrap_or_default();
    if let Some((_, r)) = conventions::ENVIRONMENT_RATIOS
        .iter()
        .find(|(env, _)| env.eq_ignore_ascii_case(&name))
    {
        return *r;
    }
    let known: Vec<&str> = conventions::ENVIRONMENT_RATIOS
        .iter()
        .map(|(n, _)| *n)
        .collect();
    w.push(
        conventions::ENVIRONMENT_VARIABLE,
        &name,
        format!(
            "ratio {lowest}, the lowest of the known environments ({})",
            known.join(", ")
        ),
    );
    lowest
}

/// The sampler: `OTEL_TRACES_SAMPLER(_ARG)` as the specification defines
/// them, else the conventions' parent-based ratio; then the conventions'
/// ratio variable overrides the ratio.
pub fn sampler(getenv: &dyn Fn(&str) -> Option<String>, w: &mut Warnings) -> SamplerChoice {
    let base = environment_ratio(getenv, w);
    let choose = |parent_based: bool, ratio: f64| SamplerChoice {
        parent_based,
        ratio,
        from_lever: false,
    };
    let fallback = choose(true, base);
    let name = value(getenv, "OTEL_TRACES_SAMPLER").map(|v| v.to_ascii_lowercase());
    // The ratio samplers' argument; unset or unusable, the specification's
    // default, 1.0.
    let mut arg = || match value(getenv, "OTEL_TRACES_SAMPLER_ARG") {
        None => 1.0,
        Some(text) => ratio(&text).unwrap_or_else(|| {
            w.push("OTEL_TRACES_SAMPLER_ARG", &text, "ratio 1.0");
            1.0
        }),
    };
    let mut choice = match name.as_deref() {
        None => fallback,
        Some("always_on") => choose(false, 1.0),
        Some("always_off") => choose(false, 0.0),
        Some("parentbased_always_on") => choose(true, 1.0),
        Some("parentbased_always_off") => choose(true, 0.0),
        Some("traceidratio") => choose(false, arg()),
        Some("parentbased_traceidratio") => choose(true, arg()),
        Some(other) => {
            w.push(
                "OTEL_TRACES_SAMPLER",
                other,
                format!("parentbased_traceidratio at the environment's ratio {base}"),
            );
            fallback
        }
    };
    if let Some(text) = value(getenv, conventions::RATIO_ENV) {
        match ratio(&text) {
            Some(r) => {
                choice.ratio = r;
                choice.from_lever = true;
            }
            None => w.push(
                conventions::RATIO_ENV,
                &text,
                format!("ratio {}", choice.ratio),
            ),
        }
    }
    choice
}

/// Which exporters a signal uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Exporters {
    /// OTLP to the collector.
    pub otlp: bool,
    /// JSON lines on standard output (spans only).
    pub console: bool,
}

/// Reads `OTEL_TRACES_EXPORTER` or `OTEL_METRICS_EXPORTER`: a comma
/// separated list of `otlp`, `console` (spans only) and `none`; unknown
/// entries are ignored with a warning; an empty list means `otlp`. `none`
/// alone exports nothing; listed with other exporters it is warned about and
/// ignored (the specification's "no automatically configured exporter" says
/// nothing of the others), as in the Go package.
pub fn exporters(
    getenv: &dyn Fn(&str) -> Option<String>,
    name: &str,
    console_allowed: bool,
    w: &mut Warnings,
) -> Exporters {
    let Some(list) = value(getenv, name) else {
        return Exporters {
            otlp: true,
            console: false,
        };
    };
    let mut out = Exporters::default();
    let mut none = false;
    let mut known = 0;
    let mut unknown = false;
    for entry in list.split(',').map(|e| e.trim().to_ascii_lowercase()) {
        match entry.as_str() {
            "otlp" => out.otlp = true,
            "console" if console_allowed => out.console = true,
            "none" => none = true,
            "" => continue,
            other => {
                unknown = true;
                w.push(name, other, "ignored (supported: otlp, console, none)");
                continue;
            }
        }
        known += 1;
    }
    if known == 0 && unknown {
        w.push(name, &list, "otlp");
    }
    if none && !out.otlp && !out.console {
        return Exporters::default();
    }
    if none {
        w.push(name, "none", "ignored (listed with other exporters)");
    }
    if known == 0 {
        out.otlp = true;
    }
    out
}

/// The OTLP protocol of a signal: `OTEL_EXPORTER_OTLP_<SIGNAL>_PROTOCOL`,
/// else `OTEL_EXPORTER_OTLP_PROTOCOL`, else the conventions'. `http/json` is
/// not compiled in and falls back to `http/protobuf`; so does `grpc` when the
/// OTLP/gRPC exporter is not built in ([`super::otlp::GRPC_BUILT_IN`]).
pub fn protocol(
    getenv: &dyn Fn(&str) -> Option<String>,
    signal: &str,
    w: &mut Warnings,
) -> Protocol {
    protocol_built_in(getenv, signal, w, super::otlp::GRPC_BUILT_IN)
}

/// [`protocol`], with `grpc` saying whether the OTLP/gRPC exporter is built in.
pub fn protocol_built_in(
    getenv: &dyn Fn(&str) -> Option<String>,
    signal: &str,
    w: &mut Warnings,
    grpc: bool,
) -> Protocol {
    let specific = format!("OTEL_EXPORTER_OTLP_{signal}_PROTOCOL");
    let (variable, text) = match value(getenv, &specific) {
        Some(v) => (specific, v),
        None => match value(getenv, "OTEL_EXPORTER_OTLP_PROTOCOL") {
            Some(v) => ("OTEL_EXPORTER_OTLP_PROTOCOL".to_owned(), v),
            None => return conventions::EXPORT_PROTOCOL,
        },
    };
    match text.to_ascii_lowercase().as_str() {
        "grpc" if grpc => Protocol::Grpc,
        "grpc" => {
            w.push(
                &variable,
                &text,
                "http/protobuf (the OTLP/gRPC exporter is not built in: \
                 scaffold add --with grpc adds it)",
            );
            Protocol::HttpProtobuf
        }
        "http/protobuf" => Protocol::HttpProtobuf,
        "http/json" => {
            w.push(
                &variable,
                &text,
                "http/protobuf (http/json is not built in)",
            );
            Protocol::HttpProtobuf
        }
        _ => {
            let used = match conventions::EXPORT_PROTOCOL {
                Protocol::Grpc => "grpc",
                Protocol::HttpProtobuf => "http/protobuf",
            };
            w.push(
                &variable,
                &text,
                format!("{used}, the conventions' protocol"),
            );
            conventions::EXPORT_PROTOCOL
        }
    }
}

/// A resource attribute's value, or its placeholder (with a warning when the
/// attribute is required).
pub fn resource_value(
    getenv: &dyn Fn(&str) -> Option<String>,
    attr: &super::rules::ResourceAttr,
    w: &mut Warnings,
) -> Option<String> {
    if matches!(attr.source, Source::Service) {
        if let Some(v) = value(getenv, "OTEL_SERVICE_NAME") {
            return Some(v);
        }
    }
    if let Some(v) = resource_attribute(getenv, attr.key) {
        return Some(v);
    }
    let (variable, found) = match attr.source {
        Source::Service => (
            "OTEL_SERVICE_NAME".to_owned(),
            value(getenv, "OTEL_SERVICE_NAME").or(Some(conventions::SERVICE_NAME.to_owned())),
        ),
        Source::Version => (
            "SERVICE_VERSION".to_owned(),
            value(getenv, "SERVICE_VERSION")
                .or_else(|| conventions::service_version().map(str::to_owned)),
        ),
        Source::Environment => (
            conventions::ENVIRONMENT_VARIABLE.to_owned(),
            value(getenv, conventions::ENVIRONMENT_VARIABLE),
        ),
        Source::Env(name) => (name.to_owned(), value(getenv, name)),
        Source::Static(v) => ("OTEL_RESOURCE_ATTRIBUTES".to_owned(), Some(v.to_owned())),
    };
    match found {
        Some(v) => Some(v),
        None if attr.required => {
            w.push(
                &variable,
                "",
                format!("{}={:?} (its placeholder)", attr.key, attr.placeholder),
            );
            Some(attr.placeholder.to_owned())
        }
        None => None,
    }
}

/// Checks the numeric `OTEL_BSP_*` variables and `OTEL_METRIC_EXPORT_TIMEOUT`:
/// an unusable value is warned about, and the conventions' value is used (the
/// SDK ignores it too). The two export timeouts are only checked: the SDK's
/// thread-based span batcher and periodic metric reader apply no export
/// timeout of their own (each request is bounded by the OTLP exporter's
/// timeout, `OTEL_EXPORTER_OTLP_TIMEOUT`).
pub fn check_batch(getenv: &dyn Fn(&str) -> Option<String>, w: &mut Warnings) {
    let checks: [(&str, String); 5] = [
        (
            "OTEL_BSP_SCHEDULE_DELAY",
            format!("{} ms", conventions::SCHEDULE_DELAY.as_millis()),
        ),
        (
            "OTEL_BSP_MAX_QUEUE_SIZE",
            conventions::MAX_QUEUE_SIZE.to_string(),
        ),
        (
            "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
            conventions::MAX_EXPORT_BATCH_SIZE.to_string(),
        ),
        ("OTEL_BSP_EXPORT_TIMEOUT", "the SDK's default".to_owned()),
        ("OTEL_METRIC_EXPORT_TIMEOUT", "the SDK's default".to_owned()),
    ];
    for (name, used) in checks {
        if let Some(text) = value(getenv, name) {
            if text.parse::<u64>().is_err() {
                w.push(name, &text, used);
            }
        }
    }
    if let Some(text) = value(getenv, "OTEL_BSP_MAX_QUEUE_SIZE") {
        if text.parse::<u64>().is_ok_and(|n| n > MAX_QUEUE_CAP as u64) {
            w.push(
                "OTEL_BSP_MAX_QUEUE_SIZE",
                &text,
                format!("{MAX_QUEUE_CAP} (the largest accepted)"),
            );
        }
    }
}

/// The largest span queue `OTEL_BSP_MAX_QUEUE_SIZE` may ask for: the SDK
/// allocates the whole queue at start-up, so a huge value would stop the
/// service (capacity overflow) or take its memory. The Go package has the
/// same bound.
pub const MAX_QUEUE_CAP: usize = 65_536;

/// `OTEL_BSP_MAX_QUEUE_SIZE` when it is usable but over [`MAX_QUEUE_CAP`].
pub fn queue_over_cap(getenv: &dyn Fn(&str) -> Option<String>) -> bool {
    value(getenv, "OTEL_BSP_MAX_QUEUE_SIZE")
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|n| n > MAX_QUEUE_CAP as u64)
}

/// Whether a numeric variable is set to a usable value.
pub fn numeric_set(getenv: &dyn Fn(&str) -> Option<String>, name: &str) -> bool {
    value(getenv, name).is_some_and(|v| v.parse::<u64>().is_ok())
}
