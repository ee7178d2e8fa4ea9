//! The config file (TOML): where it is, what it holds, and refusals that name
//! the file, the line and the key.

use crate::core::method::MethodId;
use crate::core::method::ProviderId;
use crate::core::money::Currency;
use crate::core::schedule::{Limits, PollPolicy, Rate};
use crate::gateway::bitsby::{self, BitsbyConfig};
use crate::gateway::verify::Networks;
use crate::gateway::xaigate::{self, XaigateConfig};
use crate::gateway::xcash::{self, XcashConfig};
use crate::gateway::xpay::{self, XpayConfig};
use crate::gateway::xpays::{self, StatusRule, XpaysConfig};
use crate::secret::Secret;
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
pub struct Shop {
    pub name: String,
    pub currency: Currency,
    pub terminal: String,
    pub max_amount: Decimal,
    pub timezone: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub source: Source,
    pub shop: Shop,
    pub poll: PollPolicy,
    pub xpay: Option<XpayConfig>,
    pub xpays: Option<XpaysConfig>,
    pub xcash: Option<XcashConfig>,
    pub xaigate: Option<XaigateConfig>,
    pub bitsby: Option<BitsbyConfig>,
    /// Things the owner should fix, though the till can run.
    pub warnings: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read the config file: {detail}")]
    Read { path: String, detail: String },
    #[error("{path}:{line}: {key}: {message}")]
    Invalid { path: String, line: usize, key: String, message: String },
    #[error("{path}: {message}")]
    File { path: String, message: String },
}

// ---- the file as written

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    shop: toml::Spanned<RawShop>,
    #[serde(default)]
    poll: Option<RawPoll>,
    #[serde(default)]
    providers: Option<RawProviders>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawShop {
    name: toml::Spanned<String>,
    currency: toml::Spanned<String>,
    terminal: toml::Spanned<String>,
    max_amount: Option<toml::Spanned<String>>,
    timezone: Option<toml::Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPoll {
    interval_secs: Option<toml::Spanned<u32>>,
    expiry_grace_secs: Option<u32>,
    late_window_hours: Option<u32>,
    /// `[poll.limits.<gateway>]`: request limits other than the defaults.
    limits: Option<std::collections::BTreeMap<String, toml::Spanned<RawLimits>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    requests_per_second: Option<toml::Spanned<u32>>,
    polls_per_minute_per_invoice: Option<toml::Spanned<u32>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProviders {
    xpay: Option<RawXpay>,
    xpays: Option<RawXpays>,
    xcash: Option<RawXcash>,
    xaigate: Option<RawXaigate>,
    bitsby: Option<RawBitsby>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawXpays {
    base_url: toml::Spanned<String>,
    api_key: toml::Spanned<String>,
    secret_key: toml::Spanned<String>,
    sign_template: Option<toml::Spanned<String>>,
    chain: Option<String>,
    crypto: Option<String>,
    status_map: Option<toml::Spanned<std::collections::BTreeMap<String, String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawXcash {
    base_url: Option<toml::Spanned<String>>,
    appid: toml::Spanned<String>,
    hmac_key: toml::Spanned<String>,
    duration_minutes: Option<toml::Spanned<u32>>,
    methods: Option<toml::Spanned<Vec<String>>>,
    chain_code: Option<toml::Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawXaigate {
    base_url: Option<toml::Spanned<String>>,
    api_key: toml::Spanned<String>,
    email: toml::Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBitsby {
    base_url: Option<toml::Spanned<String>>,
    token: toml::Spanned<String>,
    project_id: toml::Spanned<String>,
    time_to_pay_hours: Option<toml::Spanned<toml::Value>>,
    methods: Option<toml::Spanned<Vec<String>>>,
    /// Milliseconds between two requests on the key (default 1000).
    min_interval_ms: Option<toml::Spanned<u64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawXpay {
    base_url: Option<toml::Spanned<String>>,
    username: toml::Spanned<String>,
    secret_key: toml::Spanned<String>,
    expire_minutes: Option<toml::Spanned<u32>>,
    methods: Option<toml::Spanned<Vec<String>>>,
    relogin_margin_secs: Option<u32>,
}

/// One gateway's `[poll.limits.NAME]`, over its defaults.
fn limits(cx: &Ctx, defaults: Limits, provider: ProviderId, raw: RawLimits) -> Result<Limits, ConfigError> {
    let mut limits = defaults;
    let key = |k: &str| format!("limits.{}.{k}", provider.id());
    if let Some(n) = raw.requests_per_second {
        let most = if provider == ProviderId::Bitsby { 1 } else { 100 };
        if !(1..=most).contains(n.get_ref()) {
            let why = if most == 1 {
                "Bitsby allows 1 request per second per key".to_string()
            } else {
                format!("from 1 to {most}")
            };
            return Err(cx.invalid(n.span(), &key("requests_per_second"), why));
        }
        limits.gateway = Rate::per_second(*n.get_ref());
    }
    if let Some(n) = raw.polls_per_minute_per_invoice {
        if *n.get_ref() == 0 {
            return Err(cx.invalid(n.span(), &key("polls_per_minute_per_invoice"), "must be at least 1"));
        }
        limits.per_invoice = Some(Rate::per_minute(*n.get_ref()));
    }
    Ok(limits)
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
    match locate(flag) {
        Some((path, required)) => {
            if !required && !path.exists() {
                return Ok(Config::demo(None));
            }
            load_file(&path)
        }
        None => Ok(Config::demo(None)),
    }
}

pub fn load_file(path: &Path) -> Result<Config, ConfigError> {
    let shown = path.display().to_string();
    let text =
        std::fs::read_to_string(path).map_err(|e| ConfigError::Read { path: shown.clone(), detail: e.to_string() })?;
    let mut config = parse(&text, &shown, &|name| std::env::var(name).ok())?;
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

struct Ctx<'a> {
    path: &'a str,
    text: &'a str,
}

impl Ctx<'_> {
    fn line_of(&self, offset: usize) -> usize {
        self.text.get(..offset).map_or(1, |t| t.matches('\n').count() + 1)
    }

    fn invalid(&self, span: std::ops::Range<usize>, key: &str, message: impl Into<String>) -> ConfigError {
        ConfigError::Invalid {
            path: self.path.into(),
            line: self.line_of(span.start),
            key: key.into(),
            message: message.into(),
        }
    }

    /// A toml/serde error, with the key read off the line it points at.
    fn toml_error(&self, e: &toml::de::Error) -> ConfigError {
        let Some(span) = e.span() else {
            return ConfigError::File { path: self.path.into(), message: e.message().to_string() };
        };
        let line = self.line_of(span.start);
        let line_text = self.text.lines().nth(line - 1).unwrap_or("");
        let key = match line_text.split_once('=') {
            Some((k, _)) => k.trim().to_string(),
            None => line_text.trim().to_string(),
        };
        ConfigError::Invalid { path: self.path.into(), line, key, message: e.message().to_string() }
    }
}

/// Parses config text. `env` resolves `env:NAME` secrets.
pub fn parse(text: &str, path: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
    let cx = Ctx { path, text };
    let raw: RawConfig = toml::from_str(text).map_err(|e| cx.toml_error(&e))?;
    let shop_span = raw.shop.span();
    let shop = raw.shop.into_inner();

    let currency = Currency::from_code(shop.currency.get_ref())
        .ok_or_else(|| cx.invalid(shop.currency.span(), "currency", "not an ISO 4217 code such as \"USD\""))?;
    if shop.name.get_ref().trim().is_empty() {
        return Err(cx.invalid(shop.name.span(), "name", "the shop needs a name"));
    }
    let terminal = shop.terminal.get_ref().clone();
    if terminal.is_empty()
        || terminal.len() > 16
        || !terminal.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(cx.invalid(shop.terminal.span(), "terminal", "1 to 16 letters, digits, - or _"));
    }
    let max_amount = match &shop.max_amount {
        None => Decimal::from(10_000),
        Some(s) => Decimal::from_str(s.get_ref())
            .ok()
            .filter(|d| *d > Decimal::ZERO)
            .ok_or_else(|| cx.invalid(s.span(), "max_amount", "a positive amount as a string, e.g. \"10000\""))?,
    };
    if let Some(tz) = &shop.timezone
        && jiff::tz::TimeZone::get(tz.get_ref()).is_err()
    {
        return Err(cx.invalid(tz.span(), "timezone", "not an IANA time zone such as \"Europe/Berlin\""));
    }
    let shop = Shop {
        name: shop.name.into_inner(),
        currency,
        terminal,
        max_amount,
        timezone: shop.timezone.map(toml::Spanned::into_inner),
    };

    let mut poll = PollPolicy::default();
    if let Some(p) = raw.poll {
        if let Some(i) = p.interval_secs {
            if *i.get_ref() == 0 {
                return Err(cx.invalid(i.span(), "interval_secs", "must be at least 1"));
            }
            poll.interval = SignedDuration::from_secs(i64::from(*i.get_ref()));
        }
        if let Some(g) = p.expiry_grace_secs {
            poll.expiry_grace = SignedDuration::from_secs(i64::from(g));
        }
        if let Some(h) = p.late_window_hours {
            poll.late_window = SignedDuration::from_hours(i64::from(h));
        }
        for (name, raw) in p.limits.unwrap_or_default() {
            let span = raw.span();
            let Some(provider) = ProviderId::parse(&name) else {
                return Err(cx.invalid(
                    span,
                    &format!("limits.{name}"),
                    "not a gateway (xpay, xpays, xcash, xaigate, bitsby)",
                ));
            };
            poll.limits.insert(provider, limits(&cx, poll.limits(provider), provider, raw.into_inner())?);
        }
    }

    let providers =
        raw.providers.unwrap_or(RawProviders { xpay: None, xpays: None, xcash: None, xaigate: None, bitsby: None });
    let xpay = providers.xpay.map(|x| xpay_config(&cx, x, &shop, env)).transpose()?;
    let xpays = providers.xpays.map(|x| xpays_config(&cx, x, &shop, env)).transpose()?;
    let xcash = providers.xcash.map(|x| xcash_config(&cx, x, &shop, env)).transpose()?;
    let xaigate = providers.xaigate.map(|x| xaigate_config(&cx, x, &shop, env)).transpose()?;
    let bitsby = providers.bitsby.map(|x| bitsby_config(&cx, x, &shop, env)).transpose()?;
    if xpay.is_none() && xpays.is_none() && xcash.is_none() && xaigate.is_none() && bitsby.is_none() {
        return Err(cx.invalid(
            shop_span,
            "providers",
            "no gateway is configured: add a [providers.NAME] section (xpay, xpays, xcash, xaigate or bitsby)",
        ));
    }
    Ok(Config { source: Source::Demo, shop, poll, xpay, xpays, xcash, xaigate, bitsby, warnings: Vec::new() })
}

fn secret(
    cx: &Ctx<'_>,
    v: &toml::Spanned<String>,
    key: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Secret, ConfigError> {
    let s = v.get_ref();
    match s.strip_prefix("env:") {
        Some(name) => env(name)
            .filter(|v| !v.is_empty())
            .map(Secret::new)
            .ok_or_else(|| cx.invalid(v.span(), key, format!("the environment variable {name} is not set"))),
        None if s.is_empty() => Err(cx.invalid(v.span(), key, "empty")),
        None => Ok(Secret::new(s.clone())),
    }
}

/// A gateway base URL: https, or http to loopback only. Loopback means the
/// sandbox, whose Lightning invoices are on test networks.
pub fn base_url(url: &str) -> Result<(String, Networks), String> {
    let (scheme, rest) = url.split_once("://").ok_or("not a URL")?;
    let host_port = rest.split('/').next().unwrap_or("");
    if host_port.is_empty() || host_port.starts_with(':') {
        return Err("the URL has no host".into());
    }
    let loopback = crate::gateway::verify::is_loopback(host_port);
    match scheme {
        "https" => {}
        "http" if loopback => {}
        "http" => return Err("must use https (http only to this machine)".into()),
        _ => return Err("must be an https:// URL".into()),
    }
    let networks = if loopback { Networks::AlsoTest } else { Networks::Mainnet };
    Ok((url.trim_end_matches('/').to_string(), networks))
}

/// A base URL key: the default when absent.
fn url_or(cx: &Ctx<'_>, v: &Option<toml::Spanned<String>>, default: &str) -> Result<(String, Networks), ConfigError> {
    match v {
        None => Ok((default.to_string(), Networks::Mainnet)),
        Some(u) => base_url(u.get_ref()).map_err(|m| cx.invalid(u.span(), "base_url", m)),
    }
}

/// A `methods` list for a gateway: known ids it serves, at least one.
fn methods(
    cx: &Ctx<'_>,
    v: &Option<toml::Spanned<Vec<String>>>,
    provider: ProviderId,
    default: &[MethodId],
) -> Result<Vec<MethodId>, ConfigError> {
    let Some(m) = v else { return Ok(default.to_vec()) };
    let mut out = Vec::new();
    for name in m.get_ref() {
        match MethodId::parse(name).filter(|id| provider.supported().contains(id)) {
            Some(id) if !out.contains(&id) => out.push(id),
            Some(_) => {}
            None => {
                return Err(cx.invalid(
                    m.span(),
                    "methods",
                    format!(
                        "{} has no method \"{name}\" (it has {})",
                        provider.name(),
                        crate::core::method::list(provider.supported())
                    ),
                ));
            }
        }
    }
    if out.is_empty() {
        return Err(cx.invalid(m.span(), "methods", "list at least one method"));
    }
    Ok(out)
}

/// A required string that must not be blank.
fn required(cx: &Ctx<'_>, v: &toml::Spanned<String>, key: &str, what: &str) -> Result<String, ConfigError> {
    let s = v.get_ref().trim();
    if s.is_empty() {
        return Err(cx.invalid(v.span(), key, format!("{what} is needed")));
    }
    Ok(s.to_string())
}

/// The shop's currency must be one the gateway prices in.
fn currency_in(
    cx: &Ctx<'_>,
    shop: &Shop,
    span: std::ops::Range<usize>,
    provider: ProviderId,
    allowed: &[&str],
) -> Result<(), ConfigError> {
    if allowed.contains(&shop.currency.code()) {
        return Ok(());
    }
    Err(cx.invalid(
        span,
        &format!("providers.{}", provider.id()),
        format!(
            "{} prices in {} only, and [shop] currency is {}",
            provider.name(),
            allowed.join(", "),
            shop.currency.code()
        ),
    ))
}

fn xpays_config(
    cx: &Ctx<'_>,
    x: RawXpays,
    shop: &Shop,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<XpaysConfig, ConfigError> {
    let (base, _) = base_url(x.base_url.get_ref()).map_err(|m| cx.invalid(x.base_url.span(), "base_url", m))?;
    let sign_template = match &x.sign_template {
        None => xpays::DEFAULT_SIGN_TEMPLATE.to_string(),
        Some(t) => {
            xpays::check_template(t.get_ref()).map_err(|m| cx.invalid(t.span(), "sign_template", m))?;
            t.get_ref().clone()
        }
    };
    let mut status_map = Vec::new();
    if let Some(m) = &x.status_map {
        for (key, state) in m.get_ref() {
            status_map.push(
                StatusRule::parse(key, state)
                    .map_err(|e| cx.invalid(m.span(), "status_map", format!("\"{key}\": {e}")))?,
            );
        }
    }
    Ok(XpaysConfig {
        base_url: base,
        api_key: secret(cx, &x.api_key, "api_key", env)?,
        secret_key: secret(cx, &x.secret_key, "secret_key", env)?,
        sign_template,
        chain: x.chain.unwrap_or_else(|| "tron".into()),
        crypto: x.crypto.unwrap_or_else(|| "USDT".into()),
        status_map,
        currency: shop.currency.clone(),
    })
}

fn xcash_config(
    cx: &Ctx<'_>,
    x: RawXcash,
    shop: &Shop,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<XcashConfig, ConfigError> {
    let (base, _) = url_or(cx, &x.base_url, xcash::DEFAULT_BASE_URL)?;
    currency_in(cx, shop, x.appid.span(), ProviderId::Xcash, xcash::CURRENCIES)?;
    let duration_minutes = match &x.duration_minutes {
        None => xcash::DEFAULT_DURATION_MINUTES,
        Some(d) if xcash::DURATION_RANGE.contains(d.get_ref()) => *d.get_ref(),
        Some(d) => return Err(cx.invalid(d.span(), "duration_minutes", "from 5 to 30 (Xcash refuses other values)")),
    };
    methods(cx, &x.methods, ProviderId::Xcash, &[MethodId::UsdtTron])?;
    let chain_code = match &x.chain_code {
        None => xcash::DEFAULT_CHAIN_CODE.to_string(),
        Some(c) => required(cx, c, "chain_code", "a chain code such as \"tron\"")?,
    };
    Ok(XcashConfig {
        base_url: base,
        appid: required(cx, &x.appid, "appid", "the project's AppID (XC-…)")?,
        hmac_key: secret(cx, &x.hmac_key, "hmac_key", env)?,
        duration_minutes,
        chain_code,
        title: xcash::title(&shop.name),
        currency: shop.currency.clone(),
    })
}

fn xaigate_config(
    cx: &Ctx<'_>,
    x: RawXaigate,
    shop: &Shop,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<XaigateConfig, ConfigError> {
    let (base, _) = url_or(cx, &x.base_url, xaigate::DEFAULT_BASE_URL)?;
    currency_in(cx, shop, x.api_key.span(), ProviderId::Xaigate, xaigate::CURRENCIES)?;
    let email = required(cx, &x.email, "email", "the shop's e-mail address")?;
    if !email.contains('@') {
        return Err(cx.invalid(x.email.span(), "email", "not an e-mail address"));
    }
    Ok(XaigateConfig {
        base_url: base,
        api_key: secret(cx, &x.api_key, "api_key", env)?,
        email,
        shop_name: shop.name.clone(),
        currency: shop.currency.clone(),
    })
}

fn bitsby_config(
    cx: &Ctx<'_>,
    x: RawBitsby,
    shop: &Shop,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<BitsbyConfig, ConfigError> {
    let (base, networks) = url_or(cx, &x.base_url, bitsby::DEFAULT_BASE_URL)?;
    currency_in(cx, shop, x.token.span(), ProviderId::Bitsby, bitsby::CURRENCIES)?;
    let project_id = required(cx, &x.project_id, "project_id", "the Bitsby project id (a UUID)")?;
    if uuid::Uuid::parse_str(&project_id).is_err() {
        return Err(cx.invalid(x.project_id.span(), "project_id", "not a UUID"));
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
            if !bitsby::TIME_TO_PAY.contains(&text.as_str()) {
                return Err(cx.invalid(v.span(), "time_to_pay_hours", "one of 0.5, 1, 3, 6, 12"));
            }
            text
        }
    };
    let min_interval = match &x.min_interval_ms {
        None => bitsby::DEFAULT_MIN_INTERVAL,
        Some(ms) if *ms.get_ref() >= 1000 || networks == Networks::AlsoTest => {
            std::time::Duration::from_millis(*ms.get_ref())
        }
        Some(ms) => {
            return Err(cx.invalid(
                ms.span(),
                "min_interval_ms",
                "at least 1000: Bitsby allows 1 request per second per key",
            ));
        }
    };
    Ok(BitsbyConfig {
        base_url: base,
        token: secret(cx, &x.token, "token", env)?,
        project_id,
        time_to_pay_hours,
        methods: methods(cx, &x.methods, ProviderId::Bitsby, &[MethodId::UsdtTron])?,
        terminal: shop.terminal.clone(),
        currency: shop.currency.clone(),
        networks,
        min_interval,
    })
}

fn xpay_config(
    cx: &Ctx<'_>,
    x: RawXpay,
    shop: &Shop,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<XpayConfig, ConfigError> {
    let (base, networks) = match &x.base_url {
        None => (xpay::DEFAULT_BASE_URL.to_string(), Networks::Mainnet),
        Some(u) => base_url(u.get_ref()).map_err(|m| cx.invalid(u.span(), "base_url", m))?,
    };
    if shop.currency.code() != "USD" {
        return Err(cx.invalid(
            x.username.span(),
            "providers.xpay",
            "xPay bills are in US dollars: set [shop] currency = \"USD\"",
        ));
    }
    let methods = methods(cx, &x.methods, ProviderId::Xpay, &[MethodId::Lightning, MethodId::UsdtTron])?;
    let expire_minutes = match &x.expire_minutes {
        None => 30,
        Some(m) if (1..=1440).contains(m.get_ref()) => *m.get_ref(),
        Some(m) => return Err(cx.invalid(m.span(), "expire_minutes", "from 1 to 1440")),
    };
    if x.username.get_ref().trim().is_empty() {
        return Err(cx.invalid(x.username.span(), "username", "the xPay account e-mail is needed"));
    }
    Ok(XpayConfig {
        base_url: base,
        username: x.username.get_ref().clone(),
        secret_key: secret(cx, &x.secret_key, "secret_key", env)?,
        expire_minutes,
        methods,
        relogin_margin: SignedDuration::from_secs(i64::from(x.relogin_margin_secs.unwrap_or(300))),
        terminal: shop.terminal.clone(),
        currency: shop.currency.clone(),
        networks,
    })
}

impl Config {
    /// Demo mode: the embedded sandbox at `base_url` (set once it runs).
    pub fn demo(base_url: Option<String>) -> Config {
        let currency = Currency::from_code("USD").unwrap_or_else(|| unreachable!("USD is a currency"));
        let shop = Shop {
            name: "Demo shop".into(),
            currency: currency.clone(),
            terminal: "demo".into(),
            max_amount: Decimal::from(10_000),
            timezone: None,
        };
        let xpay = XpayConfig {
            base_url: base_url.clone().unwrap_or_default(),
            username: till_sandbox::DEMO_XPAY_USERNAME.into(),
            secret_key: Secret::new(till_sandbox::DEMO_XPAY_SECRET_KEY),
            expire_minutes: 15,
            methods: vec![MethodId::Lightning, MethodId::UsdtTron],
            relogin_margin: SignedDuration::from_secs(300),
            terminal: shop.terminal.clone(),
            currency,
            networks: Networks::AlsoTest,
        };
        let base = base_url.unwrap_or_default();
        let xpays = XpaysConfig {
            base_url: base.clone(),
            api_key: Secret::new(till_sandbox::DEMO_XPAYS_API_KEY),
            secret_key: Secret::new(till_sandbox::DEMO_XPAYS_SECRET_KEY),
            sign_template: xpays::DEFAULT_SIGN_TEMPLATE.into(),
            chain: "tron".into(),
            crypto: "USDT".into(),
            status_map: Vec::new(),
            currency: shop.currency.clone(),
        };
        let xcash = XcashConfig {
            base_url: base.clone(),
            appid: till_sandbox::DEMO_XCASH_APPID.into(),
            hmac_key: Secret::new(till_sandbox::DEMO_XCASH_HMAC_KEY),
            duration_minutes: xcash::DEFAULT_DURATION_MINUTES,
            chain_code: xcash::DEFAULT_CHAIN_CODE.into(),
            title: xcash::title(&shop.name),
            currency: shop.currency.clone(),
        };
        let xaigate = XaigateConfig {
            base_url: base.clone(),
            api_key: Secret::new(till_sandbox::DEMO_XAIGATE_API_KEY),
            email: "demo@till.sandbox".into(),
            shop_name: shop.name.clone(),
            currency: shop.currency.clone(),
        };
        let bitsby = BitsbyConfig {
            base_url: base,
            token: Secret::new(till_sandbox::DEMO_BITSBY_TOKEN),
            project_id: till_sandbox::DEMO_BITSBY_PROJECT_ID.into(),
            time_to_pay_hours: "1".into(),
            methods: ProviderId::Bitsby.supported().to_vec(),
            terminal: shop.terminal.clone(),
            currency: shop.currency.clone(),
            networks: Networks::AlsoTest,
            min_interval: bitsby::DEFAULT_MIN_INTERVAL,
        };
        Config {
            source: Source::Demo,
            shop,
            poll: PollPolicy::default(),
            xpay: Some(xpay),
            xpays: Some(xpays),
            xcash: Some(xcash),
            xaigate: Some(xaigate),
            bitsby: Some(bitsby),
            warnings: Vec::new(),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[shop]
name = "Corner Café"
currency = "USD"
terminal = "till-1"

[providers.xpay]
username = "shop@example.com"
secret_key = "env:XPAY_KEY"
methods = ["lightning"]
"#;

    fn env(name: &str) -> Option<String> {
        (name == "XPAY_KEY").then(|| "s3cret-from-env".to_string())
    }

    #[test]
    fn a_good_file_loads_with_defaults() {
        let c = parse(GOOD, "till.toml", &env).unwrap();
        let x = c.xpay.unwrap();
        assert_eq!(x.base_url, "https://apis.xpay.stream");
        assert_eq!(x.secret_key.expose(), "s3cret-from-env");
        assert_eq!(x.methods, vec![MethodId::Lightning]);
        assert_eq!(x.expire_minutes, 30);
        assert_eq!(x.networks, Networks::Mainnet);
        assert_eq!(c.shop.max_amount, Decimal::from(10_000));
        assert_eq!(c.poll, PollPolicy::default());
    }

    #[test]
    fn rate_limits_come_from_the_config_over_documented_defaults() {
        let text = format!(
            "{GOOD}\n[poll.limits.xcash]\nrequests_per_second = 2\npolls_per_minute_per_invoice = 30\n[poll.limits.xpay]\nrequests_per_second = 10\n"
        );
        let c = parse(&text, "till.toml", &env).unwrap();
        let xcash = c.poll.limits(ProviderId::Xcash);
        assert_eq!((xcash.gateway, xcash.per_invoice), (Rate::per_second(2), Some(Rate::per_minute(30))));
        assert_eq!(c.poll.limits(ProviderId::Xpay).gateway, Rate::per_second(10));
        assert_eq!(c.poll.limits(ProviderId::Bitsby).gateway, Rate::per_second(1), "the default");
        assert_eq!(c.poll.limits(ProviderId::Xcash).per_invoice, Some(Rate::per_minute(30)));
        for (bad, want) in [
            ("[poll.limits.bitsby]\nrequests_per_second = 2", "limits.bitsby.requests_per_second: Bitsby allows 1"),
            ("[poll.limits.doge]\nrequests_per_second = 2", "limits.doge: not a gateway"),
            ("[poll.limits.xpay]\nrequests_per_second = 0", "limits.xpay.requests_per_second: from 1 to 100"),
            ("[poll.limits.xpay]\nburst = 3", "unknown field `burst`"),
        ] {
            let err = parse(&format!("{GOOD}\n{bad}\n"), "till.toml", &env).unwrap_err().to_string();
            assert!(err.contains(want), "{err}");
        }
    }

    #[test]
    fn unknown_keys_are_refused_with_file_line_and_key() {
        let text = GOOD.replace("terminal = \"till-1\"", "terminal = \"till-1\"\ncolour = \"red\"");
        let err = parse(&text, "till.toml", &env).unwrap_err().to_string();
        assert!(err.starts_with("till.toml:6: colour: unknown field `colour`"), "{err}");
    }

    #[test]
    fn bad_values_are_refused_with_file_line_and_key() {
        let cases = [
            ("currency = \"USD\"", "currency = \"DOLLARS\"", "till.toml:4: currency:"),
            ("methods = [\"lightning\"]", "methods = [\"doge\"]", "till.toml:10: methods: xPay has no method \"doge\""),
            (
                "secret_key = \"env:XPAY_KEY\"",
                "secret_key = \"env:NOPE\"",
                "till.toml:9: secret_key: the environment variable NOPE is not set",
            ),
            (
                "methods = [\"lightning\"]",
                "methods = [\"lightning\"]\nexpire_minutes = \"30\"",
                "till.toml:11: expire_minutes:",
            ),
            (
                "methods = [\"lightning\"]",
                "methods = [\"lightning\"]\nbase_url = \"http://example.com\"",
                "till.toml:11: base_url: must use https",
            ),
            ("terminal = \"till-1\"", "terminal = \"till 1\"", "till.toml:5: terminal:"),
        ];
        for (from, to, want) in cases {
            let err = parse(&GOOD.replace(from, to), "till.toml", &env).unwrap_err().to_string();
            assert!(err.starts_with(want), "{to}: {err}");
        }
    }

    const OTHERS: &str = r#"
[shop]
name = "Corner Café"
currency = "EUR"
terminal = "till-1"

[providers.xpays]
base_url = "https://api.xpays.example"
api_key = "key_1"
secret_key = "s1"

[providers.xcash]
appid = "XC-A3BK7NMG"
hmac_key = "h1"

[providers.xaigate]
api_key = "k1"
email = "shop@example.com"

[providers.bitsby]
token = "t1"
project_id = "9deea1e2-0c08-41a3-bdc2-a34eada3892d"
time_to_pay_hours = 0.5
"#;

    #[test]
    fn the_four_newer_gateways_load_with_their_defaults() {
        let c = parse(OTHERS, "t.toml", &env).unwrap();
        assert!(c.xpay.is_none());
        let x = c.xpays.unwrap();
        assert_eq!(x.sign_template, "{timestamp}{body}");
        assert_eq!((x.chain.as_str(), x.crypto.as_str()), ("tron", "USDT"));
        let x = c.xcash.unwrap();
        assert_eq!(
            (x.base_url.as_str(), x.duration_minutes, x.chain_code.as_str()),
            ("https://api.xca.sh", 15, "tron")
        );
        assert_eq!(c.xaigate.unwrap().base_url, "https://wallet-api.xaigate.com");
        let b = c.bitsby.unwrap();
        assert_eq!((b.time_to_pay_hours.as_str(), b.methods.as_slice()), ("0.5", [MethodId::UsdtTron].as_slice()));
        assert_eq!(b.min_interval, std::time::Duration::from_secs(1));
    }

    #[test]
    fn the_newer_gateways_refuse_bad_values_by_line_and_key() {
        let cases = [
            (
                "hmac_key = \"h1\"",
                "hmac_key = \"h1\"\nduration_minutes = 45",
                "t.toml:15: duration_minutes: from 5 to 30",
            ),
            (
                "time_to_pay_hours = 0.5",
                "time_to_pay_hours = 2",
                "t.toml:23: time_to_pay_hours: one of 0.5, 1, 3, 6, 12",
            ),
            (
                "secret_key = \"s1\"",
                "secret_key = \"s1\"\nsign_template = \"{nonce}\"",
                "t.toml:11: sign_template: unknown placeholder {nonce}",
            ),
            ("email = \"shop@example.com\"", "email = \"nobody\"", "t.toml:18: email: not an e-mail address"),
            (
                "time_to_pay_hours = 0.5",
                "time_to_pay_hours = 0.5\nmethods = [\"lightning\"]",
                "t.toml:24: methods: Bitsby has no method \"lightning\"",
            ),
            (
                "project_id = \"9deea1e2-0c08-41a3-bdc2-a34eada3892d\"",
                "project_id = \"p1\"",
                "t.toml:22: project_id: not a UUID",
            ),
        ];
        for (from, to, want) in cases {
            let err = parse(&OTHERS.replace(from, to), "t.toml", &env).unwrap_err().to_string();
            assert!(err.starts_with(want), "{to}: {err}");
        }
        let err = parse(&OTHERS.replace("\"EUR\"", "\"GBP\""), "t.toml", &env).unwrap_err().to_string();
        assert!(err.contains("Xcash prices in USD, CNY, EUR, JPY, HKD only"), "{err}");
    }

    #[test]
    fn xpay_needs_usd() {
        let err = parse(&GOOD.replace("\"USD\"", "\"EUR\""), "t.toml", &env).unwrap_err().to_string();
        assert!(err.contains("xPay bills are in US dollars"), "{err}");
    }

    #[test]
    fn loopback_http_is_allowed_and_means_the_sandbox() {
        assert_eq!(base_url("http://127.0.0.1:4000/").unwrap(), ("http://127.0.0.1:4000".into(), Networks::AlsoTest));
        assert_eq!(base_url("http://localhost:4000").unwrap().1, Networks::AlsoTest);
        assert_eq!(base_url("https://apis.xpay.stream").unwrap().1, Networks::Mainnet);
        assert!(base_url("ftp://x").is_err());
    }

    #[test]
    fn the_example_config_is_valid() {
        let text = include_str!("../config.example.toml");
        let env = |_: &str| Some("from-env".to_string());
        parse(text, "config.example.toml", &env).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_readable_file_with_a_literal_secret_gets_a_warning() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("till.toml");
        std::fs::write(&path, GOOD.replace("env:XPAY_KEY", "literal-secret-value")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let c = load_file(&path).unwrap();
        assert!(c.warnings.iter().any(|w| w.contains("chmod 600")), "{:?}", c.warnings);
        assert!(!c.warnings.iter().any(|w| w.contains("literal-secret-value")));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(load_file(&path).unwrap().warnings.is_empty());
    }
}
