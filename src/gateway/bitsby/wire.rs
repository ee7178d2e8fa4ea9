//! Bitsby on the wire (bitsby.md): the `result`/`data` envelope, wallets and
//! the methods they serve, `serviceData` with our reference, the status
//! mapping, and created invoices read into verified ones with their wallets
//! as choices. Pure: no I/O.

use crate::core::invoice::{Choice, CryptoAmount, Invoice, Payload, PayloadKind, Reference};
use crate::core::method::{self, MethodId, PaymentMethod, ProviderId};
use crate::core::status::Status;
use crate::gateway::CreateRequest;
use crate::gateway::error::GatewayError;
use crate::gateway::http::Reply;
use crate::gateway::json::{self, Fields};
use crate::gateway::verify::{self, Networks};
use rust_decimal::Decimal;
use serde_json::Value;
use std::time::Duration;

pub(super) const P: ProviderId = ProviderId::Bitsby;

/// How many times a create is sent in all.
pub(super) const CREATE_ATTEMPTS: u32 = 4;
/// Items asked per `/invoices/list` page.
pub(super) const PAGE: usize = 50;
/// Pages of `/invoices/list` read at most for one question (1 s each).
pub(super) const LIST_PAGES: usize = 20;
/// How many UTC days back a restart looks for an unrecorded create at the
/// least (it looks from the day the sale started when that is earlier).
pub(super) const FIND_DAYS_BACK: i64 = 2;

/// The till method a wallet serves, from `blockchain` + `cryptocurrency`
/// (bitsby.md § Mapping to till); `None`: not offered.
pub fn wallet_method(blockchain: &str, cryptocurrency: &str) -> Option<MethodId> {
    match (blockchain, cryptocurrency) {
        ("tron", "usdt") => Some(MethodId::UsdtTron),
        ("bnbSmartChain", "usdt") => Some(MethodId::UsdtBsc),
        ("ethereum", "usdt") => Some(MethodId::UsdtEthereum),
        ("ethereum", "eth") => Some(MethodId::Eth),
        ("bitcoin", "btc") => Some(MethodId::Btc),
        _ => None,
    }
}

/// `serviceData`: our reference and the terminal, as JSON text.
pub fn service_data(reference: &Reference, terminal: &str) -> String {
    serde_json::json!({ "till_sale": reference.as_str(), "terminal": terminal }).to_string()
}

/// Whether a list item's `serviceData` carries our reference.
pub fn carries(item: &Value, reference: &Reference) -> bool {
    item.get("serviceData")
        .and_then(Value::as_str)
        .and_then(|s| serde_json::from_str::<Value>(s).ok())
        .and_then(|v| v.get("till_sale").and_then(Value::as_str).map(|r| r == reference.as_str()))
        .unwrap_or(false)
}

// ---- pure parsing of Bitsby answers

/// Unwraps the envelope: `data` on success, the message as an error.
pub fn data_of(reply: &Reply) -> Result<Value, GatewayError> {
    let v = match json::parse(P, &reply.body) {
        Ok(v) => v,
        Err(_) if reply.status >= 500 => return Err(GatewayError::Http { provider: P, status: reply.status }),
        Err(_) if reply.status == 401 || reply.status == 403 => return Err(GatewayError::Credentials { provider: P }),
        Err(e) => return Err(e),
    };
    match v.get("result").and_then(Value::as_str) {
        Some("success") => Ok(v.get("data").cloned().unwrap_or(Value::Null)),
        Some("error") => {
            let message = match v.get("data") {
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
                None => "(no message)".into(),
            };
            let message: String = message.chars().take(200).collect();
            Err(if message.eq_ignore_ascii_case("Requests too frequent") {
                GatewayError::RateLimited { provider: P, retry_after: Some(Duration::from_secs(1)) }
            } else if reply.status == 401 || reply.status == 403 || message.to_ascii_lowercase().contains("token") {
                GatewayError::Credentials { provider: P }
            } else {
                GatewayError::Refused { provider: P, message }
            })
        }
        _ if reply.status >= 500 => Err(GatewayError::Http { provider: P, status: reply.status }),
        _ => Err(GatewayError::protocol(P, "result", "neither success nor error")),
    }
}

/// Unwraps a create's answer. A 2xx answer that cannot be read (not JSON,
/// empty, HTML, no envelope, no invoice id) says nothing of whether the
/// invoice was made: it counts as no answer (a timeout), so the invoice is
/// looked for by our reference before any resend.
pub fn create_data_of(reply: &Reply) -> Result<Value, GatewayError> {
    let unreadable = |why: &str| GatewayError::Timeout {
        provider: P,
        detail: format!("HTTP {} to the create with a body that cannot be read ({why})", reply.status),
    };
    if (200..300).contains(&reply.status) {
        let envelope =
            json::parse(P, &reply.body).ok().and_then(|v| v.get("result").and_then(Value::as_str).map(str::to_string));
        match envelope.as_deref() {
            Some("success" | "error") => {}
            _ if reply.body.iter().all(u8::is_ascii_whitespace) => return Err(unreadable("empty")),
            _ => return Err(unreadable("no result envelope")),
        }
    }
    let data = data_of(reply)?;
    if data.get("id").and_then(Value::as_str).is_none_or(str::is_empty) {
        return Err(unreadable("no invoice id"));
    }
    Ok(data)
}

/// The normalized status of a list item (bitsby.md § Mapping to till).
pub fn derive_status(item: &Value) -> (Status, String) {
    let status = item.get("status").and_then(Value::as_str);
    let raw = format!("status={}", status.unwrap_or("(missing)"));
    let state = match status {
        Some("unpaid") => Status::Pending,
        Some("paid") => Status::Paid,
        Some("expired") => Status::Expired,
        Some("canceled") => Status::Canceled,
        _ => Status::Unknown(raw.clone()),
    };
    (state, raw)
}

/// A wallet as a verified choice; `None` for a wallet till does not offer.
pub(super) fn choice(wallet: &Value, networks: Networks, page: Option<&str>) -> Option<Result<Choice, GatewayError>> {
    let f = Fields::new(P, "data.wallets[].", wallet);
    let method = wallet_method(f.str("blockchain").ok()?, f.str("cryptocurrency").ok()?)?;
    Some((|| {
        let amount = f.decimal("amountCrypto")?;
        let unverified = |error| GatewayError::Unverified { provider: P, error };
        verify::positive(&amount).map_err(unverified)?;
        let payload = match f.opt_str("address")? {
            Some(address) => match method {
                MethodId::UsdtTron => {
                    verify::tron_address(address).map_err(unverified)?;
                    Payload { kind: PayloadKind::Address, qr: address.to_string(), text: address.to_string() }
                }
                MethodId::Btc => {
                    verify::bitcoin_address(address, networks).map_err(unverified)?;
                    let qr = verify::bip21(address, &amount);
                    Payload { kind: PayloadKind::Bitcoin, qr, text: address.to_string() }
                }
                _ => {
                    verify::evm_address(address).map_err(unverified)?;
                    Payload { kind: PayloadKind::Address, qr: address.to_string(), text: address.to_string() }
                }
            },
            // The hosted page, only when the wallet has no address.
            None => {
                let url = page.ok_or_else(|| GatewayError::protocol(P, "data.url", "missing"))?;
                verify::page_url(url).map_err(unverified)?;
                Payload { kind: PayloadKind::Page, qr: url.to_string(), text: url.to_string() }
            }
        };
        Ok(Choice { method, crypto: Some(CryptoAmount { amount, unit: method.unit().into() }), payload })
    })())
}

/// Turns a created invoice into a verified invoice showing the wallet for
/// `request.method`, with the other offered wallets as choices.
pub fn invoice_from(
    data: &Value,
    request: &CreateRequest,
    offered: &[MethodId],
    networks: Networks,
) -> Result<Invoice, GatewayError> {
    let f = Fields::new(P, "data.", data);
    let id = f.str("id")?.to_string();
    let created_at = f.utc_naive("createDatetime")?;
    let expires_at = f.utc_naive("timeToPayDatetime")?;
    let page = f.opt_str("url")?;
    let wallets = match f.get("wallets") {
        Some(Value::Array(w)) => w,
        _ => return Err(GatewayError::protocol(P, "data.wallets", "expected a list")),
    };
    let mut main = None;
    let mut choices = Vec::new();
    let mut present = Vec::new();
    for wallet in wallets {
        let Some(result) = choice(wallet, networks, page) else { continue };
        match result {
            Ok(c) if c.method == request.method && main.is_none() => {
                present.push(c.method);
                main = Some(c);
            }
            Ok(c) if offered.contains(&c.method) && !present.contains(&c.method) => {
                present.push(c.method);
                choices.push(c);
            }
            Ok(_) => {}
            // The chosen wallet failing its check is a refusal; another one is dropped.
            Err(e) if wallet_method_of(wallet) == Some(request.method) => return Err(e),
            Err(e) => tracing::warn!(provider = "bitsby", error = %e, "a wallet failed the till's checks: not offered"),
        }
    }
    let Some(main) = main else {
        let mut all: Vec<MethodId> = wallets.iter().filter_map(wallet_method_of).collect();
        all.dedup();
        return Err(GatewayError::Refused {
            provider: P,
            message: format!(
                "Bitsby returned no {} wallet; this project has: {}",
                request.method.id(),
                if all.is_empty() { "none till can use".to_string() } else { method::list(&all) }
            ),
        });
    };
    Ok(Invoice {
        id,
        reference: request.reference.clone(),
        method: PaymentMethod::new(P, main.method),
        fiat: request.amount.clone(),
        crypto: main.crypto,
        payload: main.payload,
        created_at,
        expires_at,
        status: Status::Pending,
        received: None,
        choices,
    })
}

pub(super) fn wallet_method_of(wallet: &Value) -> Option<MethodId> {
    wallet_method(wallet.get("blockchain")?.as_str()?, wallet.get("cryptocurrency")?.as_str()?)
}

/// `amountFiat`: decimal text with at most 2 decimals.
pub fn amount_fiat(amount: &Decimal) -> Result<String, GatewayError> {
    if amount.normalize().scale() > 2 {
        return Err(GatewayError::Refused { provider: P, message: "amounts have at most 2 decimals".into() });
    }
    Ok(amount.round_dp(2).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wallets_map_to_methods_by_chain_and_coin_never_by_name() {
        assert_eq!(wallet_method("tron", "usdt"), Some(MethodId::UsdtTron));
        assert_eq!(wallet_method("bnbSmartChain", "usdt"), Some(MethodId::UsdtBsc));
        assert_eq!(wallet_method("ethereum", "usdt"), Some(MethodId::UsdtEthereum));
        assert_eq!(wallet_method("ethereum", "eth"), Some(MethodId::Eth));
        assert_eq!(wallet_method("bitcoin", "btc"), Some(MethodId::Btc));
        assert_eq!(wallet_method("solana", "usdt"), None);
    }

    #[test]
    fn every_status_value_maps() {
        use Status::*;
        for (s, want) in [("unpaid", Pending), ("paid", Paid), ("expired", Expired), ("canceled", Canceled)] {
            assert_eq!(derive_status(&json!({ "status": s })).0, want);
        }
        assert!(matches!(derive_status(&json!({"status": "refunded"})).0, Unknown(_)));
        assert!(matches!(derive_status(&json!({})).0, Unknown(_)));
    }

    #[test]
    fn service_data_carries_our_reference() {
        let r = Reference::parse("t-123").unwrap();
        let item = json!({ "serviceData": service_data(&r, "till-1") });
        assert!(carries(&item, &r));
        assert!(!carries(&item, &Reference::parse("t-124").unwrap()));
        assert!(!carries(&json!({"serviceData": null}), &r));
        assert!(!carries(&json!({"serviceData": "{\"userId\":100}"}), &r));
    }

    #[test]
    fn fiat_goes_out_with_at_most_two_decimals() {
        assert_eq!(amount_fiat(&Decimal::new(1055, 2)).unwrap(), "10.55");
        assert_eq!(amount_fiat(&Decimal::new(5, 0)).unwrap(), "5");
        assert!(amount_fiat(&Decimal::new(10555, 3)).is_err());
    }

    #[test]
    fn the_error_envelope_is_read_whatever_the_http_code() {
        let r = |status, body: &str| Reply { status, body: body.as_bytes().to_vec(), date: None };
        assert!(matches!(
            data_of(&r(200, r#"{"result":"error","data":"Requests too frequent"}"#)),
            Err(GatewayError::RateLimited { .. })
        ));
        assert!(matches!(
            data_of(&r(200, r#"{"result":"error","data":"Project not found"}"#)),
            Err(GatewayError::Refused { message, .. }) if message == "Project not found"
        ));
        assert_eq!(data_of(&r(201, r#"{"result":"success","data":[1]}"#)).unwrap(), json!([1]));
        assert!(matches!(data_of(&r(200, r#"{"data":[1]}"#)), Err(GatewayError::Protocol { .. })));
    }

    #[test]
    fn an_unreadable_2xx_to_a_create_counts_as_no_answer() {
        let r = |status, body: &str| Reply { status, body: body.as_bytes().to_vec(), date: None };
        for body in ["{\"data\": [tru", "", "<html>busy</html>", "{}", r#"{"result":"success","data":{}}"#] {
            let e = create_data_of(&r(200, body)).unwrap_err();
            assert!(e.maybe_processed() && e.is_transient(), "{body:?}: {e:?}");
        }
        assert!(matches!(
            create_data_of(&r(200, r#"{"result":"error","data":"Requests too frequent"}"#)),
            Err(GatewayError::RateLimited { .. })
        ));
        assert!(matches!(create_data_of(&r(404, "<html>")), Err(GatewayError::Protocol { .. })));
        assert_eq!(create_data_of(&r(200, r#"{"result":"success","data":{"id":"x"}}"#)).unwrap(), json!({"id":"x"}));
    }
}
