//! `[store]`: where the till keeps its sales. Without it, the SQLite journal
//! in the data directory (one till). With a PostgreSQL URL, many counters
//! share one store, and the operator's board reads it.
//!
//! ```toml
//! [store]
//! url = "postgres://till@db.shop.lan/till?sslmode=require"
//! password = "env:TILL_DB_PASSWORD"   # a literal works too; never in the url
//! takeover_secs = 30                  # another till takes a dead one's invoices over within this
//! ```
//!
//! `TILL_DATABASE_URL` (a password in it is allowed: the environment is
//! already secret) replaces `url`. The password is read from its variable
//! when the store is opened, so faces that talk to no gateway (the board)
//! still get it.

use crate::gateway::section::{ConfigError, Doc};
use crate::secret::Secret;
use serde::Deserialize;
use std::time::Duration;

/// The environment variable that names the store (it wins over `url`).
pub const URL_VAR: &str = "TILL_DATABASE_URL";
/// `takeover_secs` when not set.
pub const DEFAULT_TAKEOVER: Duration = Duration::from_secs(30);

/// Where the password comes from.
#[derive(Clone, PartialEq, Eq)]
pub enum Password {
    Literal(Secret),
    /// `env:NAME`, read when the store is opened.
    Env(String),
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Password::Literal(_) => f.write_str("Literal(***)"),
            Password::Env(name) => write!(f, "Env({name})"),
        }
    }
}

/// `[store]`, resolved.
#[derive(Clone, PartialEq, Eq)]
pub struct StoreConfig {
    /// `postgres://…` (may hold a password only when it came from
    /// `TILL_DATABASE_URL`: never show it, use [`StoreConfig::shown`]).
    url: String,
    pub password: Option<Password>,
    pub takeover: Duration,
}

impl std::fmt::Debug for StoreConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreConfig")
            .field("url", &self.shown())
            .field("password", &self.password)
            .field("takeover", &self.takeover)
            .finish()
    }
}

impl StoreConfig {
    pub fn new(url: impl Into<String>) -> StoreConfig {
        StoreConfig { url: url.into(), password: None, takeover: DEFAULT_TAKEOVER }
    }

    /// The URL with its password, for the one place that connects.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The URL as it may be shown or logged: any password in it masked.
    pub fn shown(&self) -> String {
        mask(&self.url)
    }

    /// The password, read now (`env:NAME` from the environment). `Err` names
    /// the variable that is not set.
    pub fn password(&self) -> Result<Option<Secret>, String> {
        match &self.password {
            None => Ok(None),
            Some(Password::Literal(s)) => Ok(Some(s.clone())),
            Some(Password::Env(name)) => match std::env::var(name) {
                Ok(v) if !v.is_empty() => Ok(Some(Secret::new(v))),
                _ => Err(format!(
                    "the store's password variable {name} is not set: set it, or fix [store] password in the config file"
                )),
            },
        }
    }

    /// `TILL_DATABASE_URL`, when set, over what the file says. A value that
    /// is not a `postgres://` URL (the keyword form included) is refused:
    /// only a URL can be shown with its password masked.
    pub fn from_env(file: Option<StoreConfig>) -> Result<Option<StoreConfig>, String> {
        match std::env::var(URL_VAR) {
            Ok(url) if !url.trim().is_empty() => {
                let url = url.trim();
                if !is_postgres_url(url) {
                    return Err(format!(
                        "{URL_VAR} must be a PostgreSQL URL, postgres://USER:PASSWORD@HOST/DATABASE (not the keyword form)"
                    ));
                }
                let mut c = file.unwrap_or_else(|| StoreConfig::new(""));
                c.url = url.to_string();
                Ok(Some(c))
            }
            _ => Ok(file),
        }
    }
}

fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// A URL as it may be shown: the password of `user:password@` (everything
/// from the first `:` of the user part to the last `@`, whatever it holds)
/// and every `password=` parameter masked. It masks too much rather than too
/// little (an `@` in a parameter after a `:` masks up to it).
pub fn mask(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        // Not a URL (the keyword form): nothing of it is shown.
        return "(the store's connection string)".to_string();
    };
    let rest = match rest.rfind('@') {
        Some(at) => {
            let (user_info, host) = rest.split_at(at);
            match user_info.split_once(':') {
                Some((user, _)) => format!("{user}:***{host}"),
                None => rest.to_string(),
            }
        }
        None => rest.to_string(),
    };
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest.as_str(), None),
    };
    match query {
        None => format!("{scheme}://{path}"),
        Some(q) => {
            let params: Vec<&str> =
                q.split('&').map(|kv| if kv.starts_with("password=") { "password=***" } else { kv }).collect();
            format!("{scheme}://{path}?{}", params.join("&"))
        }
    }
}

/// `[store]` as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStore {
    url: toml::Spanned<String>,
    password: Option<toml::Spanned<String>>,
    takeover_secs: Option<toml::Spanned<i64>>,
}

/// Reads `[store]` (absent: the SQLite journal).
pub fn read(doc: &Doc<'_>, raw: Option<RawStore>) -> Result<Option<StoreConfig>, ConfigError> {
    let Some(raw) = raw else { return Ok(None) };
    let url = raw.url.get_ref().trim().to_string();
    if !is_postgres_url(&url) {
        return Err(doc.invalid(
            raw.url.span(),
            "store.url",
            "must be a PostgreSQL URL, \"postgres://USER@HOST/DATABASE\" (leave [store] out for the journal in the data directory)",
        ));
    }
    if mask(&url) != url {
        return Err(doc.invalid(
            raw.url.span(),
            "store.url",
            "holds a password: take it out of the url and write it as [store] password = \"env:NAME\"",
        ));
    }
    let password = match raw.password {
        None => None,
        Some(p) => match p.get_ref().strip_prefix("env:") {
            Some(name) if name.trim().is_empty() => {
                return Err(doc.invalid(
                    p.span(),
                    "store.password",
                    "\"env:\" names no variable: write the variable's name after it, e.g. \"env:TILL_DB_PASSWORD\"",
                ));
            }
            Some(name) => Some(Password::Env(name.trim().to_string())),
            None if p.get_ref().is_empty() => return Err(doc.invalid(p.span(), "store.password", "empty")),
            None => Some(Password::Literal(Secret::new(p.get_ref().clone()))),
        },
    };
    let takeover = match raw.takeover_secs {
        None => DEFAULT_TAKEOVER,
        Some(t) => match u64::try_from(*t.get_ref()) {
            Ok(s @ 6..=3600) => Duration::from_secs(s),
            _ => {
                return Err(doc.invalid(t.span(), "store.takeover_secs", "must be a number of seconds from 6 to 3600"));
            }
        },
    };
    Ok(Some(StoreConfig { url, password, takeover }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_in_a_url_is_masked() {
        assert_eq!(mask("postgres://till:s3cret@db:5432/till"), "postgres://till:***@db:5432/till");
        assert_eq!(mask("postgres://till@db/till"), "postgres://till@db/till");
        assert_eq!(mask("postgres://db/till?user=a&password=s3cret"), "postgres://db/till?user=a&password=***");
        assert!(!format!("{:?}", StoreConfig::new("postgres://a:s3cret@h/d")).contains("s3cret"));
        assert_eq!(mask("postgres://u@h/db?password=s3cret"), "postgres://u@h/db?password=***");
        assert_eq!(mask("postgres://u:pa/ss@h/db"), "postgres://u:***@h/db");
        assert_eq!(mask("postgres://u:pa?ss@h/db?sslmode=require"), "postgres://u:***@h/db?sslmode=require");
        assert_eq!(mask("postgres://u:p@ss@h/db"), "postgres://u:***@h/db");
        assert!(!mask("host=h user=u password=s3cret").contains("s3cret"));
    }
}
