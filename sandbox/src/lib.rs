//! Simulated payment gateways for `till`.
//!
//! The sandbox is a small HTTP server on loopback that speaks a gateway's
//! documented wire protocol, so the till can run in demo mode and in tests
//! without a gateway account. It simulates all five gateways at one base URL
//! (xPay `/client/…`, xpays.life `/v1/payment/…`, Xcash `/v1/invoice…`,
//! XaiGate `/api/v1/invoice/…`, Bitsby `/invoices/…`), each in its own folder
//! with its own store inside `Shared` and its control routes under
//! `/_sandbox/<gateway>/`, plus misbehaviour on demand (`faults/`), a log
//! of request arrivals for rate-limit checks (`rates.rs`) and bulk creation
//! of open invoices (`seed/`). The control API is described in CONTROL.md.
//!
//! Each gateway folder (`xpay/`, `xpays/`, `xcash/`, `xaigate/`, `bitsby/`)
//! is split by concern: `wire.rs` (answers and error codes), `request.rs`
//! (request bodies), a store (`ledger.rs`, `store.rs`: the invoices and
//! their transitions), `http.rs` (routes), and `sign.rs` where requests are
//! signed. Shared by all: `gateway.rs` (which gateway a path belongs to),
//! `control.rs`, `time.rs` (clock and calendar, through jiff), `decimal.rs`
//! (amounts as written, through rust_decimal), `signature.rs` (HMAC
//! checks), `body.rs` (JSON bodies), and the payment data makers `tron.rs`,
//! `evm.rs`, `btc.rs`, `lightning.rs`.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use sha2::{Digest, Sha256};
pub(crate) use time::now_ms;

mod bitsby;
mod body;
mod btc;
mod control;
mod decimal;
mod evm;
mod faults;
mod gateway;
mod lightning;
mod rates;
mod reqlog;
mod seed;
mod signature;
mod time;
mod tron;
mod xaigate;
mod xcash;
mod xpay;
mod xpays;

pub use bitsby::{BitsbyOptions, BitsbyWallet, DEMO_BITSBY_PROJECT_ID, DEMO_BITSBY_TOKEN};
pub use xaigate::{DEMO_XAIGATE_API_KEY, XaigateOptions};
pub use xcash::{DEMO_XCASH_APPID, DEMO_XCASH_HMAC_KEY, XcashOptions};
pub use xpays::{DEMO_XPAYS_API_KEY, DEMO_XPAYS_SECRET_KEY, XpaysOptions};

/// Username (e-mail) the sandbox's xPay accepts by default.
pub const DEMO_XPAY_USERNAME: &str = "demo@till.sandbox";
/// Secret key the sandbox's xPay accepts by default.
pub const DEMO_XPAY_SECRET_KEY: &str = "sandbox-secret-key";

/// How the sandbox is set up.
#[derive(Clone, Debug)]
pub struct Options {
    /// The only username `POST /client/authenticate` accepts.
    pub xpay_username: String,
    /// The only secret key `POST /client/authenticate` accepts.
    pub xpay_secret_key: String,
    /// Lifetime of an xPay access token (default 1 hour).
    pub token_ttl: Duration,
    pub xpays: XpaysOptions,
    pub xcash: XcashOptions,
    pub xaigate: XaigateOptions,
    pub bitsby: BitsbyOptions,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            xpay_username: DEMO_XPAY_USERNAME.to_owned(),
            xpay_secret_key: DEMO_XPAY_SECRET_KEY.to_owned(),
            token_ttl: Duration::from_secs(3600),
            xpays: XpaysOptions::default(),
            xcash: XcashOptions::default(),
            xaigate: XaigateOptions::default(),
            bitsby: BitsbyOptions::default(),
        }
    }
}

/// A sandbox started with [`spawn`].
///
/// Dropping it does not stop the server: it runs as long as the tokio runtime.
#[derive(Debug)]
pub struct Running {
    addr: SocketAddr,
}

impl Running {
    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Base URL for the gateway clients, e.g. `http://127.0.0.1:40123`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// Binds `addr` (use `127.0.0.1:0` for an ephemeral port), spawns the server
/// on the current tokio runtime, returns at once.
pub async fn spawn(addr: SocketAddr, opts: Options) -> std::io::Result<Running> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        // Nobody is left to report a failure to: the listener was already
        // bound, so `axum::serve` only ends if the runtime shuts down.
        let _ = serve(listener, opts).await;
    });
    Ok(Running { addr })
}

/// Serves forever on an already bound listener (used by `till sandbox --listen`).
pub async fn serve(listener: tokio::net::TcpListener, opts: Options) -> std::io::Result<()> {
    axum::serve(listener, router(opts)).await
}

/// State shared by every gateway and the control API.
pub(crate) struct Shared {
    /// Node key that signs every sandbox BOLT11 invoice.
    pub(crate) lightning: lightning::Signer,
    /// The simulated xPay account.
    pub(crate) xpay: xpay::Store,
    pub(crate) xpays: xpays::Store,
    pub(crate) xcash: xcash::Store,
    pub(crate) xaigate: xaigate::Store,
    pub(crate) bitsby: bitsby::Store,
    /// Misbehaviour armed through `/_sandbox/faults`.
    pub(crate) faults: faults::Faults,
    /// Gateway requests seen, per path (control routes are not counted).
    requests: Mutex<BTreeMap<String, u64>>,
    /// Arrival instants of gateway requests, for `/_sandbox/rates`.
    pub(crate) rates: rates::Rates,
    /// Every gateway request with its User-Agent, for `/_sandbox/requests/log`.
    pub(crate) log: reqlog::RequestLog,
}

impl Shared {
    fn new(opts: &Options) -> Self {
        Self {
            lightning: lightning::Signer::generate(),
            xpay: xpay::Store::new(opts),
            xpays: xpays::Store::new(&opts.xpays),
            xcash: xcash::Store::new(&opts.xcash),
            xaigate: xaigate::Store::new(&opts.xaigate),
            bitsby: bitsby::Store::new(&opts.bitsby),
            faults: faults::Faults::default(),
            requests: Mutex::new(BTreeMap::new()),
            rates: rates::Rates::default(),
            log: reqlog::RequestLog::default(),
        }
    }

    /// Snapshot of the per-path request counts.
    pub(crate) fn request_counts(&self) -> BTreeMap<String, u64> {
        lock(&self.requests).clone()
    }
}

pub(crate) type AppState = Arc<Shared>;

fn router(opts: Options) -> Router {
    let shared: AppState = Arc::new(Shared::new(&opts));
    Router::new()
        .merge(xpay::router())
        .merge(xpays::router())
        .merge(xcash::router())
        .merge(xaigate::router())
        .merge(bitsby::router())
        .merge(control::router())
        .merge(faults::router())
        .merge(rates::router())
        .merge(reqlog::router())
        .merge(seed::router())
        .fallback(control::not_found)
        .layer(middleware::from_fn_with_state(shared.clone(), faults::apply))
        .layer(middleware::from_fn_with_state(shared.clone(), count_requests))
        .with_state(shared)
}

/// Counts every request outside the control API, including unknown paths
/// (so a test sees a client calling a wrong path), and logs the arrival of
/// every gateway request for `/_sandbox/rates`.
async fn count_requests(State(shared): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if !path.starts_with(gateway::PREFIX) {
        *lock(&shared.requests).entry(path.to_owned()).or_insert(0) += 1;
        shared.rates.record(path);
        let agent = req.headers().get(axum::http::header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("");
        shared.log.record(path, agent);
    }
    next.run(req).await
}

/// Locks a mutex, ignoring poisoning: every critical section leaves the
/// stores consistent before anything that could panic.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// `N` random bytes from the OS generator (through UUID v4, already a
/// dependency): SHA-256 over two UUIDs gives 32 bytes from 244 random bits.
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    for chunk in out.chunks_mut(32) {
        let mut hasher = Sha256::new();
        hasher.update(uuid::Uuid::new_v4().as_bytes());
        hasher.update(uuid::Uuid::new_v4().as_bytes());
        let block = hasher.finalize();
        chunk.copy_from_slice(&block[..chunk.len()]);
    }
    out
}

/// Lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// A fresh UUID v4, hyphenated lower case.
pub(crate) fn new_uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_bytes_differ() {
        assert_ne!(random_bytes::<32>(), random_bytes::<32>());
        assert_eq!(random_bytes::<45>().len(), 45);
    }

    #[test]
    fn hex_is_lower_case() {
        assert_eq!(hex(&[0x41, 0xab, 0x00]), "41ab00");
    }
}
