//! Reading gateway JSON without trusting it: typed getters that name the field
//! on error, and exact decimals from a number's own text.

use super::error::GatewayError;
use crate::core::method::ProviderId;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::Value;

/// Parses a body as JSON, naming the gateway on failure.
pub fn parse(provider: ProviderId, body: &[u8]) -> Result<Value, GatewayError> {
    serde_json::from_slice(body).map_err(|e| GatewayError::protocol(provider, "(body)", format!("not JSON: {e}")))
}

/// An exact decimal from a JSON number (its text, never through f64) or a
/// numeric string.
pub fn decimal(v: &Value) -> Option<Decimal> {
    let text = match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_string(),
        _ => return None,
    };
    if text.contains(['e', 'E']) { Decimal::from_scientific(&text).ok() } else { Decimal::from_str_exact(&text).ok() }
}

/// An integer from a JSON number's text (no fraction allowed).
pub fn integer(v: &Value) -> Option<i128> {
    match v {
        Value::Number(_) => {
            let d = decimal(v)?;
            if d.fract().is_zero() { d.to_i128() } else { None }
        }
        _ => None,
    }
}

/// Typed access to an object's fields, with errors that name the field.
pub struct Fields<'a> {
    provider: ProviderId,
    path: &'a str,
    value: &'a Value,
}

impl<'a> Fields<'a> {
    pub fn new(provider: ProviderId, path: &'a str, value: &'a Value) -> Fields<'a> {
        Fields { provider, path, value }
    }

    fn err(&self, key: &str, detail: &str) -> GatewayError {
        GatewayError::protocol(self.provider, &format!("{}{key}", self.path), detail)
    }

    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.value.get(key).filter(|v| !v.is_null())
    }

    pub fn str(&self, key: &str) -> Result<&'a str, GatewayError> {
        match self.get(key) {
            Some(Value::String(s)) => Ok(s),
            Some(_) => Err(self.err(key, "expected a string")),
            None => Err(self.err(key, "missing")),
        }
    }

    pub fn int(&self, key: &str) -> Result<i128, GatewayError> {
        match self.get(key) {
            Some(v) => integer(v).ok_or_else(|| self.err(key, "expected an integer")),
            None => Err(self.err(key, "missing")),
        }
    }

    /// A non-empty string, or `None` when missing, null or empty.
    pub fn opt_str(&self, key: &str) -> Result<Option<&'a str>, GatewayError> {
        match self.get(key) {
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(self.err(key, "expected a string")),
            None => Ok(None),
        }
    }

    /// A string, or a number given as its text (gateways that send either).
    pub fn text(&self, key: &str) -> Result<String, GatewayError> {
        match self.get(key) {
            Some(Value::String(s)) => Ok(s.clone()),
            Some(Value::Number(n)) => Ok(n.to_string()),
            Some(_) => Err(self.err(key, "expected a string or a number")),
            None => Err(self.err(key, "missing")),
        }
    }

    /// An exact decimal from a number's text or a numeric string.
    pub fn decimal(&self, key: &str) -> Result<Decimal, GatewayError> {
        match self.get(key) {
            Some(v) => decimal(v).ok_or_else(|| self.err(key, "expected a decimal amount")),
            None => Err(self.err(key, "missing")),
        }
    }

    /// Like `decimal`, but `None` when missing or null.
    pub fn opt_decimal(&self, key: &str) -> Result<Option<Decimal>, GatewayError> {
        match self.get(key) {
            Some(v) => decimal(v).map(Some).ok_or_else(|| self.err(key, "expected a decimal amount")),
            None => Ok(None),
        }
    }

    /// An ISO 8601 instant with a zone (`2024-11-16T20:00:04.971Z`).
    pub fn instant(&self, key: &str) -> Result<jiff::Timestamp, GatewayError> {
        self.str(key)?.parse().map_err(|_| self.err(key, "expected an ISO 8601 time"))
    }

    /// A `YYYY-MM-DD HH:MM:SS` time without a zone, meant as UTC.
    pub fn utc_naive(&self, key: &str) -> Result<jiff::Timestamp, GatewayError> {
        let text = self.str(key)?;
        jiff::civil::DateTime::strptime("%Y-%m-%d %H:%M:%S", text)
            .ok()
            .and_then(|dt| dt.to_zoned(jiff::tz::TimeZone::UTC).ok())
            .map(|z| z.timestamp())
            .ok_or_else(|| self.err(key, "expected YYYY-MM-DD HH:MM:SS"))
    }

    pub fn bool_or(&self, key: &str, default: bool) -> Result<bool, GatewayError> {
        match self.get(key) {
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(self.err(key, "expected true or false")),
            None => Ok(default),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_every_digit() {
        let v: Value = serde_json::from_str("9.99721717462727").unwrap();
        assert_eq!(decimal(&v).unwrap().to_string(), "9.99721717462727");
        let v: Value = serde_json::from_str("\"2.5\"").unwrap();
        assert_eq!(decimal(&v).unwrap().to_string(), "2.5");
        let v: Value = serde_json::from_str("1e7").unwrap();
        assert_eq!(integer(&v), Some(10_000_000));
    }

    #[test]
    fn integers_refuse_fractions_and_strings() {
        assert_eq!(integer(&serde_json::from_str("10000000").unwrap()), Some(10_000_000));
        assert_eq!(integer(&serde_json::from_str("10.5").unwrap()), None);
        assert_eq!(integer(&serde_json::from_str("\"10\"").unwrap()), None);
        assert_eq!(integer(&serde_json::from_str("-3").unwrap()), Some(-3));
    }
}
