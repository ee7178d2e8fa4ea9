//! xPay's request bodies: JSON objects, their fields, and the create and
//! find requests as the sandbox validates them.

use axum::body::Bytes;
use axum::http::HeaderMap;
use serde_json::{Map, Value};

use super::ledger::Bill;
use super::wire::Invalid;
use crate::body::is_json;

/// Largest `amount` accepted: just under 10^9 USD, 15 digits, so that
/// `dollars` is exact as a JSON number.
const MAX_AMOUNT: u64 = 999_999_999_999_999;
/// Accepted `expireInMinutes` range: 1 minute to 30 days.
const EXPIRE_MINUTES: std::ops::RangeInclusive<u64> = 1..=43_200;
/// `bills/find` defaults and limit.
const DEFAULT_PAGE_SIZE: u64 = 10;
const MAX_PAGE_SIZE: u64 = 100;

/// The body as a JSON object. An empty body reads as `{}`; a non-empty one
/// needs `Content-Type: application/json` (every doc sample sends it).
pub(super) fn json_object(headers: &HeaderMap, body: &Bytes) -> Result<Map<String, Value>, Invalid> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    if !is_json(headers) {
        return Err(Invalid::new("", "Content-Type must be application/json"));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Invalid::new("", "the body must be a JSON object")),
        Err(e) => Err(Invalid::new("", format!("malformed JSON: {e}"))),
    }
}

/// A field that is absent or `null` counts as absent.
pub(super) fn field<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.get(name).filter(|v| !v.is_null())
}

pub(super) fn required_string<'a>(obj: &'a Map<String, Value>, name: &'static str) -> Result<&'a str, Invalid> {
    match field(obj, name) {
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(Invalid::new(name, "must be a string")),
        None => Err(Invalid::new(name, "is required")),
    }
}

pub(super) fn optional_string(obj: &Map<String, Value>, name: &'static str) -> Result<Option<String>, Invalid> {
    match field(obj, name) {
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(Invalid::new(name, "must be a string")),
        None => Ok(None),
    }
}

pub(super) fn required_bool(obj: &Map<String, Value>, name: &'static str) -> Result<bool, Invalid> {
    match field(obj, name) {
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(Invalid::new(name, "must be a JSON boolean")),
        None => Err(Invalid::new(name, "is required")),
    }
}

/// A JSON integer (no fraction, no exponent) ≥ 0, if present.
pub(super) fn optional_u64(obj: &Map<String, Value>, name: &'static str) -> Result<Option<u64>, Invalid> {
    match field(obj, name) {
        None => Ok(None),
        Some(Value::Number(n)) => match n.as_u64() {
            Some(v) => Ok(Some(v)),
            None => Err(Invalid::new(name, "must be a non-negative integer JSON number")),
        },
        Some(_) => Err(Invalid::new(name, "must be an integer JSON number")),
    }
}

/// A validated create request.
pub(super) struct CreateBill {
    pub(super) amount: u64,
    pub(super) tag: String,
    pub(super) expire_minutes: u64,
    pub(super) reference: String,
    pub(super) use_lightning: bool,
    pub(super) email: Option<String>,
    pub(super) callback_url: Option<String>,
}

impl CreateBill {
    pub(super) fn parse(obj: &Map<String, Value>) -> Result<Self, Invalid> {
        let amount = match field(obj, "amount") {
            Some(Value::Number(n)) => n.as_u64().filter(|&a| a > 0).ok_or_else(|| {
                Invalid::new("amount", "must be a positive integer JSON number (micro-dollars, 1 USD = 1000000)")
            })?,
            Some(_) => {
                return Err(Invalid::new("amount", "must be an integer JSON number (micro-dollars), not a string"));
            }
            None => return Err(Invalid::new("amount", "is required")),
        };
        if amount > MAX_AMOUNT {
            return Err(Invalid::new("amount", format!("must be at most {MAX_AMOUNT}")));
        }
        let tag = required_string(obj, "tag")?.to_owned();
        let minutes = match field(obj, "expireInMinutes") {
            Some(Value::String(s)) => {
                if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(Invalid::new("expireInMinutes", "must be a string of digits, e.g. \"30\""));
                }
                s.parse::<u64>().ok().filter(|m| EXPIRE_MINUTES.contains(m)).ok_or_else(|| {
                    Invalid::new(
                        "expireInMinutes",
                        format!("must be between {} and {}", EXPIRE_MINUTES.start(), EXPIRE_MINUTES.end()),
                    )
                })?
            }
            Some(_) => {
                return Err(Invalid::new("expireInMinutes", "must be a string of digits, e.g. \"30\", not a number"));
            }
            None => return Err(Invalid::new("expireInMinutes", "is required")),
        };
        let reference = required_string(obj, "reference")?;
        if reference.is_empty() {
            return Err(Invalid::new("reference", "must not be empty"));
        }
        Ok(Self {
            amount,
            tag,
            expire_minutes: minutes,
            reference: reference.to_owned(),
            use_lightning: required_bool(obj, "useLightning")?,
            email: optional_string(obj, "email")?,
            callback_url: optional_string(obj, "callbackURL")?,
        })
    }
}

/// The `reference` of a view or cancel body.
pub(super) fn reference(obj: &Map<String, Value>) -> Result<String, Invalid> {
    Ok(required_string(obj, "reference")?.to_owned())
}

/// A validated find request.
pub(super) struct FindBills {
    pub(super) page: u64,
    pub(super) page_size: u64,
    pub(super) ascending: bool,
    pub(super) wallet: Option<String>,
    pub(super) tag: Option<String>,
}

impl FindBills {
    pub(super) fn parse(obj: &Map<String, Value>) -> Result<Self, Invalid> {
        let page = optional_u64(obj, "page")?.unwrap_or(1);
        if page == 0 {
            return Err(Invalid::new("page", "must be at least 1"));
        }
        let page_size = optional_u64(obj, "pageSize")?.unwrap_or(DEFAULT_PAGE_SIZE);
        if !(1..=MAX_PAGE_SIZE).contains(&page_size) {
            return Err(Invalid::new("pageSize", format!("must be between 1 and {MAX_PAGE_SIZE}")));
        }
        let ascending = match field(obj, "sort") {
            None => false,
            Some(Value::Object(sort)) => match field(sort, "createdAt") {
                None => false,
                Some(v) if v.as_i64() == Some(1) => true,
                Some(v) if v.as_i64() == Some(-1) => false,
                Some(_) => return Err(Invalid::new("sort", "createdAt must be 1 or -1")),
            },
            Some(_) => {
                return Err(Invalid::new("sort", "must be an object such as {\"createdAt\": -1}"));
            }
        };
        Ok(Self {
            page,
            page_size,
            ascending,
            wallet: optional_string(obj, "wallet")?,
            tag: optional_string(obj, "tag")?,
        })
    }

    pub(super) fn matches(&self, bill: &Bill) -> bool {
        // "wildcard" search, read as a prefix match. The doc describes
        // `wallet` both as the wallet and as "Search by bill UUID": either matches.
        let wallet_ok = self.wallet.as_deref().is_none_or(|w| bill.wallet.starts_with(w) || bill.uuid.starts_with(w));
        let tag_ok = self.tag.as_deref().is_none_or(|t| bill.tag.starts_with(t));
        wallet_ok && tag_ok
    }
}
