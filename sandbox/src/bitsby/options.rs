//! How the sandbox's Bitsby is set up: the token, the project and its wallets.

use std::time::Duration;

/// The token the sandbox's Bitsby accepts by default.
pub const DEMO_BITSBY_TOKEN: &str = "SandboxBitsbyToken0000000000000000000000000000000000000";
/// The project the sandbox's Bitsby knows by default (the doc's curl `projectId`).
pub const DEMO_BITSBY_PROJECT_ID: &str = "9deea1e2-0c08-41a3-bdc2-a34eada3892d";

/// One of the project's crypto wallets (§ Create invoice › Response: `wallets`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BitsbyWallet {
    /// The merchant's name for it, e.g. `usdt-tron`.
    pub name: String,
    /// e.g. `tron`, `bnbSmartChain`, `ethereum`, `bitcoin`.
    pub blockchain: String,
    /// e.g. `usdt`, `eth`, `btc`.
    pub cryptocurrency: String,
}

impl BitsbyWallet {
    pub fn new(name: &str, blockchain: &str, cryptocurrency: &str) -> Self {
        Self { name: name.to_owned(), blockchain: blockchain.to_owned(), cryptocurrency: cryptocurrency.to_owned() }
    }

    /// The five wallets of the create sample, in its order.
    pub fn sample() -> Vec<Self> {
        vec![
            Self::new("usdt-bnb", "bnbSmartChain", "usdt"),
            Self::new("usdt-ethereum", "ethereum", "usdt"),
            Self::new("usdt-tron", "tron", "usdt"),
            Self::new("ethereum", "ethereum", "eth"),
            Self::new("btc", "bitcoin", "btc"),
        ]
    }
}

/// How the sandbox's Bitsby is set up.
#[derive(Clone, Debug)]
pub struct BitsbyOptions {
    /// The only token accepted (default [`DEMO_BITSBY_TOKEN`]).
    pub token: String,
    /// The project's id, the only `projectId` create accepts (default
    /// [`DEMO_BITSBY_PROJECT_ID`]).
    pub project_id: String,
    /// Shortest gap between two admitted requests of the token (default
    /// 950 ms; `Duration::ZERO` disables the limit).
    pub min_interval: Duration,
    /// The project's wallets, in the order invoices list them (default the
    /// five of the create sample, [`BitsbyWallet::sample`]).
    pub wallets: Vec<BitsbyWallet>,
}

impl Default for BitsbyOptions {
    fn default() -> Self {
        Self {
            token: DEMO_BITSBY_TOKEN.to_owned(),
            project_id: DEMO_BITSBY_PROJECT_ID.to_owned(),
            min_interval: Duration::from_millis(950),
            wallets: BitsbyWallet::sample(),
        }
    }
}
