//! How the sandbox's XaiGate is set up.

/// The `apiKey` the sandbox's XaiGate accepts by default (UUID-like, as the doc's).
pub const DEMO_XAIGATE_API_KEY: &str = "fdda9f03-6409-43eb-a6ef-000000000000";

/// How the sandbox's XaiGate is set up.
#[derive(Clone, Debug)]
pub struct XaigateOptions {
    /// The only `apiKey` accepted (default [`DEMO_XAIGATE_API_KEY`]).
    pub api_key: String,
    /// `expiry` of every invoice, in minutes (default 60: "default: 60 mins";
    /// the request cannot change it). `0` makes every invoice read `Expired`
    /// right after its create answer (which says `Pending`), for tests.
    pub expiry_minutes: u32,
}

impl Default for XaigateOptions {
    fn default() -> Self {
        Self { api_key: DEMO_XAIGATE_API_KEY.to_owned(), expiry_minutes: 60 }
    }
}
