//! `[providers.xaigate]`: its keys, their defaults and checks, the demo
//! values, and the request limits kept at XaiGate.

use crate::core::method::ProviderId;
use crate::core::money::Currency;
use crate::core::schedule::Limits;
use crate::gateway::descriptor::ConfigSection;
use crate::gateway::section::{ConfigError, Section, Shop};
use crate::secret::Secret;
use serde::Deserialize;

pub const DEFAULT_BASE_URL: &str = "https://wallet-api.xaigate.com";

/// The currencies XaiGate prices in.
pub const CURRENCIES: &[&str] = &["USD", "EUR"];

/// The request limits kept at XaiGate: none documented, so 5 a second.
pub const LIMITS: Limits = Limits::UNDOCUMENTED;

/// `[providers.xaigate]`, resolved.
#[derive(Clone, Debug)]
pub struct XaigateConfig {
    pub base_url: String,
    pub api_key: Secret,
    pub email: String,
    /// `[shop] name`: `shopName`.
    pub shop_name: String,
    pub currency: Currency,
}

/// The section as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    base_url: Option<toml::Spanned<String>>,
    api_key: toml::Spanned<String>,
    email: toml::Spanned<String>,
}

impl ConfigSection for XaigateConfig {
    const PROVIDER: ProviderId = ProviderId::Xaigate;

    fn read(s: &Section<'_>) -> Result<XaigateConfig, ConfigError> {
        let x: Raw = s.read()?;
        let (base, _) = s.url_or(&x.base_url, DEFAULT_BASE_URL)?;
        s.currency_in(x.api_key.span(), Self::PROVIDER, CURRENCIES)?;
        let email = s.required(&x.email, "email", "the shop's e-mail address")?;
        if !email.contains('@') {
            return Err(s.invalid(x.email.span(), "email", "not an e-mail address"));
        }
        Ok(XaigateConfig {
            base_url: base,
            api_key: s.secret(&x.api_key, "api_key")?,
            email,
            shop_name: s.shop.name.clone(),
            currency: s.shop.currency.clone(),
        })
    }

    fn demo(base_url: &str, shop: &Shop) -> XaigateConfig {
        XaigateConfig {
            base_url: base_url.to_string(),
            api_key: Secret::new(till_sandbox::DEMO_XAIGATE_API_KEY),
            email: "demo@till.sandbox".into(),
            shop_name: shop.name.clone(),
            currency: shop.currency.clone(),
        }
    }

    fn summary(&self) -> String {
        format!(
            "xaigate: {} · api key {} · e-mail {} · methods checkout",
            self.base_url,
            self.api_key.masked(),
            self.email
        )
    }

    /// The account: the base URL and the API key (the email is only a contact; the key names the wallet account).
    fn account(&self) -> (&str, &str) {
        (&self.base_url, self.api_key.expose())
    }
}
