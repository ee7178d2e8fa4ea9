//! `[providers.bitsby]`: its keys, their defaults and checks, the demo
//! values, and the request limits kept at Bitsby.

use crate::core::method::{self, MethodId, ProviderId};
use crate::core::money::Currency;
use crate::core::schedule::{Limits, Rate};
use crate::gateway::descriptor::ConfigSection;
use crate::gateway::section::{ConfigError, Section, Shop};
use crate::gateway::verify::Networks;
use crate::secret::Secret;
use serde::Deserialize;
use std::time::Duration;

pub const DEFAULT_BASE_URL: &str = "https://api.bitsby.app";

/// Bitsby's limit: one request per second per key (bitsby.md § Errors and limits).
pub const DEFAULT_MIN_INTERVAL: Duration = Duration::from_secs(1);

/// `timeToPay` values Bitsby accepts, in hours.
pub const TIME_TO_PAY: &[&str] = &["0.5", "1", "3", "6", "12"];

/// The currencies Bitsby prices in.
pub const CURRENCIES: &[&str] = &["USD", "EUR", "RUB"];

/// The request limits kept at Bitsby: 1 request a second per key, every call
/// counting; `/invoices/list` pages (batch polling).
pub const LIMITS: Limits = Limits { gateway: Rate::per_second(1), per_invoice: None, batch: true };

/// `[providers.bitsby]`, resolved.
#[derive(Clone, Debug)]
pub struct BitsbyConfig {
    pub base_url: String,
    pub token: Secret,
    pub project_id: String,
    /// `timeToPay`, one of `TIME_TO_PAY`.
    pub time_to_pay_hours: String,
    pub methods: Vec<MethodId>,
    /// `[shop] terminal`, carried in `serviceData`.
    pub terminal: String,
    pub currency: Currency,
    /// Which Bitcoin networks addresses may be for.
    pub networks: Networks,
    /// The least time between two requests on this key: the HTTP client's
    /// pace keeps to it (and to the poll limits' spacing, whichever is longer).
    pub min_interval: Duration,
}

/// The section as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    base_url: Option<toml::Spanned<String>>,
    token: toml::Spanned<String>,
    project_id: toml::Spanned<String>,
    time_to_pay_hours: Option<toml::Spanned<toml::Value>>,
    methods: Option<toml::Spanned<Vec<String>>>,
    /// Milliseconds between two requests on the key (default 1000).
    min_interval_ms: Option<toml::Spanned<u64>>,
}

impl ConfigSection for BitsbyConfig {
    const PROVIDER: ProviderId = ProviderId::Bitsby;
    /// Bitsby allows 1 request per second per key.
    const MOST_PER_SECOND: u32 = 1;

    fn read(s: &Section<'_>) -> Result<BitsbyConfig, ConfigError> {
        let x: Raw = s.read()?;
        let (base, networks) = s.url_or(&x.base_url, DEFAULT_BASE_URL)?;
        s.currency_in(x.token.span(), Self::PROVIDER, CURRENCIES)?;
        let project_id = s.required(&x.project_id, "project_id", "the Bitsby project id (a UUID)")?;
        if uuid::Uuid::parse_str(&project_id).is_err() {
            return Err(s.invalid(x.project_id.span(), "project_id", "not a UUID"));
        }
        let time_to_pay_hours = match &x.time_to_pay_hours {
            None => "1".to_string(),
            Some(v) => {
                let text = match v.get_ref() {
                    toml::Value::Integer(i) => i.to_string(),
                    toml::Value::Float(f) if *f == 0.5 => "0.5".to_string(),
                    toml::Value::String(s) => s.clone(),
                    _ => String::new(),
                };
                if !TIME_TO_PAY.contains(&text.as_str()) {
                    return Err(s.invalid(v.span(), "time_to_pay_hours", "one of 0.5, 1, 3, 6, 12"));
                }
                text
            }
        };
        let min_interval = match &x.min_interval_ms {
            None => DEFAULT_MIN_INTERVAL,
            Some(ms) if *ms.get_ref() >= 1000 || networks == Networks::AlsoTest => Duration::from_millis(*ms.get_ref()),
            Some(ms) => {
                return Err(s.invalid(
                    ms.span(),
                    "min_interval_ms",
                    "at least 1000: Bitsby allows 1 request per second per key",
                ));
            }
        };
        Ok(BitsbyConfig {
            base_url: base,
            token: s.secret(&x.token, "token")?,
            project_id,
            time_to_pay_hours,
            methods: s.methods(&x.methods, Self::PROVIDER, &[MethodId::UsdtTron])?,
            terminal: s.shop.terminal.clone(),
            currency: s.shop.currency.clone(),
            networks,
            min_interval,
        })
    }

    fn demo(base_url: &str, shop: &Shop) -> BitsbyConfig {
        BitsbyConfig {
            base_url: base_url.to_string(),
            token: Secret::new(till_sandbox::DEMO_BITSBY_TOKEN),
            project_id: till_sandbox::DEMO_BITSBY_PROJECT_ID.into(),
            time_to_pay_hours: "1".into(),
            methods: Self::PROVIDER.supported().to_vec(),
            terminal: shop.terminal.clone(),
            currency: shop.currency.clone(),
            networks: Networks::AlsoTest,
            min_interval: DEFAULT_MIN_INTERVAL,
        }
    }

    fn summary(&self) -> String {
        format!(
            "bitsby: {} · token {} · project {} · {} h to pay · {} ms between requests · methods {}",
            self.base_url,
            self.token.masked(),
            self.project_id,
            self.time_to_pay_hours,
            self.min_interval.as_millis(),
            method::list(&self.methods)
        )
    }

    /// The account: the base URL and the project id: one Bitsby account project per id.
    fn account(&self) -> (&str, &str) {
        (&self.base_url, &self.project_id)
    }
}
