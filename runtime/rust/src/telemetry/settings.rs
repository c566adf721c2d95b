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
use std::time::Duration;

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
        if self.value == NOT_UTF8 {
            // Named, never echoed: the bytes may be anything.
            return write!(
                f,
                "{} is not UTF-8, not usable; using {}",
                self.variable, self.used
            );
        }
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
        // A choice read in lower case still marks bytes that are not UTF-8.
        let value = if value.eq_ignore_ascii_case(NOT_UTF8) {
            NOT_UTF8
        } else {
            value
        };
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

/// What [`process_env`] gives for a variable whose value is not UTF-8. No
/// value of a real variable holds a NUL byte, so none is taken for it.
pub const NOT_UTF8: &str = "\0(not UTF-8)";

/// Reads a variable of the process: its value, [`NOT_UTF8`] when that is
/// not UTF-8, `None` when unset. [`value`] takes [`NOT_UTF8`] as unset;
/// [`number_value`] keeps it, so that a number variable holding it is
/// warned about (naming the variable, never echoing the bytes) and the
/// default used, as in Go, where the bytes are not a number either.
pub fn process_env(name: &str) -> Option<String> {
    match std::env::var(name) {
        Ok(v) => Some(v),
        Err(std::env::VarError::NotUnicode(_)) => Some(NOT_UTF8.to_owned()),
        Err(std::env::VarError::NotPresent) => None,
    }
}

/// Reads a variable: trimmed, `None` when unset or blank (or not UTF-8).
pub fn value(getenv: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    getenv(name)
        .filter(|v| v != NOT_UTF8)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// Reads a number variable (an integer, [`decimal`], or a ratio): as
/// [`value`], but a value that is not UTF-8 is [`NOT_UTF8`], which no number
/// reader accepts.
pub fn number_value(getenv: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    match getenv(name) {
        Some(v) if v == NOT_UTF8 => Some(v),
        _ => value(getenv, name),
    }
}

/// Reads a variable that names a choice (a sampler, exporter, protocol,
/// compression, temporality, propagator list or boolean): as [`value`], but
/// a value that is not UTF-8 is [`NOT_UTF8`], which names no choice, so it
/// is warned about (the variable named, the bytes never echoed) and the
/// default used, as Go warns about the bytes as an unknown value (the SDK
/// environment variable specification, v1.60.0: an unrecognised value is
/// warned about and ignored).
pub fn choice_value(getenv: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    number_value(getenv, name)
}

/// Reads a boolean as the specification defines it: `true` (any case) is
/// true, unset or `false` is false, anything else is false with a warning.
pub fn boolean(getenv: &dyn Fn(&str) -> Option<String>, name: &str, w: &mut Warnings) -> bool {
    match choice_value(getenv, name) {
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
    /// Whether the ratio came from the conventions' ratio variable: the
    /// incident lever, set at start-up (as the run-time ratio lever is, it
    /// applies to every root span, per-route ratios included, and at 0 it
    /// switches tracing off).
    pub from_lever: bool,
    /// The sampler's own ratio, before the ratio variable: what resetting
    /// the ratio lever goes back to.
    pub base: f64,
}

/// Reads a ratio (`OTEL_TRACES_SAMPLER_ARG` and the conventions' ratio
/// variable): a plain decimal number ([`plain_decimal`]) between 0 and 1.
pub fn ratio(text: &str) -> Option<f64> {
    if !plain_decimal(text) {
        return None;
    }
    text.parse::<f64>().ok().filter(|r| (0.0..=1.0).contains(r))
}

/// Whether `text` is the one number grammar every float variable takes:
/// decimal digits with an optional fraction (".5", "1." and "0.25" alike)
/// and an optional exponent ("25e-2", "1E0"). No sign: the specification's
/// example ("0.25", sdk-environment-variables.md v1.60.0) and every integer
/// variable ([`decimal`]) are unsigned, and a ratio has none. `parse` alone
/// would also take "inf", "NaN", "infinity" and "+1"; Go's ParseFloat hex
/// floats ("0x1p-1"), "inf", "nan" and underscores: each is warned about and
/// the default used, in both.
pub fn plain_decimal(text: &str) -> bool {
    let b = text.as_bytes();
    let digits_from = |mut i: usize| {
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        i
    };
    let mut i = digits_from(0);
    let mut digits = i;
    if b.get(i) == Some(&b'.') {
        let end = digits_from(i + 1);
        digits += end - i - 1;
        i = end;
    }
    if digits == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let end = digits_from(i);
        if end == i {
            return false;
        }
        i = end;
    }
    i == b.len()
}

/// The name of the environment: the conventions' variable, else
/// `deployment.environment.name` in `OTEL_RESOURCE_ATTRIBUTES`.
pub fn environment(getenv: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    value(getenv, conventions::ENVIRONMENT_VARIABLE)
        .or_else(|| resource_attribute(getenv, "deployment.environment.name"))
}

/// A key's value in `OTEL_RESOURCE_ATTRIBUTES` (percent-decoded); of a key
/// given twice, the last, as in the Go package.
pub fn resource_attribute(getenv: &dyn Fn(&str) -> Option<String>, key: &str) -> Option<String> {
    let list = value(getenv, "OTEL_RESOURCE_ATTRIBUTES")?;
    list.rsplit(',')
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
            "the sampling ratio {lowest} (the lowest of {})",
            known.join(", ")
        ),
    );
    lowest
}

/// The sampler: `OTEL_TRACES_SAMPLER(_ARG)` as the specification defines
/// them, else the conventions' parent-based ratio; then the conventions'
/// ratio variable overrides the ratio (the ratio lever: see
/// [`SamplerChoice::from_lever`]).
pub fn sampler(getenv: &dyn Fn(&str) -> Option<String>, w: &mut Warnings) -> SamplerChoice {
    let base = environment_ratio(getenv, w);
    let choose = |parent_based: bool, ratio: f64| SamplerChoice {
        parent_based,
        ratio,
        from_lever: false,
        base: ratio,
    };
    let fallback = choose(true, base);
    let name = choice_value(getenv, "OTEL_TRACES_SAMPLER").map(|v| v.to_ascii_lowercase());
    // The ratio samplers' argument; unset or unusable, the specification's
    // default, 1.0.
    let mut arg = || match number_value(getenv, "OTEL_TRACES_SAMPLER_ARG") {
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
                format!(
                    "the conventions' parent-based ratio sampler at the environment's ratio {base}"
                ),
            );
            fallback
        }
    };
    if let Some(text) = number_value(getenv, conventions::RATIO_ENV) {
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
    let Some(list) = choice_value(getenv, name) else {
        return Exporters {
            otlp: true,
            console: false,
        };
    };
    let mut out = Exporters::default();
    let mut none = false;
    let mut known = 0;
    let mut unknown = false;
    for given in list.split(',').map(str::trim) {
        let entry = given.to_ascii_lowercase();
        match entry.as_str() {
            "otlp" => out.otlp = true,
            "console" if console_allowed => out.console = true,
            "none" => none = true,
            "" => continue,
            other => {
                unknown = true;
                let supported = if console_allowed {
                    "ignored (supported: otlp, console, none)"
                } else if other == "console" {
                    "ignored (console is for spans only; supported here: otlp, none)"
                } else {
                    "ignored (supported here: otlp, none)"
                };
                // The entry as given, as Go writes it.
                w.push(name, given, supported);
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
/// An unknown value is ignored as if unset (the general variable, then the
/// conventions' protocol apply), as in the Go package.
pub fn protocol_built_in(
    getenv: &dyn Fn(&str) -> Option<String>,
    signal: &str,
    w: &mut Warnings,
    grpc: bool,
) -> Protocol {
    let names = [
        format!("OTEL_EXPORTER_OTLP_{signal}_PROTOCOL"),
        "OTEL_EXPORTER_OTLP_PROTOCOL".to_owned(),
    ];
    let conventional = match conventions::EXPORT_PROTOCOL {
        Protocol::Grpc => "grpc",
        Protocol::HttpProtobuf => "http/protobuf",
    };
    let chosen = first_usable(
        getenv,
        choice_value,
        &names,
        |text| {
            let lower = text.to_ascii_lowercase();
            matches!(lower.as_str(), "grpc" | "http/protobuf" | "http/json").then_some(lower)
        },
        conventional.to_owned(),
        |p| {
            if p == conventional {
                format!("{p}, the conventions' protocol")
            } else {
                p.clone()
            }
        },
        w,
    );
    let variable = names
        .iter()
        .find(|n| value(getenv, n).is_some_and(|v| v.eq_ignore_ascii_case(&chosen)))
        .cloned()
        .unwrap_or_default();
    let text = value(getenv, &variable).unwrap_or_default();
    match chosen.as_str() {
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
        "http/json" => {
            w.push(
                &variable,
                &text,
                "http/protobuf (http/json is not built in)",
            );
            Protocol::HttpProtobuf
        }
        _ => Protocol::HttpProtobuf,
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

/// How a variable is read: [`value`] or [`number_value`].
type Reader = fn(&dyn Fn(&str) -> Option<String>, &str) -> Option<String>;

/// The first usable value of `names` (a signal's variable, then the general
/// one), read by `parse`; else `fallback`. A set but unusable value is
/// ignored as if it were not set (the SDK environment variable
/// specification, v1.60.0: warn and "gracefully ignore the setting") and
/// warned about once, naming what is used instead. The Go package reads the
/// signal and general variables the same way. `read` is [`value`], or
/// [`number_value`] for a number.
fn first_usable<T>(
    getenv: &dyn Fn(&str) -> Option<String>,
    read: Reader,
    names: &[String],
    parse: impl Fn(&str) -> Option<T>,
    fallback: T,
    describe: impl Fn(&T) -> String,
    w: &mut Warnings,
) -> T {
    let mut bad = Vec::new();
    let mut found = None;
    for name in names {
        if let Some(text) = read(getenv, name) {
            match parse(&text) {
                Some(v) => {
                    found = Some(v);
                    break;
                }
                None => bad.push((name, text)),
            }
        }
    }
    let used = found.unwrap_or(fallback);
    for (name, text) in bad {
        w.push(name, &text, describe(&used));
    }
    used
}

/// What a timeout of 0 (no limit, configuration/common.md v1.60.0, §Timeout)
/// becomes: the largest number of milliseconds a 32-bit integer holds, the
/// "very large duration" the specification allows. Larger values are held
/// to it too. The Go package uses the same value.
pub const NO_LIMIT: Duration = Duration::from_millis(i32::MAX as u64);

/// What [`decimal`] made of a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decimal {
    /// A value of at most the bound.
    Value(u64),
    /// Not decimal digits alone.
    NotDigits,
    /// Decimal digits alone, above the bound.
    TooLarge,
}

/// Reads `text`, a variable's trimmed value, as every integer variable takes
/// one (limits, timeouts, delays, intervals, queue and batch sizes): one or
/// more ASCII digits and nothing else, leading zeros allowed. A sign ("+5",
/// "-0"), inner spaces, a base prefix, an exponent, underscores or a value
/// that is not UTF-8 ([`NOT_UTF8`]) make it [`Decimal::NotDigits`]
/// (configuration/common.md v1.60.0, §Numeric: warned about, treated as not
/// set). Digits above `max`, however many, are [`Decimal::TooLarge`]; the
/// caller's family decides what that means, by one rule each
/// (docs/conventions.md, "Environment: numbers"):
///
/// - timeouts (`OTEL_EXPORTER_OTLP_[SIGNAL_]TIMEOUT`, `OTEL_BSP_EXPORT_TIMEOUT`,
///   `OTEL_METRIC_EXPORT_TIMEOUT`), max 2147483647 ms: no limit, as 0 is
///   ([`NO_LIMIT`]);
/// - durations (`OTEL_BSP_SCHEDULE_DELAY`, `OTEL_METRIC_EXPORT_INTERVAL`), max
///   [`MAX_MILLIS`]: warned about, the default used ([`millis`]);
/// - count limits (`OTEL_*_COUNT_LIMIT`), max `u32::MAX`, and value length
///   limits (`OTEL_[SPAN_]ATTRIBUTE_VALUE_LENGTH_LIMIT`), max `i64::MAX`:
///   warned about, treated as not set (`limit.rs`);
/// - queue and batch sizes (`OTEL_BSP_MAX_QUEUE_SIZE`,
///   `OTEL_BSP_MAX_EXPORT_BATCH_SIZE`), max [`MAX_QUEUE_CAP`]: warned about,
///   held to [`MAX_QUEUE_CAP`].
///
/// The Go package's readDecimal reads by the same rules.
pub fn decimal(text: &str, max: u64) -> Decimal {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Decimal::NotDigits;
    }
    let mut n: u64 = 0;
    for b in text.bytes() {
        match n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(b - b'0')))
        {
            Some(next) if next <= max => n = next,
            _ => return Decimal::TooLarge,
        }
    }
    Decimal::Value(n)
}

/// The longest duration read, in milliseconds: what Go's `time.Duration`
/// holds (9,223,372,036,854 ms, about 292 years), so both languages read
/// the same durations.
pub const MAX_MILLIS: u64 = i64::MAX as u64 / 1_000_000;

/// A duration (`OTEL_BSP_SCHEDULE_DELAY`, `OTEL_METRIC_EXPORT_INTERVAL`):
/// decimal digits of at most [`MAX_MILLIS`], else `None`.
pub fn millis(text: &str) -> Option<Duration> {
    match decimal(text, MAX_MILLIS) {
        Decimal::Value(ms) => Some(Duration::from_millis(ms)),
        Decimal::NotDigits | Decimal::TooLarge => None,
    }
}

/// A timeout in milliseconds ([`decimal`]): 0 means [`NO_LIMIT`], and so
/// does any value over it, however many digits it has (it names a timeout
/// longer than any other). The Go package reads timeouts the same way.
fn timeout_millis(text: &str) -> Option<Duration> {
    match decimal(text, i32::MAX as u64) {
        Decimal::NotDigits => None,
        Decimal::TooLarge | Decimal::Value(0) => Some(NO_LIMIT),
        Decimal::Value(ms) => Some(Duration::from_millis(ms)),
    }
}

fn describe_duration(d: &Duration) -> String {
    if *d == NO_LIMIT {
        "no limit".to_owned()
    } else {
        format!("{} ms", d.as_millis())
    }
}

/// The OTLP export timeout of `signal` (`TRACES`, `METRICS`):
/// `OTEL_EXPORTER_OTLP_<SIGNAL>_TIMEOUT`, else `OTEL_EXPORTER_OTLP_TIMEOUT`,
/// else the conventions'. 0 is no limit ([`NO_LIMIT`]).
pub fn export_timeout(
    getenv: &dyn Fn(&str) -> Option<String>,
    signal: &str,
    w: &mut Warnings,
) -> Duration {
    first_usable(
        getenv,
        number_value,
        &[
            format!("OTEL_EXPORTER_OTLP_{signal}_TIMEOUT"),
            "OTEL_EXPORTER_OTLP_TIMEOUT".to_owned(),
        ],
        timeout_millis,
        conventions::EXPORT_TIMEOUT,
        describe_duration,
        w,
    )
}

/// Whether the OTLP exports of `signal` are gzip-compressed:
/// `OTEL_EXPORTER_OTLP_<SIGNAL>_COMPRESSION`, else
/// `OTEL_EXPORTER_OTLP_COMPRESSION` (`gzip` or `none`, any case), else the
/// conventions'. Any other value (`br`, `zstd`: not built in) is warned
/// about and ignored.
pub fn gzip(getenv: &dyn Fn(&str) -> Option<String>, signal: &str, w: &mut Warnings) -> bool {
    first_usable(
        getenv,
        choice_value,
        &[
            format!("OTEL_EXPORTER_OTLP_{signal}_COMPRESSION"),
            "OTEL_EXPORTER_OTLP_COMPRESSION".to_owned(),
        ],
        |text| match text.to_ascii_lowercase().as_str() {
            "gzip" => Some(true),
            "none" => Some(false),
            _ => None,
        },
        conventions::EXPORT_GZIP,
        |gzip| if *gzip { "gzip" } else { "none" }.to_owned(),
        w,
    )
}

/// `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`
/// (metrics/sdk_exporters/otlp.md, v1.60.0): `cumulative` (the default),
/// `delta` or `lowmemory`, any case; another value is warned about and
/// `cumulative` used. The exporter is given the result, so the crate's own
/// reading (whose warning is compiled out) never decides.
pub fn temporality(
    getenv: &dyn Fn(&str) -> Option<String>,
    w: &mut Warnings,
) -> opentelemetry_sdk::metrics::Temporality {
    use opentelemetry_sdk::metrics::Temporality;
    let name = "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE";
    let Some(text) = choice_value(getenv, name) else {
        return Temporality::Cumulative;
    };
    match text.to_ascii_lowercase().as_str() {
        "cumulative" => Temporality::Cumulative,
        "delta" => Temporality::Delta,
        "lowmemory" => Temporality::LowMemory,
        _ => {
            w.push(name, &text, "cumulative (the specification's default)");
            Temporality::Cumulative
        }
    }
}

/// The span batcher's limits after the precedence rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Batch {
    /// `OTEL_BSP_MAX_QUEUE_SIZE`.
    pub max_queue_size: usize,
    /// `OTEL_BSP_MAX_EXPORT_BATCH_SIZE`, at most the queue size.
    pub max_export_batch_size: usize,
    /// `OTEL_BSP_SCHEDULE_DELAY`, at least [`MIN_SCHEDULE_DELAY`].
    pub scheduled_delay: Duration,
}

/// The shortest schedule delay accepted: at 0 the SDK's batcher wakes in a
/// loop and spins a core while idle. A smaller value is warned about and
/// this one used; the Go package has the same floor.
pub const MIN_SCHEDULE_DELAY: Duration = Duration::from_millis(10);

/// A positive integer ([`decimal`]) of at most [`MAX_QUEUE_CAP`]; `fallback`
/// when unset or unusable (0 included: the specification says valid values
/// are positive), the cap when larger.
fn positive(
    getenv: &dyn Fn(&str) -> Option<String>,
    name: &str,
    fallback: usize,
    w: &mut Warnings,
) -> usize {
    let Some(text) = number_value(getenv, name) else {
        return fallback;
    };
    match decimal(&text, MAX_QUEUE_CAP as u64) {
        Decimal::Value(n) if n > 0 => n as usize,
        Decimal::TooLarge => {
            w.push(
                name,
                &text,
                format!("{MAX_QUEUE_CAP} (the largest accepted)"),
            );
            MAX_QUEUE_CAP
        }
        Decimal::Value(_) | Decimal::NotDigits => {
            w.push(name, &text, fallback.to_string());
            fallback
        }
    }
}

/// The span batcher's limits: `OTEL_BSP_*` when usable, else the
/// conventions'. Every value is then given to the SDK, so its own reading of
/// the variables (which takes 0, and its defaults for values with spaces)
/// never applies.
pub fn batch(getenv: &dyn Fn(&str) -> Option<String>, w: &mut Warnings) -> Batch {
    let max_queue_size = positive(
        getenv,
        "OTEL_BSP_MAX_QUEUE_SIZE",
        conventions::MAX_QUEUE_SIZE,
        w,
    );
    let mut max_export_batch_size = positive(
        getenv,
        "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
        conventions::MAX_EXPORT_BATCH_SIZE,
        w,
    );
    if max_export_batch_size > max_queue_size {
        w.push(
            "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
            &max_export_batch_size.to_string(),
            format!("{max_queue_size} (the queue size)"),
        );
        max_export_batch_size = max_queue_size;
    }
    let name = "OTEL_BSP_SCHEDULE_DELAY";
    let scheduled_delay = match number_value(getenv, name) {
        None => conventions::SCHEDULE_DELAY,
        Some(text) => match millis(&text) {
            Some(d) if d < MIN_SCHEDULE_DELAY => {
                w.push(
                    name,
                    &text,
                    format!(
                        "{} ms (the smallest accepted)",
                        MIN_SCHEDULE_DELAY.as_millis()
                    ),
                );
                MIN_SCHEDULE_DELAY
            }
            Some(d) => d,
            None => {
                w.push(name, &text, describe_duration(&conventions::SCHEDULE_DELAY));
                conventions::SCHEDULE_DELAY
            }
        },
    };
    Batch {
        max_queue_size,
        max_export_batch_size,
        scheduled_delay,
    }
}

/// `OTEL_METRIC_EXPORT_INTERVAL`: a positive duration ([`millis`]), else
/// the conventions' interval, with a warning when set. Read whatever the
/// metric exporters, as in Go.
pub fn metric_interval(getenv: &dyn Fn(&str) -> Option<String>, w: &mut Warnings) -> Duration {
    let name = "OTEL_METRIC_EXPORT_INTERVAL";
    let used = conventions::METRICS_EXPORT_INTERVAL;
    let Some(text) = number_value(getenv, name) else {
        return used;
    };
    match millis(&text) {
        Some(d) if !d.is_zero() => d,
        _ => {
            w.push(name, &text, format!("{used:?}"));
            used
        }
    }
}

/// Checks the `OTEL_BSP_*` variables ([`batch`]) and the two export
/// timeouts, `OTEL_BSP_EXPORT_TIMEOUT` and `OTEL_METRIC_EXPORT_TIMEOUT`. The
/// timeouts are only checked: the SDK's thread-based span batcher and
/// periodic metric reader apply no export timeout of their own (each request
/// is bounded by the OTLP exporter's timeout, `OTEL_EXPORTER_OTLP_TIMEOUT`,
/// and the retries by the conventions' retry window).
/// It also checks the OTLP export timeouts and compression of both signals
/// ([`export_timeout`], [`gzip`]) and the metric temporality
/// ([`temporality`]), which the exporters read without reporting.
pub fn check_batch(getenv: &dyn Fn(&str) -> Option<String>, w: &mut Warnings) {
    batch(getenv, w);
    temporality(getenv, w);
    for signal in ["TRACES", "METRICS"] {
        export_timeout(getenv, signal, w);
        gzip(getenv, signal, w);
        endpoint(getenv, signal, protocol(getenv, signal, w), w);
    }
    check_headers(getenv, w);
    for name in ["OTEL_BSP_EXPORT_TIMEOUT", "OTEL_METRIC_EXPORT_TIMEOUT"] {
        if let Some(text) = number_value(getenv, name) {
            if timeout_millis(&text).is_none() {
                w.push(name, &text, "the SDK's default");
            }
        }
    }
}

/// The collector endpoint for `signal` (`TRACES` or `METRICS`) over
/// `protocol`: the signal's variable as it is, else
/// `OTEL_EXPORTER_OTLP_ENDPOINT` (with `/v1/<signal>` appended over HTTP),
/// else the conventions' endpoint when `protocol` is the conventions' one,
/// else the specification's default for `protocol` (`http://localhost:4317`
/// for gRPC, `http://localhost:4318` for OTLP/HTTP).
///
/// Over OTLP/HTTP a value that is no `http://` or `https://` URL with a host
/// is warned about and passed over: OTLP/HTTP always uses the endpoint's
/// scheme (protocol/exporter.md, v1.60.0), so `collector:4318` names no
/// transport. Over gRPC an endpoint without a scheme gets `https://`, or
/// `http://` when `OTEL_EXPORTER_OTLP_INSECURE` (or the signal's own
/// variable) is `true`; the Go package does the same.
pub fn endpoint(
    getenv: &dyn Fn(&str) -> Option<String>,
    signal: &str,
    protocol: Protocol,
    w: &mut Warnings,
) -> String {
    let grpc = protocol == Protocol::Grpc;
    let mut bad: Vec<(String, String)> = Vec::new();
    let mut usable = |name: String| {
        let text = value(getenv, &name)?;
        if grpc || http_endpoint(&text) {
            Some(text)
        } else {
            bad.push((name, text));
            None
        }
    };
    let specific = usable(format!("OTEL_EXPORTER_OTLP_{signal}_ENDPOINT"));
    let out = match specific {
        Some(url) => scheme_for_grpc(getenv, signal, grpc, url),
        None => {
            let base = usable("OTEL_EXPORTER_OTLP_ENDPOINT".to_owned()).unwrap_or_else(|| {
                match (protocol, conventions::EXPORT_PROTOCOL) {
                    (a, b) if a == b => conventions::EXPORT_ENDPOINT.to_owned(),
                    (Protocol::Grpc, _) => "http://localhost:4317".to_owned(),
                    (Protocol::HttpProtobuf, _) => "http://localhost:4318".to_owned(),
                }
            });
            let base = scheme_for_grpc(getenv, signal, grpc, base);
            if grpc {
                base
            } else {
                format!(
                    "{}/v1/{}",
                    base.trim_end_matches('/'),
                    signal.to_ascii_lowercase()
                )
            }
        }
    };
    for (name, text) in bad {
        w.push(
            &name,
            &super::export::clean_endpoint(&text),
            format!(
                "{} (OTLP/HTTP needs an http:// or https:// URL)",
                super::export::clean_endpoint(&out)
            ),
        );
    }
    out
}

/// Whether `text` is an `http://` or `https://` URL with a host.
fn http_endpoint(text: &str) -> bool {
    text.parse::<http::Uri>().is_ok_and(|uri| {
        matches!(uri.scheme_str(), Some("http" | "https"))
            && uri.host().is_some_and(|h| !h.is_empty())
            && uri.authority().is_some_and(|a| port_ok(a.as_str()))
    })
}

/// Whether the authority's port, if it names one, is a port number
/// (`Uri::port` gives none for `host:9x`).
fn port_ok(authority: &str) -> bool {
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let after_host = host_port
        .rsplit_once(']')
        .map_or(host_port, |(_, rest)| rest);
    match after_host.rsplit_once(':') {
        Some((_, port)) => port.parse::<u16>().is_ok(),
        None => true,
    }
}

/// A gRPC endpoint without a scheme gets `https://`, or `http://` when the
/// insecure variable says `true`; any other endpoint is kept as it is.
fn scheme_for_grpc(
    getenv: &dyn Fn(&str) -> Option<String>,
    signal: &str,
    grpc: bool,
    endpoint: String,
) -> String {
    if !grpc || endpoint.contains("://") {
        return endpoint;
    }
    let insecure = [
        format!("OTEL_EXPORTER_OTLP_{signal}_INSECURE"),
        "OTEL_EXPORTER_OTLP_INSECURE".to_owned(),
    ]
    .iter()
    // The first one set decides; a value that is not UTF-8 is set and is
    // not `true`, as the Go SDK reads it.
    .find_map(|name| choice_value(getenv, name))
    .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    if insecure {
        format!("http://{endpoint}")
    } else {
        format!("https://{endpoint}")
    }
}

/// Reports the entries of `OTEL_EXPORTER_OTLP_HEADERS` and the signals' own
/// variables that the exporters leave out (no `=`, a key that is no HTTP
/// header name, a value that is not valid percent-encoding:
/// protocol/exporter.md, v1.60.0). A warning names the entry by its position
/// and key, never by its value: header values are credentials. The Go
/// package reports the same.
pub fn check_headers(getenv: &dyn Fn(&str) -> Option<String>, w: &mut Warnings) {
    for name in [
        "OTEL_EXPORTER_OTLP_HEADERS",
        "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
        "OTEL_EXPORTER_OTLP_METRICS_HEADERS",
    ] {
        let Some(list) = value(getenv, name) else {
            continue;
        };
        for (i, entry) in list.split(',').enumerate() {
            if entry.trim().is_empty() {
                continue;
            }
            let what = match entry.split_once('=') {
                None => format!("entry {} (no key=value form)", i + 1),
                // Not named: a pasted `Name: value` would put the value here.
                Some((key, _)) if !header_name(key.trim()) => {
                    format!("entry {} (its key is no header name)", i + 1)
                }
                Some((key, text)) if !percent_encoding_valid(text.trim()) => format!(
                    "entry {} (key {:?}: the value is not valid percent-encoding)",
                    i + 1,
                    short(key.trim())
                ),
                Some(_) => continue,
            };
            w.push(name, &what, "the other entries; that one is left out");
        }
    }
}

/// At most 64 characters of `text`.
fn short(text: &str) -> String {
    text.chars().take(64).collect()
}

/// Whether `key` is an HTTP field name (an RFC 9110 token).
fn header_name(key: &str) -> bool {
    !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// The largest span queue `OTEL_BSP_MAX_QUEUE_SIZE` may ask for: the SDK
/// allocates the whole queue at start-up, so a huge value would stop the
/// service (capacity overflow) or take its memory. The Go package has the
/// same bound.
pub const MAX_QUEUE_CAP: usize = 65_536;

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::time::Duration;

    use super::super::conventions;
    use super::*;

    // `use<>`: the closure owns its map and borrows nothing of `pairs`
    // (edition 2024 would otherwise tie it to the slice's lifetime).
    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name: &str| map.get(name).cloned()
    }

    fn named(w: &Warnings) -> Vec<(&str, &str, &str)> {
        w.0.iter()
            .map(|w| (w.variable.as_str(), w.value.as_str(), w.used.as_str()))
            .collect()
    }

    // configuration/common.md v1.60.0, §Timeout: 0 is no limit; an
    // unusable value is warned about and ignored.
    #[test]
    fn decimal_outcomes() {
        let cases: &[(&str, u64, Decimal)] = &[
            ("0", 10, Decimal::Value(0)),
            ("10", 10, Decimal::Value(10)),
            ("0007", 10, Decimal::Value(7)),
            ("11", 10, Decimal::TooLarge),
            ("99999999999999999999999", 10, Decimal::TooLarge),
            ("18446744073709551615", u64::MAX, Decimal::Value(u64::MAX)),
            ("18446744073709551616", u64::MAX, Decimal::TooLarge),
            (
                "2147483647",
                i32::MAX as u64,
                Decimal::Value(i32::MAX as u64),
            ),
            ("2147483648", i32::MAX as u64, Decimal::TooLarge),
            ("65536", MAX_QUEUE_CAP as u64, Decimal::Value(65_536)),
            ("65537", MAX_QUEUE_CAP as u64, Decimal::TooLarge),
            ("", 10, Decimal::NotDigits),
            ("+5", 10, Decimal::NotDigits),
            ("-0", 10, Decimal::NotDigits),
            ("0x10", 100, Decimal::NotDigits),
            ("1e3", 10_000, Decimal::NotDigits),
            ("1_000", 10_000, Decimal::NotDigits),
            ("1 0", 100, Decimal::NotDigits),
            ("5.0", 10, Decimal::NotDigits),
            ("١٢", 100, Decimal::NotDigits),
            (NOT_UTF8, 100, Decimal::NotDigits),
            ("99999999999999999999999x", 10, Decimal::NotDigits),
        ];
        for (text, max, want) in cases {
            assert_eq!(decimal(text, *max), *want, "{text:?} at most {max}");
        }
    }

    #[test]
    fn ratios_are_plain_decimals() {
        for (text, want) in [
            ("0", 0.0),
            ("1", 1.0),
            ("0.25", 0.25),
            (".5", 0.5),
            ("1.", 1.0),
            ("25e-2", 0.25),
            ("1E0", 1.0),
            ("0.1e+1", 1.0),
            ("1e-400", 0.0),
        ] {
            assert_eq!(ratio(text), Some(want), "{text:?}");
        }
        for text in [
            "", ".", "e1", "1e", "1e+", "+1", "+0.5", "-0", "0x1p-1", "0X.8p0", "inf", "Inf",
            "nan", "NaN", "infinity", "1_0", "0.5x", "1.5", "1e400", "0. 5", NOT_UTF8,
        ] {
            assert_eq!(ratio(text), None, "{text:?}");
        }
    }

    // Each family's rule for a value above its bound (`decimal`'s comment).
    #[test]
    fn too_large_values_by_family() {
        let huge = "99999999999999999999999";
        let getenv = env(&[
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "2147483648"),
            ("OTEL_BSP_EXPORT_TIMEOUT", huge),
            ("OTEL_BSP_SCHEDULE_DELAY", "9223372036855"),
            ("OTEL_METRIC_EXPORT_INTERVAL", huge),
            ("OTEL_BSP_MAX_QUEUE_SIZE", "65537"),
            ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "65536"),
        ]);
        let mut w = Warnings::default();
        assert_eq!(export_timeout(&getenv, "TRACES", &mut w), NO_LIMIT);
        let b = batch(&getenv, &mut w);
        assert_eq!(b.scheduled_delay, conventions::SCHEDULE_DELAY);
        assert_eq!(
            (b.max_queue_size, b.max_export_batch_size),
            (65_536, 65_536)
        );
        assert_eq!(
            metric_interval(&getenv, &mut w),
            conventions::METRICS_EXPORT_INTERVAL
        );
        check_batch(&getenv, &mut w);
        let warned: Vec<&str> = w.0.iter().map(|w| w.variable.as_str()).collect();
        assert_eq!(
            warned,
            [
                "OTEL_BSP_MAX_QUEUE_SIZE",
                "OTEL_BSP_SCHEDULE_DELAY",
                "OTEL_METRIC_EXPORT_INTERVAL"
            ]
        );
        let longest = env(&[("OTEL_BSP_SCHEDULE_DELAY", "9223372036854")]);
        let b = batch(&longest, &mut w);
        assert_eq!(b.scheduled_delay, Duration::from_millis(MAX_MILLIS));
        assert_eq!(MAX_MILLIS, 9_223_372_036_854);
    }

    #[test]
    fn the_metric_interval_is_read_whatever_the_exporters() {
        let mut w = Warnings::default();
        let getenv = env(&[
            ("OTEL_METRICS_EXPORTER", "none"),
            ("OTEL_METRIC_EXPORT_INTERVAL", "0"),
        ]);
        metric_interval(&getenv, &mut w);
        assert_eq!(named(&w)[0].0, "OTEL_METRIC_EXPORT_INTERVAL");
        let getenv = env(&[("OTEL_METRIC_EXPORT_INTERVAL", "1500")]);
        assert_eq!(
            metric_interval(&getenv, &mut w),
            Duration::from_millis(1500)
        );
    }

    // A value that is not UTF-8 (what `process_env` gives for one): a number
    // variable holding it is warned about, named and not echoed, and the
    // default used; another variable takes it as unset, as before.
    #[test]
    fn numbers_that_are_not_utf8_are_warned_about() {
        let getenv = env(&[
            ("OTEL_BSP_MAX_QUEUE_SIZE", NOT_UTF8),
            ("OTEL_TRACES_SAMPLER", "traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", NOT_UTF8),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", NOT_UTF8),
            ("OTEL_SERVICE_NAME", NOT_UTF8),
        ]);
        let mut w = Warnings::default();
        assert_eq!(
            batch(&getenv, &mut w).max_queue_size,
            conventions::MAX_QUEUE_SIZE
        );
        assert_eq!(sampler(&getenv, &mut w).ratio, 1.0);
        assert_eq!(
            export_timeout(&getenv, "TRACES", &mut w),
            conventions::EXPORT_TIMEOUT
        );
        assert_eq!(value(&getenv, "OTEL_SERVICE_NAME"), None);
        // (The sampler also warns that no environment is named.)
        let warned: Vec<&str> =
            w.0.iter()
                .map(|w| w.variable.as_str())
                .filter(|v| v.starts_with("OTEL_"))
                .collect();
        assert_eq!(
            warned,
            [
                "OTEL_BSP_MAX_QUEUE_SIZE",
                "OTEL_TRACES_SAMPLER_ARG",
                "OTEL_EXPORTER_OTLP_TIMEOUT"
            ]
        );
        let line = w.0[0].to_string();
        assert!(
            line.starts_with("OTEL_BSP_MAX_QUEUE_SIZE is not UTF-8"),
            "{line}"
        );
        assert!(!line.contains('\0'), "{line:?}");
    }

    // A variable naming a choice that holds bytes that are not UTF-8 is
    // warned about, named and not echoed, and the default used, as Go warns
    // about the bytes as an unknown value (they were taken as unset, silently,
    // before).
    #[test]
    fn choices_that_are_not_utf8_are_warned_about() {
        type Read = fn(&dyn Fn(&str) -> Option<String>, &mut Warnings);
        let cases: [(&str, Read); 7] = [
            ("OTEL_SDK_DISABLED", |g, w| {
                assert!(!boolean(g, "OTEL_SDK_DISABLED", w));
            }),
            ("OTEL_TRACES_SAMPLER", |g, w| {
                let _ = sampler(g, w);
            }),
            ("OTEL_TRACES_EXPORTER", |g, w| {
                assert!(exporters(g, "OTEL_TRACES_EXPORTER", true, w).otlp);
            }),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", |g, w| {
                let _ = protocol(g, "TRACES", w);
            }),
            ("OTEL_EXPORTER_OTLP_COMPRESSION", |g, w| {
                assert_eq!(gzip(g, "TRACES", w), conventions::EXPORT_GZIP);
            }),
            (
                "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
                |g, w| {
                    let _ = temporality(g, w);
                },
            ),
            ("OTEL_PROPAGATORS", |g, w| {
                assert_eq!(
                    super::super::propagation::kinds(g, w),
                    super::super::propagation::kinds(&|_: &str| None, &mut Warnings::default())
                );
            }),
        ];
        for (name, read) in cases {
            let getenv = env(&[(name, NOT_UTF8)]);
            let mut w = Warnings::default();
            read(&getenv, &mut w);
            let ours: Vec<&Warning> = w.0.iter().filter(|w| w.variable == name).collect();
            assert!(!ours.is_empty(), "{name}: no warning");
            for warning in ours {
                let line = warning.to_string();
                assert!(line.starts_with(&format!("{name} is not UTF-8")), "{line}");
                assert!(!line.contains('\0'), "{line:?}");
            }
        }
    }

    #[test]
    fn a_zero_timeout_is_no_limit_and_a_bad_one_is_warned_about() {
        let mut w = Warnings::default();
        let zero = env(&[("OTEL_EXPORTER_OTLP_TIMEOUT", "0")]);
        assert_eq!(export_timeout(&zero, "TRACES", &mut w), NO_LIMIT);
        assert!(NO_LIMIT >= Duration::from_secs(86_400));
        let set = env(&[("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "2500")]);
        assert_eq!(
            export_timeout(&set, "TRACES", &mut w),
            Duration::from_millis(2500)
        );
        assert!(w.0.is_empty(), "{:?}", w.0);
        // Decimal digits alone, as in Go; any longer timeout is no limit.
        for long in ["2147483648", "9999999999999", "99999999999999999999"] {
            let getenv = env(&[("OTEL_EXPORTER_OTLP_TIMEOUT", long)]);
            assert_eq!(export_timeout(&getenv, "TRACES", &mut w), NO_LIMIT);
            check_batch(&env(&[("OTEL_METRIC_EXPORT_TIMEOUT", long)]), &mut w);
        }
        assert!(w.0.is_empty(), "{:?}", w.0);
        for bad in ["abc", "-5", "1.5", "+5", "-0", "1 0"] {
            let mut w = Warnings::default();
            let getenv = env(&[("OTEL_EXPORTER_OTLP_TIMEOUT", bad)]);
            assert_eq!(
                export_timeout(&getenv, "METRICS", &mut w),
                conventions::EXPORT_TIMEOUT
            );
            let used = format!("{} ms", conventions::EXPORT_TIMEOUT.as_millis());
            assert_eq!(
                named(&w),
                [("OTEL_EXPORTER_OTLP_TIMEOUT", bad, used.as_str())]
            );
        }
        // An unusable signal value is as if unset: the general one applies.
        let mut w = Warnings::default();
        let getenv = env(&[
            ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "soon"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "700"),
        ]);
        assert_eq!(
            export_timeout(&getenv, "TRACES", &mut w),
            Duration::from_millis(700)
        );
        assert_eq!(
            named(&w),
            [("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "soon", "700 ms")]
        );
    }

    #[test]
    fn a_bad_compression_is_warned_about_and_the_conventions_decide() {
        let conv = if conventions::EXPORT_GZIP {
            "gzip"
        } else {
            "none"
        };
        for bad in ["br", "zstd", "lz4"] {
            let mut w = Warnings::default();
            let getenv = env(&[("OTEL_EXPORTER_OTLP_COMPRESSION", bad)]);
            assert_eq!(gzip(&getenv, "TRACES", &mut w), conventions::EXPORT_GZIP);
            assert_eq!(named(&w), [("OTEL_EXPORTER_OTLP_COMPRESSION", bad, conv)]);
        }
        let mut w = Warnings::default();
        assert!(gzip(
            &env(&[("OTEL_EXPORTER_OTLP_METRICS_COMPRESSION", "GZIP")]),
            "METRICS",
            &mut w
        ));
        assert!(!gzip(
            &env(&[("OTEL_EXPORTER_OTLP_COMPRESSION", "None")]),
            "METRICS",
            &mut w
        ));
        assert!(w.0.is_empty());
        // check_batch reports it, once for both signals.
        let mut w = Warnings::default();
        check_batch(&env(&[("OTEL_EXPORTER_OTLP_COMPRESSION", "br")]), &mut w);
        assert_eq!(named(&w), [("OTEL_EXPORTER_OTLP_COMPRESSION", "br", conv)]);
    }

    // sdk-environment-variables.md (v1.60.0): queue and batch sizes are
    // positive; an unusable value is warned about and treated as not set.
    #[test]
    fn batch_sizes_of_zero_or_bad_use_the_conventions() {
        for bad in ["0", "-1", "many", " 0 ", "+5", "-0"] {
            let mut w = Warnings::default();
            let getenv = env(&[
                ("OTEL_BSP_MAX_QUEUE_SIZE", bad),
                ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", bad),
            ]);
            let b = batch(&getenv, &mut w);
            assert_eq!(b.max_queue_size, conventions::MAX_QUEUE_SIZE, "{bad}");
            assert_eq!(
                b.max_export_batch_size,
                conventions::MAX_EXPORT_BATCH_SIZE,
                "{bad}"
            );
            let vars: Vec<&str> = w.0.iter().map(|w| w.variable.as_str()).collect();
            assert_eq!(
                vars,
                ["OTEL_BSP_MAX_QUEUE_SIZE", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE"],
                "{bad}"
            );
        }
        // Spaces around a usable value are no reason for another value.
        let mut w = Warnings::default();
        let b = batch(&env(&[("OTEL_BSP_MAX_QUEUE_SIZE", " 4096 ")]), &mut w);
        assert_eq!(b.max_queue_size, 4096);
        assert!(w.0.is_empty());
    }

    #[test]
    fn a_batch_larger_than_the_queue_is_clamped_with_a_warning() {
        let mut w = Warnings::default();
        let getenv = env(&[
            ("OTEL_BSP_MAX_QUEUE_SIZE", "100"),
            ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "200"),
        ]);
        let b = batch(&getenv, &mut w);
        assert_eq!((b.max_queue_size, b.max_export_batch_size), (100, 100));
        assert_eq!(
            named(&w),
            [(
                "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
                "200",
                "100 (the queue size)"
            )]
        );
    }

    #[test]
    fn a_schedule_delay_below_the_floor_is_raised_with_a_warning() {
        for short in ["0", "1", "9"] {
            let mut w = Warnings::default();
            let b = batch(&env(&[("OTEL_BSP_SCHEDULE_DELAY", short)]), &mut w);
            assert_eq!(b.scheduled_delay, MIN_SCHEDULE_DELAY);
            assert_eq!(
                named(&w),
                [(
                    "OTEL_BSP_SCHEDULE_DELAY",
                    short,
                    "10 ms (the smallest accepted)"
                )]
            );
        }
        let mut w = Warnings::default();
        let b = batch(&env(&[("OTEL_BSP_SCHEDULE_DELAY", "250")]), &mut w);
        assert_eq!(b.scheduled_delay, Duration::from_millis(250));
        assert!(w.0.is_empty());
        // Decimal digits alone: a sign is not read.
        for signed in ["+250", "-0"] {
            let mut w = Warnings::default();
            let b = batch(&env(&[("OTEL_BSP_SCHEDULE_DELAY", signed)]), &mut w);
            assert_eq!(b.scheduled_delay, conventions::SCHEDULE_DELAY, "{signed}");
            assert_eq!(w.0.len(), 1, "{signed}");
        }
    }

    #[test]
    fn temporality_is_read_and_a_bad_one_is_warned_about() {
        use opentelemetry_sdk::metrics::Temporality;
        let name = "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE";
        let mut w = Warnings::default();
        assert_eq!(
            temporality(&env(&[(name, "Delta")]), &mut w),
            Temporality::Delta
        );
        assert!(w.0.is_empty());
        assert_eq!(
            temporality(&env(&[(name, "sideways")]), &mut w),
            Temporality::Cumulative
        );
        assert_eq!(
            named(&w),
            [(name, "sideways", "cumulative (the specification's default)")]
        );
    }

    #[test]
    fn a_resource_key_given_twice_keeps_the_last_value() {
        let getenv = env(&[("OTEL_RESOURCE_ATTRIBUTES", "team=a,team=b")]);
        assert_eq!(resource_attribute(&getenv, "team").as_deref(), Some("b"));
    }

    #[test]
    fn console_metrics_are_reported_as_spans_only() {
        let mut w = Warnings::default();
        let e = exporters(
            &env(&[("OTEL_METRICS_EXPORTER", "console")]),
            "OTEL_METRICS_EXPORTER",
            false,
            &mut w,
        );
        assert!(e.otlp && !e.console);
        assert!(
            w.0.iter().all(|w| !w.used.contains("console,")),
            "{:?}",
            w.0
        );
        assert!(w.0[0].used.contains("spans only"), "{:?}", w.0);
    }

    #[test]
    fn an_http_endpoint_without_a_scheme_is_warned_about_and_passed_over() {
        let http = Protocol::HttpProtobuf;
        for bad in [
            "127.0.0.1:4318",
            "collector:4318",
            "not a url",
            "http://[::1",
            "https://",
            "http://127.0.0.1:9x",
        ] {
            let getenv = env(&[("OTEL_EXPORTER_OTLP_ENDPOINT", bad)]);
            let mut w = Warnings::default();
            let got = endpoint(&getenv, "TRACES", http, &mut w);
            // What is used with no variable set: the conventions' or the default.
            let unset = endpoint(&env(&[]), "TRACES", http, &mut Warnings::default());
            assert_eq!(got, unset, "{bad} was used");
            assert_eq!(w.0.len(), 1, "{bad}: {:?}", w.0);
            assert_eq!(w.0[0].variable, "OTEL_EXPORTER_OTLP_ENDPOINT");
        }
        // A bad signal endpoint falls back to the general one, credentials
        // left out of the warning.
        let getenv = env(&[
            (
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                "user:pw@collector:4318",
            ),
            (
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                "https://collector.example:4318",
            ),
        ]);
        let mut w = Warnings::default();
        let got = endpoint(&getenv, "TRACES", http, &mut w);
        assert_eq!(got, "https://collector.example:4318/v1/traces");
        assert_eq!(named(&w).len(), 1);
        assert!(!format!("{:?}", w.0).contains("pw"), "{:?}", w.0);
        // A URL with a scheme is used as it is; INSECURE never changes it.
        let getenv = env(&[
            (
                "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
                "https://c.example/custom",
            ),
            ("OTEL_EXPORTER_OTLP_INSECURE", "true"),
        ]);
        let mut w = Warnings::default();
        assert_eq!(
            endpoint(&getenv, "METRICS", http, &mut w),
            "https://c.example/custom"
        );
        assert!(w.0.is_empty(), "{:?}", w.0);
    }

    #[test]
    fn a_grpc_endpoint_without_a_scheme_follows_insecure() {
        let grpc = Protocol::Grpc;
        let mut w = Warnings::default();
        let plain = env(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4317")]);
        assert_eq!(
            endpoint(&plain, "TRACES", grpc, &mut w),
            "https://collector:4317"
        );
        let insecure = env(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4317"),
            ("OTEL_EXPORTER_OTLP_TRACES_INSECURE", "TRUE"),
        ]);
        assert_eq!(
            endpoint(&insecure, "TRACES", grpc, &mut w),
            "http://collector:4317"
        );
        let https = env(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4317"),
            ("OTEL_EXPORTER_OTLP_INSECURE", "true"),
        ]);
        assert_eq!(
            endpoint(&https, "TRACES", grpc, &mut w),
            "https://collector:4317"
        );
        assert!(w.0.is_empty(), "{:?}", w.0);
    }

    #[test]
    fn export_header_problems_name_the_entry_never_the_value() {
        let getenv = env(&[(
            "OTEL_EXPORTER_OTLP_HEADERS",
            "api-key=SECRETTOKEN5678%zz,novalue,=x,ok=fine%20too,x-api-key: PASTED==",
        )]);
        let mut w = Warnings::default();
        check_headers(&getenv, &mut w);
        let got = named(&w);
        assert_eq!(got.len(), 4, "{got:?}");
        assert!(got[0].1.starts_with("entry 1 (key \"api-key\""), "{got:?}");
        assert_eq!(got[1].1, "entry 2 (no key=value form)");
        assert_eq!(got[2].1, "entry 3 (its key is no header name)");
        assert_eq!(got[3].1, "entry 5 (its key is no header name)");
        let text = format!("{got:?}");
        assert!(
            !text.contains("SECRET") && !text.contains("PASTED"),
            "{text}"
        );
    }
}
