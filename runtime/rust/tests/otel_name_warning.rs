//! An `otel.name` the conventions' internal span name pattern refuses is
//! warned about once, through the process's subscriber. A test binary of its
//! own: the warning is written from inside the subscriber's span creation,
//! which `tracing` passes on only under a global subscriber (a scoped one,
//! `with_default`, drops events raised inside its own callbacks).

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use scaffold_runtime::telemetry::{init, LogLayer};
use tracing_subscriber::layer::SubscriberExt as _;

struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_refused_otel_name_is_warned_about_once_without_the_name() {
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder().build();
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let logs = LogLayer::with_writer(Box::new(Shared(buffer.clone())), true);
    let flusher = logs.flusher();
    let everything = tracing_subscriber::filter::Targets::new().with_default(tracing::Level::TRACE);
    let subscriber = tracing_subscriber::registry()
        .with(init::bridge_layers(provider.tracer("test"), everything))
        .with(logs);
    tracing::subscriber::set_global_default(subscriber).expect("the only global subscriber");
    // Upper case and a digit: refused by the pattern of any conventions
    // (the bundled `^.+$` too, which the digit rule still refuses).
    drop(tracing::info_span!("kept", otel.name = "Jane Doe 4111"));
    drop(tracing::info_span!(
        "kept",
        otel.name = "Another Refused 42"
    ));
    assert!(flusher.flush(Duration::from_secs(5)));
    let text = String::from_utf8(buffer.lock().expect("buffer").clone()).expect("utf-8");
    assert_eq!(text.matches("otel.name ignored").count(), 1, "{text}");
    assert!(text.contains("\"level\":\"WARN\""), "{text}");
    for mark in ["Jane", "4111", "Another"] {
        assert!(!text.contains(mark), "{mark} in {text}");
    }
}
