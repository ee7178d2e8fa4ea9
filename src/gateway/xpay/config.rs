//! `[providers.xpay]`: its keys, their defaults and checks, the demo values,
//! and the request limits kept at xPay.

use crate::core::invoice::Reference;
use crate::core::method::{MethodId, ProviderId};
use crate::core::money::Currency;
use crate::core::schedule::{Limits, Rate};
use crate::gateway::descriptor::ConfigSection;
use crate::gateway::section::{ConfigError, Section, Shop};
use crate::gateway::verify::Networks;
use crate::secret::Secret;
use jiff::SignedDuration;
use serde::Deserialize;

/// The public endpoint.
pub const DEFAULT_BASE_URL: &str = "https://apis.xpay.stream";

/// The request limits kept at xPay: no limit is documented, so 5 a second;
/// `bills/find` lists the terminal's bills (batch polling).
pub const LIMITS: Limits = Limits { gateway: Rate::per_second(5), per_invoice: None, batch: true };

/// `[providers.xpay]`, resolved.
#[derive(Clone, Debug)]
pub struct XpayConfig {
    pub base_url: String,
    pub username: String,
    pub secret_key: Secret,
    pub expire_minutes: u32,
    pub methods: Vec<MethodId>,
    pub relogin_margin: SignedDuration,
    /// `[shop] terminal`: goes into each bill's `tag`.
    pub terminal: String,
    pub currency: Currency,
    /// Which Lightning networks the invoices may be for.
    pub networks: Networks,
}

/// The section as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    base_url: Option<toml::Spanned<String>>,
    username: toml::Spanned<String>,
    secret_key: toml::Spanned<String>,
    expire_minutes: Option<toml::Spanned<u32>>,
    methods: Option<toml::Spanned<Vec<String>>>,
    relogin_margin_secs: Option<u32>,
}

impl ConfigSection for XpayConfig {
    const PROVIDER: ProviderId = ProviderId::Xpay;

    fn read(s: &Section<'_>) -> Result<XpayConfig, ConfigError> {
        let x: Raw = s.read()?;
        let (base, networks) = s.url_or(&x.base_url, DEFAULT_BASE_URL)?;
        if s.shop.currency.code() != "USD" {
            return Err(s.invalid(
                x.username.span(),
                "providers.xpay",
                "xPay bills are in US dollars: set [shop] currency = \"USD\"",
            ));
        }
        let methods = s.methods(&x.methods, Self::PROVIDER, &[MethodId::Lightning, MethodId::UsdtTron])?;
        let expire_minutes = match &x.expire_minutes {
            None => 30,
            Some(m) if (1..=1440).contains(m.get_ref()) => *m.get_ref(),
            Some(m) => return Err(s.invalid(m.span(), "expire_minutes", "from 1 to 1440")),
        };
        if x.username.get_ref().trim().is_empty() {
            return Err(s.invalid(x.username.span(), "username", "the xPay account e-mail is needed"));
        }
        Ok(XpayConfig {
            base_url: base,
            username: x.username.get_ref().clone(),
            secret_key: s.secret(&x.secret_key, "secret_key")?,
            expire_minutes,
            methods,
            relogin_margin: SignedDuration::from_secs(i64::from(x.relogin_margin_secs.unwrap_or(300))),
            terminal: s.shop.terminal.clone(),
            currency: s.shop.currency.clone(),
            networks,
        })
    }

    fn demo(base_url: &str, shop: &Shop) -> XpayConfig {
        XpayConfig {
            base_url: base_url.to_string(),
            username: till_sandbox::DEMO_XPAY_USERNAME.into(),
            secret_key: Secret::new(till_sandbox::DEMO_XPAY_SECRET_KEY),
            expire_minutes: 15,
            methods: vec![MethodId::Lightning, MethodId::UsdtTron],
            relogin_margin: SignedDuration::from_secs(300),
            terminal: shop.terminal.clone(),
            currency: shop.currency.clone(),
            networks: Networks::AlsoTest,
        }
    }

    /// The sandbox pays xPay bills at their own path.
    fn demo_payment_path(reference: &Reference) -> String {
        format!("/_sandbox/xpay/bills/{reference}/pay")
    }

    fn summary(&self) -> String {
        format!(
            "xpay: {} · user {} · secret key {} · bills {} min · methods {}",
            self.base_url,
            self.username,
            self.secret_key.masked(),
            self.expire_minutes,
            crate::core::method::list(&self.methods)
        )
    }

    /// The account: the base URL and the xPay username: one merchant account per username.
    fn account(&self) -> (&str, &str) {
        (&self.base_url, &self.username)
    }
}
