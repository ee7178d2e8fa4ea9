//! `/_sandbox/rates` (CONTROL.md § Rates) on paused tokio time: arrival
//! instants are exactly where the test puts them.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{Value, json};
use till_sandbox::Running;
use tokio::time::advance;

/// A gateway request at the paused clock's current instant (the answer does
/// not matter: an unknown Xcash invoice is a 404, and still a request).
async fn hit(sb: &Running, path: &str) {
    request(sb.addr(), "GET", path, &[], None).await;
}

async fn rates(sb: &Running) -> Value {
    let reply = control(sb, "GET", "/_sandbox/rates", None).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()
}

async fn after_ms(ms: u64) {
    advance(Duration::from_millis(ms)).await;
}

#[tokio::test(start_paused = true)]
async fn one_second_windows_are_half_open() {
    let sb = start().await;
    // 0, 0.5, 0.99 and 1.0 s: [0, 1 s) holds three, [0.5 s, 1.5 s) three.
    hit(&sb, "/v1/invoice/A").await;
    after_ms(500).await;
    hit(&sb, "/v1/invoice/A").await;
    after_ms(490).await;
    hit(&sb, "/v1/invoice/B").await;
    after_ms(10).await;
    hit(&sb, "/v1/invoice/A").await;
    let r = rates(&sb).await;
    assert_eq!(
        r,
        json!({"xcash": {
            "requests": 4,
            "max_in_1s": 3,
            "max_per_path_in_60s": 3,
            "busiest_path": "/v1/invoice/A",
            "per_second": [3, 1],
        }})
    );
}

#[tokio::test(start_paused = true)]
async fn requests_exactly_one_second_apart_never_share_a_window() {
    let sb = start().await;
    for _ in 0..5 {
        hit(&sb, "/client/bills/find").await;
        after_ms(1000).await;
    }
    let r = rates(&sb).await;
    assert_eq!(r["xpay"]["requests"], 5);
    assert_eq!(r["xpay"]["max_in_1s"], 1);
    assert_eq!(r["xpay"]["per_second"], json!([1, 1, 1, 1, 1]));

    // One more 999 ms after the last: now two share a second.
    after_ms(999).await;
    hit(&sb, "/client/bills/find").await;
    let r = rates(&sb).await;
    assert_eq!(r["xpay"]["max_in_1s"], 1, "the last two are 1.999 s apart");
    after_ms(1).await; // 6.000 s
    hit(&sb, "/client/bills/find").await;
    let r = rates(&sb).await;
    assert_eq!(r["xpay"]["max_in_1s"], 2, "5.999 s and 6.000 s");
    assert_eq!(r["xpay"]["per_second"], json!([1, 1, 1, 1, 1, 1, 1]));
}

#[tokio::test(start_paused = true)]
async fn per_path_maximum_over_sixty_seconds() {
    let sb = start().await;
    let start = tokio::time::Instant::now();
    // Path A at 0, 20, 40, 59.999 and 60 s; path B four times at 30 s.
    for (at_ms, path) in [
        (0, "/api/v1/invoice/info"),
        (20_000, "/api/v1/invoice/info"),
        (30_000, "/api/v1/invoice/create"),
        (30_000, "/api/v1/invoice/create"),
        (30_000, "/api/v1/invoice/create"),
        (30_000, "/api/v1/invoice/create"),
        (40_000, "/api/v1/invoice/info"),
        (59_999, "/api/v1/invoice/info"),
        (60_000, "/api/v1/invoice/info"),
    ] {
        let target = start + Duration::from_millis(at_ms);
        advance(target.saturating_duration_since(tokio::time::Instant::now())).await;
        hit(&sb, path).await;
    }
    let r = rates(&sb).await;
    let x = &r["xaigate"];
    assert_eq!(x["requests"], 9);
    // A: [0, 60 s) holds 0, 20, 40, 59.999 s; 60 s starts the next window.
    // B: 4 at 30 s. A tie (4 and 4): the smaller path.
    assert_eq!(x["max_per_path_in_60s"], 4);
    assert_eq!(x["busiest_path"], "/api/v1/invoice/create");
    assert_eq!(x["max_in_1s"], 4);
    let per_second = x["per_second"].as_array().expect("array");
    assert_eq!(per_second.len(), 61);
    assert_eq!((per_second[0].as_u64(), per_second[30].as_u64(), per_second[59].as_u64()), (Some(1), Some(4), Some(1)));
    assert_eq!(per_second[60], 1);

    // One more A at 61 s: 20, 40, 59.999, 60, 61 s all within [20 s, 80 s).
    advance(Duration::from_millis(1000)).await;
    hit(&sb, "/api/v1/invoice/info").await;
    let r = rates(&sb).await;
    assert_eq!(r["xaigate"]["max_per_path_in_60s"], 5);
    assert_eq!(r["xaigate"]["busiest_path"], "/api/v1/invoice/info");
}

#[tokio::test(start_paused = true)]
async fn gateways_apart_control_routes_ignored_and_reset() {
    let sb = start().await;
    hit(&sb, "/invoices/list").await;
    hit(&sb, "/payments/list").await;
    hit(&sb, "/v1/payment/info").await;
    hit(&sb, "/nowhere").await;
    // Control routes, seeding included, are not gateway requests.
    control(&sb, "GET", "/_sandbox/requests", None).await;
    control(&sb, "POST", "/_sandbox/xcash/seed", Some(r#"{"count": 3}"#)).await;
    let r = rates(&sb).await;
    assert_eq!(keys(&r), ["bitsby", "xpays"]);
    assert_eq!(r["bitsby"]["requests"], 2);
    assert_eq!(r["bitsby"]["max_per_path_in_60s"], 1);
    assert_eq!(r["bitsby"]["busiest_path"], "/invoices/list");
    assert_eq!(r["xpays"]["per_second"], json!([1]));

    let reply = control(&sb, "DELETE", "/_sandbox/rates", None).await;
    assert_eq!((reply.status, reply.json()), (200, json!({})));
    assert_eq!(rates(&sb).await, json!({}));
    // Per-path request counts are a separate log.
    assert_eq!(control(&sb, "GET", "/_sandbox/requests", None).await.json()["/invoices/list"], 1);

    after_ms(5000).await;
    hit(&sb, "/invoices/list").await;
    assert_eq!(rates(&sb).await["bitsby"]["per_second"], json!([1]), "counted from the first request after reset");
}
