//! Figure (c) as a test: 10,000 open invoices across the five gateways of
//! the sandbox, watched by the real adapters; the sandbox, asked to count,
//! confirms that no gateway got more requests than its limit in any one
//! second, nor one Xcash invoice more than 60 polls in a minute.

use till::config::Config;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_open_invoices_never_put_a_gateway_over_its_limit() {
    let sandbox = till_sandbox::spawn(([127, 0, 0, 1], 0).into(), till_sandbox::Options::default()).await.unwrap();
    let base = sandbox.base_url();
    let config = Config::demo(Some(base.clone()));
    let report = till::soak::run(&base, &config, 10_000, 6, till::clock::system()).await.unwrap();
    println!("{}", report.table());
    assert_eq!(report.gateways.len(), 5);
    for g in &report.gateways {
        assert_eq!(g.invoices, 2_000, "{:?}", g.provider);
        assert!(g.requests >= 3, "{:?} was polled: {g:?}", g.provider);
        assert!(g.answered > 0, "{:?} answered: {g:?}", g.provider);
        assert!(g.max_in_1s <= u64::from(g.limit_per_second), "{g:?}");
    }
    assert!(report.within_limits(), "{}", report.table());
    // The batch gateways answer for many invoices per request.
    let bitsby = report.gateways.iter().find(|g| g.provider == till::core::method::ProviderId::Bitsby).unwrap();
    assert!(bitsby.answers >= 40 * bitsby.requests.saturating_sub(1), "{bitsby:?}");
}
