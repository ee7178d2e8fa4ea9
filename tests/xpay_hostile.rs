//! Hostile input: random and malformed bodies fed to every xPay response
//! parser give an error or an `unknown` status, never a panic and never paid
//! without the money.

mod support;

use proptest::prelude::*;
use serde_json::{Value, json};
use support::*;
use till::core::invoice::Reference;
use till::core::method::MethodId;
use till::core::status::Status;
use till::gateway::CreateRequest;
use till::gateway::verify::Networks;
use till::gateway::xpay::{derive_status, invoice_from_bill, parse_login, report, unwrap_envelope};

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("billAmount".to_string()),
                        Just("paidAmount".to_string()),
                        Just("closed".to_string()),
                        Just("canceled".to_string()),
                        Just("txs".to_string()),
                        Just("uuid".to_string()),
                        Just("billRef".to_string()),
                        Just("address".to_string()),
                        Just("lnInvoice".to_string()),
                        Just("until".to_string()),
                        Just("createdAt".to_string()),
                        Just("success".to_string()),
                        Just("error".to_string()),
                        Just("data".to_string()),
                        "[a-z]{1,6}",
                    ],
                    inner
                ),
                0..8
            )
            .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn request(method: MethodId) -> CreateRequest {
    CreateRequest { reference: Reference::parse("r-1").unwrap(), amount: usd_amount("10"), method, retry: false }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = unwrap_envelope(&bytes, false);
        let _ = unwrap_envelope(&bytes, true);
    }

    #[test]
    fn random_json_never_panics_and_never_pays_without_money(v in any_json()) {
        let body = serde_json::to_vec(&v).unwrap();
        if let Ok(data) = unwrap_envelope(&body, false) {
            let _ = parse_login(&data);
            let _ = report(&data, &usd());
        }
        let (status, _) = derive_status(&v);
        if status == Status::Paid {
            let bill = till::gateway::json::integer(&v["billAmount"]).unwrap();
            let paid = till::gateway::json::integer(&v["paidAmount"]).unwrap();
            prop_assert!(bill > 0 && paid >= bill, "paid without the money: {v}");
        }
        for method in [MethodId::Lightning, MethodId::UsdtTron] {
            let _ = invoice_from_bill(&v, &request(method), Networks::Mainnet, sample_created_at());
        }
    }

    #[test]
    fn a_sample_bill_with_one_field_replaced_never_panics(key in "[a-zA-Z]{1,12}", value in any_json()) {
        let sample: Value = serde_json::from_str(XPAY_CREATE_LIGHTNING).unwrap();
        let mut bill = sample["success"]["data"].clone();
        for k in [key.as_str(), "billAmount", "paidAmount", "lnInvoice", "until"] {
            if k == key.as_str() || key.len() % 5 == 0 {
                bill[k] = value.clone();
            }
        }
        let req = CreateRequest { reference: Reference::parse("1bdce316").unwrap(), amount: usd_amount("10"), method: MethodId::Lightning, retry: false };
        let _ = invoice_from_bill(&bill, &req, Networks::Mainnet, sample_created_at());
        let _ = derive_status(&bill);
    }
}
