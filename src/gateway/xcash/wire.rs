//! Xcash on the wire (xcash.md): the create body and its signature, the
//! error codes in plain words, and answers read into verified invoices and
//! status reports. Pure: no I/O.

use crate::core::invoice::{CryptoAmount, Invoice, Payload, PayloadKind, StatusReport};
use crate::core::method::{MethodId, PaymentMethod, ProviderId};
use crate::core::status::Status;
use crate::gateway::CreateRequest;
use crate::gateway::answer::{self, Made};
use crate::gateway::error::GatewayError;
use crate::gateway::http::Reply;
use crate::gateway::json::{self, Fields};
use crate::gateway::sign::hmac_sha256_hex;
use crate::gateway::verify;
use jiff::Timestamp;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

pub(super) const P: ProviderId = ProviderId::Xcash;

/// How many times a create is sent in all (each repeat identical but for
/// nonce, timestamp and signature).
pub(super) const CREATE_ATTEMPTS: u32 = 4;

/// The create route; an invoice's own routes are under it.
pub(super) const CREATE_PATH: &str = "/v1/invoice";

/// `XC-Signature` (xcash.md § Authentication / signing).
pub fn signature(hmac_key: &str, nonce: &str, timestamp: &str, body: &[u8]) -> String {
    let mut message = Vec::with_capacity(nonce.len() + timestamp.len() + body.len());
    message.extend_from_slice(nonce.as_bytes());
    message.extend_from_slice(timestamp.as_bytes());
    message.extend_from_slice(body);
    hmac_sha256_hex(hmac_key.as_bytes(), &message)
}

// ---- wire types: requests (xcash.md § Create invoice › What till sends)

#[derive(Serialize)]
pub struct CreateBody<'a> {
    pub out_no: &'a str,
    pub title: &'a str,
    pub currency: &'a str,
    pub amount: String,
    pub duration: u32,
    pub methods: BTreeMap<&'a str, [&'a str; 1]>,
}

#[derive(Serialize)]
pub(super) struct SelectBody<'a> {
    pub(super) crypto: &'a str,
    pub(super) chain: &'a str,
}

// ---- pure parsing of Xcash answers

/// An Xcash refusal, in the till's own plain words for each documented code
/// (xcash.md § Errors and limits). The gateway's `message` is never shown:
/// it is in Chinese unless the deployment compiled its English
/// translations, whatever `Accept-Language` says (measured), so the till
/// matches on `code` only and the message reaches the log with the body.
/// `skew`: local time minus the server's `Date`, for the clock error.
pub fn refusal(code: &str, detail: &Value, skew: Option<i64>) -> GatewayError {
    let detail_text = match detail {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let said = |s: &str| s.to_string();
    let text = match code {
        "1000" if !detail_text.is_empty() => format!("a field was refused: {}", cut(&detail_text)),
        "1000" => said("a field of the request was refused (code 1000)"),
        "1001" => said("the appid is not known: check appid in [providers.xcash]"),
        "1002" => said("this shop's IP address is not on the project's whitelist"),
        "1003" => said("the signature was refused: check hmac_key in [providers.xcash]"),
        "1004" => format!("the Xcash project is not ready: {}", cut(&detail_text)),
        "1005" => said("the Xcash project is inactive"),
        "1006" => said("the Xcash account's fee balance is too low"),
        "1007" => said("duplicate order number (out_no already used with other details)"),
        "1008" => match skew {
            Some(s) => format!(
                "the terminal's clock is off by about {} s ({}): set the machine's clock and try again",
                s.abs(),
                if s > 0 { "ahead" } else { "behind" }
            ),
            None => said("the terminal's clock is off: set the machine's clock and try again"),
        },
        "1009" => said("request refused as a replay (nonce reused)"),
        "2000" | "5007" | "5010" => said("the chain is not accepted: check chain_code (tron or tron-mainnet)"),
        "2001" => said("USDT is not accepted by this Xcash project"),
        "2002" => said("the chain has no USDT: check chain_code"),
        "2003" | "2004" | "2005" => format!("the project's chain or token settings are wrong (code {code})"),
        "3006" => said("the amount has more decimals than the token allows"),
        "4000" => said("the user id was refused (code 4000)"),
        "4001" => said("no collection address for a deposit (code 4001)"),
        "5000" => said("Xcash does not accept this shop's currency"),
        "5002" | "5003" | "5004" => format!("the invoice's details were refused (code {code})"),
        "5005" | "5011" => said("Xcash does not know this invoice"),
        "5006" => said("the invoice is no longer waiting for payment"),
        "5008" => said("no receiving address for USDT on TRON in the Xcash project, or check chain_code"),
        "5009" => said("too many unpaid invoices: close old ones in the Xcash dashboard"),
        "5012" => said("the invoice has expired"),
        "6000" => said("the internal token was refused (code 6000)"),
        "6002" => said("the Xcash project was not found: check appid in [providers.xcash]"),
        "6003" => said("this feature is not open for the Xcash project"),
        "6004" => said("the Xcash account is frozen"),
        _ => format!("error code {} (the gateway's message is in the log)", cut(code)),
    };
    GatewayError::Refused { provider: P, message: text }
}

/// A refusal in Django REST framework's `{"detail"}` shape, by its HTTP
/// status: the detail text is the server's own (perhaps Chinese), logged.
fn drf_refusal(status: u16) -> GatewayError {
    let message = match status {
        404 => "not found (HTTP 404): check base_url in [providers.xcash], or the invoice is unknown".to_string(),
        400 => "the request could not be read (HTTP 400)".to_string(),
        405 | 415 => format!("the request was refused (HTTP {status}): check base_url in [providers.xcash]"),
        _ => format!("the request was refused (HTTP {status}); the detail is in the log"),
    };
    GatewayError::Refused { provider: P, message }
}

/// A non-JSON refusal: what the real server answers for an unknown route or
/// a trailing slash (an HTML 403 page, measured), so a wrong `base_url`.
fn page_refusal(status: u16) -> GatewayError {
    GatewayError::Refused {
        provider: P,
        message: format!(
            "answered a web page (HTTP {status}), not its API: check base_url in [providers.xcash] (no path, no trailing /)"
        ),
    }
}

pub(super) fn cut(s: &str) -> String {
    s.chars().take(160).collect()
}

/// An answer as the invoice object, or the error it carries. A 2xx body that
/// is not a JSON object is a protocol error here; [`created_of`] reads it as
/// a create whose outcome is not known.
pub fn invoice_of(reply: &Reply, now: Timestamp) -> Result<Value, GatewayError> {
    let v = match json::parse(P, &reply.body) {
        Ok(v) => v,
        Err(_) if reply.status >= 500 => return Err(GatewayError::Http { provider: P, status: reply.status }),
        Err(_) if reply.status >= 400 => return Err(page_refusal(reply.status)),
        Err(e) => return Err(e),
    };
    if !(200..300).contains(&reply.status) || v.get("code").is_some() {
        if reply.status >= 500 {
            return Err(GatewayError::Http { provider: P, status: reply.status });
        }
        let code = match v.get("code") {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        if let Some(code) = code {
            let skew = reply.date.map(|d| now.as_second() - d.as_second());
            return Err(refusal(&code, v.get("detail").unwrap_or(&Value::Null), skew));
        }
        return Err(drf_refusal(reply.status));
    }
    match v {
        Value::Object(_) => Ok(v),
        _ => Err(GatewayError::protocol(P, "(body)", "expected an object")),
    }
}

/// A create's answer. A 2xx whose body cannot be read (malformed, empty,
/// HTML, not an object) counts as a timeout: the server may have made the
/// invoice before the answer was spoiled, so the create is repeated
/// identically (same `out_no` and fields) and Xcash returns the existing
/// invoice with HTTP 200. Never "try again" with an invoice left open.
pub fn created_of(reply: &Reply, now: Timestamp) -> Result<Value, GatewayError> {
    // Readable: an invoice (its `sys_no`) or an error in Xcash's shape. A 2xx
    // with neither may still have made the invoice.
    let readable = serde_json::from_slice::<Value>(&reply.body).is_ok_and(|v| {
        v.get("sys_no").is_some_and(Value::is_string) || v.get("code").is_some() || v.get("detail").is_some()
    });
    if (200..300).contains(&reply.status) && !readable {
        return Err(GatewayError::Timeout {
            provider: P,
            detail: format!("HTTP {} with a body that cannot be read: the invoice may exist", reply.status),
        });
    }
    invoice_of(reply, now)
}

/// The normalized status (xcash.md § Mapping to till). `expired` with a
/// `payment` is `confirming`: the server attaches only a transfer of exactly
/// `pay_amount` made inside the window, and completes the invoice once it is
/// confirmed (measured), so Xcash never underpays. `expired` without one is
/// `expired`, yet not final at Xcash: a transfer made in the window but seen
/// after the expiry task ran turns it `completed` later, and `completed` is
/// `paid` whatever came before (the till keeps watching expired sales).
pub fn derive_status(inv: &Value) -> (Status, String) {
    let status = inv.get("status").and_then(Value::as_str);
    let payment = inv.get("payment").is_some_and(|p| !p.is_null());
    let raw = format!("status={}{}", status.unwrap_or("(missing)"), if payment { " payment=seen" } else { "" });
    let state = match status {
        Some("waiting") if payment => Status::Confirming,
        Some("waiting") => Status::Pending,
        Some("confirming") => Status::Confirming,
        Some("completed") => Status::Paid,
        Some("expired") if payment => Status::Confirming,
        Some("expired") => Status::Expired,
        _ => Status::Unknown(raw.clone()),
    };
    (state, raw)
}

pub fn report(inv: &Value) -> StatusReport {
    let (status, raw) = derive_status(inv);
    let payment = inv.get("payment").filter(|p| p.is_object());
    let tx_id = payment.and_then(|p| p.get("hash")).and_then(Value::as_str).map(str::to_string);
    StatusReport { status, raw, received: None, tx_id, paid_with: None }
}

/// Turns an invoice object into a verified invoice. `Ok(None)`: no address
/// assigned yet (select-method is due).
pub fn invoice_from(inv: &Value, request: &CreateRequest, allow_page: bool) -> Result<Option<Invoice>, GatewayError> {
    let f = Fields::new(P, "", inv);
    let id = f.str("sys_no")?.to_string();
    if let Some(out_no) = f.opt_str("out_no")? {
        answer::our_reference(P, "out_no", out_no, &request.reference)?;
    }
    answer::same_amount(P, "amount", f.decimal("amount")?, request.amount.amount)?;
    let created_at = f.instant("created_at")?;
    let expires_at = f.instant("expires_at")?;
    let unverified = |error| GatewayError::Unverified { provider: P, error };
    let (payload, crypto) = match f.opt_str("pay_address")? {
        Some(address) => {
            verify::tron_address(address).map_err(unverified)?;
            let due = f.decimal("pay_amount")?;
            verify::positive(&due).map_err(unverified)?;
            let payload = Payload { kind: PayloadKind::Address, qr: address.to_string(), text: address.to_string() };
            (payload, Some(CryptoAmount { amount: due, unit: "USDT".into() }))
        }
        None if !allow_page => return Ok(None),
        None => {
            let url = f.str("pay_url")?;
            verify::page_url(url).map_err(unverified)?;
            (Payload { kind: PayloadKind::Page, qr: url.to_string(), text: url.to_string() }, None)
        }
    };
    let report = report(inv);
    let method = PaymentMethod::new(P, MethodId::UsdtTron);
    Ok(Some(Made { id, method, crypto, payload, valid: (created_at, expires_at) }.invoice(request, report)))
}

#[cfg(test)]
mod tests {
    use super::super::config::title;
    use super::*;
    use serde_json::json;

    const BODY: &str = r#"{"out_no":"A1","title":"Coffee","currency":"USD","amount":"4.50"}"#;

    /// xcash.md § Authentication / signing, worked examples 1 and 2.
    #[test]
    fn signing_matches_the_worked_examples() {
        assert_eq!(
            signature("test-hmac-key", "n0nce-123", "1730998051", BODY.as_bytes()),
            "6959eb6fd8b79b12d372b3de94a6dc18d39cf8eeb3545e941965a7b8ad9fd262"
        );
        assert_eq!(
            signature("test-hmac-key", "3f1c2a9e-6b7d-4e2f-9a1b-0c4d5e6f7a8b", "1730998051", BODY.as_bytes()),
            "7d98bb9945f325bbdf1a9c4afffc89a04f8167a460f5eadae1b466db25c4a57c"
        );
    }

    #[test]
    fn the_create_body_is_the_documented_shape() {
        let body = CreateBody {
            out_no: "r1",
            title: &title("A very long shop name that goes on and on"),
            currency: "USD",
            amount: "4.5".into(),
            duration: 15,
            methods: BTreeMap::from([("USDT", ["tron"])]),
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"out_no":"r1","title":"A very long shop name that goes ","currency":"USD","amount":"4.5","duration":15,"methods":{"USDT":["tron"]}}"#
        );
    }

    #[test]
    fn every_status_row_maps() {
        use Status::*;
        let cases = [
            (json!({"status": "waiting", "payment": null}), Pending),
            (json!({"status": "waiting", "payment": {"hash": "h"}}), Confirming),
            (json!({"status": "confirming"}), Confirming),
            (json!({"status": "completed", "payment": {"hash": "h"}}), Paid),
            (json!({"status": "expired", "payment": null}), Expired),
            // Measured: an exact in-window transfer still confirming.
            (json!({"status": "expired", "payment": {"hash": "h", "status": "confirming"}}), Confirming),
        ];
        for (v, want) in cases {
            assert_eq!(derive_status(&v).0, want, "{v}");
        }
        for v in [json!({"status": "refunding"}), json!({"status": "COMPLETED"}), json!({}), json!({"status": 3})] {
            assert!(matches!(derive_status(&v).0, Unknown(_)), "{v}");
        }
    }

    fn reply(status: u16, body: &str, date: Option<&str>) -> Reply {
        Reply { status, body: body.as_bytes().to_vec(), date: date.map(|d| d.parse().unwrap()) }
    }

    /// xcash.md § Errors and limits: both error shapes, each code in plain words.
    #[test]
    fn error_codes_become_plain_messages() {
        let now: Timestamp = "2026-06-02T12:00:00Z".parse().unwrap();
        let msg = |status, body: &str, date| match invoice_of(&reply(status, body, date), now) {
            Err(e) => e.problem().message,
            Ok(v) => panic!("accepted {v}"),
        };
        let cases = [
            (403, r#"{"code":"1003","message":"签名错误","detail":""}"#, "check hmac_key"),
            (400, r#"{"code":"1007","message":"dup","detail":""}"#, "duplicate order number"),
            (400, r#"{"code":"1009","message":"replay","detail":""}"#, "replay (nonce reused)"),
            (400, r#"{"code":"5009","message":"too many","detail":""}"#, "too many unpaid invoices"),
            (
                400,
                r#"{"code":"5008","message":"没有有效的收款地址。","detail":""}"#,
                "no receiving address for USDT on TRON",
            ),
            (400, r#"{"code":"1001","message":"x","detail":""}"#, "appid is not known"),
            (400, r#"{"code":"1000","message":"bad","detail":{"amount":["too many decimals"]}}"#, "too many decimals"),
            (404, r#"{"detail":"未找到。"}"#, "not found (HTTP 404): check base_url"),
            (400, r#"{"code":"9999","message":"新的错误","detail":""}"#, "error code 9999"),
            (403, "<!doctype html><h1>403 Forbidden</h1>", "a web page (HTTP 403)"),
        ];
        for (status, body, want) in cases {
            let m = msg(status, body, None);
            assert!(m.contains(want), "{body}: {m}");
            assert!(m.starts_with("Xcash"), "{m}");
            // The gateway's own words (perhaps Chinese) stay in the log.
            assert!(m.is_ascii() && !m.contains("新的") && !m.contains("<h1>"), "{m}");
        }
        // The clock error says by how much, from the answer's Date header.
        let m = msg(400, r#"{"code":"1008","message":"ts","detail":""}"#, Some("2026-06-02T11:53:08Z"));
        assert!(m.contains("clock is off by about 412 s (ahead)"), "{m}");
    }
}

#[cfg(test)]
mod create_answers {
    use super::*;

    fn reply(status: u16, body: &str) -> Reply {
        Reply { status, body: body.as_bytes().to_vec(), date: None }
    }

    /// A 2xx whose body cannot be read may have made the invoice: a
    /// timeout, repeated identically.
    #[test]
    fn an_unreadable_2xx_create_answer_is_a_timeout() {
        let now: Timestamp = "2026-06-02T12:00:00Z".parse().unwrap();
        for body in ["", "{\"data\": [tru", "<html>ok</html>", "[]", "null"] {
            for status in [200, 201] {
                let e = created_of(&reply(status, body), now).unwrap_err();
                assert!(matches!(e, GatewayError::Timeout { .. }), "{body:?}: {e:?}");
                assert!(e.maybe_processed() && e.is_transient());
            }
        }
        // Refusals stay refusals.
        let e = created_of(&reply(403, "<html>403 Forbidden</html>"), now).unwrap_err();
        assert!(matches!(e, GatewayError::Refused { .. }), "{e:?}");
        let e = created_of(&reply(400, r#"{"code":"5008","message":"x","detail":""}"#), now).unwrap_err();
        assert!(e.problem().message.contains("no receiving address"), "{e:?}");
        assert!(created_of(&reply(200, r#"{"sys_no":"INV1"}"#), now).is_ok());
    }
}
