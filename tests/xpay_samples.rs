//! The xPay adapter against the documentation's sample bodies, verbatim
//! (tests/fixtures/xpay/*.json are byte-for-byte copies from xpay.md), and
//! against bodies built from its field tables where the doc has no sample.

mod support;

use serde_json::{Value, json};
use support::*;
use till::core::invoice::{PayloadKind, Reference};
use till::core::method::MethodId;
use till::core::status::Status;
use till::gateway::CreateRequest;
use till::gateway::GatewayError;
use till::gateway::verify::{Networks, VerifyError};
use till::gateway::xpay::{self, derive_status, invoice_from_bill, parse_login, report, unwrap_envelope};

fn request(reference: &str, amount: &str, method: MethodId) -> CreateRequest {
    CreateRequest { reference: Reference::parse(reference).unwrap(), amount: usd_amount(amount), method, retry: false }
}

#[test]
fn login_success_sample_gives_the_token_and_its_expiry() {
    let data = unwrap_envelope(XPAY_LOGIN_SUCCESS.as_bytes(), true).unwrap();
    let (token, expires_at) = parse_login(&data).unwrap();
    assert_eq!(token.expose(), "eyJhbGciO...p_Nlg");
    assert_eq!(expires_at.as_millisecond(), 1_783_077_877_510);
}

#[test]
fn login_error_sample_means_the_credentials_were_refused() {
    let err = unwrap_envelope(XPAY_LOGIN_ERROR.as_bytes(), true).unwrap_err();
    assert!(matches!(err, GatewayError::Credentials { .. }), "{err:?}");
    assert!(err.problem().message.starts_with("xPay refused the credentials."));
}

#[test]
fn create_lightning_sample_becomes_a_verified_invoice() {
    let data = unwrap_envelope(XPAY_CREATE_LIGHTNING.as_bytes(), false).unwrap();
    let req = request("1bdce316", "10", MethodId::Lightning);
    let inv = invoice_from_bill(&data, &req, Networks::Mainnet, sample_created_at()).unwrap();
    assert_eq!(inv.id, "827c5bce-a0f4-47b3-a4fe-aa16897882ae");
    assert_eq!(inv.payload.kind, PayloadKind::Lightning);
    assert!(inv.payload.qr.starts_with("LIGHTNING:LNBC164540N1PNVGM3X"));
    assert_eq!(inv.payload.qr, inv.payload.qr.to_ascii_uppercase());
    assert_eq!(inv.crypto.unwrap().to_string(), "16454 sat");
    // The earlier of `until` (10:51:26.283) and the BOLT11 expiry (10:50:26).
    assert_eq!(inv.expires_at.to_string(), "2024-08-20T10:50:26Z");
    assert_eq!(inv.status, Status::Pending);
    assert_eq!(inv.received, None);
}

#[test]
fn create_lightning_sample_is_refused_once_its_bolt11_expired() {
    let data = unwrap_envelope(XPAY_CREATE_LIGHTNING.as_bytes(), false).unwrap();
    let req = request("1bdce316", "10", MethodId::Lightning);
    let today = jiff::Timestamp::from_second(1_800_000_000).unwrap();
    let err = invoice_from_bill(&data, &req, Networks::Mainnet, today).unwrap_err();
    assert!(matches!(err, GatewayError::Unverified { error: VerifyError::Bolt11Expired { .. }, .. }), "{err:?}");
    assert!(err.problem().message.contains("No QR is shown"));
}

#[test]
fn create_lightning_sample_is_refused_for_another_amount_or_reference() {
    let data = unwrap_envelope(XPAY_CREATE_LIGHTNING.as_bytes(), false).unwrap();
    let wrong_amount = request("1bdce316", "11", MethodId::Lightning);
    assert!(invoice_from_bill(&data, &wrong_amount, Networks::Mainnet, sample_created_at()).is_err());
    let wrong_ref = request("someone-else", "10", MethodId::Lightning);
    assert!(invoice_from_bill(&data, &wrong_ref, Networks::Mainnet, sample_created_at()).is_err());
}

#[test]
fn the_sample_bolt11_with_a_tampered_satoshi_count_is_refused() {
    let body = XPAY_CREATE_LIGHTNING.replace("\"satoshis\": 16454", "\"satoshis\": 16455");
    let data = unwrap_envelope(body.as_bytes(), false).unwrap();
    let req = request("1bdce316", "10", MethodId::Lightning);
    let err = invoice_from_bill(&data, &req, Networks::Mainnet, sample_created_at()).unwrap_err();
    assert!(matches!(err, GatewayError::Unverified { error: VerifyError::Bolt11Amount { .. }, .. }), "{err:?}");
}

/// A TRON create answer built from the field table of xpay.md § Create invoice › Response.
fn tron_bill(address: Value, paid: i64) -> Value {
    json!({
        "uuid": "6a1b7c1e-35a4-4c51-8d0a-9f5a3c2b1e00",
        "username": "user@xpay.stream",
        "wallet": "68e457c5-d8fb-4d62-ac5b-62fd6fd46484",
        "hex": "412af9b23a1b5222ddc542113a369fee291de0180b",
        "address": address,
        "createdAt": 1724149286283i64,
        "billRef": "r-tron-1",
        "billAmount": 12500000,
        "paidAmount": paid,
        "testnet": false,
        "tag": "till-till-1-r-tron-1",
        "starting": 1724149226283i64,
        "until": 1724151086283i64,
        "closed": false,
        "canceled": false,
        "cooldown": 0,
        "txs": []
    })
}

#[test]
fn create_tron_takes_the_address_as_a_string_or_an_object() {
    let req = request("r-tron-1", "12.50", MethodId::UsdtTron);
    for address in
        [json!(TRON_ADDRESS), json!({"base58": TRON_ADDRESS, "hex": "412af9b23a1b5222ddc542113a369fee291de0180b"})]
    {
        let inv = invoice_from_bill(&tron_bill(address, 0), &req, Networks::Mainnet, sample_created_at()).unwrap();
        assert_eq!(inv.payload.qr, TRON_ADDRESS);
        assert_eq!(inv.payload.kind, PayloadKind::Address);
        assert_eq!(inv.crypto.unwrap().to_string(), "12.5 USDT");
        assert_eq!(inv.expires_at.as_millisecond(), 1_724_151_086_283);
    }
}

#[test]
fn create_tron_with_a_broken_or_missing_address_is_refused() {
    let req = request("r-tron-1", "12.50", MethodId::UsdtTron);
    let broken = tron_bill(json!("TDtSWK3dsSRJyZH4qNVzsoPsdrZz6k8B3R"), 0);
    let err = invoice_from_bill(&broken, &req, Networks::Mainnet, sample_created_at()).unwrap_err();
    assert!(matches!(err, GatewayError::Unverified { error: VerifyError::TronChecksum(_), .. }), "{err:?}");
    for empty in [json!(""), json!({"base58": "", "hex": ""}), json!(null)] {
        assert!(invoice_from_bill(&tron_bill(empty, 0), &req, Networks::Mainnet, sample_created_at()).is_err());
    }
}

#[test]
fn the_crypto_amount_still_due_is_exact() {
    let req = request("r-tron-1", "12.50", MethodId::UsdtTron);
    let inv =
        invoice_from_bill(&tron_bill(json!(TRON_ADDRESS), 2_500_001), &req, Networks::Mainnet, sample_created_at())
            .unwrap();
    assert_eq!(inv.crypto.unwrap().to_string(), "9.999999 USDT");
    assert_eq!(inv.status, Status::Underpaid);
    assert_eq!(inv.received.unwrap().to_string(), "2.50 USD");
}

/// The view example of xpay.md § Query status (a paid Lightning bill), from its table.
fn view_example() -> Value {
    json!({
        "success": {
            "message": "bill found",
            "data": {
                "uuid": "3e5a9989-fd28-4884-9283-a1cafb259aef",
                "address": { "base58": "", "hex": "" },
                "billAmount": 2500000,
                "billRef": "66bb8c4dbb18e67",
                "callbackURL": "https://yourdomain.com?route=extension/xpay_stream/payment/xpay_stream.callback",
                "closed": true,
                "cooldown": 0,
                "createdAt": 1723567182420i64,
                "email": "elaro_13@live.com",
                "lnInvoice": { "createdAt": 1723567182, "paymentRequest": "lnbc41510n1…", "paymentStatus": "PENDING", "satoshis": 4151, "dollars": 2.5 },
                "paidAmount": 2500000,
                "starting": 1723567122420i64,
                "tag": "Cart - AroMusitronix",
                "testnet": false,
                "txs": [ { "txRef": "66bb8c62ad181d1aae0ac541", "txID": "b0c7264802344f60a7dc5103b5e3ee8dc623e7ea9dfe400126171ce396df999b", "amount": 4151, "timestamp": 1723567202118i64 } ],
                "until": 1723568082420i64,
                "username": "account@mail.com",
                "wallet": "68e457c5-d8fb-4d62-ac5b-62fd6fd46484",
                "lnReceipt": { "accountId": "9850bca7-194a-557d-8332-33af2477a1f3", "eventType": "receive.lightning" }
            }
        },
        "uuid": "b3f0c1de-0000-4000-8000-000000000001"
    })
}

#[test]
fn the_view_example_is_paid_though_its_payment_status_says_pending() {
    let body = serde_json::to_vec(&view_example()).unwrap();
    let data = unwrap_envelope(&body, false).unwrap();
    let r = report(&data, &usd());
    assert_eq!(r.status, Status::Paid);
    assert_eq!(r.received.unwrap().to_string(), "2.50 USD");
    assert_eq!(r.tx_id.as_deref(), Some("b0c7264802344f60a7dc5103b5e3ee8dc623e7ea9dfe400126171ce396df999b"));
}

#[test]
fn a_find_item_that_is_canceled_and_closed_is_canceled() {
    // xpay.md § Query status › Batch: the docs' bill has canceled: true and closed: true, address "".
    let mut item = view_example()["success"]["data"].clone();
    item["canceled"] = json!(true);
    item["paidAmount"] = json!(0);
    item["txs"] = json!([]);
    item["address"] = json!("");
    assert_eq!(derive_status(&item).0, Status::Canceled);
}

#[test]
fn a_business_error_is_the_gateways_own_words() {
    let body = br#"{"error":{"message":"bill not found","data":null,"tag":"t"},"uuid":"u"}"#;
    let err = unwrap_envelope(body, false).unwrap_err();
    assert!(matches!(&err, GatewayError::Refused { message, .. } if message == "bill not found"));
    let expired = br#"{"error":{"message":"token expired","data":null,"tag":"t"},"uuid":"u"}"#;
    assert!(matches!(unwrap_envelope(expired, false).unwrap_err(), GatewayError::Auth { .. }));
}

#[test]
fn malformed_bodies_are_errors_that_name_the_gateway_never_panics() {
    for body in ["", "{", "[]", "null", "{\"success\":1}", "{\"uuid\":\"x\"}", "\u{0}"] {
        if let Err(e) = unwrap_envelope(body.as_bytes(), false) {
            assert!(e.problem().message.starts_with("xPay"), "{body:?}: {e}");
        }
    }
    let req = request("r-tron-1", "12.50", MethodId::UsdtTron);
    for data in [
        json!(null),
        json!([]),
        json!({"uuid": 5}),
        json!({"uuid": "x", "billRef": "r-tron-1", "billAmount": "12500000"}),
    ] {
        let err = invoice_from_bill(&data, &req, Networks::Mainnet, sample_created_at()).unwrap_err();
        assert!(matches!(err, GatewayError::Protocol { .. }), "{data}: {err:?}");
    }
    assert_eq!(xpay::DEFAULT_BASE_URL, "https://apis.xpay.stream");
}

#[test]
fn hostile_paid_amounts_are_protocol_errors_not_panics() {
    let req = request("r-tron-1", "12.50", MethodId::UsdtTron);
    for paid in [json!(-1), json!(-79228162514264337593543950335i128), json!(12_500_001)] {
        let mut bill = tron_bill(json!(TRON_ADDRESS), 0);
        bill["paidAmount"] = paid.clone();
        let err = invoice_from_bill(&bill, &req, Networks::Mainnet, sample_created_at()).unwrap_err();
        assert!(matches!(err, GatewayError::Protocol { .. }), "{paid}: {err:?}");
    }
}

#[test]
fn a_poll_about_another_bill_is_unknown_never_paid() {
    let req = request("r-tron-1", "12.50", MethodId::UsdtTron);
    let invoice =
        invoice_from_bill(&tron_bill(json!(TRON_ADDRESS), 0), &req, Networks::Mainnet, sample_created_at()).unwrap();
    let mut other = tron_bill(json!(TRON_ADDRESS), 1_000_000);
    other["billAmount"] = json!(1_000_000);
    assert!(matches!(xpay::report_for(&other, &invoice).status, Status::Unknown(_)));
    let mut other_ref = tron_bill(json!(TRON_ADDRESS), 12_500_000);
    other_ref["billRef"] = json!("someone-else");
    assert!(matches!(xpay::report_for(&other_ref, &invoice).status, Status::Unknown(_)));
    let own = tron_bill(json!(TRON_ADDRESS), 12_500_000);
    assert_eq!(xpay::report_for(&own, &invoice).status, Status::Paid);
}
