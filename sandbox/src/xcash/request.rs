//! Xcash's request bodies, read the way the server's Django REST framework
//! serializers read them (§ What the server's code says › Create): field
//! rules, messages and the order the checks run in.

use std::collections::BTreeMap;

use axum::http::{HeaderMap, StatusCode, header};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Map, Value, json};

use super::options::{CHAIN, CRYPTO};
use super::wire::{Code, Refusal};
use crate::decimal::{DecError, PYTHON, Written};

/// `duration`: minutes, 5–30, default 10 (server code).
pub(super) const DURATION_MIN: i64 = 5;
pub(super) const DURATION_MAX: i64 = 30;
const DURATION_DEFAULT: i64 = 10;
/// `out_no` and `title`: at most 32 characters.
const MAX_TEXT: usize = 32;
/// Fiat currencies the server code accepts.
const CURRENCIES: [&str; 5] = ["USD", "CNY", "EUR", "JPY", "HKD"];
/// Chain codes of the current server code; anything else is `2000`.
const CHAIN_CODES: [&str; 13] = [
    "ethereum",
    "bsc",
    "polygon",
    "arbitrum-one",
    "optimism",
    "base",
    "avalanche",
    "linea",
    "scroll",
    "tron",
    "sepolia",
    "nile",
    "anvil",
];

/// A header's value, if it is text.
pub(super) fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The request body as a JSON object, the way DRF reads it: an empty body
/// is `{}`; otherwise `Content-Type: application/json` (else 415) and valid
/// JSON (else 400 `{"detail":"JSON parse error - …"}`); a non-object is a
/// `1000` parameter error.
pub(super) fn json_object(headers: &HeaderMap, body: &[u8]) -> Result<Map<String, Value>, Refusal> {
    if body.is_empty() {
        return Ok(Map::new());
    }
    let content_type = header_text(headers, header::CONTENT_TYPE.as_str()).unwrap_or("");
    let media = content_type.split(';').next().unwrap_or("").trim();
    if !media.eq_ignore_ascii_case("application/json") {
        let shown: String = content_type.chars().filter(|c| !c.is_control()).take(100).collect();
        return Err(Refusal::Drf(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("Unsupported media type \"{shown}\" in request."),
        ));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => {
            let kind = match other {
                Value::Array(_) => "list",
                Value::String(_) => "str",
                Value::Number(_) => "int",
                Value::Bool(_) => "bool",
                _ => "NoneType",
            };
            Err(Code::Parameter.refuse(json!({
                "non_field_errors": [format!("Invalid data. Expected a dictionary, but got {kind}.")]
            })))
        }
        Err(e) => Err(Refusal::Drf(StatusCode::BAD_REQUEST, format!("JSON parse error - {e}"))),
    }
}

/// Field errors, DRF style: `{"<field>": ["<message>", …]}`.
#[derive(Default)]
pub(super) struct FieldErrors(pub(super) Map<String, Value>);

impl FieldErrors {
    fn add(&mut self, field: &str, message: impl Into<String>) {
        let entry = self.0.entry(field.to_owned()).or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(list) = entry {
            list.push(Value::String(message.into()));
        }
    }
}

const REQUIRED: &str = "This field is required.";
const NOT_NULL: &str = "This field may not be null.";

/// DRF `CharField(max_length)`: strings (trimmed) and numbers; not blank.
pub(super) fn char_field(obj: &Map<String, Value>, name: &str, max: usize, errors: &mut FieldErrors) -> Option<String> {
    let text = match obj.get(name) {
        None => return errors_add(errors, name, REQUIRED),
        Some(Value::Null) => return errors_add(errors, name, NOT_NULL),
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(Value::Number(n)) => n.to_string(),
        Some(_) => return errors_add(errors, name, "Not a valid string."),
    };
    if text.is_empty() {
        return errors_add(errors, name, "This field may not be blank.");
    }
    if text.chars().count() > max {
        return errors_add(errors, name, format!("Ensure this field has no more than {max} characters."));
    }
    Some(text)
}

fn errors_add<T>(errors: &mut FieldErrors, name: &str, message: impl Into<String>) -> Option<T> {
    errors.add(name, message);
    None
}

/// DRF `DecimalField(max_digits=32, decimal_places=8, min 0.00000001, max 1000000)`:
/// a string or a JSON number; its value normalized (`4.50` → `4.5`).
fn amount_field(obj: &Map<String, Value>, errors: &mut FieldErrors) -> Option<Decimal> {
    const NAME: &str = "amount";
    const INVALID: &str = "A valid number is required.";
    const TOO_MANY_DIGITS: &str = "Ensure that there are no more than 32 digits in total.";
    const TOO_SMALL: &str = "Ensure this value is greater than or equal to 0.00000001.";
    const TOO_LARGE: &str = "Ensure this value is less than or equal to 1000000.";
    let text = match obj.get(NAME) {
        None => return errors_add(errors, NAME, REQUIRED),
        Some(Value::Null) => return errors_add(errors, NAME, NOT_NULL),
        Some(Value::String(s)) if s.len() > 1000 => return errors_add(errors, NAME, "String value too large."),
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(Value::Number(n)) => n.to_string(),
        Some(_) => return errors_add(errors, NAME, INVALID),
    };
    let written = match Written::parse(&text, PYTHON) {
        Ok(written) => written,
        Err(DecError::Syntax) => return errors_add(errors, NAME, INVALID),
        Err(DecError::TooLong) => return errors_add(errors, NAME, TOO_MANY_DIGITS),
    };
    // DRF: precision first (digits and decimals as written), then the range validators.
    if written.total_digits() > 32 {
        return errors_add(errors, NAME, TOO_MANY_DIGITS);
    }
    if written.places() > 8 {
        return errors_add(errors, NAME, "Ensure that there are no more than 8 decimal places.");
    }
    // With at most 8 places, only a large integer part can be beyond rust_decimal.
    match written.magnitude() {
        _ if written.is_negative() => errors_add(errors, NAME, TOO_SMALL),
        Some(value) if value < Decimal::new(1, 8) => errors_add(errors, NAME, TOO_SMALL),
        Some(value) if value <= Decimal::from(1_000_000) => Some(value.normalize()),
        _ => errors_add(errors, NAME, TOO_LARGE),
    }
}

/// DRF `IntegerField(required=False, default=10, min 5, max 30)`.
fn duration_field(obj: &Map<String, Value>, errors: &mut FieldErrors) -> Option<i64> {
    const NAME: &str = "duration";
    const INVALID: &str = "A valid integer is required.";
    let minutes = match obj.get(NAME) {
        None => return Some(DURATION_DEFAULT),
        Some(Value::Null) => return errors_add(errors, NAME, NOT_NULL),
        Some(Value::Number(n)) => match n.as_i64() {
            Some(v) => v,
            None => match Written::parse(&n.to_string(), PYTHON) {
                Ok(written) if written.is_integer() => {
                    let v = written.magnitude().and_then(|m| m.to_i64()).unwrap_or(i64::MAX);
                    if written.is_negative() { -v } else { v }
                }
                _ => return errors_add(errors, NAME, INVALID),
            },
        },
        Some(Value::String(s)) => {
            let t = s.trim();
            let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
            if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return errors_add(errors, NAME, INVALID);
            }
            let v = digits.parse::<i64>().unwrap_or(i64::MAX);
            if t.starts_with('-') { -v } else { v }
        }
        Some(_) => return errors_add(errors, NAME, INVALID),
    };
    if minutes < DURATION_MIN {
        return errors_add(errors, NAME, format!("Ensure this value is greater than or equal to {DURATION_MIN}."));
    }
    if minutes > DURATION_MAX {
        return errors_add(errors, NAME, format!("Ensure this value is less than or equal to {DURATION_MAX}."));
    }
    Some(minutes)
}

/// DRF `URLField(required=False)`.
fn url_field(obj: &Map<String, Value>, name: &str, errors: &mut FieldErrors) -> Option<Option<String>> {
    match obj.get(name) {
        None => Some(None),
        Some(Value::Null) => errors_add(errors, name, NOT_NULL),
        Some(Value::String(s)) => {
            let s = s.trim();
            let host = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://"));
            let ok = host.is_some_and(|rest| {
                let host = rest.split(['/', '?', '#']).next().unwrap_or("");
                !host.is_empty() && !rest.chars().any(char::is_whitespace)
            });
            if ok { Some(Some(s.to_owned())) } else { errors_add(errors, name, "Enter a valid URL.") }
        }
        Some(_) => errors_add(errors, name, "Enter a valid URL."),
    }
}

/// `methods` (§ What the server's code says › Create): empty or absent →
/// every method of the project; else `{"<crypto>": ["<chain>", …]}` with
/// `2001` for a crypto other than USDT, `2000` for an unknown chain code
/// (`tron-mainnet`), `5008` for a known chain the project cannot receive
/// on, `1000` for a wrong shape.
fn methods_field(obj: &Map<String, Value>) -> Result<BTreeMap<String, Vec<String>>, Refusal> {
    let project = || BTreeMap::from([(CRYPTO.to_owned(), vec![CHAIN.to_owned()])]);
    let shape = |why: &str| Code::Parameter.refuse(json!({ "methods": [why] }));
    let value = match obj.get("methods") {
        None | Some(Value::Null) | Some(Value::Bool(false)) => return Ok(project()),
        Some(Value::Object(m)) if m.is_empty() => return Ok(project()),
        Some(Value::Array(a)) if a.is_empty() => return Ok(project()),
        Some(Value::String(s)) if s.is_empty() => return Ok(project()),
        Some(Value::Object(m)) => m,
        Some(_) => return Err(shape("must be an object such as {\"USDT\": [\"tron\"]}")),
    };
    let mut sanitized = BTreeMap::new();
    for (crypto, chains) in value {
        let Value::Array(chains) = chains else {
            return Err(shape(&format!("{crypto}: must be a list of chain codes")));
        };
        if crypto != CRYPTO {
            return Err(Code::InvalidCrypto.refuse(json!(crypto)));
        }
        let mut codes = Vec::new();
        for chain in chains {
            let Value::String(chain) = chain else {
                return Err(shape(&format!("{crypto}: chain codes must be strings")));
            };
            if !CHAIN_CODES.contains(&chain.as_str()) {
                return Err(Code::InvalidChain.refuse(json!(chain)));
            }
            if chain != CHAIN {
                return Err(Code::NoRecipient.refuse(json!(format!("{crypto}:{chain}"))));
            }
            if !codes.contains(chain) {
                codes.push(chain.clone());
            }
        }
        if !codes.is_empty() {
            sanitized.insert(crypto.clone(), codes);
        }
    }
    if sanitized.is_empty() {
        return Err(Code::NoRecipient.refuse(json!("")));
    }
    Ok(sanitized)
}

/// A validated create request.
pub(super) struct CreateInvoice {
    pub(super) out_no: String,
    pub(super) title: String,
    pub(super) currency: String,
    pub(super) amount: Decimal,
    pub(super) duration: i64,
    pub(super) methods: BTreeMap<String, Vec<String>>,
    pub(super) notify_url: Option<String>,
    pub(super) return_url: Option<String>,
}

impl CreateInvoice {
    /// Fields in the serializer's order; business errors (`5000`, `2001`,
    /// `2000`, `5008`) answer at once, field errors are collected into one
    /// `1000`.
    pub(super) fn parse(obj: &Map<String, Value>) -> Result<Self, Refusal> {
        let mut errors = FieldErrors::default();
        let out_no = char_field(obj, "out_no", MAX_TEXT, &mut errors);
        let title = char_field(obj, "title", MAX_TEXT, &mut errors);
        let currency = char_field(obj, "currency", 8, &mut errors);
        if let Some(c) = &currency
            && !CURRENCIES.contains(&c.as_str())
        {
            return Err(Code::InvalidCurrency.refuse(json!(c)));
        }
        let amount = amount_field(obj, &mut errors);
        let duration = duration_field(obj, &mut errors);
        let methods = methods_field(obj)?;
        let notify_url = url_field(obj, "notify_url", &mut errors);
        let return_url = url_field(obj, "return_url", &mut errors);
        match (out_no, title, currency, amount, duration, notify_url, return_url) {
            (Some(out_no), Some(title), Some(currency), Some(amount), Some(duration), Some(notify), Some(ret))
                if errors.0.is_empty() =>
            {
                Ok(Self { out_no, title, currency, amount, duration, methods, notify_url: notify, return_url: ret })
            }
            _ => Err(Code::Parameter.refuse(Value::Object(errors.0))),
        }
    }
}
