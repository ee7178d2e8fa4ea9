//! How the sandbox's xpays.life is set up.

pub const DEMO_XPAYS_API_KEY: &str = "key_sandbox_xpays_demo";
pub const DEMO_XPAYS_SECRET_KEY: &str = "sandbox-xpays-secret";

/// How the sandbox's xpays.life is set up.
#[derive(Clone, Debug)]
pub struct XpaysOptions {
    /// The only `x-api-key` accepted (default [`DEMO_XPAYS_API_KEY`]).
    pub api_key: String,
    /// The HMAC key (default [`DEMO_XPAYS_SECRET_KEY`]).
    pub secret_key: String,
    /// `lifetime` of every invoice in seconds (default 900; the request
    /// cannot set it). 0 makes invoices expire at once (tests).
    pub lifetime_secs: u64,
    /// Milliseconds added to the wall clock (tests replay the doc's worked
    /// signing example, whose timestamp is in the past).
    pub clock_skew_ms: i64,
}

impl Default for XpaysOptions {
    fn default() -> Self {
        Self {
            api_key: DEMO_XPAYS_API_KEY.to_owned(),
            secret_key: DEMO_XPAYS_SECRET_KEY.to_owned(),
            lifetime_secs: 900,
            clock_skew_ms: 0,
        }
    }
}
