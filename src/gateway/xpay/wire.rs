//! xPay on the wire (xpay.md): the request bodies, the `success`/`error`
//! envelope, the status derived from a bill's fields, and bills read into
//! verified invoices. Pure: no I/O.

use crate::core::invoice::{CryptoAmount, Invoice, Payload, PayloadKind, StatusPage, StatusReport};
use crate::core::method::{MethodId, PaymentMethod, ProviderId};
use crate::core::money::{Currency, Money};
use crate::core::status::Status;
use crate::gateway::CreateRequest;
use crate::gateway::answer::{self, Made};
use crate::gateway::error::GatewayError;
use crate::gateway::json::{self, Fields};
use crate::gateway::verify::{self, Networks};
use crate::secret::Secret;
use jiff::Timestamp;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;

pub(super) const P: ProviderId = ProviderId::Xpay;

/// Micro-dollars per dollar: xPay counts `amount`, `billAmount` and `paidAmount` so.
pub(super) const MICRO: i64 = 1_000_000;

/// How many times a create is attempted (each resolved the doc's way).
pub(super) const CREATE_ATTEMPTS: u32 = 4;

// ---- wire types: requests (xpay.md § Authentication, § Create invoice, § Query status, § Cancel)

#[derive(Serialize)]
pub(super) struct LoginBody<'a> {
    pub(super) username: &'a str,
    #[serde(rename = "secretKey")]
    pub(super) secret_key: &'a str,
    #[serde(rename = "isAPI")]
    pub(super) is_api: bool,
}

#[derive(Serialize)]
pub(super) struct SaveBody<'a> {
    /// Integer micro-dollars as a JSON number (the doc's curl). The one place
    /// to change if xPay turns out to want a string of digits.
    pub(super) amount: i64,
    pub(super) tag: &'a str,
    /// A string of digits, as documented.
    #[serde(rename = "expireInMinutes")]
    pub(super) expire_in_minutes: String,
    pub(super) reference: &'a str,
    #[serde(rename = "useLightning")]
    pub(super) use_lightning: bool,
}

#[derive(Serialize)]
pub(super) struct ReferenceBody<'a> {
    pub(super) reference: &'a str,
}

/// `bills/find` (§ Query status › Batch): the terminal's bills, newest first.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct FindBody<'a> {
    pub(super) tag: &'a str,
    pub(super) page: u32,
    pub(super) page_size: u32,
    pub(super) sort: FindSort,
}

#[derive(Serialize)]
pub(super) struct FindSort {
    #[serde(rename = "createdAt")]
    pub(super) created_at: i8,
}

/// The login call: its refusal means the credentials.
pub(super) const LOGIN_PATH: &str = "/client/authenticate";
/// The create ("save a bill").
pub(super) const SAVE_PATH: &str = "/client/bills/save";

/// Bills per `bills/find` page.
pub const FIND_PAGE_SIZE: u32 = 50;

// ---- pure parsing of xPay answers

/// Unwraps xPay's envelope: `success.data`, or the `error` as a GatewayError.
pub fn unwrap_envelope(body: &[u8], login: bool) -> Result<Value, GatewayError> {
    unwrap_success(body, login).map(data_of)
}

/// Unwraps xPay's envelope to the whole `success` (`data` and, for
/// `bills/find`, the paging beside it), or the `error` as a GatewayError.
pub fn unwrap_success(body: &[u8], login: bool) -> Result<Value, GatewayError> {
    let v = json::parse(P, body)?;
    if let Some(err) = v.get("error") {
        let message = err.get("message").and_then(Value::as_str).unwrap_or("(no message)").to_string();
        let lower = message.to_ascii_lowercase();
        return Err(if login && lower.contains("invalid credentials") {
            GatewayError::Credentials { provider: P }
        } else if !login && (lower.contains("token") || lower.contains("auth") || lower.contains("expired")) {
            GatewayError::Auth { provider: P }
        } else {
            GatewayError::Refused { provider: P, message }
        });
    }
    let success = v.get("success").ok_or_else(|| GatewayError::protocol(P, "success", "missing"))?;
    Ok(success.clone())
}

/// The `data` of an unwrapped `success`.
pub(super) fn data_of(success: Value) -> Value {
    match success {
        Value::Object(mut m) => m.remove("data").unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

/// One `bills/find` page matched against the invoices asked about: a bill
/// counts when its `tag` starts with the terminal's prefix (whether xPay's
/// "wildcard" is a prefix is undocumented, so the till checks) and its
/// `billRef` is an asked invoice's reference. More pages are read while
/// xPay says `nextPage` (or, without it, the page was full) and the page's
/// oldest bill is not older than the oldest invoice asked about.
pub fn find_page(success: &Value, prefix: &str, invoices: &[Invoice]) -> Result<StatusPage, GatewayError> {
    let Some(bills) = success.get("data").and_then(Value::as_array) else {
        return Err(GatewayError::protocol(P, "success.data", "expected a list of bills"));
    };
    let mut page = StatusPage::default();
    for bill in bills {
        let tagged = bill.get("tag").and_then(Value::as_str).is_some_and(|t| t.starts_with(prefix));
        let Some(reference) = bill.get("billRef").and_then(Value::as_str).filter(|_| tagged) else { continue };
        if let Some(invoice) = invoices.iter().find(|i| i.reference.as_str() == reference) {
            page.reports.push((invoice.reference.clone(), report_for(bill, invoice)));
        }
    }
    let full = u32::try_from(bills.len()).is_ok_and(|n| n >= FIND_PAGE_SIZE);
    let next = success.get("nextPage").and_then(Value::as_bool).unwrap_or(full);
    let oldest_asked = invoices.iter().map(|i| i.created_at).min();
    let oldest_here = bills.iter().filter_map(|b| b.get("createdAt").and_then(json::integer).and_then(millis)).min();
    let older_than_all = matches!((oldest_here, oldest_asked), (Some(here), Some(asked)) if here < asked);
    page.more = next && !bills.is_empty() && !older_than_all;
    Ok(page)
}

/// A login answer: the token and when it expires.
pub fn parse_login(data: &Value) -> Result<(Secret, Timestamp), GatewayError> {
    let f = Fields::new(P, "success.data.", data);
    let token = f.str("access_token")?;
    let expires_ms = f.int("expiresAt")?;
    let expires_at =
        millis(expires_ms).ok_or_else(|| GatewayError::protocol(P, "success.data.expiresAt", "out of range"))?;
    Ok((Secret::new(token), expires_at))
}

pub(super) fn millis(ms: i128) -> Option<Timestamp> {
    Timestamp::from_millisecond(i64::try_from(ms).ok()?).ok()
}

/// Micro-dollars as dollars; `None` when out of range.
pub(super) fn micro_to_decimal(n: i128) -> Option<Decimal> {
    Decimal::try_from_i128_with_scale(n, 6).ok().map(|d| d.normalize())
}

/// The status of a bill, derived as xpay.md § Mapping to till says (first
/// matching row wins). Missing or mistyped key fields give `unknown`.
pub fn derive_status(bill: &Value) -> (Status, String) {
    let bill_amount = bill.get("billAmount").and_then(json::integer);
    let paid_amount = bill.get("paidAmount").and_then(json::integer);
    let closed = bill.get("closed").and_then(Value::as_bool);
    let (Some(bill_amount), Some(paid), Some(closed)) = (bill_amount, paid_amount, closed) else {
        let snippet = format!(
            "billAmount={} paidAmount={} closed={}",
            snippet(bill.get("billAmount")),
            snippet(bill.get("paidAmount")),
            snippet(bill.get("closed"))
        );
        return (Status::Unknown(snippet.clone()), snippet);
    };
    // A missing `canceled` is false; a mistyped one is unknown.
    let canceled = match bill.get("canceled") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            let raw = format!("canceled={}", snippet(Some(other)));
            return (Status::Unknown(raw.clone()), raw);
        }
    };
    let txs = bill.get("txs").and_then(Value::as_array).map_or(0, Vec::len);
    let raw = format!("closed={closed} canceled={canceled} paidAmount={paid}/{bill_amount} txs={txs}");
    let status = if bill_amount > 0 && paid >= bill_amount {
        Status::Paid
    } else if canceled {
        Status::Canceled
    } else if closed && paid > 0 {
        Status::ExpiredUnderpaid
    } else if closed {
        Status::Expired
    } else if paid > 0 {
        Status::Underpaid
    } else if txs > 0 {
        Status::Confirming
    } else {
        Status::Pending
    };
    (status, raw)
}

pub(super) fn snippet(v: Option<&Value>) -> String {
    let s = v.map_or_else(|| "missing".to_string(), Value::to_string);
    s.chars().take(40).collect()
}

/// The status report of a bill.
pub fn report(bill: &Value, currency: &Currency) -> StatusReport {
    let (status, raw) = derive_status(bill);
    let received = bill
        .get("paidAmount")
        .and_then(json::integer)
        .filter(|n| *n > 0)
        .and_then(micro_to_decimal)
        .map(|d| Money::new(d, currency.clone()));
    let tx_id = bill
        .get("txs")
        .and_then(Value::as_array)
        .and_then(|txs| txs.last())
        .and_then(|tx| tx.get("txID"))
        .and_then(Value::as_str)
        .map(str::to_string);
    StatusReport { status, raw, received, tx_id, paid_with: None }
}

/// The status report of a polled bill, `unknown` unless the bill is the
/// invoice's own (same reference, same amount).
pub fn report_for(bill: &Value, invoice: &Invoice) -> StatusReport {
    let same_ref = bill.get("billRef").and_then(Value::as_str) == Some(invoice.reference.as_str());
    let same_amount =
        bill.get("billAmount").and_then(json::integer) == micro_dollars(&invoice.fiat).ok().map(i128::from);
    if !(same_ref && same_amount) {
        tracing::warn!(provider = "xpay", reference = %invoice.reference, "view answered about another bill");
        return answer::unknown("the answer is about another bill");
    }
    report(bill, &invoice.fiat.currency)
}

/// The TRON address of a bill: `address.base58` when `address` is an object,
/// else `address` when it is a non-empty string.
pub(super) fn tron_address(bill: &Value) -> Option<&str> {
    match bill.get("address")? {
        Value::Object(o) => o.get("base58").and_then(Value::as_str),
        Value::String(s) => Some(s.as_str()),
        _ => None,
    }
    .filter(|s| !s.is_empty())
}

/// Turns a bill (create or view shape) into a verified invoice.
pub fn invoice_from_bill(
    bill: &Value,
    request: &CreateRequest,
    networks: Networks,
    now: Timestamp,
) -> Result<Invoice, GatewayError> {
    let f = Fields::new(P, "data.", bill);
    let id = f.str("uuid")?.to_string();
    answer::our_reference(P, "data.billRef", f.str("billRef")?, &request.reference)?;
    let bill_amount = f.int("billAmount")?;
    answer::same_amount(P, "data.billAmount", bill_amount, i128::from(micro_dollars(&request.amount)?))?;
    let paid = f.int("paidAmount")?;
    if paid < 0 {
        return Err(GatewayError::protocol(P, "data.paidAmount", "negative"));
    }
    let created_at =
        millis(f.int("createdAt")?).ok_or_else(|| GatewayError::protocol(P, "data.createdAt", "out of range"))?;
    let until = millis(f.int("until")?).ok_or_else(|| GatewayError::protocol(P, "data.until", "out of range"))?;
    let unverified = |error| GatewayError::Unverified { provider: P, error };
    let (payload, crypto, expires_at) = match request.method {
        MethodId::Lightning => {
            let ln = f.get("lnInvoice").ok_or_else(|| GatewayError::protocol(P, "data.lnInvoice", "missing"))?;
            let lf = Fields::new(P, "data.lnInvoice.", ln);
            let bolt11 = lf.str("paymentRequest")?;
            let sats = lf.int("satoshis")?;
            let msat = u64::try_from(sats.saturating_mul(1000))
                .map_err(|_| GatewayError::protocol(P, "data.lnInvoice.satoshis", "out of range"))?;
            let checked = verify::bolt11(bolt11, msat, networks, now).map_err(unverified)?;
            let payload = Payload {
                kind: PayloadKind::Lightning,
                qr: verify::lightning_qr(&checked),
                text: checked.invoice.clone(),
            };
            let crypto = CryptoAmount { amount: Decimal::from_i128_with_scale(sats, 0), unit: "sat".into() };
            (payload, crypto, until.min(checked.expires_at))
        }
        MethodId::UsdtTron => {
            let address =
                tron_address(bill).ok_or_else(|| GatewayError::protocol(P, "data.address", "no TRON address"))?;
            verify::tron_address(address).map_err(unverified)?;
            let payload = Payload { kind: PayloadKind::Address, qr: address.to_string(), text: address.to_string() };
            // 1 USDT per USD (xpay.md § Unknowns): what is still due.
            let due = bill_amount
                .checked_sub(paid)
                .filter(|d| *d >= 0)
                .and_then(micro_to_decimal)
                .ok_or_else(|| GatewayError::protocol(P, "data.paidAmount", "more than billAmount"))?;
            let crypto = CryptoAmount { amount: due, unit: "USDT".into() };
            (payload, crypto, until)
        }
        other => return Err(GatewayError::Unsupported { provider: P, what: unsupported(other) }),
    };
    let report = report(bill, &request.amount.currency);
    let method = PaymentMethod::new(P, request.method);
    Ok(Made { id, method, crypto: Some(crypto), payload, valid: (created_at, expires_at) }.invoice(request, report))
}

pub(super) fn unsupported(method: MethodId) -> &'static str {
    match method {
        MethodId::Lightning | MethodId::UsdtTron => "serve this method",
        _ => "serve this method (xPay offers lightning and usdt-tron)",
    }
}

/// Fiat × 10^6 as an integer, or a refusal when it has more than 6 decimals.
pub fn micro_dollars(amount: &Money) -> Result<i64, GatewayError> {
    let micro = amount
        .amount
        .checked_mul(Decimal::from(MICRO))
        .ok_or_else(|| GatewayError::Refused { provider: P, message: "amount too large".into() })?;
    if !micro.fract().is_zero() {
        return Err(GatewayError::Refused { provider: P, message: "amounts have at most 6 decimals".into() });
    }
    i64::try_from(micro).map_err(|_| GatewayError::Refused { provider: P, message: "amount too large".into() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn usd() -> Currency {
        Currency::from_code("USD").unwrap()
    }

    fn bill(bill_amount: Value, paid: Value, closed: Value, canceled: Option<bool>, txs: usize) -> Value {
        let mut b = json!({
            "billAmount": bill_amount, "paidAmount": paid, "closed": closed,
            "txs": (0..txs).map(|i| json!({"txID": format!("tx{i}"), "amount": 1})).collect::<Vec<_>>(),
        });
        if let Some(c) = canceled {
            b["canceled"] = json!(c);
        }
        b
    }

    #[test]
    fn status_derivation_covers_every_row_of_the_table() {
        use Status::*;
        let cases = [
            // row 1: money received wins, even over canceled and closed
            (bill(json!(100), json!(100), json!(false), None, 1), Paid),
            (bill(json!(100), json!(150), json!(true), Some(true), 1), Paid),
            // row 2
            (bill(json!(100), json!(0), json!(true), Some(true), 0), Canceled),
            (bill(json!(100), json!(40), json!(false), Some(true), 1), Canceled),
            // row 3, 4
            (bill(json!(100), json!(40), json!(true), Some(false), 1), ExpiredUnderpaid),
            (bill(json!(100), json!(0), json!(true), None, 0), Expired),
            (bill(json!(100), json!(0), json!(true), None, 2), Expired),
            // row 5, 6, 7
            (bill(json!(100), json!(40), json!(false), None, 1), Underpaid),
            (bill(json!(100), json!(0), json!(false), None, 1), Confirming),
            (bill(json!(100), json!(0), json!(false), Some(false), 0), Pending),
        ];
        for (b, want) in cases {
            assert_eq!(derive_status(&b).0, want, "{b}");
        }
    }

    #[test]
    fn every_combination_of_the_fields_maps_to_one_state_and_never_paid_without_money() {
        for bill_amount in [0, 100] {
            for paid in [0, 40, 100, 150] {
                for closed in [false, true] {
                    for canceled in [None, Some(false), Some(true)] {
                        for txs in [0, 1] {
                            let b = bill(json!(bill_amount), json!(paid), json!(closed), canceled, txs);
                            let (s, _) = derive_status(&b);
                            let paid_in_full = bill_amount > 0 && paid >= bill_amount;
                            assert_eq!(s == Status::Paid, paid_in_full, "{b}");
                            if !paid_in_full && canceled == Some(true) {
                                assert_eq!(s, Status::Canceled, "{b}");
                            }
                            if !paid_in_full && canceled != Some(true) {
                                assert_eq!(s.is_final(), closed, "{b}");
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn missing_or_mistyped_fields_are_unknown_never_paid() {
        let cases = [
            json!({"paidAmount": 100, "closed": true}),
            json!({"billAmount": "100", "paidAmount": 100, "closed": true}),
            json!({"billAmount": 100, "paidAmount": 100.5, "closed": true}),
            json!({"billAmount": 100, "paidAmount": 100, "closed": "true"}),
            json!({"billAmount": 100, "paidAmount": 100, "closed": true, "canceled": "no"}),
            json!(null),
            json!([1, 2]),
        ];
        for b in cases {
            assert!(matches!(derive_status(&b).0, Status::Unknown(_)), "{b}");
        }
    }

    #[test]
    fn the_received_amount_is_exact_micro_dollars() {
        let r = report(&bill(json!(10_000_000), json!(2_500_001), json!(false), None, 1), &usd());
        assert_eq!(r.received.unwrap().amount.to_string(), "2.500001");
        assert_eq!(r.tx_id.as_deref(), Some("tx0"));
    }

    #[test]
    fn amounts_go_out_as_integer_micro_dollars() {
        let m = Money::new(Decimal::new(1250, 2), usd());
        assert_eq!(micro_dollars(&m).unwrap(), 12_500_000);
        let body = SaveBody {
            amount: 12_500_000,
            tag: "till-t1-r",
            expire_in_minutes: "30".into(),
            reference: "r",
            use_lightning: true,
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"amount":12500000,"tag":"till-t1-r","expireInMinutes":"30","reference":"r","useLightning":true}"#
        );
        let login = LoginBody { username: "u@x", secret_key: "k", is_api: true };
        assert_eq!(serde_json::to_string(&login).unwrap(), r#"{"username":"u@x","secretKey":"k","isAPI":true}"#);
    }
}
