//! `[providers.xpays]`: its keys, their defaults and checks, the demo values,
//! and the request limits kept at xpays.life.

use crate::core::method::ProviderId;
use crate::core::money::Currency;
use crate::core::schedule::Limits;
use crate::core::status::Status;
use crate::gateway::descriptor::ConfigSection;
use crate::gateway::section::{ConfigError, Section, Shop};
use crate::secret::Secret;
use serde::Deserialize;

/// The request limits kept at xpays.life: none documented, so 5 a second.
pub const LIMITS: Limits = Limits::UNDOCUMENTED;

/// `[providers.xpays]`, resolved.
#[derive(Clone, Debug)]
pub struct XpaysConfig {
    pub base_url: String,
    pub api_key: Secret,
    pub secret_key: Secret,
    pub sign_template: String,
    pub chain: String,
    pub crypto: String,
    pub status_map: Vec<StatusRule>,
    pub currency: Currency,
}

/// The signed message unless the merchant's papers say otherwise (xpays.md § Authentication / signing).
pub const DEFAULT_SIGN_TEMPLATE: &str = "{timestamp}{body}";

/// The placeholders a `sign_template` may use.
const PLACEHOLDERS: &[&str] = &["timestamp", "body", "method", "path", "query", "api_key"];

/// One `status_map` row: `"<status>/<payment_status>"` (or `"<status>/*"`) → a state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusRule {
    pub status: String,
    /// `None` matches any `payment_status`.
    pub payment_status: Option<String>,
    pub state: Status,
}

impl StatusRule {
    /// Parses a `status_map` entry; the state may be any but `unknown`.
    pub fn parse(key: &str, state: &str) -> Result<StatusRule, String> {
        let (status, payment) =
            key.split_once('/').ok_or("keys are \"<status>/<payment_status>\", with * for any payment_status")?;
        let state = Status::from_name(state, "")
            .filter(|s| !matches!(s, Status::Unknown(_)))
            .ok_or_else(|| format!("\"{state}\" is not a state (pending, confirming, underpaid, paid, expired, expired_underpaid, canceled)"))?;
        Ok(StatusRule {
            status: status.to_string(),
            payment_status: (payment != "*").then(|| payment.to_string()),
            state,
        })
    }
}

/// Checks a `sign_template`: only known `{placeholders}`.
pub fn check_template(template: &str) -> Result<(), String> {
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = rest.get(open + 1..).unwrap_or("");
        let close = after.find('}').ok_or("a { without its }")?;
        let name = after.get(..close).unwrap_or("");
        if !PLACEHOLDERS.contains(&name) {
            return Err(format!("unknown placeholder {{{name}}} (known: {})", PLACEHOLDERS.join(", ")));
        }
        rest = after.get(close + 1..).unwrap_or("");
    }
    Ok(())
}

/// The section as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    base_url: toml::Spanned<String>,
    api_key: toml::Spanned<String>,
    secret_key: toml::Spanned<String>,
    sign_template: Option<toml::Spanned<String>>,
    chain: Option<String>,
    crypto: Option<String>,
    status_map: Option<toml::Spanned<std::collections::BTreeMap<String, String>>>,
}

impl ConfigSection for XpaysConfig {
    const PROVIDER: ProviderId = ProviderId::Xpays;

    fn read(s: &Section<'_>) -> Result<XpaysConfig, ConfigError> {
        let x: Raw = s.read()?;
        let (base, _) = s.url(&x.base_url)?;
        let sign_template = match &x.sign_template {
            None => DEFAULT_SIGN_TEMPLATE.to_string(),
            Some(t) => {
                check_template(t.get_ref()).map_err(|m| s.invalid(t.span(), "sign_template", m))?;
                t.get_ref().clone()
            }
        };
        let mut status_map = Vec::new();
        if let Some(m) = &x.status_map {
            for (key, state) in m.get_ref() {
                status_map.push(
                    StatusRule::parse(key, state)
                        .map_err(|e| s.invalid(m.span(), "status_map", format!("\"{key}\": {e}")))?,
                );
            }
        }
        Ok(XpaysConfig {
            base_url: base,
            api_key: s.secret(&x.api_key, "api_key")?,
            secret_key: s.secret(&x.secret_key, "secret_key")?,
            sign_template,
            chain: x.chain.unwrap_or_else(|| "tron".into()),
            crypto: x.crypto.unwrap_or_else(|| "USDT".into()),
            status_map,
            currency: s.shop.currency.clone(),
        })
    }

    fn demo(base_url: &str, shop: &Shop) -> XpaysConfig {
        XpaysConfig {
            base_url: base_url.to_string(),
            api_key: Secret::new(till_sandbox::DEMO_XPAYS_API_KEY),
            secret_key: Secret::new(till_sandbox::DEMO_XPAYS_SECRET_KEY),
            sign_template: DEFAULT_SIGN_TEMPLATE.into(),
            chain: "tron".into(),
            crypto: "USDT".into(),
            status_map: Vec::new(),
            currency: shop.currency.clone(),
        }
    }

    fn summary(&self) -> String {
        format!(
            "xpays: {} · api key {} · secret key {} · signs {} · {} on {} · {} · methods usdt-tron",
            self.base_url,
            self.api_key.masked(),
            self.secret_key.masked(),
            self.sign_template,
            self.crypto,
            self.chain,
            crate::core::words::count(self.status_map.len(), "status_map row", "status_map rows")
        )
    }

    /// The account: the base URL and the API key: xpays.life names an account by nothing else.
    fn account(&self) -> (&str, &str) {
        (&self.base_url, self.api_key.expose())
    }
}
