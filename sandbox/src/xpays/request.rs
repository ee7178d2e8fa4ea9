//! xpays.life's create request (§ Create invoice › Request body) and the
//! JSON body it comes in.

use axum::http::HeaderMap;
use rust_decimal::Decimal;
use serde_json::{Map, Number, Value, json};

use super::price::{PAYMENT_DECIMALS, PAYMENT_FACTOR, shown, usd_per_unit};
use crate::body::is_json;
use crate::decimal::{LOOSE, Written};

/// Largest `amount` accepted, and its decimals.
pub(super) const MAX_AMOUNT: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);
pub(super) const MAX_AMOUNT_DECIMALS: u64 = 8;
/// Longest `order_id` (the hosted page URL ends with it).
pub(super) const MAX_ORDER_ID: usize = 64;

/// A validated create request (§ Create invoice › Request body).
pub(super) struct CreatePayment {
    pub(super) order_id: String,
    pub(super) amount: String,
    pub(super) payment_amount: Decimal,
    pub(super) from_fiat_currency: String,
    pub(super) to_crypto_currency: String,
    pub(super) chain: String,
    pub(super) additional_data: Value,
    pub(super) discount_percent: Number,
    pub(super) url_return: String,
    pub(super) url_success: String,
    pub(super) url_failed: String,
}

pub(super) fn required_string<'a>(obj: &'a Map<String, Value>, name: &str) -> Result<&'a str, String> {
    match obj.get(name) {
        Some(Value::String(s)) => Ok(s),
        None | Some(Value::Null) => Err(format!("{name} is required")),
        Some(_) => Err(format!("{name} must be a string")),
    }
}

pub(super) fn optional_string(obj: &Map<String, Value>, name: &str) -> Result<String, String> {
    match obj.get(name) {
        Some(Value::String(s)) => Ok(s.clone()),
        None | Some(Value::Null) => Ok(String::new()),
        Some(_) => Err(format!("{name} must be a string")),
    }
}

impl CreatePayment {
    pub(super) fn parse(obj: &Map<String, Value>) -> Result<Self, String> {
        let order_id = required_string(obj, "order_id")?;
        let amount = required_string(obj, "amount")?;
        let fiat = required_string(obj, "from_fiat_currency")?;
        let crypto = required_string(obj, "to_crypto_currency")?;
        let chain = required_string(obj, "chain")?;

        let url_safe = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~');
        if order_id.is_empty() || order_id.len() > MAX_ORDER_ID || !order_id.chars().all(url_safe) {
            return Err(format!("order_id must be 1 to {MAX_ORDER_ID} characters among letters, digits and - _ . ~"));
        }
        let bad_amount = || "amount must be a decimal string greater than 0, e.g. \"10\" or \"4.50\"".to_owned();
        if !amount.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
            return Err(bad_amount());
        }
        let written = Written::parse(amount, LOOSE).map_err(|_| bad_amount())?;
        if written.magnitude().is_some_and(|v| v.is_zero()) {
            return Err(bad_amount());
        }
        if written.places() > MAX_AMOUNT_DECIMALS {
            return Err(format!("amount must have at most {MAX_AMOUNT_DECIMALS} decimal places"));
        }
        // At most 8 places: only a large integer part is beyond rust_decimal.
        let Some(value) = written.magnitude().filter(|v| *v <= MAX_AMOUNT) else {
            return Err(format!("amount must be at most {MAX_AMOUNT}"));
        };
        let Some(rate) = usd_per_unit(fiat) else {
            return Err(format!("from_fiat_currency {fiat:?} is not supported (USD, EUR, GBP, VND)"));
        };
        if crypto != "USDT" {
            return Err(format!("to_crypto_currency {crypto:?} is not supported (USDT)"));
        }
        if chain != "tron" {
            return Err(format!("chain {chain:?} is not supported (tron)"));
        }
        let payment_amount = value
            .checked_mul(rate)
            .and_then(|usd| usd.checked_mul(PAYMENT_FACTOR))
            .map(shown)
            .filter(|p| !p.is_zero())
            .unwrap_or(Decimal::new(1, PAYMENT_DECIMALS));

        let additional_data = match obj.get("additional_data") {
            None | Some(Value::Null) => json!({}),
            Some(v @ Value::Object(_)) => v.clone(),
            Some(_) => return Err("additional_data must be an object".to_owned()),
        };
        let discount_percent = match obj.get("discount_percent") {
            None | Some(Value::Null) => Number::from(0),
            Some(Value::Number(n)) if n.as_f64().is_some_and(|p| (0.0..=100.0).contains(&p)) => n.clone(),
            Some(_) => return Err("discount_percent must be a number from 0 to 100".to_owned()),
        };
        Ok(Self {
            order_id: order_id.to_owned(),
            amount: amount.to_owned(),
            payment_amount,
            from_fiat_currency: fiat.to_owned(),
            to_crypto_currency: crypto.to_owned(),
            chain: chain.to_owned(),
            additional_data,
            discount_percent,
            url_return: optional_string(obj, "url_return")?,
            url_success: optional_string(obj, "url_success")?,
            url_failed: optional_string(obj, "url_failed")?,
        })
    }
}

/// The body as a JSON object (till sends `Content-Type: application/json`).
pub(super) fn json_object(headers: &HeaderMap, body: &[u8]) -> Result<Map<String, Value>, String> {
    if !is_json(headers) {
        return Err("Content-Type must be application/json".to_owned());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err("the body must be a JSON object".to_owned()),
        Err(_) => Err("the body is not valid JSON".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amount(text: &str) -> Result<String, String> {
        let body = json!({"order_id": "A1", "amount": text, "from_fiat_currency": "USD",
            "to_crypto_currency": "USDT", "chain": "tron"});
        let Value::Object(obj) = body else { return Err("not an object".into()) };
        CreatePayment::parse(&obj).map(|p| p.payment_amount.normalize().to_string())
    }

    #[test]
    fn amounts() {
        assert_eq!(amount("10").as_deref(), Ok("9.99721717462727"));
        assert_eq!(amount(".5").as_deref(), Ok("0.49986085873136"), "at most 14 decimals");
        assert!(amount("1000000000").is_ok());
        for bad in ["0", "0.0", "", "-1", "1e3", "abc", "1000000000.01", "1.123456789", " 1"] {
            assert!(amount(bad).is_err(), "{bad:?}");
        }
    }
}
