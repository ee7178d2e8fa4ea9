//! Hostile input to the four newer gateways' parsers: random bytes, random
//! JSON, and the docs' samples with fields replaced give an error or an
//! `unknown` status, never a panic, and paid only on the documented signal.

use proptest::prelude::*;
use serde_json::{Value, json};
use till::core::invoice::Reference;
use till::core::method::MethodId;
use till::core::money::{Currency, Money};
use till::core::status::Status;
use till::gateway::http::Reply;
use till::gateway::verify::Networks;
use till::gateway::{CreateRequest, bitsby, xaigate, xcash, xpays};

const KEYS: &[&str] = &[
    "data",
    "payment",
    "error",
    "result",
    "code",
    "detail",
    "message",
    "status",
    "payment_status",
    "is_completed",
    "payer_paid_amount",
    "txid",
    "address",
    "payment_amount",
    "payment_url",
    "expired_at",
    "created_at",
    "id",
    "order_id",
    "amount",
    "sys_no",
    "pay_address",
    "pay_amount",
    "pay_url",
    "expires_at",
    "invoiceNo",
    "orderId",
    "paidAmount",
    "payUrl",
    "createdAt",
    "expiry",
    "wallets",
    "blockchain",
    "cryptocurrency",
    "amountCrypto",
    "timeToPayDatetime",
    "createDatetime",
    "url",
];

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
        ".{0,12}".prop_map(Value::String),
        prop::sample::select(vec!["paid", "Paid", "completed", "COMPLETED", "EXPIRED", "PENDING", "unpaid"])
            .prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(4, 48, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (prop_oneof![prop::sample::select(KEYS).prop_map(str::to_string), "[a-z]{1,6}"], inner),
                0..8
            )
            .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn usd() -> Currency {
    Currency::from_code("USD").unwrap()
}

fn request(reference: &str, amount: &str, method: MethodId) -> CreateRequest {
    CreateRequest {
        reference: Reference::parse(reference).unwrap(),
        amount: Money::new(amount.parse().unwrap(), usd()),
        method,
        retry: false,
    }
}

fn xpays_cfg() -> xpays::XpaysConfig {
    xpays::XpaysConfig {
        base_url: "https://x".into(),
        api_key: till::secret::Secret::new("k"),
        secret_key: till::secret::Secret::new("s"),
        sign_template: xpays::DEFAULT_SIGN_TEMPLATE.into(),
        chain: "tron".into(),
        crypto: "USDT".into(),
        status_map: Vec::new(),
        currency: usd(),
    }
}

fn fixture(path: &str) -> Value {
    let text = std::fs::read_to_string(format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Every parser of every gateway on one value; checks the paid rule.
fn feed(v: &Value) -> Result<(), TestCaseError> {
    let body = serde_json::to_vec(v).unwrap();
    for status in [200, 201, 400, 403, 404, 500] {
        let reply = Reply { status, body: body.clone(), date: None };
        let _ = xpays::payment_of(&reply, true);
        let _ = xpays::payment_of(&reply, false);
        let _ = xcash::invoice_of(&reply, "2026-01-01T00:00:00Z".parse().unwrap());
        let _ = xaigate::invoice_of(&reply, "key");
        let _ = bitsby::data_of(&reply);
    }
    let (s, _) = xpays::derive_status(v, &[]);
    if s == Status::Paid {
        prop_assert_eq!(&v["is_completed"], &json!(true), "xpays paid without is_completed: {}", v);
    }
    let (s, _) = xcash::derive_status(v);
    if s == Status::Paid {
        prop_assert_eq!(&v["status"], &json!("completed"), "xcash: {}", v);
    }
    let (s, _) = xaigate::derive_status(v);
    if s == Status::Paid {
        prop_assert_eq!(&v["status"], &json!("Paid"), "xaigate: {}", v);
    }
    let (s, _) = bitsby::derive_status(v);
    if s == Status::Paid {
        prop_assert_eq!(&v["status"], &json!("paid"), "bitsby: {}", v);
    }
    let _ = xpays::invoice_from_payment(v, &request("1731785840", "10", MethodId::UsdtTron), &xpays_cfg());
    let _ = xcash::invoice_from(v, &request("r1", "29.99", MethodId::UsdtTron), true);
    let _ = xaigate::invoice_from(v, &request("10", "10", MethodId::Checkout));
    for method in [MethodId::UsdtTron, MethodId::Btc, MethodId::Eth] {
        let _ = bitsby::invoice_from(v, &request("r1", "10.55", method), &[MethodId::UsdtBsc], Networks::Mainnet);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let reply = Reply { status: 200, body: bytes, date: None };
        let _ = xpays::payment_of(&reply, true);
        let _ = xcash::invoice_of(&reply, "2026-01-01T00:00:00Z".parse().unwrap());
        let _ = xaigate::invoice_of(&reply, "key");
        let _ = bitsby::data_of(&reply);
    }

    #[test]
    fn random_json_never_panics(v in any_json()) {
        feed(&v)?;
    }

    #[test]
    fn samples_with_one_field_replaced_never_panic(key in prop::sample::select(KEYS), value in any_json()) {
        for mut v in [
            fixture("xpays/create.json")["data"].clone(),
            fixture("xcash/create_several_methods.json"),
            fixture("xaigate/create_response.json"),
            fixture("bitsby/create.json")["data"].clone(),
        ] {
            if !v.is_object() {
                continue;
            }
            v[key] = value.clone();
            feed(&v)?;
            if let Some(w) = v.get_mut("wallets").and_then(|w| w.get_mut(1)).filter(|w| w.is_object()) {
                w[key] = value.clone();
                feed(&v)?;
            }
        }
    }
}
