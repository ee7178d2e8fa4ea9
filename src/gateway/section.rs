//! Reading a gateway's `[providers.NAME]` section of the config file: the
//! refusal that names the file, the line and the key, the resolved `[shop]` a
//! section may draw on, and the key types every section uses (secrets, base
//! URLs, method lists). The config (`crate::config`) hands each section to its
//! gateway with these.

use super::verify::{self, Networks};
use crate::core::method::{self, MethodId, ProviderId};
use crate::core::money::Currency;
use crate::secret::Secret;
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use std::ops::Range;

mod words;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read the config file: {detail}")]
    Read { path: String, detail: String },
    #[error("{path}:{line}: {key}: {message}")]
    Invalid { path: String, line: usize, key: String, message: String },
    #[error("{path}: {message}")]
    File { path: String, message: String },
}

/// `[shop]`, resolved: what the gateways' sections may draw on too.
#[derive(Clone, Debug)]
pub struct Shop {
    pub name: String,
    pub currency: Currency,
    pub terminal: String,
    pub max_amount: Decimal,
    pub timezone: Option<String>,
}

/// The config file's text, for refusals that name its line.
pub struct Doc<'a> {
    pub path: &'a str,
    pub text: &'a str,
}

impl Doc<'_> {
    fn line_of(&self, offset: usize) -> usize {
        self.text.get(..offset).map_or(1, |t| t.matches('\n').count() + 1)
    }

    /// A refusal of the value at `span`.
    pub fn invalid(&self, span: Range<usize>, key: &str, message: impl Into<String>) -> ConfigError {
        ConfigError::Invalid {
            path: self.path.into(),
            line: self.line_of(span.start),
            key: key.into(),
            message: message.into(),
        }
    }

    /// A toml/serde error in plain words, with the key read off the line it
    /// points at (the raw text goes to the log).
    pub fn toml_error(&self, e: &toml::de::Error) -> ConfigError {
        tracing::debug!(path = self.path, error = %e, "config refused");
        let Some(span) = e.span() else {
            let message = match words::plain(e.message(), "", false) {
                words::Plain::At(m) | words::Plain::MissingSection(m) => m,
            };
            return ConfigError::File { path: self.path.into(), message };
        };
        let line = self.line_of(span.start);
        let line_text = self.text.lines().nth(line - 1).unwrap_or("").trim();
        let key = match line_text.split_once('=') {
            Some((k, _)) => k.trim().to_string(),
            None => line_text.to_string(),
        };
        let at_header = line_text.starts_with('[');
        match words::plain(e.message(), &key, at_header) {
            words::Plain::At(message) => ConfigError::Invalid { path: self.path.into(), line, key, message },
            words::Plain::MissingSection(message) => ConfigError::File { path: self.path.into(), message },
        }
    }
}

/// One `[providers.NAME]` section, as its gateway reads it.
pub struct Section<'a> {
    pub doc: &'a Doc<'a>,
    pub shop: &'a Shop,
    /// Resolves `env:NAME` secrets.
    pub env: &'a dyn Fn(&str) -> Option<String>,
    pub value: toml::Spanned<toml::de::DeValue<'a>>,
}

impl Section<'_> {
    /// The section's keys, as the gateway's raw type (unknown keys refused).
    pub fn read<T: DeserializeOwned>(&self) -> Result<T, ConfigError> {
        T::deserialize(toml::de::ValueDeserializer::from(self.value.clone())).map_err(|e| self.doc.toml_error(&e))
    }

    pub fn invalid(&self, span: Range<usize>, key: &str, message: impl Into<String>) -> ConfigError {
        self.doc.invalid(span, key, message)
    }

    /// A secret: a literal, or `env:NAME`.
    pub fn secret(&self, v: &toml::Spanned<String>, key: &str) -> Result<Secret, ConfigError> {
        let s = v.get_ref();
        match s.strip_prefix("env:") {
            Some(name) if name.trim().is_empty() => Err(self.invalid(
                v.span(),
                key,
                "\"env:\" names no variable: write the variable's name after it, e.g. \"env:XPAY_SECRET_KEY\"",
            )),
            Some(name) => (self.env)(name)
                .filter(|v| !v.is_empty())
                .map(Secret::new)
                .ok_or_else(|| self.invalid(v.span(), key, format!("the environment variable {name} is not set"))),
            None if s.is_empty() => Err(self.invalid(v.span(), key, "empty")),
            None => Ok(Secret::new(s.clone())),
        }
    }

    /// A required `base_url`.
    pub fn url(&self, v: &toml::Spanned<String>) -> Result<(String, Networks), ConfigError> {
        base_url(v.get_ref()).map_err(|m| self.invalid(v.span(), "base_url", m))
    }

    /// A `base_url`: the default when absent.
    pub fn url_or(&self, v: &Option<toml::Spanned<String>>, default: &str) -> Result<(String, Networks), ConfigError> {
        match v {
            None => Ok((default.to_string(), Networks::Mainnet)),
            Some(u) => self.url(u),
        }
    }

    /// A `methods` list for a gateway: known ids it serves, at least one.
    pub fn methods(
        &self,
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
                    let has = method::list(provider.supported());
                    let message = format!("{} has no method \"{name}\" (it has {has})", provider.name());
                    return Err(self.invalid(m.span(), "methods", message));
                }
            }
        }
        if out.is_empty() {
            return Err(self.invalid(m.span(), "methods", "list at least one method"));
        }
        Ok(out)
    }

    /// A required string that must not be blank.
    pub fn required(&self, v: &toml::Spanned<String>, key: &str, what: &str) -> Result<String, ConfigError> {
        let s = v.get_ref().trim();
        if s.is_empty() {
            return Err(self.invalid(v.span(), key, format!("{what} is needed")));
        }
        Ok(s.to_string())
    }

    /// The shop's currency must be one the gateway prices in.
    pub fn currency_in(&self, span: Range<usize>, provider: ProviderId, allowed: &[&str]) -> Result<(), ConfigError> {
        let shop = self.shop.currency.code();
        if allowed.contains(&shop) {
            return Ok(());
        }
        let message =
            format!("{} prices in {} only, and [shop] currency is {shop}", provider.name(), allowed.join(", "));
        Err(self.invalid(span, &format!("providers.{}", provider.id()), message))
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
    let loopback = verify::is_loopback(host_port);
    match scheme {
        "https" => {}
        "http" if loopback => {}
        "http" => return Err("must use https (http only to this machine)".into()),
        _ => return Err("must be an https:// URL".into()),
    }
    let networks = if loopback { Networks::AlsoTest } else { Networks::Mainnet };
    Ok((url.trim_end_matches('/').to_string(), networks))
}
