//! The four newer gateways against their docs' own bodies: the samples in
//! tests/fixtures/{xpays,xcash,xaigate,bitsby}/ are byte-for-byte copies from
//! the provider notes (*.md); bodies the docs do not print are built from their
//! field tables, as the provider notes' README § Bodies for tests says.

mod support;

use serde_json::{Value, json};
use till::core::invoice::{PayloadKind, Reference};
use till::core::method::MethodId;
use till::core::money::{Currency, Money};
use till::core::status::Status;
use till::gateway::http::Reply;
use till::gateway::verify::Networks;
use till::gateway::{CreateRequest, GatewayError, bitsby, xaigate, xcash, xpays};

fn fixture(path: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn json_fixture(path: &str) -> Value {
    serde_json::from_str(&fixture(path)).unwrap()
}

fn reply(status: u16, body: &str) -> Reply {
    Reply { status, body: body.as_bytes().to_vec(), date: None }
}

fn money(amount: &str, currency: &str) -> Money {
    Money::new(amount.parse().unwrap(), Currency::from_code(currency).unwrap())
}

fn request(reference: &str, amount: Money, method: MethodId) -> CreateRequest {
    CreateRequest { reference: Reference::parse(reference).unwrap(), amount, method, retry: false }
}

// ---- xpays.life (xpays.md)

fn xpays_config() -> xpays::XpaysConfig {
    xpays::XpaysConfig {
        base_url: "https://xpays.example".into(),
        api_key: till::secret::Secret::new("key_x"),
        secret_key: till::secret::Secret::new("test-secret"),
        sign_template: xpays::DEFAULT_SIGN_TEMPLATE.into(),
        chain: "tron".into(),
        crypto: "USDT".into(),
        status_map: Vec::new(),
        currency: Currency::from_code("USD").unwrap(),
    }
}

#[test]
fn xpays_create_sample_gives_the_address_and_the_amount_rounded_up() {
    let p = xpays::payment_of(&reply(200, &fixture("xpays/create.json")), false).unwrap();
    let req = request("1731785840", money("10", "USD"), MethodId::UsdtTron);
    let inv = xpays::invoice_from_payment(&p, &req, &xpays_config()).unwrap();
    assert_eq!(inv.id, "74ec698a-d773-4b55-81ab-58192f6b560c");
    assert_eq!(inv.payload.kind, PayloadKind::Address);
    assert_eq!(inv.payload.qr, "TDtSWK3dsSRJyZH4qNVzsoPsdrZz6k8B3Q");
    // 9.99721717462727 rounded up to USDT's 6 decimals (the one allowed exception).
    assert_eq!(inv.crypto.as_ref().unwrap().to_string(), "9.997218 USDT");
    assert_eq!(inv.expires_at.to_string(), "2024-11-16T20:00:04.971Z");
    assert_eq!(inv.status, Status::Pending);
}

#[test]
fn xpays_info_is_read_in_each_wrapper() {
    let sample = json_fixture("xpays/create.json");
    let payment = sample["data"].clone();
    for body in [json!({"data": {"payment": payment}}), json!({"payment": payment}), json!({"data": payment})] {
        let p = xpays::payment_of(&reply(200, &body.to_string()), true).unwrap();
        assert_eq!(p["id"], "74ec698a-d773-4b55-81ab-58192f6b560c", "{body}");
        assert_eq!(xpays::report(&p, &[], &Currency::from_code("USD").unwrap()).status, Status::Pending);
    }
}

#[test]
fn xpays_error_samples_are_failures_in_their_own_words() {
    let e = xpays::payment_of(&reply(400, &fixture("xpays/error.json")), false).unwrap_err();
    assert!(matches!(&e, GatewayError::Refused { message, .. } if message == "Error message"), "{e:?}");
    let e = xpays::payment_of(&reply(403, &fixture("xpays/forbidden.json")), false).unwrap_err();
    assert!(matches!(e, GatewayError::Credentials { .. }), "{e:?}");
    // An `error` key fails the call whatever the HTTP status.
    let e = xpays::payment_of(&reply(200, &fixture("xpays/forbidden.json")), true).unwrap_err();
    assert!(matches!(&e, GatewayError::Refused { message, .. } if message == "Forbidden"), "{e:?}");
}

#[test]
fn xpays_page_only_without_an_address_and_never_after_a_bad_one() {
    let mut p = json_fixture("xpays/create.json")["data"].clone();
    let req = request("1731785840", money("10", "USD"), MethodId::UsdtTron);
    p["address"] = json!("");
    let inv = xpays::invoice_from_payment(&p, &req, &xpays_config()).unwrap();
    assert_eq!(inv.payload.kind, PayloadKind::Page);
    assert_eq!(inv.payload.qr, "https://xpays.life/pay/1731785840");
    p["address"] = json!("TDtSWK3dsSRJyZH4qNVzsoPsdrZz6k8B3R");
    let e = xpays::invoice_from_payment(&p, &req, &xpays_config()).unwrap_err();
    assert!(matches!(e, GatewayError::Unverified { .. }), "{e:?}");
    assert!(e.problem().message.contains("No QR is shown"));
}

// ---- Xcash (xcash.md)

fn xcash_request() -> CreateRequest {
    request("order-20260602-001", money("29.99", "USD"), MethodId::UsdtTron)
}

#[test]
fn xcash_several_methods_sample_has_no_address_yet() {
    let v = xcash::invoice_of(
        &reply(201, &fixture("xcash/create_several_methods.json")),
        "2026-06-02T12:00:00Z".parse().unwrap(),
    )
    .unwrap();
    assert!(xcash::invoice_from(&v, &xcash_request(), false).unwrap().is_none(), "select-method is due");
    // With no address even after select-method, the payment page is the QR.
    let inv = xcash::invoice_from(&v, &xcash_request(), true).unwrap().unwrap();
    assert_eq!(inv.payload.kind, PayloadKind::Page);
    assert_eq!(inv.payload.qr, "https://gateway.xca.sh/pay/INV2606028X7K2P9Q");
    assert_eq!(inv.expires_at.to_string(), "2026-06-02T12:15:00Z");
}

#[test]
fn xcash_select_method_sample_has_placeholder_addresses_and_is_refused() {
    let v = json_fixture("xcash/select_method.json");
    let req = request("order-20240101-001", money("29.99", "USD"), MethodId::UsdtTron);
    let e = xcash::invoice_from(&v, &req, true).unwrap_err();
    assert!(matches!(e, GatewayError::Unverified { .. }), "{e:?}");
}

/// One method selected at creation: built from § What the server's code says.
#[test]
fn xcash_single_method_invoice_shows_the_exact_pay_amount() {
    let mut v = json_fixture("xcash/create_several_methods.json");
    v["methods"] = json!({"USDT": ["tron"]});
    v["chain"] = json!("tron");
    v["crypto"] = json!("USDT");
    v["crypto_address"] = json!("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t");
    v["pay_address"] = json!("TKbstUwMzLrfTAGL4erYb7gc7ghmHQ9zG7");
    v["pay_amount"] = json!("29.870001");
    let inv = xcash::invoice_from(&v, &xcash_request(), false).unwrap().unwrap();
    assert_eq!(inv.payload.qr, "TKbstUwMzLrfTAGL4erYb7gc7ghmHQ9zG7", "the pay address, never crypto_address");
    assert_eq!(inv.crypto.unwrap().amount.to_string(), "29.870001");
    // Trailing zeros stripped by the server still match the amount asked.
    v["amount"] = json!("29.990");
    assert!(xcash::invoice_from(&v, &xcash_request(), false).is_ok());
}

#[test]
fn xcash_status_built_from_the_field_table() {
    let mut v = json_fixture("xcash/create_several_methods.json");
    for key in ["appid", "out_no", "notify_url"] {
        v.as_object_mut().unwrap().remove(key);
    }
    assert_eq!(xcash::report(&v).status, Status::Pending);
    v["status"] = json!("completed");
    v["payment"] = json!({"chain": "tron", "block": 1, "hash": "abc", "from_address": "T1", "to_address": "T2",
                          "crypto": "USDT", "amount": "29.870001", "datetime": "2026-06-02T12:05:00Z",
                          "status": "confirmed", "confirm_progress": "19/19"});
    let r = xcash::report(&v);
    assert_eq!(r.status, Status::Paid);
    assert_eq!(r.tx_id.as_deref(), Some("abc"));
}

// ---- XaiGate (xaigate.md)

#[test]
fn xaigate_request_names_the_documented_fields() {
    let sample = json_fixture("xaigate/create_request.json");
    let ours = xaigate::CreateBody {
        api_key: "fdda9f03-6409-43eb-a6ef-e1f6cea71c2e",
        order_id: "1",
        amount: "10".into(),
        currency: "USD",
        email: "examplate@hotmail.com",
        shop_name: "My Store",
        description: "3 Coffee".into(),
    };
    let ours = serde_json::to_value(&ours).unwrap();
    for (key, value) in ours.as_object().unwrap() {
        assert!(sample.get(key).is_some(), "{key} is not a documented field");
        if key != "amount" {
            assert_eq!(&sample[key], value, "{key}");
        }
    }
    // The tables type amount as a string; the till sends one.
    assert_eq!(ours["amount"], "10");
}

#[test]
fn xaigate_completed_response_sample_gives_the_payment_page() {
    let v = xaigate::invoice_of(&reply(200, &fixture("xaigate/create_response.json")), "k").unwrap();
    // `orderId` arrives as the number 10: compared as text.
    let req = request("10", money("10", "USD"), MethodId::Checkout);
    let inv = xaigate::invoice_from(&v, &req).unwrap();
    assert_eq!(inv.id, "INV2167234232");
    assert_eq!(inv.payload.kind, PayloadKind::Page);
    assert_eq!(inv.payload.qr, "https://wallet.xaigate.com/pay/INV2167234232?lang=en");
    assert_eq!(inv.expires_at.to_string(), "2023-12-07T10:03:07.97652Z", "createdAt + 60 minutes");
    assert!(inv.crypto.is_none());
}

#[test]
fn xaigate_every_status_value_of_the_info_call() {
    let base = json_fixture("xaigate/create_response.json");
    let cases = [
        ("Pending", "0", Status::Pending),
        ("PaidPartial", "4", Status::Underpaid),
        ("Paid", "10", Status::Paid),
        ("Expired", "0", Status::Expired),
        ("Expired", "4", Status::ExpiredUnderpaid),
        ("Deleted", "0", Status::Canceled),
    ];
    for (status, paid, want) in cases {
        let mut v = base.clone();
        v["status"] = json!(status);
        v["paidAmount"] = json!(paid);
        let r = xaigate::report(&v, &Currency::from_code("USD").unwrap());
        assert_eq!(r.status, want, "{status}");
    }
    let mut v = base;
    v["status"] = json!("Refunded");
    assert!(matches!(xaigate::report(&v, &Currency::from_code("USD").unwrap()).status, Status::Unknown(_)));
}

#[test]
fn xaigate_payment_page_must_be_https() {
    let mut v = json_fixture("xaigate/create_response.json");
    v["payUrl"] = json!("http://wallet.xaigate.com/pay/INV2167234232?lang=en");
    let e = xaigate::invoice_from(&v, &request("10", money("10", "USD"), MethodId::Checkout)).unwrap_err();
    assert!(matches!(e, GatewayError::Unverified { .. }), "{e:?}");
}

// ---- Bitsby (bitsby.md)

fn bitsby_data() -> Value {
    bitsby::data_of(&reply(200, &fixture("bitsby/create.json"))).unwrap()
}

const ALL_BITSBY: &[MethodId] =
    &[MethodId::UsdtTron, MethodId::UsdtBsc, MethodId::UsdtEthereum, MethodId::Eth, MethodId::Btc];

#[test]
fn bitsby_create_sample_offers_every_wallet_each_verified() {
    let req = request("t-1", money("10.55", "EUR"), MethodId::UsdtTron);
    let inv = bitsby::invoice_from(&bitsby_data(), &req, ALL_BITSBY, Networks::Mainnet).unwrap();
    assert_eq!(inv.id, "ade9550d-3dc7-4fd3-b94e-3b4c12aaaa0c");
    assert_eq!(inv.payload.qr, "TKbstUwMzLrfTAGL4erYb7gc7ghmHQ9zG7");
    assert_eq!(inv.crypto.as_ref().unwrap().amount.to_string(), "11.45000000", "exact, never rounded");
    assert_eq!(inv.expires_at.to_string(), "2024-03-01T03:20:24Z", "a zoneless time is UTC");
    let choices: Vec<MethodId> = inv.choices.iter().map(|c| c.method).collect();
    assert_eq!(choices, [MethodId::UsdtBsc, MethodId::UsdtEthereum, MethodId::Eth, MethodId::Btc]);
    let btc = inv.choices.iter().find(|c| c.method == MethodId::Btc).unwrap();
    assert_eq!(btc.payload.kind, PayloadKind::Bitcoin);
    assert_eq!(btc.payload.qr, "bitcoin:bc1qd9hs6dal8k2x0l8zhsgywqyvn9tpj3mrkk430t?amount=0.00018186");
}

#[test]
fn bitsby_switching_wallets_keeps_the_invoice() {
    let req = request("t-1", money("10.55", "EUR"), MethodId::UsdtTron);
    let mut inv = bitsby::invoice_from(&bitsby_data(), &req, ALL_BITSBY, Networks::Mainnet).unwrap();
    let id = inv.id.clone();
    assert!(inv.switch_to(MethodId::Eth));
    assert_eq!(inv.id, id);
    assert_eq!(inv.method.method, MethodId::Eth);
    assert_eq!(inv.payload.qr, "0x1427ca2c71bCa28f0B619b70E3F112065D5411aC");
    assert_eq!(inv.crypto.as_ref().unwrap().to_string(), "0.00329601 ETH");
    assert!(inv.choices.iter().any(|c| c.method == MethodId::UsdtTron), "the old wallet is a choice now");
    assert!(!inv.switch_to(MethodId::Lightning));
    // The cycle visits every wallet once.
    let mut seen = vec![inv.method.method];
    while let Some(next) = inv.next_choice() {
        if seen.contains(&next) {
            break;
        }
        inv.switch_to(next);
        seen.push(next);
    }
    assert_eq!(seen.len(), 5);
}

#[test]
fn bitsby_missing_wallet_is_a_refusal_naming_the_wallets_there_are() {
    let mut data = bitsby_data();
    data["wallets"].as_array_mut().unwrap().retain(|w| w["blockchain"] != "bnbSmartChain");
    let req = request("t-1", money("10.55", "EUR"), MethodId::UsdtBsc);
    let e = bitsby::invoice_from(&data, &req, ALL_BITSBY, Networks::Mainnet).unwrap_err();
    let m = e.problem().message;
    assert!(
        m.contains("Bitsby returned no usdt-bsc wallet; this project has: usdt-ethereum, usdt-tron, eth, btc"),
        "{m}"
    );
}

#[test]
fn bitsby_broken_addresses_refuse_the_chosen_wallet_and_drop_others() {
    let mut data = bitsby_data();
    data["wallets"][2]["address"] = json!("TKbstUwMzLrfTAGL4erYb7gc7ghmHQ9zG8");
    let tron = request("t-1", money("10.55", "EUR"), MethodId::UsdtTron);
    let e = bitsby::invoice_from(&data, &tron, ALL_BITSBY, Networks::Mainnet).unwrap_err();
    assert!(matches!(e, GatewayError::Unverified { .. }), "{e:?}");
    let btc = request("t-1", money("10.55", "EUR"), MethodId::Btc);
    let inv = bitsby::invoice_from(&data, &btc, ALL_BITSBY, Networks::Mainnet).unwrap();
    assert!(!inv.choices.iter().any(|c| c.method == MethodId::UsdtTron), "the broken wallet is not offered");
    // A checksum-broken EVM address (one letter's case flipped).
    let mut data = bitsby_data();
    data["wallets"][0]["address"] = json!("0x1427ca2c71bCa28f0B619b70E3F112065D5411AC");
    let bsc = request("t-1", money("10.55", "EUR"), MethodId::UsdtBsc);
    assert!(matches!(
        bitsby::invoice_from(&data, &bsc, ALL_BITSBY, Networks::Mainnet),
        Err(GatewayError::Unverified { .. })
    ));
}

#[test]
fn bitsby_list_item_and_error_samples() {
    let item = json_fixture("bitsby/list_item.json");
    let body = json!({"result": "success", "data": [item]}).to_string();
    let data = bitsby::data_of(&reply(200, &body)).unwrap();
    assert_eq!(bitsby::derive_status(&data[0]).0, Status::Canceled);
    let e = bitsby::data_of(&reply(200, &fixture("bitsby/too_frequent.json"))).unwrap_err();
    assert!(matches!(e, GatewayError::RateLimited { .. }), "{e:?}");
}
