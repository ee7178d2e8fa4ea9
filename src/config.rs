//! The config file (TOML): where it is, `[shop]` and `[poll]`, and the
//! dispatch of each `[providers.NAME]` section to its gateway's module
//! (`gateway::catalog`). Refusals name the file, the line and the key.

use crate::core::money::Currency;
use crate::core::schedule::{Limits, PollPolicy, Rate};
use crate::gateway::catalog::GATEWAYS;
use crate::gateway::descriptor::{ConfigSection, Configured, Descriptor};
pub use crate::gateway::section::{ConfigError, Shop, base_url};
use crate::gateway::section::{Doc, Section};
use jiff::SignedDuration;
use rust_decimal::Decimal;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Where the config came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    File(PathBuf),
    /// No config file: demo mode on the embedded sandbox.
    Demo,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub source: Source,
    pub shop: Shop,
    pub poll: PollPolicy,
    /// The configured gateways, in the catalog's order.
    pub gateways: Vec<Configured>,
    /// Things the owner should fix, though the till can run.
    pub warnings: Vec<String>,
    /// `[display]`: how the terminal draws (the QR's mode).
    pub display: display::Display,
    /// `[sale]`: the tip presets.
    pub sale: sale::SaleSetting,
    /// `[tax]`: the rates, and whether prices include them.
    pub tax: crate::core::tax::TaxSetting,
    /// `[printer]`: the receipt printer, if any.
    pub printer: Option<printer::PrinterConfig>,
    /// `[store]` (or `TILL_DATABASE_URL`): the shared PostgreSQL store;
    /// `None`, the SQLite journal in the data directory.
    pub store: Option<store::StoreConfig>,
}

// ---- the file as written ([providers] is read by each gateway)

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    shop: toml::Spanned<RawShop>,
    #[serde(default)]
    poll: Option<RawPoll>,
    #[serde(default)]
    display: Option<display::RawDisplay>,
    #[serde(default)]
    sale: Option<sale::RawSale>,
    #[serde(default)]
    tax: Option<tax::RawTax>,
    #[serde(default)]
    printer: Option<printer::RawPrinter>,
    #[serde(default)]
    store: Option<store::RawStore>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawShop {
    name: toml::Spanned<String>,
    currency: toml::Spanned<String>,
    terminal: toml::Spanned<String>,
    /// A decimal string ("99.50") or a whole number (10000).
    max_amount: Option<toml::Spanned<toml::Value>>,
    timezone: Option<toml::Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPoll {
    interval_secs: Option<toml::Spanned<u32>>,
    expiry_grace_secs: Option<u32>,
    late_window_hours: Option<toml::Spanned<u32>>,
    /// `[poll.limits.<gateway>]`: request limits other than the defaults.
    limits: Option<std::collections::BTreeMap<String, toml::Spanned<RawLimits>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    requests_per_second: Option<toml::Spanned<u32>>,
    polls_per_minute_per_invoice: Option<toml::Spanned<u32>>,
}

// ---- locating the file

/// The config path: `--config`, else `$TILL_CONFIG`, else the platform config dir.
/// The flag says whether the path was asked for (then it must exist).
pub fn locate(flag: Option<&Path>) -> Option<(PathBuf, bool)> {
    if let Some(p) = flag {
        return Some((p.to_path_buf(), true));
    }
    if let Some(p) = std::env::var_os("TILL_CONFIG").filter(|p| !p.is_empty()) {
        return Some((PathBuf::from(p), true));
    }
    directories::ProjectDirs::from("", "", "till").map(|d| (d.config_dir().join("config.toml"), false))
}

/// Loads the config the flags point at; demo mode when no file exists at the
/// default place.
pub fn load(flag: Option<&Path>) -> Result<Config, ConfigError> {
    load_with(flag, &|name| std::env::var(name).ok(), true)
}

/// The config for a face that never talks to a gateway (`till display`):
/// `env:NAME` secrets are not read, so the customer's screen starts in a
/// terminal whose environment holds none of the till's secrets. What it
/// gets in their place is never sent anywhere.
pub fn load_without_secrets(flag: Option<&Path>) -> Result<Config, ConfigError> {
    load_with(flag, &|_| Some("(not read: this face talks to no gateway)".to_string()), true)
}

/// The config for the operator's board (`till board`): no secret read, as
/// [`load_without_secrets`], and no gateway needed: `[shop]` and `[store]`
/// are enough on a back-office machine.
pub fn load_for_board(flag: Option<&Path>) -> Result<Config, ConfigError> {
    load_with(flag, &|_| Some("(not read: this face talks to no gateway)".to_string()), false)
}

fn load_with(flag: Option<&Path>, env: &dyn Fn(&str) -> Option<String>, gateways: bool) -> Result<Config, ConfigError> {
    match locate(flag) {
        Some((path, required)) => {
            if !required && !path.exists() {
                return Ok(Config::demo(None));
            }
            load_file_with(&path, env, gateways)
        }
        None => Ok(Config::demo(None)),
    }
}

pub fn load_file(path: &Path) -> Result<Config, ConfigError> {
    load_file_with(path, &|name| std::env::var(name).ok(), true)
}

fn load_file_with(path: &Path, env: &dyn Fn(&str) -> Option<String>, gateways: bool) -> Result<Config, ConfigError> {
    let shown = path.display().to_string();
    let text =
        std::fs::read_to_string(path).map_err(|e| ConfigError::Read { path: shown.clone(), detail: e.to_string() })?;
    let mut config = parse_with(&text, &shown, env, gateways)?;
    config.store = store::StoreConfig::from_env(config.store.take())
        .map_err(|message| ConfigError::File { path: shown.clone(), message })?;
    config.source = Source::File(path.to_path_buf());
    if holds_literal_secret(&text) && readable_by_others(path) {
        config.warnings.push(format!(
            "{shown} can be read by other users and holds a literal secret: run `chmod 600 {shown}` or use env:NAME"
        ));
    }
    Ok(config)
}

#[cfg(unix)]
fn readable_by_others(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o044 != 0)
}

#[cfg(not(unix))]
fn readable_by_others(_: &Path) -> bool {
    false
}

fn holds_literal_secret(text: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim();
        let Some((key, value)) = l.split_once('=') else {
            return false;
        };
        let key = key.trim();
        let value = value.trim().trim_matches('"');
        SECRET_KEYS.contains(&key) && !value.starts_with("env:")
    })
}

/// The keys that hold secrets.
const SECRET_KEYS: &[&str] = &["secret_key", "api_key", "hmac_key", "token"];

// ---- parsing and validation

/// Parses config text. `env` resolves `env:NAME` secrets.
pub fn parse(text: &str, path: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
    parse_with(text, path, env, true)
}

/// [`parse`]; `need_gateway` false accepts a config without any gateway.
fn parse_with(
    text: &str,
    path: &str,
    env: &dyn Fn(&str) -> Option<String>,
    need_gateway: bool,
) -> Result<Config, ConfigError> {
    let doc = Doc { path, text };
    let mut table = toml::de::DeTable::parse(text).map_err(|e| doc.toml_error(&e))?;
    let providers = table.get_mut().remove("providers");
    let raw = RawConfig::deserialize(toml::de::Deserializer::from(table)).map_err(|e| doc.toml_error(&e))?;
    let shop_span = raw.shop.span();
    let shop = shop(&doc, raw.shop.into_inner())?;
    let poll = match raw.poll {
        Some(p) => poll(&doc, p)?,
        None => PollPolicy::default(),
    };
    let display = display::read(&doc, raw.display)?;
    let (sale, tax) = (sale::read(&doc, raw.sale)?, tax::read(&doc, raw.tax)?);
    let printer = printer::read(&doc, raw.printer)?;
    let store = store::read(&doc, raw.store)?;
    let gateways = providers.map(|p| gateways(&doc, &shop, env, p)).transpose()?.unwrap_or_default();
    if gateways.is_empty() && need_gateway {
        return Err(doc.invalid(
            shop_span,
            "providers",
            format!("no gateway is configured: add a [providers.NAME] section ({})", names(" or ")),
        ));
    }
    Ok(Config { source: Source::Demo, shop, poll, gateways, warnings: Vec::new(), display, sale, tax, printer, store })
}

/// The gateways' names, for messages: `xpay, xpays, … or bitsby`.
fn names(last: &str) -> String {
    let ids: Vec<&str> = GATEWAYS.iter().map(|g| g.provider.id()).collect();
    match ids.split_last() {
        Some((tail, rest)) if !rest.is_empty() => format!("{}{last}{tail}", rest.join(", ")),
        _ => ids.join(""),
    }
}

/// `[shop]`.
fn shop(doc: &Doc<'_>, shop: RawShop) -> Result<Shop, ConfigError> {
    let currency = Currency::from_code(shop.currency.get_ref())
        .ok_or_else(|| doc.invalid(shop.currency.span(), "currency", "not an ISO 4217 code such as \"USD\""))?;
    if shop.name.get_ref().trim().is_empty() {
        return Err(doc.invalid(shop.name.span(), "name", "the shop needs a name"));
    }
    let terminal = shop.terminal.get_ref().clone();
    if terminal.is_empty()
        || terminal.len() > 16
        || !terminal.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(doc.invalid(shop.terminal.span(), "terminal", "1 to 16 letters, digits, - or _"));
    }
    let max_amount = match &shop.max_amount {
        None => Decimal::from(10_000),
        Some(s) => {
            let amount = match s.get_ref() {
                toml::Value::String(t) => Decimal::from_str(t.trim()).ok(),
                toml::Value::Integer(n) => Some(Decimal::from(*n)),
                _ => None,
            };
            amount.filter(|d| *d > Decimal::ZERO).ok_or_else(|| {
                let why = "expected a positive amount, e.g. max_amount = 10000, or in quotes when it has decimals, e.g. max_amount = \"99.50\"";
                doc.invalid(s.span(), "max_amount", why)
            })?
        }
    };
    if let Some(tz) = &shop.timezone
        && jiff::tz::TimeZone::get(tz.get_ref()).is_err()
    {
        return Err(doc.invalid(tz.span(), "timezone", "not an IANA time zone such as \"Europe/Berlin\""));
    }
    Ok(Shop {
        name: shop.name.into_inner(),
        currency,
        terminal,
        max_amount,
        timezone: shop.timezone.map(toml::Spanned::into_inner),
    })
}

/// The longest `late_window_hours`: 30 days.
pub const MAX_LATE_WINDOW_HOURS: u32 = 720;

/// `[poll]`, over the defaults.
fn poll(doc: &Doc<'_>, p: RawPoll) -> Result<PollPolicy, ConfigError> {
    let mut poll = PollPolicy::default();
    if let Some(i) = p.interval_secs {
        if *i.get_ref() == 0 {
            return Err(doc.invalid(i.span(), "interval_secs", "must be at least 1"));
        }
        poll.interval = SignedDuration::from_secs(i64::from(*i.get_ref()));
    }
    if let Some(g) = p.expiry_grace_secs {
        poll.expiry_grace = SignedDuration::from_secs(i64::from(g));
    }
    if let Some(h) = p.late_window_hours {
        if !(1..=MAX_LATE_WINDOW_HOURS).contains(h.get_ref()) {
            let why =
                format!("from 1 to {MAX_LATE_WINDOW_HOURS} (an expired sale is watched that long for a late payment)");
            return Err(doc.invalid(h.span(), "late_window_hours", why));
        }
        poll.late_window = SignedDuration::from_hours(i64::from(*h.get_ref()));
    }
    for (name, raw) in p.limits.unwrap_or_default() {
        let span = raw.span();
        let Some(gateway) = GATEWAYS.iter().find(|g| g.provider.id() == name) else {
            let message = format!("not a gateway ({})", names(", "));
            return Err(doc.invalid(span, &format!("limits.{name}"), message));
        };
        let limits = limits(doc, poll.limits(gateway.provider), gateway, raw.into_inner())?;
        poll.limits.insert(gateway.provider, limits);
    }
    Ok(poll)
}

/// One gateway's `[poll.limits.NAME]`, over its defaults.
fn limits(doc: &Doc<'_>, defaults: Limits, gateway: &Descriptor, raw: RawLimits) -> Result<Limits, ConfigError> {
    let mut limits = defaults;
    let provider = gateway.provider;
    let key = |k: &str| format!("limits.{}.{k}", provider.id());
    if let Some(n) = raw.requests_per_second {
        let most = gateway.most_per_second;
        if !(1..=most).contains(n.get_ref()) {
            let why = if most == 1 {
                format!("{} allows 1 request per second per key", provider.name())
            } else {
                format!("from 1 to {most}")
            };
            return Err(doc.invalid(n.span(), &key("requests_per_second"), why));
        }
        limits.gateway = Rate::per_second(*n.get_ref());
    }
    if let Some(n) = raw.polls_per_minute_per_invoice {
        if *n.get_ref() == 0 {
            return Err(doc.invalid(n.span(), &key("polls_per_minute_per_invoice"), "must be at least 1"));
        }
        limits.per_invoice = Some(Rate::per_minute(*n.get_ref()));
    }
    Ok(limits)
}

/// `[providers]`: each section read by its gateway, in the catalog's order.
fn gateways<'a>(
    doc: &'a Doc<'a>,
    shop: &'a Shop,
    env: &'a dyn Fn(&str) -> Option<String>,
    providers: toml::Spanned<toml::de::DeValue<'a>>,
) -> Result<Vec<Configured>, ConfigError> {
    let span = providers.span();
    let toml::de::DeValue::Table(mut sections) = providers.into_inner() else {
        return Err(doc.invalid(span, "providers", "a table of [providers.NAME] sections"));
    };
    let mut out = Vec::new();
    for gateway in GATEWAYS {
        if let Some(value) = sections.remove(gateway.provider.id()) {
            out.push((gateway.read)(&Section { doc, shop, env, value })?);
        }
    }
    if let Some((name, _)) = sections.into_iter().next() {
        let message = format!("not a gateway (the gateways are {})", names(", "));
        return Err(doc.invalid(name.span(), &format!("providers.{}", name.get_ref()), message));
    }
    Ok(out)
}

impl Config {
    /// Demo mode: the embedded sandbox at `base_url` (set once it runs).
    pub fn demo(base_url: Option<String>) -> Config {
        let currency = Currency::from_code("USD").unwrap_or_else(|| unreachable!("USD is a currency"));
        let shop = Shop {
            name: "Demo shop".into(),
            currency,
            terminal: "demo".into(),
            max_amount: Decimal::from(10_000),
            timezone: None,
        };
        let base = base_url.unwrap_or_default();
        let gateways = GATEWAYS.iter().map(|g| (g.demo)(&base, &shop)).collect();
        let (poll, warnings, display) = (PollPolicy::default(), Vec::new(), display::Display::default());
        let (sale, tax) = (sale::SaleSetting::default(), crate::core::tax::TaxSetting::default());
        Config { source: Source::Demo, shop, poll, gateways, warnings, display, sale, tax, printer: None, store: None }
    }

    /// The section of one gateway, as its own type (`XpayConfig`, …).
    pub fn gateway<C: ConfigSection>(&self) -> Option<&C> {
        self.gateways.iter().find_map(Configured::get)
    }

    /// The shop's time zone: `[shop] timezone`, else the system's.
    pub fn timezone(&self) -> jiff::tz::TimeZone {
        self.shop
            .timezone
            .as_deref()
            .and_then(|tz| jiff::tz::TimeZone::get(tz).ok())
            .unwrap_or_else(jiff::tz::TimeZone::system)
    }

    pub fn is_demo(&self) -> bool {
        self.source == Source::Demo
    }
}

pub mod display;
pub mod printer;
pub mod sale;
pub mod store;
pub mod tax;

#[cfg(test)]
mod tests;
