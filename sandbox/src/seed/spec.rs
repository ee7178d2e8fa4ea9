//! The seed request and answer (CONTROL.md § Seeding): the validated body
//! ([`Spec`]), one answered invoice ([`Seeded`]), why a batch is refused
//! ([`SeedError`]), and [`object`] to build the body till would send.
//!
//! Each invoice is made the way the gateway's own create endpoint makes it
//! for the request till would send with that merchant reference: the body is
//! built as till builds it, checked by the create handler's own parser, and
//! the invoice built and stored by the same code. Only the expiry is the
//! seed's `expire_minutes` rather than what the gateway would allow, and
//! limits on open invoices (Xcash's 100 waiting) are not applied. A batch is
//! all or nothing: a bad field or a reference already taken (where the
//! gateway refuses a reused one) creates nothing.
//!
//! Body (every field optional but `count` or `references`):
//! `{"count": N (1..=20000), "references": [N strings], "terminal": "till-1",
//! "amount": "10.00", "currency": "USD", "method": "usdt-tron",
//! "expire_minutes": 30}`. Answer: `[{"id", "reference", "created_at",
//! "expires_at"}, …]` in the order of the references; HTTP 400
//! `{"error":"…"}` for a bad body, 409 for a reference already taken.

use std::collections::HashSet;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::decimal::plain_positive;
use crate::gateway::Gateway;

/// Largest `count`.
pub(crate) const MAX_COUNT: usize = 20_000;
/// `expire_minutes` accepted: 1 minute to 30 days.
const EXPIRE_MINUTES: std::ops::RangeInclusive<u64> = 1..=43_200;
/// Longest reference accepted (each gateway may accept less).
const MAX_REFERENCE: usize = 64;
/// `amount`: at most this many digits before the point and after it.
const MAX_INTEGER_DIGITS: usize = 20;
const MAX_PLACES: u64 = 18;

/// A validated seed request.
#[derive(Clone, Debug)]
pub(crate) struct Spec {
    /// The merchant references, one per invoice, all different.
    pub(crate) references: Vec<String>,
    pub(crate) terminal: String,
    /// A positive decimal as text, e.g. `10.00`.
    pub(crate) amount: String,
    pub(crate) currency: String,
    /// A till method id: `usdt-tron`, `lightning`, `usdt-bsc`, …
    pub(crate) method: String,
    pub(crate) expire_minutes: u64,
}

/// One seeded invoice, as answered.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Seeded {
    /// What till passes to the gateway's status call.
    pub(crate) id: String,
    pub(crate) reference: String,
    /// RFC 3339 UTC.
    pub(crate) created_at: String,
    pub(crate) expires_at: String,
}

/// Why a batch was refused (nothing was created).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum SeedError {
    BadRequest(String),
    Conflict(String),
}

impl SeedError {
    pub(crate) fn bad(message: impl Into<String>) -> Self {
        Self::BadRequest(message.into())
    }

    /// A reference the create handler's parser refused.
    pub(crate) fn refused(reference: &str, why: impl std::fmt::Display) -> Self {
        Self::BadRequest(format!("reference {reference:?}: {why}"))
    }

    /// A reference the gateway already has.
    pub(crate) fn taken(reference: &str) -> Self {
        Self::Conflict(format!("reference {reference:?} is already taken"))
    }

    /// A method the gateway cannot seed.
    pub(crate) fn method(method: &str, allowed: &str) -> Self {
        Self::BadRequest(format!("method {method:?} is not available here ({allowed})"))
    }
}

impl Spec {
    /// Validates the body for `gateway`.
    pub(crate) fn parse(gateway: Gateway, body: &[u8]) -> Result<Self, SeedError> {
        let value: Value = serde_json::from_slice(body).map_err(|e| SeedError::bad(format!("malformed JSON: {e}")))?;
        let Value::Object(obj) = value else { return Err(SeedError::bad("the body must be a JSON object")) };
        let text = |name: &str, default: &str| match obj.get(name) {
            None | Some(Value::Null) => Ok(default.to_owned()),
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
            Some(_) => Err(SeedError::bad(format!("{name} must be a non-empty string"))),
        };
        let count = match obj.get("count") {
            None | Some(Value::Null) => None,
            Some(v) => Some(
                v.as_u64()
                    .and_then(|n| usize::try_from(n).ok())
                    .filter(|n| (1..=MAX_COUNT).contains(n))
                    .ok_or_else(|| SeedError::bad(format!("count must be an integer from 1 to {MAX_COUNT}")))?,
            ),
        };
        let references = match obj.get("references") {
            None | Some(Value::Null) => {
                let count = count.ok_or_else(|| SeedError::bad("count is required (or references)"))?;
                generated(gateway, count)
            }
            Some(Value::Array(items)) => {
                let refs = items
                    .iter()
                    .map(|v| match v {
                        Value::String(s) if !s.is_empty() && s.len() <= MAX_REFERENCE => Ok(s.clone()),
                        _ => Err(SeedError::bad(format!(
                            "references must be strings of 1 to {MAX_REFERENCE} characters"
                        ))),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                if refs.is_empty() || refs.len() > MAX_COUNT {
                    return Err(SeedError::bad(format!("references must hold 1 to {MAX_COUNT} strings")));
                }
                if count.is_some_and(|n| n != refs.len()) {
                    return Err(SeedError::bad("count and the number of references differ"));
                }
                let mut seen = HashSet::with_capacity(refs.len());
                if let Some(dup) = refs.iter().find(|r| !seen.insert(r.as_str())) {
                    return Err(SeedError::bad(format!("reference {dup:?} appears twice")));
                }
                refs
            }
            Some(_) => return Err(SeedError::bad("references must be an array of strings")),
        };
        let amount = match obj.get("amount") {
            None | Some(Value::Null) => "10.00".to_owned(),
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(_) => return Err(SeedError::bad("amount must be a decimal string, e.g. \"10.00\"")),
        };
        if plain_positive(&amount, MAX_INTEGER_DIGITS, MAX_PLACES).is_none() {
            return Err(SeedError::bad(format!("amount must be a positive decimal such as \"10.00\", not {amount:?}")));
        }
        let expire_minutes = match obj.get("expire_minutes") {
            None | Some(Value::Null) => 30,
            Some(v) => v.as_u64().filter(|m| EXPIRE_MINUTES.contains(m)).ok_or_else(|| {
                SeedError::bad(format!(
                    "expire_minutes must be an integer from {} to {}",
                    EXPIRE_MINUTES.start(),
                    EXPIRE_MINUTES.end()
                ))
            })?,
        };
        Ok(Self {
            references,
            terminal: text("terminal", "till-1")?,
            amount,
            currency: text("currency", "USD")?,
            method: text("method", "usdt-tron")?,
            expire_minutes,
        })
    }

    /// `expire_minutes` in milliseconds.
    pub(crate) fn expire_ms(&self) -> i64 {
        i64::try_from(self.expire_minutes * 60_000).unwrap_or(i64::MAX)
    }
}

/// `seed<gateway><6 random capitals><i>`, i from 1: ASCII alphanumeric, at
/// most 4 + 7 + 6 + 5 = 22 characters, different in every batch.
fn generated(gateway: Gateway, count: usize) -> Vec<String> {
    let batch: String = crate::random_bytes::<6>().iter().map(|b| char::from(b'A' + b % 26)).collect();
    (1..=count).map(|i| format!("seed{}{batch}{i}", gateway.name())).collect()
}

/// A JSON object from `(name, value)` pairs (a request body as till sends it).
pub(crate) fn object(fields: impl IntoIterator<Item = (&'static str, Value)>) -> Map<String, Value> {
    fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts() {
        for good in ["10.00", "10", "0.015", "12345678901234567890.5"] {
            let body = format!(r#"{{"count": 1, "amount": "{good}"}}"#);
            assert!(Spec::parse(Gateway::Xpay, body.as_bytes()).is_ok(), "{good}");
        }
        for bad in ["", ".5", "5.", "1e3", "-1", "1.2.3", " 1", "0.00", "123456789012345678901"] {
            let body = format!(r#"{{"count": 1, "amount": "{bad}"}}"#);
            assert!(Spec::parse(Gateway::Xpay, body.as_bytes()).is_err(), "{bad}");
        }
    }

    #[test]
    fn defaults_and_generated_references() {
        let spec = Spec::parse(Gateway::Xaigate, br#"{"count": 3}"#).expect("valid");
        assert_eq!(spec.references.len(), 3);
        for (i, r) in spec.references.iter().enumerate() {
            assert!(r.starts_with("seedxaigate") && r.ends_with(&(i + 1).to_string()), "{r}");
            assert!(r.len() <= 32 && r.bytes().all(|b| b.is_ascii_alphanumeric()), "{r}");
        }
        assert_eq!(
            (spec.terminal.as_str(), spec.amount.as_str(), spec.currency.as_str(), spec.method.as_str()),
            ("till-1", "10.00", "USD", "usdt-tron")
        );
        assert_eq!(spec.expire_minutes, 30);
        let longest = Spec::parse(Gateway::Xaigate, br#"{"count": 20000}"#).expect("valid");
        assert!(longest.references.iter().all(|r| r.len() <= 32));
        let other = Spec::parse(Gateway::Xaigate, br#"{"count": 1}"#).expect("valid");
        assert_ne!(other.references, spec.references[..1], "batches differ");
    }

    #[test]
    fn bad_bodies() {
        for bad in [
            &b"{}"[..],
            br#"{"count": 0}"#,
            br#"{"count": 20001}"#,
            br#"{"count": "3"}"#,
            br#"{"references": []}"#,
            br#"{"references": ["a", "a"]}"#,
            br#"{"references": ["a", ""]}"#,
            br#"{"references": ["a", 1]}"#,
            br#"{"count": 2, "references": ["a"]}"#,
            br#"{"count": 1, "amount": "0"}"#,
            br#"{"count": 1, "amount": "ten"}"#,
            br#"{"count": 1, "expire_minutes": 0}"#,
            br#"{"count": 1, "terminal": ""}"#,
            b"[]",
            b"{",
        ] {
            assert!(
                matches!(Spec::parse(Gateway::Xpay, bad), Err(SeedError::BadRequest(_))),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
