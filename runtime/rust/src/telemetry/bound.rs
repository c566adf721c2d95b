//! Duration histograms bound once per attribute set, so recording a request
//! does not hash its attributes again (the SDK's bound instruments).

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use opentelemetry::metrics::{BoundHistogram, Histogram};
use opentelemetry::{KeyValue, StringValue, Value};

/// Most attribute sets cached per histogram; past it, values are recorded
/// unbound. Routes come from the code, so real services stay far below it.
const MAX_CACHED: usize = 4096;

/// A fast hasher for keys the service's code controls (methods, routes,
/// status codes); not for values a client chooses.
#[derive(Default)]
pub struct FastHasher(u64);

impl Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = (self.0.rotate_left(5) ^ value).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// `server.address` and `server.port` of a server, from configuration.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ServerAddress {
    /// The host name clients use.
    pub host: Arc<str>,
    /// The port clients use.
    pub port: u16,
}

/// The attributes of one recorded request. Equal when every field has the
/// same text or value (see the `PartialEq` below).
#[derive(Clone, Debug, Eq)]
pub struct DurationKey {
    /// `http.request.method` (or `rpc.system`, `db.system.name`).
    pub method: &'static str,
    /// `url.scheme`.
    pub scheme: &'static str,
    /// `network.protocol.version` (Recommended), when known.
    pub protocol: Option<&'static str>,
    /// `http.route`, if matched.
    pub route: Option<Arc<str>>,
    /// `http.response.status_code`, 0 when there is none.
    pub status: u16,
    /// Whether the request failed: `error.type` is the status code of a
    /// 5xx, else `_OTHER`.
    pub error: bool,
    /// The server's configured address, if any.
    pub server: Option<ServerAddress>,
}

/// The same text: by address first (the method, scheme and version are
/// static text, the route is shared), then by content, so the result is
/// what comparing the text gives.
fn same_text(a: &str, b: &str) -> bool {
    (std::ptr::eq(a.as_ptr(), b.as_ptr()) && a.len() == b.len()) || a == b
}

impl PartialEq for DurationKey {
    fn eq(&self, other: &Self) -> bool {
        self.status == other.status
            && self.error == other.error
            && same_text(self.method, other.method)
            && same_text(self.scheme, other.scheme)
            && match (self.protocol, other.protocol) {
                (Some(a), Some(b)) => same_text(a, b),
                (None, None) => true,
                _ => false,
            }
            && match (&self.route, &other.route) {
                (Some(a), Some(b)) => same_text(a, b),
                (None, None) => true,
                _ => false,
            }
            && self.server == other.server
    }
}

/// By content, as the derived `Hash` would: equal keys hash alike.
impl Hash for DurationKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.method.hash(state);
        self.scheme.hash(state);
        self.protocol.hash(state);
        self.route.hash(state);
        self.status.hash(state);
        self.error.hash(state);
        self.server.hash(state);
    }
}

impl DurationKey {
    fn attributes(&self) -> Vec<KeyValue> {
        let mut labels = Vec::with_capacity(8);
        labels.push(KeyValue::new("http.request.method", self.method));
        labels.push(KeyValue::new("url.scheme", self.scheme));
        if let Some(version) = self.protocol {
            labels.push(KeyValue::new("network.protocol.version", version));
        }
        if let Some(route) = &self.route {
            labels.push(KeyValue::new(
                "http.route",
                Value::String(StringValue::from(route.clone())),
            ));
        }
        if self.status != 0 {
            labels.push(KeyValue::new(
                "http.response.status_code",
                i64::from(self.status),
            ));
        }
        if let Some(server) = &self.server {
            labels.push(KeyValue::new(
                "server.address",
                Value::String(StringValue::from(server.host.clone())),
            ));
            labels.push(KeyValue::new("server.port", i64::from(server.port)));
        }
        if self.error {
            // A 5xx is its own error type; a request that failed without one
            // (no answer, or a body that broke after a 2xx or 4xx head) is
            // _OTHER, as on its span.
            let kind = if self.status >= 500 {
                self.status.to_string()
            } else {
                "_OTHER".to_owned()
            };
            labels.push(KeyValue::new("error.type", kind));
        }
        labels
    }
}

type Cache = HashMap<DurationKey, BoundHistogram<f64>, BuildHasherDefault<FastHasher>>;

/// A duration histogram with a cache of bound attribute sets.
#[derive(Debug)]
pub struct BoundDurations {
    histogram: Histogram<f64>,
    cache: RwLock<Cache>,
    /// Tells histograms apart for [`LAST`] (an address may be reused).
    id: u64,
}

/// The next [`BoundDurations::id`].
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// The attribute set this thread recorded last, bound, with the id of
    /// its histogram: consecutive requests on a thread are mostly of one
    /// kind, and then skip the shared cache (its lock and the hashing).
    static LAST: RefCell<Option<(u64, DurationKey, BoundHistogram<f64>)>> =
        const { RefCell::new(None) };
}

impl BoundDurations {
    /// Caches bound sets of `histogram`.
    pub fn new(histogram: Histogram<f64>) -> Self {
        Self {
            histogram,
            cache: RwLock::new(Cache::default()),
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// Records `seconds` with the attributes of `key`.
    pub fn record(&self, seconds: f64, key: DurationKey) {
        let recorded = LAST.try_with(|last| {
            let last = last.try_borrow().ok()?;
            let (id, kept, bound) = last.as_ref()?;
            (*id == self.id && *kept == key).then(|| bound.record(seconds))
        });
        if let Ok(Some(())) = recorded {
            return;
        }
        let bound = self.bound(&key);
        match bound {
            Some(bound) => {
                bound.record(seconds);
                let _ = LAST.try_with(|last| {
                    if let Ok(mut last) = last.try_borrow_mut() {
                        *last = Some((self.id, key, bound));
                    }
                });
            }
            None => self.histogram.record(seconds, &key.attributes()),
        }
    }

    /// The bound set of `key`, bound now when it is new; `None` past
    /// [`MAX_CACHED`] sets.
    fn bound(&self, key: &DurationKey) -> Option<BoundHistogram<f64>> {
        if let Ok(cache) = self.cache.read() {
            if let Some(bound) = cache.get(key) {
                return Some(bound.clone());
            }
        }
        let mut cache = self.cache.write().ok()?;
        if let Some(bound) = cache.get(key) {
            return Some(bound.clone());
        }
        if cache.len() >= MAX_CACHED {
            return None;
        }
        let bound = self.histogram.bind(&key.attributes());
        cache.insert(key.clone(), bound.clone());
        Some(bound)
    }
}

#[cfg(test)]
mod key_tests {
    use std::sync::Arc;

    use super::{DurationKey, ServerAddress};

    fn key(route: Option<&str>, method: &'static str) -> DurationKey {
        DurationKey {
            method,
            scheme: "http",
            protocol: Some("1.1"),
            route: route.map(Arc::from),
            status: 200,
            error: false,
            server: None,
        }
    }

    /// Equal by content, whether or not the text is shared.
    #[test]
    fn keys_compare_by_content() {
        let a = key(Some("/orders/{id}"), "GET");
        assert_eq!(a, a.clone());
        assert_eq!(a, key(Some("/orders/{id}"), "GET"));
        let owned: &'static str = Box::leak(String::from("GET").into_boxed_str());
        assert_eq!(a, key(Some("/orders/{id}"), owned));
        assert_ne!(a, key(Some("/orders/{i}"), "GET"));
        assert_ne!(a, key(None, "GET"));
        assert_ne!(a, key(Some("/orders/{id}"), "PUT"));
        // A prefix at the same address is not the same text.
        let text: &'static str = "GETX";
        assert_ne!(key(None, &text[..3]), key(None, text));
        let mut other = a.clone();
        other.protocol = None;
        assert_ne!(a, other);
        other = a.clone();
        other.status = 500;
        assert_ne!(a, other);
        other = a.clone();
        other.server = Some(ServerAddress {
            host: Arc::from("a.example"),
            port: 443,
        });
        assert_ne!(a, other);
    }
}
