//! xpays.life on the wire (xpays.md): the signed message and its template,
//! the create body, the answer's wrappers and the status mapping (with the
//! config's `status_map` rows), and payments read into verified invoices.
//! Pure: no I/O.

use super::config::{StatusRule, XpaysConfig};
use crate::core::invoice::{CryptoAmount, Invoice, Payload, PayloadKind, StatusReport};
use crate::core::method::{MethodId, PaymentMethod, ProviderId};
use crate::core::money::{Currency, Money};
use crate::core::status::Status;
use crate::gateway::CreateRequest;
use crate::gateway::answer::{self, Made};
use crate::gateway::error::GatewayError;
use crate::gateway::http::Reply;
use crate::gateway::json::{self, Fields};
use crate::gateway::sign::hmac_sha256_hex;
use crate::gateway::verify;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;
use serde_json::Value;

pub(super) const P: ProviderId = ProviderId::Xpays;

/// How many times a create that surely was not processed is sent.
pub(super) const CREATE_ATTEMPTS: u32 = 3;

/// USDT on TRON has 6 decimals: `payment_amount` is shown rounded up to them
/// (xpays.md § Mapping to till, the one allowed exception to "exact").
pub(super) const USDT_DECIMALS: u32 = 6;

/// What a request signs.
pub struct SignInput<'a> {
    pub timestamp: &'a str,
    pub body: &'a [u8],
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a str,
    pub api_key: &'a str,
}

/// The message `template` builds for a request (xpays.md § Authentication / signing).
pub fn sign_message(template: &str, input: &SignInput<'_>) -> Vec<u8> {
    let mut out = Vec::with_capacity(template.len() + input.body.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.extend_from_slice(rest.get(..open).unwrap_or("").as_bytes());
        let after = rest.get(open + 1..).unwrap_or("");
        let Some(close) = after.find('}') else {
            out.extend_from_slice(rest.get(open..).unwrap_or("").as_bytes());
            return out;
        };
        match after.get(..close).unwrap_or("") {
            "timestamp" => out.extend_from_slice(input.timestamp.as_bytes()),
            "body" => out.extend_from_slice(input.body),
            "method" => out.extend_from_slice(input.method.to_ascii_uppercase().as_bytes()),
            "path" => out.extend_from_slice(input.path.as_bytes()),
            "query" => out.extend_from_slice(input.query.as_bytes()),
            "api_key" => out.extend_from_slice(input.api_key.as_bytes()),
            other => {
                out.push(b'{');
                out.extend_from_slice(other.as_bytes());
                out.push(b'}');
            }
        }
        rest = after.get(close + 1..).unwrap_or("");
    }
    out.extend_from_slice(rest.as_bytes());
    out
}

/// `x-signature` for a request.
pub fn signature(secret: &str, template: &str, input: &SignInput<'_>) -> String {
    hmac_sha256_hex(secret.as_bytes(), &sign_message(template, input))
}

// ---- wire types: requests (xpays.md § Create invoice › What till sends)

#[derive(Serialize)]
pub(super) struct CreateBody<'a> {
    pub(super) order_id: &'a str,
    pub(super) amount: String,
    pub(super) from_fiat_currency: &'a str,
    pub(super) to_crypto_currency: &'a str,
    pub(super) chain: &'a str,
}

// ---- pure parsing of xpays answers

/// A body's `error`, when it has one (`{"error":"Forbidden"}`).
pub(super) fn error_of(v: &Value) -> Option<String> {
    match v.get("error")? {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string().chars().take(200).collect()),
    }
}

/// An answer as the payment object: a failure for non-2xx or an `error` key.
/// `info`: the status call, whose wrapper is `data.payment`, `payment` or `data`.
pub fn payment_of(reply: &Reply, info: bool) -> Result<Value, GatewayError> {
    let v = json::parse(P, &reply.body);
    let v = match v {
        Ok(v) => v,
        Err(_) if reply.status >= 500 => return Err(GatewayError::Http { provider: P, status: reply.status }),
        Err(e) => return Err(e),
    };
    if let Some(message) = error_of(&v) {
        return Err(match reply.status {
            401 | 403 => GatewayError::Credentials { provider: P },
            s if s >= 500 => GatewayError::Http { provider: P, status: s },
            _ => GatewayError::Refused { provider: P, message },
        });
    }
    if !(200..300).contains(&reply.status) {
        return Err(GatewayError::Http { provider: P, status: reply.status });
    }
    let found = if info {
        v.get("data").and_then(|d| d.get("payment")).or_else(|| v.get("payment")).or_else(|| v.get("data"))
    } else {
        v.get("data")
    };
    match found {
        Some(p @ Value::Object(_)) => Ok(p.clone()),
        _ => Err(GatewayError::protocol(P, if info { "data.payment" } else { "data" }, "missing")),
    }
}

pub(super) fn text_of(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "null".into(),
        Some(Value::String(s)) => s.chars().take(40).collect(),
        Some(other) => other.to_string().chars().take(40).collect(),
    }
}

/// The normalized status, by the rows of xpays.md § Mapping to till, tried
/// top to bottom. Only row 1 or a `status_map` entry ever gives paid.
pub fn derive_status(p: &Value, map: &[StatusRule]) -> (Status, String) {
    let completed = p.get("is_completed") == Some(&Value::Bool(true));
    let status = p.get("status").and_then(Value::as_str);
    let payment_status = p.get("payment_status").and_then(Value::as_str);
    let paid_amount = p.get("payer_paid_amount").and_then(json::decimal);
    let txid = p.get("txid").and_then(Value::as_str).filter(|s| !s.is_empty());
    let mut raw = format!("status={} payment_status={}", text_of(p.get("status")), text_of(p.get("payment_status")));
    if let Some(a) = p.get("payer_paid_amount").filter(|v| !v.is_null()) {
        raw.push_str(&format!(" payer_paid_amount={} {}", text_of(Some(a)), text_of(p.get("payer_paid_currency"))));
    }
    if let Some(t) = txid {
        raw.push_str(&format!(" txid={}", t.chars().take(20).collect::<String>()));
    }
    if completed {
        return (Status::Paid, raw);
    }
    if let Some(rule) = map.iter().find(|r| {
        status == Some(r.status.as_str()) && r.payment_status.as_deref().is_none_or(|ps| payment_status == Some(ps))
    }) {
        return (rule.state.clone(), raw);
    }
    let nothing_paid = paid_amount.is_none_or(|a| a.is_zero());
    let state = match status {
        Some("EXPIRED") if nothing_paid => Status::Expired,
        Some("EXPIRED") if p.get("payer_paid_amount").and_then(json::decimal).is_some_and(|a| a > Decimal::ZERO) => {
            Status::ExpiredUnderpaid
        }
        Some("CANCELED" | "CANCELLED") => Status::Canceled,
        Some("PENDING") if payment_status == Some("PAYMENT_CHECKING") && txid.is_none() && nothing_paid => {
            Status::Pending
        }
        Some("PENDING") if txid.is_some() => Status::Confirming,
        _ => Status::Unknown(raw.clone()),
    };
    (state, raw)
}

/// The status report of a payment object.
pub fn report(p: &Value, map: &[StatusRule], currency: &Currency) -> StatusReport {
    let (status, raw) = derive_status(p, map);
    // `payer_paid_amount`'s unit is unknown (xpays.md § Unknowns): counted as
    // received only in the shop's currency.
    let received = match (p.get("payer_paid_amount").and_then(json::decimal), p.get("payer_paid_currency")) {
        (Some(a), Some(Value::String(c))) if a > Decimal::ZERO && c == currency.code() => {
            Some(Money::new(a, currency.clone()))
        }
        _ => None,
    };
    let tx_id = p.get("txid").and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string);
    StatusReport { status, raw, received, tx_id, paid_with: None }
}

/// Turns a created payment into a verified invoice.
pub fn invoice_from_payment(p: &Value, request: &CreateRequest, cfg: &XpaysConfig) -> Result<Invoice, GatewayError> {
    let f = Fields::new(P, "data.", p);
    let id = f.str("id")?.to_string();
    answer::our_reference(P, "data.order_id", &f.text("order_id")?, &request.reference)?;
    answer::same_amount(P, "data.amount", f.decimal("amount")?, request.amount.amount)?;
    let created_at = f.instant("created_at")?;
    let expires_at = f.instant("expired_at")?;
    let unverified = |error| GatewayError::Unverified { provider: P, error };
    let due = f.decimal("payment_amount")?;
    verify::positive(&due).map_err(unverified)?;
    let shown = due.round_dp_with_strategy(USDT_DECIMALS, RoundingStrategy::AwayFromZero);
    let payload = match f.opt_str("address")? {
        Some(address) => {
            verify::tron_address(address).map_err(unverified)?;
            Payload { kind: PayloadKind::Address, qr: address.to_string(), text: address.to_string() }
        }
        None => {
            let url = f.str("payment_url")?;
            verify::page_url(url).map_err(unverified)?;
            Payload { kind: PayloadKind::Page, qr: url.to_string(), text: url.to_string() }
        }
    };
    let report = report(p, &cfg.status_map, &cfg.currency);
    let crypto = Some(CryptoAmount { amount: shown, unit: cfg.crypto.clone() });
    let method = PaymentMethod::new(P, MethodId::UsdtTron);
    Ok(Made { id, method, crypto, payload, valid: (created_at, expires_at) }.invoice(request, report))
}

#[cfg(test)]
mod tests {
    use super::super::config::{DEFAULT_SIGN_TEMPLATE, check_template};
    use super::*;
    use serde_json::json;

    /// xpays.md § Authentication / signing, worked example (POST and GET).
    #[test]
    fn signing_matches_the_worked_example() {
        let body =
            br#"{"order_id":"A1","amount":"10","from_fiat_currency":"USD","to_crypto_currency":"USDT","chain":"tron"}"#;
        let input = |body: &'static [u8]| SignInput {
            timestamp: "1730998051892",
            body,
            method: "POST",
            path: "/v1/payment/createInvoicePayment",
            query: "",
            api_key: "key_x",
        };
        assert_eq!(
            signature("test-secret", DEFAULT_SIGN_TEMPLATE, &input(body)),
            "8f4f3dcc88822a87bbfe5dea8cc7cdfc7ab23ebe5edc73e47421c86c2348f14b"
        );
        assert_eq!(
            signature("test-secret", DEFAULT_SIGN_TEMPLATE, &input(b"")),
            "1644d0426d8978e03a8410ec63423990e8093804a0d53f869cd938017e785b29"
        );
        // The body we send is byte for byte the one signed in the example.
        let ours = CreateBody {
            order_id: "A1",
            amount: "10".into(),
            from_fiat_currency: "USD",
            to_crypto_currency: "USDT",
            chain: "tron",
        };
        assert_eq!(serde_json::to_vec(&ours).unwrap(), body.to_vec());
    }

    #[test]
    fn templates_take_only_known_placeholders() {
        assert_eq!(check_template("{method}{path}{timestamp}{body}"), Ok(()));
        assert!(check_template("{timestamp}{nonce}").unwrap_err().contains("{nonce}"));
        assert!(check_template("{timestamp").is_err());
        let input = SignInput { timestamp: "1", body: b"{}", method: "get", path: "/p", query: "id=7", api_key: "k" };
        assert_eq!(sign_message("{method} {path}?{query} {api_key}:{timestamp}{body}", &input), b"GET /p?id=7 k:1{}");
    }

    fn payment(is_completed: bool, status: &str, payment_status: &str, paid: Value, txid: Value) -> Value {
        json!({"is_completed": is_completed, "status": status, "payment_status": payment_status,
               "payer_paid_amount": paid, "payer_paid_currency": "USDT", "txid": txid})
    }

    #[test]
    fn every_row_of_the_mapping_table() {
        use Status::*;
        let cases = [
            (payment(true, "PENDING", "PAYMENT_CHECKING", json!(null), json!(null)), Paid),
            (payment(true, "EXPIRED", "X", json!(0), json!(null)), Paid),
            (payment(false, "EXPIRED", "X", json!(null), json!(null)), Expired),
            (payment(false, "EXPIRED", "X", json!(0), json!(null)), Expired),
            (payment(false, "EXPIRED", "X", json!(5.5), json!("tx")), ExpiredUnderpaid),
            (payment(false, "CANCELED", "X", json!(null), json!(null)), Canceled),
            (payment(false, "CANCELLED", "X", json!(null), json!(null)), Canceled),
            (payment(false, "PENDING", "PAYMENT_CHECKING", json!(null), json!(null)), Pending),
            (payment(false, "PENDING", "PAYMENT_CHECKING", json!(null), json!("abc")), Confirming),
            (payment(false, "PENDING", "OTHER", json!(null), json!("abc")), Confirming),
        ];
        for (p, want) in cases {
            assert_eq!(derive_status(&p, &[]).0, want, "{p}");
        }
        // Row 8: anything else is unknown, shown raw, never paid.
        for p in [
            payment(false, "COMPLETED", "PAID", json!(10), json!("tx")),
            payment(false, "PENDING", "OTHER", json!(null), json!(null)),
            payment(false, "PENDING", "PAYMENT_CHECKING", json!(3), json!(null)),
            json!({"is_completed": "true", "status": "PENDING"}),
            json!({}),
        ] {
            let (s, raw) = derive_status(&p, &[]);
            assert!(matches!(s, Unknown(_)), "{p}");
            assert!(raw.contains("status="), "{raw}");
        }
    }

    #[test]
    fn the_status_map_adds_rows_before_the_defaults() {
        let map = [
            StatusRule::parse("COMPLETED/PAID", "paid").unwrap(),
            StatusRule::parse("ON_HOLD/*", "confirming").unwrap(),
        ];
        let p = payment(false, "COMPLETED", "PAID", json!(10), json!("tx"));
        assert_eq!(derive_status(&p, &map).0, Status::Paid);
        let p = payment(false, "ON_HOLD", "ANY", json!(null), json!(null));
        assert_eq!(derive_status(&p, &map).0, Status::Confirming);
        assert!(StatusRule::parse("A/B", "unknown").is_err());
        assert!(StatusRule::parse("AB", "paid").is_err());
    }
}
