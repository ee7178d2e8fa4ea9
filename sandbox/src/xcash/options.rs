//! How the sandbox's Xcash is set up, and the simulated project's one
//! payment method.

use std::time::Duration;

pub const DEMO_XCASH_APPID: &str = "XC-SANDBOX1";
pub const DEMO_XCASH_HMAC_KEY: &str = "sandbox-xcash-hmac-key-32-chars!";

/// The one crypto and chain the simulated project has a receiving address for.
pub(super) const CRYPTO: &str = "USDT";
pub(super) const CHAIN: &str = "tron";

/// How the sandbox's Xcash is set up.
#[derive(Clone, Debug)]
pub struct XcashOptions {
    /// The only `XC-Appid` accepted (default [`DEMO_XCASH_APPID`]).
    pub appid: String,
    /// The signing key (default [`DEMO_XCASH_HMAC_KEY`]).
    pub hmac_key: String,
    /// A create is refused with `5009` while this many invoices are waiting
    /// (server code: 100). `None`: no limit.
    pub max_waiting: Option<usize>,
    /// `true` (current server code): a single remaining method is selected at
    /// creation. `false` (older deployments): `pay_address` stays `null`
    /// until `select-method`.
    pub select_at_create: bool,
    /// Status calls allowed per `sys_no` per minute (server code: 120). `None`: no limit.
    pub status_per_minute: Option<u32>,
    /// `select-method` calls allowed per `sys_no` per minute (10). `None`: no limit.
    pub select_per_minute: Option<u32>,
    /// Tests: every invoice expires this long after creation, whatever its
    /// `duration` says (the server allows 5–30 minutes only).
    pub expiry_override: Option<Duration>,
    /// `true`: error messages in English, as from a deployment that compiled
    /// its translations; `false`: in Chinese whatever `Accept-Language`
    /// says, as from one that did not (xcash.md § Measured). Clients match
    /// on `code`, never on `message`.
    pub english_messages: bool,
    /// Milliseconds added to the wall clock (tests replay the doc's worked
    /// signing examples, whose timestamps are in the past).
    pub clock_skew_ms: i64,
}

impl Default for XcashOptions {
    fn default() -> Self {
        Self {
            appid: DEMO_XCASH_APPID.to_owned(),
            hmac_key: DEMO_XCASH_HMAC_KEY.to_owned(),
            max_waiting: Some(100),
            select_at_create: true,
            status_per_minute: Some(120),
            select_per_minute: Some(10),
            expiry_override: None,
            english_messages: true,
            clock_skew_ms: 0,
        }
    }
}
