//! What one gateway is to the rest of the till before it runs: its
//! `[providers.NAME]` section (read, demo values, a summary line), its
//! default request limits, and how its adapter is built. Each gateway's
//! module declares one `Descriptor`; `catalog` lists them.

use super::http::HttpSettings;
use super::{Gateway, GatewayError};
use crate::clock::SharedClock;
use crate::core::invoice::Reference;
use crate::core::method::ProviderId;
use crate::core::schedule::Limits;
use crate::gateway::section::{ConfigError, Section, Shop};
use std::any::Any;
use std::sync::Arc;

/// A gateway's resolved `[providers.NAME]` section.
pub trait ConfigSection: Clone + std::fmt::Debug + Send + Sync + 'static {
    const PROVIDER: ProviderId;
    /// The most requests a second `[poll.limits.NAME]` may allow.
    const MOST_PER_SECOND: u32 = 100;

    /// Reads and checks the section, refusing by file, line and key.
    fn read(section: &Section<'_>) -> Result<Self, ConfigError>;

    /// Demo mode: the section for the embedded sandbox at `base_url`.
    fn demo(base_url: &str, shop: &Shop) -> Self;

    /// One line for `till config`, secrets masked.
    fn summary(&self) -> String;

    /// What identifies the gateway account this section is configured
    /// with: its API's base URL and the account's public identity (a
    /// username, app id or project id), or its key where it has none. Only
    /// ever hashed into [`Configured::fingerprint`], never shown or stored.
    fn account(&self) -> (&str, &str);

    /// Demo mode: the sandbox's control path that pays this invoice in full.
    fn demo_payment_path(reference: &Reference) -> String {
        format!("/_sandbox/{}/invoices/{reference}/pay", Self::PROVIDER.id())
    }
}

/// A gateway's adapter, built from its section.
pub trait Adapter: Gateway + Sized + 'static {
    type Config: ConfigSection;

    fn build(config: Self::Config, settings: HttpSettings, clock: SharedClock) -> Result<Self, GatewayError>;
}

/// One gateway, as the config, the registry and the poll schedule see it.
pub struct Descriptor {
    pub provider: ProviderId,
    /// The request limits kept at it unless `[poll.limits.NAME]` says otherwise.
    pub limits: Limits,
    /// The most requests a second `[poll.limits.NAME]` may allow.
    pub most_per_second: u32,
    /// Reads its `[providers.NAME]` section.
    pub read: fn(&Section<'_>) -> Result<Configured, ConfigError>,
    /// Its section in demo mode, against the sandbox at this base URL.
    pub demo: fn(&str, &Shop) -> Configured,
    /// Demo mode: the sandbox's control path that pays an invoice in full.
    pub demo_payment_path: fn(&Reference) -> String,
}

impl Descriptor {
    /// The descriptor of adapter `A`, which keeps to `limits` by default.
    pub const fn of<A: Adapter>(limits: Limits) -> Descriptor {
        Descriptor {
            provider: A::Config::PROVIDER,
            limits,
            most_per_second: A::Config::MOST_PER_SECOND,
            read: |section| A::Config::read(section).map(Configured::new::<A>),
            demo: |base_url, shop| Configured::new::<A>(A::Config::demo(base_url, shop)),
            demo_payment_path: A::Config::demo_payment_path,
        }
    }
}

/// One configured gateway: its section, ready to build the adapter.
#[derive(Clone)]
pub struct Configured {
    pub provider: ProviderId,
    section: Arc<dyn Erased>,
}

impl Configured {
    fn new<A: Adapter>(config: A::Config) -> Configured {
        Configured { provider: A::Config::PROVIDER, section: Arc::new(Typed::<A>(config)) }
    }

    /// One line for `till config`, secrets masked.
    pub fn summary(&self) -> String {
        self.section.summary()
    }

    /// A fingerprint of the gateway account: equal for two tills configured
    /// with the same account, different for different accounts, and never
    /// the secret itself. SHA-256 over a domain tag, the gateway, the base
    /// URL and the account's identity (each length-prefixed), as hex,
    /// truncated to 16 bytes (32 digits): a key that identifies an account
    /// cannot be recovered from it.
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let (base_url, identity) = self.section.account();
        let mut hash = Sha256::new();
        for part in ["till account fingerprint v1", self.provider.id(), base_url.trim_end_matches('/'), identity] {
            hash.update((part.len() as u64).to_be_bytes());
            hash.update(part.as_bytes());
        }
        hash.finalize().iter().take(16).map(|b| format!("{b:02x}")).collect()
    }

    /// The adapter, talking HTTP with these settings.
    pub fn build(&self, settings: HttpSettings, clock: SharedClock) -> Result<Arc<dyn Gateway>, GatewayError> {
        self.section.build(settings, clock)
    }

    /// The section as its gateway's own type (`XpayConfig`, …).
    pub fn get<C: ConfigSection>(&self) -> Option<&C> {
        self.section.as_any().downcast_ref()
    }
}

impl std::fmt::Debug for Configured {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.summary())
    }
}

/// A section with its type forgotten.
trait Erased: Send + Sync {
    fn summary(&self) -> String;
    fn account(&self) -> (&str, &str);
    fn build(&self, settings: HttpSettings, clock: SharedClock) -> Result<Arc<dyn Gateway>, GatewayError>;
    fn as_any(&self) -> &dyn Any;
}

struct Typed<A: Adapter>(A::Config);

impl<A: Adapter> Erased for Typed<A> {
    fn summary(&self) -> String {
        self.0.summary()
    }

    fn account(&self) -> (&str, &str) {
        self.0.account()
    }

    fn build(&self, settings: HttpSettings, clock: SharedClock) -> Result<Arc<dyn Gateway>, GatewayError> {
        Ok(Arc::new(A::build(self.0.clone(), settings, clock)?))
    }

    fn as_any(&self) -> &dyn Any {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    fn fingerprint(terminal: &str, username: &str) -> String {
        let text = format!(
            "[shop]\nname = \"Shop\"\ncurrency = \"USD\"\nterminal = \"{terminal}\"\n\n[providers.xpay]\nusername = \"{username}\"\nsecret_key = \"env:K\"\nmethods = [\"lightning\"]\n"
        );
        let c = crate::config::parse(&text, "till.toml", &|_| Some("the-secret-key".into())).unwrap();
        c.gateways[0].fingerprint()
    }

    #[test]
    fn two_tills_on_one_account_share_a_fingerprint_and_other_accounts_do_not() {
        let a = fingerprint("A", "shop@example.com");
        assert_eq!(a, fingerprint("B", "shop@example.com"), "the terminal is not part of the account");
        assert_ne!(a, fingerprint("A", "other@example.com"));
        assert_eq!(a.len(), 32, "16 bytes, in hex");
        assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(!a.contains("secret") && !a.contains("shop@"), "never the secret or the identity itself");
    }
}
