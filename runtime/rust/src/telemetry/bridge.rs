//! The module's own `tracing` to OpenTelemetry bridge: a `tracing-subscriber`
//! [`Layer`] that gives every `tracing` span it sees an OpenTelemetry span,
//! and [`SpanExt`], which reaches that span from a `tracing::Span`.
//!
//! - The server layer's request span carries the server span the layer
//!   started itself (sampler, trust policy and attributes applied there):
//!   the bridge builds no second span for it, records none of its fields, and
//!   neither makes its context current nor ends it (the server layer does
//!   both).
//! - Any other span (`#[instrument]`, `info_span!`) starts a child of the
//!   nearest enclosing span the bridge knows, else of the current
//!   OpenTelemetry context (a span with an explicit `parent: None` starts a
//!   new trace). `otel.name` (when it matches the conventions' internal span
//!   name pattern, see `usable_name`) and `otel.kind` set its name and kind,
//!   `otel.status_code` and `otel.status_message` its status; its other
//!   fields become attributes when the conventions know their key (see
//!   `exported`), read only when the span records (an unsampled span
//!   formats nothing). A field logged with `?` goes through
//!   [`debug_text`], like log lines and span
//!   events; text under a key the privacy rules do not class is scrubbed as
//!   free text ([`captured_text`]); every attribute goes through the
//!   [`Redacting`](super::Redacting) processor at export: the privacy policy
//!   applies to them as to everything else. Entering the span makes its context current (so
//!   outgoing calls and log lines inside belong to it); closing it ends it.
//! - `record` on a span sets the attribute, when it records and the key is
//!   known; the value is formatted with no lock held.
//! - `follows_from` adds a link.
//! - Warnings and errors become events of the enclosing OpenTelemetry span
//!   (else of the current one), as [`SpanEvents`] makes them; an
//!   `#[instrument(err)]` error sets the status of the span it ends.
//! - The exporters' own transport crates are never bridged
//!   ([`is_transport`], `BridgeFilter`).

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use std::sync::OnceLock;

use opentelemetry::trace::{SpanKind, Status, TraceContextExt as _, Tracer as _};
use opentelemetry::{Context, ContextGuard, Key, KeyValue, Value};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Metadata, Subscriber};
use tracing_subscriber::layer::Context as LayerContext;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

use super::logs::{debug_text, SpanEvents};
use super::pattern::Pattern;
use super::sampler::PassThrough;

/// What the bridge keeps in a span's extensions: the context holding its
/// OpenTelemetry span.
#[derive(Debug)]
struct Bridged {
    cx: Context,
    /// The server layer's request span: started, made current and ended by
    /// the server layer.
    request: bool,
    /// Whether the bridge started the span in `cx` (and so ends it).
    own: bool,
}

thread_local! {
    /// The server span handed to the request span being created on this
    /// thread (see [`request_span`]).
    static HANDOFF: Cell<Option<Context>> = const { Cell::new(None) };
    /// Whether the server layer is entering or closing its request span on
    /// this thread: the bridge has nothing to do for it.
    static REQUEST: Cell<bool> = const { Cell::new(false) };
    /// The guards of the spans entered on this thread, innermost last.
    static ENTERED: RefCell<Vec<(u64, ContextGuard)>> = const { RefCell::new(Vec::new()) };
}

/// Creates the request span with `make`, handing `cx` (holding the server
/// span the server layer started) to the bridge, which keeps it for the new
/// span instead of starting one.
pub(crate) fn request_span(cx: &Context, make: impl FnOnce() -> tracing::Span) -> tracing::Span {
    HANDOFF.set(Some(cx.clone()));
    let span = make();
    // Not taken when no bridge wanted the span.
    HANDOFF.take();
    span
}

/// Runs `f`, the server layer entering or dropping its request span, with
/// the bridge told so: it then skips looking the span up. The flag is put
/// back even when `f` panics (another layer's code runs inside it), so the
/// thread's later spans are bridged as before.
pub(crate) fn as_request<T>(f: impl FnOnce() -> T) -> T {
    /// Restores the flag on the way out, unwinding included.
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            REQUEST.set(self.0);
        }
    }
    let _restore = Restore(REQUEST.replace(true));
    f()
}

/// The metadata of the server layer's request span, once one was made: its
/// callsite's static metadata, the same for every request span.
static REQUEST_METADATA: AtomicPtr<Metadata<'static>> = AtomicPtr::new(std::ptr::null_mut());

/// Notes `span`'s metadata as the request span's (see [`is_request_span`]).
pub(crate) fn note_request_span(span: &tracing::Span) {
    if let Some(meta) = span.metadata() {
        REQUEST_METADATA.store(std::ptr::from_ref(meta).cast_mut(), Ordering::Relaxed);
    }
}

/// Whether `meta` is the server layer's request span: the metadata noted
/// for it (an address compare), else by name and target as before it was
/// noted. Metadata is static, one per callsite, so the address is only ever
/// the request span's.
pub(crate) fn is_request_span(meta: &Metadata<'_>) -> bool {
    std::ptr::eq(REQUEST_METADATA.load(Ordering::Relaxed).cast_const(), meta)
        || (meta.name() == "request" && meta.target() == super::server::TARGET)
}

/// Whether `target` belongs to a crate the exporters send with (`h2`,
/// `hyper`, `hyper_util`, `reqwest`, `rustls`, `tonic`, `tower`,
/// `opentelemetry` and `opentelemetry_*`): their spans and events never
/// reach the trace, since exporting them would make more of them.
pub fn is_transport(target: &str) -> bool {
    let krate = target.split_once("::").map_or(target, |(krate, _)| krate);
    matches!(
        krate,
        "h2" | "hyper" | "hyper_util" | "reqwest" | "rustls" | "tonic" | "tower" | "opentelemetry"
    ) || krate.starts_with("opentelemetry_")
}

/// The bridge's filter: `targets` (`RUST_LOG` or the conventions' level),
/// never the [transport crates](is_transport). A callsite of theirs is
/// never of interest (decided once per callsite and cached by `tracing`);
/// `enabled` checks the target too, for the callsites another layer wants.
pub(crate) struct BridgeFilter(pub(crate) tracing_subscriber::filter::Targets);

impl<S> tracing_subscriber::layer::Filter<S> for BridgeFilter {
    fn enabled(&self, meta: &Metadata<'_>, cx: &LayerContext<'_, S>) -> bool {
        tracing_subscriber::layer::Filter::<S>::enabled(&self.0, meta, cx)
            && !is_transport(meta.target())
    }

    fn callsite_enabled(&self, meta: &'static Metadata<'static>) -> tracing::subscriber::Interest {
        if is_transport(meta.target()) {
            return tracing::subscriber::Interest::never();
        }
        tracing_subscriber::layer::Filter::<S>::callsite_enabled(&self.0, meta)
    }

    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        tracing_subscriber::layer::Filter::<S>::max_level_hint(&self.0)
    }
}

/// The bridge: see the [module documentation](self). [`layers`](super::layers())
/// installs it; [`bridge`](super::init::bridge) builds it over a tracer.
pub struct Bridge<S> {
    tracer: opentelemetry_sdk::trace::Tracer,
    _subscriber: PhantomData<fn(S)>,
}

impl<S> std::fmt::Debug for Bridge<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bridge").finish_non_exhaustive()
    }
}

impl<S> Bridge<S>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    /// A bridge starting spans with `tracer`.
    pub fn new(tracer: opentelemetry_sdk::trace::Tracer) -> Self {
        Self {
            tracer,
            _subscriber: PhantomData,
        }
    }

    /// The context a new span that is not the request span starts in.
    fn parent(attrs: &Attributes<'_>, ctx: &LayerContext<'_, S>) -> Context {
        if attrs.is_root() {
            return Context::new();
        }
        let current = Context::current();
        if current.get::<PassThrough>().is_some() {
            // Tracing is switched off for this request: its context goes on as
            // it came, whatever span encloses the server.
            return current;
        }
        let parent = if attrs.is_contextual() {
            ctx.lookup_current()
        } else {
            attrs.parent().and_then(|id| ctx.span(id))
        };
        // The nearest enclosing span the bridge knows.
        parent
            .into_iter()
            .flat_map(|span| span.scope())
            .find_map(|span| context_of(&span))
            .unwrap_or(current)
    }
}

impl<S> Layer<S> for Bridge<S>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: LayerContext<'_, S>) {
        let Some(span) = ctx.span(id) else {
            return;
        };
        let meta = attrs.metadata();
        if is_request_span(meta) {
            if let Some(cx) = HANDOFF.take() {
                span.extensions_mut().insert(Bridged {
                    cx,
                    request: true,
                    own: false,
                });
            }
            return;
        }
        let parent = Self::parent(attrs, &ctx);
        if parent.get::<PassThrough>().is_some() {
            // Tracing is switched off: the context goes on as it came.
            span.extensions_mut().insert(Bridged {
                cx: parent,
                request: false,
                own: false,
            });
            return;
        }
        let mut special = Special::default();
        attrs.record(&mut special);
        let name = special
            .name
            .filter(|name| usable_name(name))
            .map_or(Cow::Borrowed(meta.name()), Cow::Owned);
        let otel = self
            .tracer
            .span_builder(name)
            .with_kind(special.kind)
            .start_with_context(&self.tracer, &parent);
        let cx = parent.with_span(otel);
        let otel = cx.span();
        if otel.is_recording() {
            let mut fields = Fields::default();
            attrs.record(&mut fields);
            fields.set_on(&otel);
        }
        span.extensions_mut().insert(Bridged {
            cx,
            request: false,
            own: true,
        });
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: LayerContext<'_, S>) {
        let Some(span) = ctx.span(id) else {
            return;
        };
        // The context is taken out before the values are formatted: their
        // `Debug` is the application's code, which may itself record on
        // this span (or panic) and must not run under the span's lock.
        let Some(cx) = context_of(&span) else {
            return;
        };
        let otel = cx.span();
        if !otel.is_recording() {
            return;
        }
        let mut fields = Fields::default();
        values.record(&mut fields);
        fields.set_on(&otel);
    }

    fn on_event(&self, event: &tracing::Event<'_>, ctx: LayerContext<'_, S>) {
        Layer::<S>::on_event(&SpanEvents, event, ctx);
    }

    fn on_follows_from(&self, id: &Id, follows: &Id, ctx: LayerContext<'_, S>) {
        let (Some(span), Some(cause)) = (ctx.span(id), ctx.span(follows)) else {
            return;
        };
        let Some(linked) = context_of(&cause).map(|cx| cx.span().span_context().clone()) else {
            return;
        };
        if let Some(cx) = context_of(&span) {
            cx.span().add_link(linked, Vec::new());
        }
    }

    fn on_enter(&self, id: &Id, ctx: LayerContext<'_, S>) {
        if REQUEST.get() {
            return;
        }
        let Some(span) = ctx.span(id) else {
            return;
        };
        let cx = {
            let extensions = span.extensions();
            // The request span too, when entered outside the server layer
            // (a task it was handed to, `in_scope` on a blocking thread).
            match extensions.get::<Bridged>() {
                Some(bridged) => bridged.cx.clone(),
                None => return,
            }
        };
        let guard = cx.attach();
        ENTERED.with_borrow_mut(|entered| entered.push((id.into_u64(), guard)));
    }

    fn on_exit(&self, id: &Id, _ctx: LayerContext<'_, S>) {
        let id = id.into_u64();
        let guard = ENTERED.with_borrow_mut(|entered| {
            let at = entered.iter().rposition(|(entered, _)| *entered == id)?;
            Some(entered.remove(at))
        });
        // Dropped outside the borrow: ending a context may end a span.
        drop(guard);
    }

    fn on_close(&self, id: Id, ctx: LayerContext<'_, S>) {
        if REQUEST.get() {
            // Its context goes with the span's extensions.
            return;
        }
        let Some(span) = ctx.span(&id) else {
            return;
        };
        let bridged = span.extensions_mut().remove::<Bridged>();
        if let Some(bridged) = bridged.filter(|b| b.own) {
            bridged.cx.span().end();
        }
    }
}

/// Whether an `otel.name` may name a span: a name of the conventions'
/// internal span name pattern ([`internal_name`]), short, without a digit
/// (an id, a count: data, not a name) and one the scrub leaves as it is (a
/// name it would mask is no name); otherwise the span
/// keeps its static name and the first such `otel.name` is warned about
/// (once per process, without the name: it may be data). Span names must be
/// low-cardinality; the export scrubs them too
/// ([`Redacting`](super::Redacting)).
fn usable_name(name: &str) -> bool {
    /// Whether the warning was written.
    static WARNED: AtomicBool = AtomicBool::new(false);
    let usable = name.len() <= 128
        && internal_name(name)
        && !name.bytes().any(|b| b.is_ascii_digit())
        && matches!(super::redact::policy().scrub(name), Cow::Borrowed(_));
    if !usable && !WARNED.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            pattern = super::conventions::INTERNAL_NAME_PATTERN,
            "otel.name ignored: a span name must match the conventions' internal span \
             name pattern; the span keeps its static name"
        );
    }
    usable
}

/// Whether `name` matches the conventions' internal span name pattern
/// ([`INTERNAL_NAME_PATTERN`](super::conventions::INTERNAL_NAME_PATTERN),
/// read once; see [`Pattern`](super::pattern::Pattern)).
fn internal_name(name: &str) -> bool {
    static PATTERN: OnceLock<Pattern> = OnceLock::new();
    PATTERN
        .get_or_init(|| Pattern::new(super::conventions::INTERNAL_NAME_PATTERN))
        .matches(name)
}

/// Reads `otel.name` and `otel.kind`, formatting nothing else.
struct Special {
    name: Option<String>,
    kind: SpanKind,
}

impl Default for Special {
    fn default() -> Self {
        Self {
            name: None,
            kind: SpanKind::Internal,
        }
    }
}

impl Special {
    fn set(&mut self, field: &Field, value: &str) {
        match field.name() {
            "otel.name" => self.name = Some(value.to_owned()),
            "otel.kind" => {
                self.kind = match value {
                    "server" => SpanKind::Server,
                    "client" => SpanKind::Client,
                    "producer" => SpanKind::Producer,
                    "consumer" => SpanKind::Consumer,
                    _ => SpanKind::Internal,
                }
            }
            _ => {}
        }
    }
}

impl Visit for Special {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.set(field, value);
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name().starts_with("otel.") {
            self.set(field, &format!("{value:?}"));
        }
    }
}

/// Whether a value captured implicitly (a `tracing` span field, an event's
/// field) leaves as an attribute: only under a key the conventions know (an
/// attribute of their registry or of the semantic conventions, see
/// [`KNOWN_ATTRIBUTES`](super::conventions::KNOWN_ATTRIBUTES)) or one their
/// privacy rules class (and then with its action). Any other field (a
/// function argument `#[instrument]` records, a local name) stays out of the
/// trace: it may hold anything. Log lines keep it, redacted. A value the
/// code sets explicitly through the OpenTelemetry API
/// ([`SpanExt::set_attribute`], `Span::set_attribute`, `add_event`) leaves
/// under any key, redacted, as in Go.
pub(crate) fn exported(name: &str) -> bool {
    super::conventions::KNOWN_ATTRIBUTES
        .binary_search(&name)
        .is_ok()
        || super::redact::policy().action(name).is_some()
}

/// A text value captured implicitly under `name` (a span field, an event's
/// field) as it may leave: under a key the privacy rules class, as it is
/// (the class's action applies at export); under any other key, scrubbed as
/// free text like a log field ([`Policy::scrub`](super::redact::Policy::scrub):
/// URLs, e-mail addresses, credentials, long digit runs).
pub fn captured_text(name: &str, text: String) -> String {
    let policy = super::redact::policy();
    if policy.action(name).is_some() {
        return text;
    }
    match policy.scrub(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(clean) => clean,
    }
}

/// A span's known fields as attributes (see [`exported`]; text as
/// [`captured_text`] leaves it, a `?` value as [`debug_text`] writes it),
/// and the status its `otel.status_code` and `otel.status_message` fields
/// give.
#[derive(Default)]
struct Fields {
    attributes: Vec<KeyValue>,
    /// `otel.status_code`: `Some(true)` for `OK`, `Some(false)` for `ERROR`.
    ok: Option<bool>,
    message: Option<String>,
}

impl Fields {
    fn push(&mut self, field: &Field, value: impl Into<Value>) {
        let name = field.name();
        if exported(name) {
            self.attributes
                .push(KeyValue::new(Key::from_static_str(name), value));
        }
    }

    /// Reads `otel.status_code` / `otel.status_message`; whether it was one.
    fn status(&mut self, field: &Field, value: &str) -> bool {
        match field.name() {
            "otel.status_code" => {
                if value.eq_ignore_ascii_case("ok") {
                    self.ok = Some(true);
                } else if value.eq_ignore_ascii_case("error") {
                    self.ok = Some(false);
                }
                true
            }
            "otel.status_message" => {
                self.message = Some(value.to_owned());
                true
            }
            _ => false,
        }
    }

    /// Puts the attributes and the status on `span`.
    fn set_on(self, span: &opentelemetry::trace::SpanRef<'_>) {
        if !self.attributes.is_empty() {
            span.set_attributes(self.attributes);
        }
        match self.ok {
            Some(true) => span.set_status(Status::Ok),
            Some(false) => span.set_status(Status::error(self.message.unwrap_or_default())),
            None => {}
        }
    }
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if !self.status(field, value) && exported(field.name()) {
            self.push(field, captured_text(field.name(), value.to_owned()));
        }
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.push(field, value);
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        match i64::try_from(value) {
            Ok(v) => self.push(field, v),
            Err(_) => self.push(field, value.to_string()),
        }
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.push(field, value);
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.push(field, value);
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name().starts_with("otel.status_") {
            let text = format!("{value:?}");
            self.status(field, text.trim_matches('"'));
        } else if exported(field.name()) {
            let text = debug_text(field.name(), &format!("{value:?}"));
            self.push(field, captured_text(field.name(), text));
        }
    }
}

/// What a `tracing::Span` gives of its OpenTelemetry span, through the
/// bridge of [`layers`](super::layers()).
pub trait SpanExt {
    /// The OpenTelemetry context holding this span's OpenTelemetry span: the
    /// parent of spans started from it, the context an outgoing call
    /// propagates. A span the bridge does not know (no bridge installed, or
    /// the span filtered out) gives the current context.
    fn context(&self) -> Context;

    /// Sets an attribute on this span's OpenTelemetry span (redacted at
    /// export like every attribute; set explicitly, so not scrubbed as free
    /// text, as Go's `span.SetAttributes`); nothing when the bridge does not
    /// know the span or it does not record.
    fn set_attribute(&self, key: impl Into<Key>, value: impl Into<Value>);
}

/// A span's bridged context, found through the subscriber's registry
/// (`tracing_subscriber::Registry`, whatever layers are stacked on it; no
/// unsafe code, so crates that forbid it can hold the module).
fn bridged(span: &tracing::Span) -> Option<Context> {
    span.with_subscriber(|(id, dispatch)| {
        let registry = dispatch.downcast_ref::<tracing_subscriber::Registry>()?;
        let span = registry.span(id)?;
        let extensions = span.extensions();
        extensions.get::<Bridged>().map(|b| b.cx.clone())
    })
    .flatten()
}

impl SpanExt for tracing::Span {
    fn context(&self) -> Context {
        bridged(self).unwrap_or_else(Context::current)
    }

    fn set_attribute(&self, key: impl Into<Key>, value: impl Into<Value>) {
        if let Some(cx) = bridged(self) {
            cx.span().set_attribute(KeyValue::new(key, value));
        }
    }
}

/// The context the bridge keeps for `span`, if any, and whether the bridge
/// started its span (a span of `#[instrument]` or `info_span!`, not the
/// request span or a passed-through context).
pub(crate) fn started_context_of<S>(
    span: &tracing_subscriber::registry::SpanRef<'_, S>,
) -> Option<(Context, bool)>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    span.extensions()
        .get::<Bridged>()
        .map(|b| (b.cx.clone(), b.own))
}

/// The context the bridge keeps for `span`, if any.
pub(crate) fn context_of<S>(span: &tracing_subscriber::registry::SpanRef<'_, S>) -> Option<Context>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    span.extensions().get::<Bridged>().map(|b| b.cx.clone())
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::Duration;

    use opentelemetry::trace::TracerProvider as _;
    use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SimpleSpanProcessor};
    use tracing_subscriber::layer::SubscriberExt as _;

    use super::super::logs::{debug_text, LogLayer};
    use super::super::redact::Redacting;
    use super::{as_request, REQUEST};
    use opentelemetry::Context;

    /// Records a field on the span it holds while it is formatted, as an
    /// application's `Debug` may.
    struct Reentrant(tracing::Span);

    impl std::fmt::Debug for Reentrant {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            self.0.record("url.path", "/inner");
            f.write_str("outer")
        }
    }

    #[test]
    fn a_recorded_value_is_formatted_with_no_lock_held() {
        let spans = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder()
            .with_span_processor(Redacting::new(SimpleSpanProcessor::new(spans.clone())))
            .build();
        let everything =
            tracing_subscriber::filter::Targets::new().with_default(tracing::Level::TRACE);
        let subscriber = tracing_subscriber::registry()
            .with(super::super::init::bridge_layers(
                provider.tracer("test"),
                everything,
            ))
            .with(LogLayer::with_writer(Box::new(std::io::sink()), true));
        let (done, finished) = mpsc::channel();
        // On a thread of its own: a lock held while `Debug` runs would hang it.
        std::thread::spawn(move || {
            tracing::subscriber::with_default(subscriber, || {
                let span = tracing::info_span!(
                    "op",
                    error.type = tracing::field::Empty,
                    url.path = tracing::field::Empty
                );
                span.record("error.type", tracing::field::debug(Reentrant(span.clone())));
            });
            let _ = done.send(());
        });
        finished
            .recv_timeout(Duration::from_secs(10))
            .expect("recording a value whose Debug records on the same span hung");
        provider.force_flush().expect("flush");
        let exported = spans.get_finished_spans().expect("spans");
        let op = exported.iter().find(|s| s.name == "op").expect("the span");
        let value = |key: &str| {
            op.attributes
                .iter()
                .find(|kv| kv.key.as_str() == key)
                .map(|kv| kv.value.as_str().into_owned())
        };
        assert_eq!(value("error.type").as_deref(), Some("outer"));
        assert_eq!(value("url.path").as_deref(), Some("/inner"));
    }

    /// The noted metadata is a shortcut only: what counts as the request
    /// span is what the name and target said before.
    #[test]
    fn the_request_span_is_known_by_its_metadata_or_its_name_and_target() {
        use super::super::server::TARGET;
        // Spans keep their metadata only when a subscriber enables them.
        tracing::subscriber::with_default(tracing_subscriber::registry(), || {
            let request = tracing::info_span!(target: TARGET, "request");
            super::note_request_span(&request);
            let meta = |span: &tracing::Span| span.metadata().expect("metadata");
            assert!(super::is_request_span(meta(&request)));
            // Another callsite with the same name and target still is one.
            let again = tracing::info_span!(target: TARGET, "request");
            assert!(super::is_request_span(meta(&again)));
            // Other names or targets are not, noted or not.
            for other in [
                tracing::info_span!("request"),
                tracing::info_span!(target: TARGET, "requests"),
            ] {
                assert!(!super::is_request_span(meta(&other)));
            }
        });
    }

    #[test]
    fn a_panic_inside_the_request_span_leaves_the_bridge_working() {
        assert!(!REQUEST.get());
        let caught = std::panic::catch_unwind(|| as_request(|| panic!("another layer panicked")));
        assert!(caught.is_err());
        assert!(
            !REQUEST.get(),
            "the flag stayed set: later spans would never be bridged"
        );
        assert!(as_request(|| REQUEST.get()));
        assert!(!REQUEST.get());
    }

    #[test]
    fn a_string_hashes_the_same_logged_with_debug_or_display() {
        let Some((key, _)) = super::super::conventions::REDACTIONS.first() else {
            return;
        };
        // `?value` writes a string quoted, `%value` as it is.
        assert_eq!(debug_text(key, "\"jane@example.com\""), "jane@example.com");
        assert_eq!(debug_text(key, "\"say \\\"hi\\\"\""), "say \"hi\"");
        // Not one literal: left to the composite reading.
        assert_ne!(debug_text(key, "\"a\" and \"b\""), "a\" and \"b");
        // A key without a privacy action keeps what Debug wrote.
        assert_eq!(debug_text("test.unclassed", "\"team\""), "\"team\"");
    }

    /// The error text of the privacy review: an e-mail address, a bearer
    /// credential and a card number, none under a classed key.
    const REVIEW_ERROR: &str = "send to jane.doe@example.com with Authorization: Bearer abcDEF123456ghi failed, card 4111 1111 1111 1111";

    /// The marks of [`REVIEW_ERROR`] that must not leave.
    const REVIEW_MARKS: [&str; 3] = ["jane", "abcDEF123456ghi", "4111 1111"];

    struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("buffer").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[derive(Debug)]
    struct ReviewError;

    impl std::fmt::Display for ReviewError {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(REVIEW_ERROR)
        }
    }

    impl std::error::Error for ReviewError {}

    #[tracing::instrument(err)]
    fn send(who: &str) -> Result<(), ReviewError> {
        Err(ReviewError)
    }

    /// Every text field of a log line is scrubbed like the message: an
    /// error logged with `%e` or `?e`, by `#[instrument(err)]`, a string
    /// field, an `#[instrument]` argument; numbers and bools stay.
    #[test]
    fn log_fields_are_scrubbed_as_free_text() {
        let buffer = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let logs = LogLayer::with_writer(Box::new(Shared(buffer.clone())), true);
        let flusher = logs.flusher();
        let subscriber = tracing_subscriber::registry().with(logs);
        tracing::subscriber::with_default(subscriber, || {
            let e = ReviewError;
            tracing::error!(error = %e, "send failed");
            tracing::error!(error = ?REVIEW_ERROR, "send failed");
            tracing::error!(detail = REVIEW_ERROR, "send failed");
            let _ = send("jane.doe@example.com");
            tracing::info!(
                n = 411_111_111_111_u64,
                ok = true,
                order = "order 42 shipped",
                "kept"
            );
        });
        assert!(flusher.flush(Duration::from_secs(5)));
        let text = String::from_utf8(buffer.lock().expect("buffer").clone()).expect("utf-8");
        for mark in REVIEW_MARKS {
            assert!(!text.contains(mark), "{mark} reached the log:\n{text}");
        }
        assert_eq!(text.matches("send failed").count(), 3, "{text}");
        assert_eq!(text.lines().count(), 5, "{text}");
        for kept in [
            "\"n\":411111111111",
            "\"ok\":true",
            "\"order\":\"order 42 shipped\"",
        ] {
            assert!(text.contains(kept), "{kept} is missing:\n{text}");
        }
    }

    /// The spans and events a test subscriber with the bridge exports, every
    /// target and level enabled.
    fn bridged_spans(body: impl FnOnce()) -> Vec<opentelemetry_sdk::trace::SpanData> {
        let spans = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder()
            .with_span_processor(Redacting::new(SimpleSpanProcessor::new(spans.clone())))
            .build();
        let everything =
            tracing_subscriber::filter::Targets::new().with_default(tracing::Level::TRACE);
        let subscriber = tracing_subscriber::registry().with(super::super::init::bridge_layers(
            provider.tracer("test"),
            everything,
        ));
        tracing::subscriber::with_default(subscriber, body);
        provider.force_flush().expect("flush");
        spans.get_finished_spans().expect("spans")
    }

    /// Text captured implicitly under a key the conventions know but do not
    /// class (a span field, a warning's field) is free text: scrubbed like a
    /// log field. Classed keys keep their action; numbers stay.
    #[test]
    fn captured_text_under_unclassed_keys_is_scrubbed() {
        let policy = super::super::redact::policy();
        let unclassed = |key: &str| super::exported(key) && policy.action(key).is_none();
        if !(unclassed("acme.team") && unclassed("app.plan")) {
            // Conventions without these registry keys.
            return;
        }
        let spans = bridged_spans(|| {
            let span = tracing::info_span!(
                "op",
                acme.team = REVIEW_ERROR,
                app.plan = tracing::field::Empty,
                http.response.status_code = 500_i64,
                app.user.email = "jane.doe@example.com",
            );
            let _entered = span.enter();
            span.record("app.plan", tracing::field::display(REVIEW_ERROR));
            let e = ReviewError;
            tracing::warn!(acme.team = %e, app.plan = ?REVIEW_ERROR, "failed");
        });
        let op = spans.iter().find(|s| s.name == "op").expect("the span");
        let dump = format!("{:?} {:?}", op.attributes, op.events);
        for mark in REVIEW_MARKS {
            assert!(!dump.contains(mark), "{mark} left in {dump}");
        }
        let value = |key: &str| {
            op.attributes
                .iter()
                .find(|kv| kv.key.as_str() == key)
                .map(|kv| kv.value.clone())
        };
        let team = value("acme.team").expect("acme.team").as_str().into_owned();
        assert!(team.starts_with("send to REDACTED"), "{team}");
        assert_eq!(
            value("http.response.status_code"),
            Some(opentelemetry::Value::I64(500))
        );
        // Its class's action (a hash, or dropped without a key), not the
        // free-text mask.
        if let Some(email) = value("app.user.email") {
            let email = email.as_str().into_owned();
            assert!(
                !email.contains("REDACTED") && !email.contains('@'),
                "{email}"
            );
        }
        let event = op
            .events
            .iter()
            .find(|e| e.name == "failed")
            .expect("event");
        assert_eq!(event.attributes.len(), 2, "{event:?}");
    }

    /// The exporter's own transport crates never reach the trace: their
    /// spans and events would be exported by the export that made them.
    #[test]
    fn transport_crates_are_not_bridged() {
        let spans = bridged_spans(|| {
            let op = tracing::info_span!("op");
            let _op = op.enter();
            drop(tracing::info_span!(target: "h2::codec", "transport"));
            drop(tracing::info_span!(target: "hyper_util::client::legacy", "transport"));
            drop(tracing::info_span!(target: "opentelemetry_sdk::trace", "transport"));
            drop(tracing::info_span!(target: "opentelemetry", "transport"));
            drop(tracing::info_span!(target: "tonic::transport", "transport"));
            drop(tracing::info_span!(target: "tower", "transport"));
            // Names that only begin like one are kept.
            drop(tracing::info_span!(target: "hyperion::store", "kept"));
            drop(tracing::info_span!(target: "towers", "kept"));
            tracing::warn!(target: "rustls::client", "transport");
            tracing::warn!(target: "reqwest::connect", "transport");
            tracing::warn!(target: "opentelemetry_otlp", "transport");
            tracing::warn!(target: "app", "kept");
        });
        let names: Vec<&str> = spans.iter().map(|s| s.name.as_ref()).collect();
        assert_eq!(names, ["kept", "kept", "op"], "{names:?}");
        let op = spans.iter().find(|s| s.name == "op").expect("op");
        let events: Vec<&str> = op.events.iter().map(|e| e.name.as_ref()).collect();
        assert_eq!(events, ["kept"]);
    }

    /// A warning whose enclosing `tracing` spans a global filter disabled
    /// goes to the current OpenTelemetry span (the server span).
    #[test]
    fn events_without_an_enabled_span_go_to_the_current_span() {
        use opentelemetry::trace::{TraceContextExt as _, Tracer as _};
        let spans = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder()
            .with_span_processor(SimpleSpanProcessor::new(spans.clone()))
            .build();
        let tracer = provider.tracer("test");
        let everything =
            tracing_subscriber::filter::Targets::new().with_default(tracing::Level::TRACE);
        let subscriber = tracing_subscriber::registry()
            .with(super::super::init::bridge_layers(
                tracer.clone(),
                everything,
            ))
            .with(tracing_subscriber::filter::LevelFilter::WARN);
        tracing::subscriber::with_default(subscriber, || {
            let server = Context::current_with_span(tracer.start("server"));
            let guard = server.clone().attach();
            let handler = tracing::info_span!("handler");
            let _entered = handler.enter();
            tracing::warn!("slow answer");
            tracing::info!("chatter");
            drop(guard);
            server.span().end();
        });
        provider.force_flush().expect("flush");
        let exported = spans.get_finished_spans().expect("spans");
        let names: Vec<&str> = exported.iter().map(|s| s.name.as_ref()).collect();
        assert_eq!(names, ["server"]);
        let events: Vec<&str> = exported[0].events.iter().map(|e| e.name.as_ref()).collect();
        assert_eq!(events, ["slow answer"]);
    }

    /// `#[instrument(err)]` returning an error: the span's status is Error
    /// and its `error.type` `_OTHER`; the event, which has no message, is
    /// named by its level. `otel.status_code` and `otel.status_message`
    /// set the status.
    #[test]
    fn errors_and_status_fields_set_the_status() {
        use opentelemetry::trace::Status;
        let spans = bridged_spans(|| {
            let _ = send("jane.doe@example.com");
            drop(tracing::info_span!(
                "declined",
                otel.status_code = "ERROR",
                otel.status_message = "card declined"
            ));
            let fine = tracing::info_span!("fine", otel.status_code = tracing::field::Empty);
            fine.record("otel.status_code", "ok");
            let quiet = tracing::info_span!("quiet");
            quiet.in_scope(|| tracing::warn!(acme.team = "ops"));
        });
        let span = |name: &str| spans.iter().find(|s| s.name == name).expect(name);
        let sent = span("send");
        match &sent.status {
            Status::Error { description } => {
                for mark in REVIEW_MARKS {
                    assert!(!description.contains(mark), "{description}");
                }
            }
            other => panic!("send: {other:?}"),
        }
        let error_type = sent
            .attributes
            .iter()
            .find(|kv| kv.key.as_str() == "error.type")
            .map(|kv| kv.value.as_str().into_owned());
        assert_eq!(error_type.as_deref(), Some("_OTHER"));
        let events: Vec<&str> = sent.events.iter().map(|e| e.name.as_ref()).collect();
        assert_eq!(events, ["ERROR"]);
        assert_eq!(
            span("declined").status,
            Status::Error {
                description: "card declined".into()
            }
        );
        assert_eq!(span("fine").status, Status::Ok);
        let quiet = span("quiet");
        assert_eq!(quiet.status, Status::Unset);
        assert_eq!(
            quiet.events.iter().next().map(|e| e.name.as_ref()),
            Some("WARN")
        );
    }

    /// `otel.name` renames a span only to a name of the conventions'
    /// internal span name pattern.
    #[test]
    fn otel_name_must_match_the_internal_name_pattern() {
        use super::super::conventions::INTERNAL_NAME_PATTERN;
        let candidates = [
            "orders.lookup by_id",
            "orders.lookup",
            "Lookup Orders",
            "orders  lookup",
            "cache get {key}",
        ];
        let spans = bridged_spans(|| {
            for candidate in candidates {
                drop(tracing::info_span!("static", otel.name = candidate));
            }
        });
        let pattern = super::Pattern::new(INTERNAL_NAME_PATTERN);
        let mut want: Vec<&str> = candidates
            .iter()
            .map(|c| if pattern.matches(c) { c } else { "static" })
            .collect();
        want.sort_unstable();
        let mut names: Vec<&str> = spans.iter().map(|s| s.name.as_ref()).collect();
        names.sort_unstable();
        assert_eq!(names, want, "{INTERNAL_NAME_PATTERN}");
        if INTERNAL_NAME_PATTERN == "^[a-z][a-z0-9_.]*( [a-z0-9_.{}/-]+)*$" {
            // The bundled conventions' pattern: upper case and double spaces
            // are refused (the old rule let both through).
            assert_eq!(
                names,
                [
                    "cache get {key}",
                    "orders.lookup",
                    "orders.lookup by_id",
                    "static",
                    "static"
                ]
            );
        }
    }

    /// Span names are free text: scrubbed at export, whatever named them;
    /// an `otel.name` the scrub would change is not used at all.
    #[test]
    fn span_names_are_scrubbed() {
        use opentelemetry::trace::{Span as _, Tracer as _};
        let spans = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder()
            .with_span_processor(Redacting::new(SimpleSpanProcessor::new(spans.clone())))
            .build();
        let tracer = provider.tracer("test");
        tracer
            .start("lookup jane.doe@example.com 4111111111111111")
            .end();
        tracer.start("GET /orders/{id}").end();
        let everything =
            tracing_subscriber::filter::Targets::new().with_default(tracing::Level::TRACE);
        let subscriber = tracing_subscriber::registry().with(super::super::init::bridge_layers(
            provider.tracer("test"),
            everything,
        ));
        tracing::subscriber::with_default(subscriber, || {
            drop(
                tracing::info_span!(parent: None, "greeted", otel.name = "Jane Doe Bearer abcDEFghiJKLmn"),
            );
        });
        provider.force_flush().expect("flush");
        let names: Vec<String> = spans
            .get_finished_spans()
            .expect("spans")
            .iter()
            .map(|s| s.name.to_string())
            .collect();
        let dump = format!("{names:?}");
        for mark in ["jane", "4111", "abcDEFghiJKLmn", "Jane Doe"] {
            assert!(!dump.contains(mark), "{mark} in {dump}");
        }
        assert!(
            names.iter().any(|n| n.starts_with("lookup REDACTED")),
            "{dump}"
        );
        assert!(names.iter().any(|n| n == "GET /orders/{id}"), "{dump}");
        assert!(names.iter().any(|n| n == "greeted"), "{dump}");
    }
}
