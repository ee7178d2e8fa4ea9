//! A late payment at Xcash (xcash.md § Mapping to till): the real server
//! reports `expired`, then `completed` for a transfer made inside the
//! window but seen after its expiry task ran. The adapter, polling an
//! invoice at the sandbox, reports `expired` and then `paid`: `completed`
//! is paid whatever came before. (The desk's "paid late" note belongs to
//! the core's late-payment watch.)

use serde_json::Value;
use std::time::Duration;
use till::core::invoice::Reference;
use till::core::method::MethodId;
use till::core::money::{Currency, Money};
use till::core::status::Status;
use till::gateway::http::HttpSettings;
use till::gateway::xcash::{Xcash, XcashConfig};
use till::gateway::{CreateRequest, Gateway};
use till::secret::Secret;

fn usd() -> Currency {
    Currency::from_code("USD").unwrap()
}

async fn act(base: &str, reference: &Reference, action: &str) -> Value {
    let url = format!("{base}/_sandbox/xcash/invoices/{reference}/{action}");
    let r = reqwest::Client::new().post(url).send().await.unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    assert!(status.is_success(), "{action}: {text}");
    serde_json::from_str(&text).unwrap()
}

#[tokio::test]
async fn an_expired_invoice_credited_late_is_paid() {
    till::gateway::http::install_tls();
    let running = till_sandbox::spawn(([127, 0, 0, 1], 0).into(), till_sandbox::Options::default()).await.unwrap();
    let base = running.base_url();
    let cfg = XcashConfig {
        base_url: base.clone(),
        appid: till_sandbox::DEMO_XCASH_APPID.into(),
        hmac_key: Secret::new(till_sandbox::DEMO_XCASH_HMAC_KEY),
        duration_minutes: 15,
        chain_code: "tron".into(),
        title: "Corner Cafe".into(),
        currency: usd(),
    };
    let settings = HttpSettings {
        first_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(50),
        ..HttpSettings::default()
    };
    let g = Xcash::new(cfg, settings, till::clock::system()).unwrap();
    let request = CreateRequest {
        reference: Reference::parse("late-1").unwrap(),
        amount: Money::new("12.50".parse().unwrap(), usd()),
        method: MethodId::UsdtTron,
        retry: false,
    };
    let inv = g.create(&request).await.unwrap();
    assert_eq!(g.status(&inv).await.unwrap().status, Status::Pending);

    // The expiry task runs with nothing seen: expired, as the gateway reports it.
    act(&base, &inv.reference, "expire").await;
    let r = g.status(&inv).await.unwrap();
    assert_eq!(r.status, Status::Expired, "{}", r.raw);
    assert_eq!(g.status(&inv).await.unwrap().status, Status::Expired, "asked again: still expired");

    // A transfer made inside the window is credited after the expiry.
    let credited = act(&base, &inv.reference, "pay").await;
    assert_eq!(credited["status"], "completed");
    let r = g.status(&inv).await.unwrap();
    assert_eq!(r.status, Status::Paid, "{}", r.raw);
    assert_eq!(r.tx_id.as_deref(), credited["payment"]["hash"].as_str());
    assert_eq!(r.received.map(|m| m.amount.to_string()).as_deref(), Some("12.50"));
}
