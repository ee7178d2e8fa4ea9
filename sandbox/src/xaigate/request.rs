//! XaiGate's requests: a JSON body carrying `apiKey` (§ Authentication /
//! signing), the create request, amounts, and the control actions in
//! XaiGate's terms.

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use rust_decimal::Decimal;
use serde_json::{Map, Value};

use super::wire::{MSG_INVALID_API_KEY, OrderId, Refusal};
use crate::body::is_json;
use crate::control::ControlError;
use crate::decimal::plain_positive;

/// Largest number of decimals accepted in `amount`.
const MAX_DECIMALS: u64 = 8;
/// Largest number of integer digits accepted in `amount`.
const MAX_INTEGER_DIGITS: usize = 15;

/// A positive decimal in plain notation (`10`, `4.50`), at most 15 digits
/// before the point and 8 after it.
fn parse_decimal(text: &str) -> Option<Decimal> {
    plain_positive(text, MAX_INTEGER_DIGITS, MAX_DECIMALS)
}

/// Half of an `amount`, exactly, without trailing zeros (`10` → `5`,
/// `4.50` → `2.25`, `0.01` → `0.005`).
pub(super) fn half(text: &str) -> Option<String> {
    parse_decimal(text).map(|amount| (amount * Decimal::new(5, 1)).normalize().to_string())
}

/// A control action (CONTROL.md § Invoice actions) in XaiGate's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Action {
    Pay,
    Partial,
    Expire,
    Cancel,
    Weird,
}

impl Action {
    pub(super) fn parse(name: &str) -> Result<Self, ControlError> {
        match name {
            "pay" => Ok(Self::Pay),
            "partial" => Ok(Self::Partial),
            "expire" => Ok(Self::Expire),
            "cancel" => Ok(Self::Cancel),
            "weird" => Ok(Self::Weird),
            "seen" => Err(ControlError::BadRequest("XaiGate cannot express `seen`: it has no confirming state".into())),
            "view" => Err(ControlError::BadRequest("`view` is Bitsby's only".into())),
            other => Err(ControlError::BadRequest(format!("unknown action `{other}`"))),
        }
    }
}

/// The body as a JSON object (`application/json` required), with `apiKey` checked.
pub(super) fn authenticated_body(
    api_key: &str,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Map<String, Value>, Refusal> {
    if !is_json(headers) {
        return Err(Refusal::bad("Content-Type must be application/json"));
    }
    let obj = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(obj)) => obj,
        Ok(_) => return Err(Refusal::bad("body must be a JSON object")),
        Err(e) => return Err(Refusal::bad(format!("body is not valid JSON: {e}"))),
    };
    match obj.get("apiKey") {
        Some(Value::String(key)) if key == api_key => Ok(obj),
        _ => Err(Refusal { status: StatusCode::UNAUTHORIZED, message: MSG_INVALID_API_KEY.into() }),
    }
}

/// A field that is absent or `null` counts as absent.
pub(super) fn field<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.get(name).filter(|v| !v.is_null())
}

pub(super) fn required_string<'a>(obj: &'a Map<String, Value>, name: &str) -> Result<&'a str, Refusal> {
    match field(obj, name) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s),
        Some(Value::String(_)) | None => Err(Refusal::bad(format!("{name} is required"))),
        Some(_) => Err(Refusal::bad(format!("{name} must be a string"))),
    }
}

pub(super) fn optional_string(obj: &Map<String, Value>, name: &str) -> Result<String, Refusal> {
    match field(obj, name) {
        None => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(Refusal::bad(format!("{name} must be a string"))),
    }
}

/// A validated create request (§ Create invoice › Request Parameter).
pub(super) struct CreateRequest {
    pub(super) order_id: OrderId,
    pub(super) amount: String,
    pub(super) currency: &'static str,
    pub(super) email: String,
    pub(super) shop_name: String,
    pub(super) description: String,
}

impl CreateRequest {
    pub(super) fn parse(obj: &Map<String, Value>) -> Result<Self, Refusal> {
        // "String" in both tables, a number in the tables' sample and the
        // response: both are accepted.
        let order_id = match field(obj, "orderId") {
            None => return Err(Refusal::bad("orderId is required")),
            Some(Value::String(s)) if s.trim().is_empty() => return Err(Refusal::bad("orderId is required")),
            Some(Value::String(s)) => OrderId::from_text(s),
            Some(Value::Number(n)) => match n.as_u64() {
                Some(n) => OrderId::Number(n),
                None => return Err(Refusal::bad("orderId must be a string or a non-negative integer")),
            },
            Some(_) => return Err(Refusal::bad("orderId must be a string or a non-negative integer")),
        };
        // "String" in the tables, the number 10 in the request sample.
        let amount = match field(obj, "amount") {
            None => return Err(Refusal::bad("amount is required")),
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(_) => return Err(Refusal::bad("amount must be a decimal string or number")),
        };
        if parse_decimal(&amount).is_none() {
            return Err(Refusal::bad(format!(
                "amount must be a decimal number greater than 0 (at most {MAX_DECIMALS} decimals), got {amount:?}"
            )));
        }
        let currency = match required_string(obj, "currency")? {
            "USD" => "USD",
            "EUR" => "EUR",
            _ => return Err(Refusal::bad("currency must be USD or EUR")),
        };
        let email = required_string(obj, "email")?;
        if !email.contains('@') {
            return Err(Refusal::bad("email must be an e-mail address"));
        }
        for url in ["notifyUrl", "successUrl", "failUrl"] {
            optional_string(obj, url)?;
        }
        Ok(Self {
            order_id,
            amount,
            currency,
            email: email.to_owned(),
            shop_name: optional_string(obj, "shopName")?,
            description: optional_string(obj, "description")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals() {
        assert_eq!(parse_decimal("10"), Some(Decimal::from(10)));
        assert_eq!(parse_decimal("4.50"), Some(Decimal::new(450, 2)));
        for bad in ["0", "0.00", "-1", "", ".5", "5.", "1e3", "1.123456789", "abc", " 1", "1,5", "1234567890123456"] {
            assert_eq!(parse_decimal(bad), None, "{bad:?}");
        }
        assert_eq!(half("10").as_deref(), Some("5"));
        assert_eq!(half("4.50").as_deref(), Some("2.25"));
        assert_eq!(half("0.01").as_deref(), Some("0.005"));
        assert_eq!(half("3").as_deref(), Some("1.5"));
    }
}
