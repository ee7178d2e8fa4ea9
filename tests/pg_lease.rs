//! Leases on the PostgreSQL store: a till renews its terminal's lease each
//! turn; when a terminal's lease runs out, a live till with the same gateway
//! account takes its open invoices over (never from a live terminal, never
//! without the account), each invoice by exactly one till; the invoices go
//! back when the terminal returns; expired invoices are watched within the
//! late window only.

#[path = "support/pgseed.rs"]
mod pgseed;
mod support;

use pgseed::*;
use std::collections::BTreeSet;
use std::time::Duration;
use till::core::method::ProviderId;
use till::journal::fleet::{Account, LeaseAsk, LeaseTurn, Share};
use till::journal::postgres::lease::turn;

fn ask(terminal: &str, fingerprint: &str) -> LeaseAsk {
    LeaseAsk {
        terminal: terminal.into(),
        accounts: vec![Account { provider: ProviderId::Xpay, fingerprint: fingerprint.into() }],
        unreachable: vec![],
        lease: Duration::from_secs(20),
        late_since: jiff::Timestamp::from_millisecond(now_ms() - 3_600_000).unwrap(),
    }
}

async fn lease(url: &str, terminal: &str, fingerprint: &str) -> LeaseTurn {
    let mut c = client(url).await;
    turn(&mut c, &ask(terminal, fingerprint), &format!("instance-{terminal}")).await.unwrap()
}

/// (reference, watched_by) of a turn's assignments.
fn watch(t: &LeaseTurn) -> Vec<(String, String)> {
    t.assignments.iter().map(|a| (a.record.reference.to_string(), a.watched_by.clone())).collect()
}

fn pair(r: &str, w: &str) -> (String, String) {
    (r.to_string(), w.to_string())
}

#[tokio::test]
async fn a_turn_renews_the_lease_and_lists_the_terminals_own_open_invoices() {
    let Some((url, c)) = store("a_turn_renews_the_lease").await else { return };
    let now = now_ms();
    invoice(&c, "open1", "t1", "pending", now, now + 900_000).await;
    invoice(&c, "paid1", "t1", "paid", now, now + 900_000).await;
    invoice(&c, "other", "t2", "pending", now, now + 900_000).await;
    let t = lease(&url, "t1", "acct-a").await;
    assert_eq!(watch(&t), vec![pair("open1", "t1")], "a paid sale and another terminal's are not watched");
    assert_eq!(t.assignments[0].record.fiat.amount_text(), "12.50");
    assert_eq!(t.sharing, vec![Share { provider: ProviderId::Xpay, tills: 1, rank: 0 }]);
    let row = c
        .query_one(
            "SELECT instance, accounts, lease_until - till_now_ms(), seen_at <= till_now_ms() FROM terminals WHERE terminal = 't1'",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "instance-t1");
    assert_eq!(row.get::<_, Vec<String>>(1), vec!["xpay:acct-a".to_string()]);
    let left: i64 = row.get(2);
    assert!((15_000..=20_000).contains(&left), "the lease holds about 20 s on the store's clock: {left} ms");
    assert!(row.get::<_, bool>(3));
    // A second till with the same account: two share it.
    let t2 = lease(&url, "t2", "acct-a").await;
    assert_eq!(t2.sharing, vec![Share { provider: ProviderId::Xpay, tills: 2, rank: 1 }], "t2 sorts after t1");
    let t1 = lease(&url, "t1", "acct-a").await;
    assert_eq!(
        t1.sharing,
        vec![Share { provider: ProviderId::Xpay, tills: 2, rank: 0 }],
        "the same order in t1's turn"
    );
    assert_eq!(watch(&t2), vec![pair("other", "t2")]);
}

#[tokio::test]
async fn a_live_till_with_the_account_takes_over_a_dead_terminals_invoices_and_gives_them_back() {
    let Some((url, c)) = store("takes_over_and_gives_back").await else { return };
    let now = now_ms();
    invoice(&c, "open1", "t1", "pending", now, now + 900_000).await;
    invoice(&c, "open2", "t1", "underpaid", now + 1, now + 900_000).await;
    lease(&url, "t1", "acct-a").await;
    lease(&url, "t2", "acct-a").await;
    lease(&url, "t3", "acct-b").await;

    // t1 is alive: nobody takes its invoices.
    assert_eq!(watch(&lease(&url, "t2", "acct-a").await), vec![]);
    assert_eq!(watched_by(&c, "open1").await, None);

    // t1 stops: a till without the account never takes over; one with it does.
    expire_lease(&c, "t1").await;
    assert_eq!(watch(&lease(&url, "t3", "acct-b").await), vec![]);
    let taken = lease(&url, "t2", "acct-a").await;
    assert_eq!(watch(&taken), vec![pair("open1", "t2"), pair("open2", "t2")]);
    assert_eq!(taken.assignments[0].record.terminal, "t1", "still t1's sale");
    assert_eq!(watched_by(&c, "open1").await.as_deref(), Some("t2"));
    assert_eq!(taken.sharing, vec![Share { provider: ProviderId::Xpay, tills: 1, rank: 0 }], "t1 no longer counts");

    // t1 returns: it sees them watched by t2 until t2's next turn gives them back.
    assert_eq!(watch(&lease(&url, "t1", "acct-a").await), vec![pair("open1", "t2"), pair("open2", "t2")]);
    assert_eq!(watch(&lease(&url, "t2", "acct-a").await), vec![], "t2 gave them back");
    assert_eq!(watched_by(&c, "open1").await, None);
    assert_eq!(watch(&lease(&url, "t1", "acct-a").await), vec![pair("open1", "t1"), pair("open2", "t1")]);
}

#[tokio::test]
async fn a_dead_watchers_invoices_go_on_to_a_live_till_and_home_when_their_terminal_is_back() {
    let Some((url, c)) = store("dead_watcher").await else { return };
    let now = now_ms();
    invoice(&c, "open1", "t1", "pending", now, now + 900_000).await;
    lease(&url, "t1", "acct-a").await;
    lease(&url, "t2", "acct-a").await;
    expire_lease(&c, "t1").await;
    assert_eq!(watch(&lease(&url, "t2", "acct-a").await), vec![pair("open1", "t2")]);
    // t2 dies too: t3 (same account) takes it from t2.
    expire_lease(&c, "t2").await;
    assert_eq!(watch(&lease(&url, "t3", "acct-a").await), vec![pair("open1", "t3")]);
    // t3 dies, t1 comes back: t1 takes its own invoice home at once.
    expire_lease(&c, "t3").await;
    assert_eq!(watch(&lease(&url, "t1", "acct-a").await), vec![pair("open1", "t1")]);
    assert_eq!(watched_by(&c, "open1").await, None);
}

#[tokio::test]
async fn expired_invoices_are_taken_over_within_the_late_window_only() {
    let Some((url, c)) = store("late_window").await else { return };
    let now = now_ms();
    invoice(&c, "recent", "t1", "expired", now - 600_000, now - 60_000).await;
    invoice(&c, "old", "t1", "expired", now - 9_000_000, now - 7_200_000).await;
    invoice(&c, "paid", "t1", "paid", now, now + 900_000).await;
    invoice(&c, "gone", "t1", "canceled", now, now + 900_000).await;
    lease(&url, "t1", "acct-a").await;
    expire_lease(&c, "t1").await;
    // The window started an hour ago: the invoice expired a minute ago is
    // still watched for a late payment, the one expired two hours ago is not.
    assert_eq!(watch(&lease(&url, "t2", "acct-a").await), vec![pair("recent", "t2")]);
    assert_eq!(watched_by(&c, "old").await, None);
    assert_eq!(watched_by(&c, "paid").await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tills_taking_over_at_once_take_each_invoice_exactly_once() {
    let Some((url, c)) = store("two_at_once").await else { return };
    let now = now_ms();
    let all: BTreeSet<String> = (0..300).map(|i| format!("inv{i:03}")).collect();
    for (i, r) in all.iter().enumerate() {
        invoice(&c, r, "t1", "pending", now + i as i64, now + 900_000).await;
    }
    lease(&url, "t1", "acct-a").await;
    lease(&url, "t2", "acct-a").await;
    lease(&url, "t3", "acct-a").await;
    expire_lease(&c, "t1").await;
    for _ in 0..5 {
        let (a, b) = tokio::join!(lease(&url, "t2", "acct-a"), lease(&url, "t3", "acct-a"));
        let mine = |t: &LeaseTurn, me: &str| -> BTreeSet<String> {
            t.assignments.iter().filter(|x| x.watched_by == me).map(|x| x.record.reference.to_string()).collect()
        };
        let (a, b) = (mine(&a, "t2"), mine(&b, "t3"));
        assert!(a.is_disjoint(&b), "an invoice taken by both: {:?}", a.intersection(&b).collect::<Vec<_>>());
        assert_eq!(&a | &b, all, "every invoice is watched by one of them");
        // Taken again from nobody: the next turns change nothing.
        let stored: i64 =
            c.query_one("SELECT count(*) FROM invoices WHERE watched_by IN ('t2', 't3')", &[]).await.unwrap().get(0);
        assert_eq!(stored, 300);
    }
}

/// The lease turn as a till makes it, through its store: its own sale is
/// assigned to it; once its lease runs out another till takes the sale
/// over, and the first till's status write is refused (it no longer
/// watches the invoice), so it can never overwrite the new watcher's work.
#[test]
fn through_the_store_a_till_that_lost_its_lease_cannot_write_the_taken_invoice() {
    use support::{sample_created_at, tron_invoice};
    use till::config::store::StoreConfig;
    use till::core::status::{Origin, Status};
    use till::core::watch::{Change, Watch};
    use till::journal::postgres::PgStore;
    use till::journal::{JournalError, Store};

    let Some(url) = support::pg::fresh_database_blocking("lease_through_the_store") else { return };
    let config = StoreConfig::new(url.clone());
    let t1 = PgStore::open(&config, "t1").unwrap();
    let t2 = PgStore::open(&config, "t2").unwrap();
    let inv = tron_invoice();
    let at = sample_created_at();
    t1.record_intent(&inv.reference, inv.method, &inv.fiat, None, "t1", at).unwrap();
    t1.record_created(&inv, "t1", at).unwrap();
    let mut ask1 = ask("t1", "acct-a");
    ask1.accounts[0].provider = inv.method.provider;
    let mut ask2 = ask("t2", "acct-a");
    ask2.accounts[0].provider = inv.method.provider;

    let turn1 = t1.lease_turn(&ask1).unwrap().expect("a store of many tills has leases");
    assert_eq!(watch(&turn1), vec![pair(inv.reference.as_str(), "t1")]);
    assert_eq!(watch(&t2.lease_turn(&ask2).unwrap().unwrap()), vec![]);

    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async { expire_lease(&client(&url).await, "t1").await });
    let turn2 = t2.lease_turn(&ask2).unwrap().unwrap();
    assert_eq!(watch(&turn2), vec![pair(inv.reference.as_str(), "t2")]);

    let mut w = Watch::new(inv.clone(), at);
    w.invoice.status = Status::Paid;
    let change = Change { from: Status::Pending, to: Status::Paid, origin: Origin::Gateway, note: None };
    let refused = t1.record_status(&w, &change, at).unwrap_err();
    assert!(matches!(refused, JournalError::NotWatcher { .. }), "{refused}");
    t2.record_status(&w, &change, at).unwrap();
    assert_eq!(t2.lease_turn(&ask2).unwrap().unwrap().assignments, vec![], "paid: no longer watched");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_turn_skips_invoices_another_till_is_taking_over_without_waiting() {
    let Some((url, c)) = store("skip_locked").await else { return };
    let now = now_ms();
    for i in 0..4 {
        invoice(&c, &format!("inv{i}"), "t1", "pending", now + i, now + 900_000).await;
    }
    lease(&url, "t1", "acct-a").await;
    lease(&url, "t2", "acct-a").await;
    lease(&url, "t3", "acct-a").await;
    expire_lease(&c, "t1").await;
    // Another till's turn holds inv0 and inv1 in its open transaction.
    let mut other = client(&url).await;
    let tx = other.transaction().await.unwrap();
    tx.execute("SELECT 1 FROM invoices WHERE reference IN ('inv0', 'inv1') FOR UPDATE", &[]).await.unwrap();
    let taken = tokio::time::timeout(std::time::Duration::from_secs(5), lease(&url, "t2", "acct-a"))
        .await
        .expect("the turn does not wait for the other till");
    assert_eq!(watch(&taken), vec![pair("inv2", "t2"), pair("inv3", "t2")]);
    tx.rollback().await.unwrap();
    // Once free, the rest goes to the next till that asks; nothing is taken twice.
    assert_eq!(watch(&lease(&url, "t3", "acct-a").await), vec![pair("inv0", "t3"), pair("inv1", "t3")]);
    assert_eq!(watch(&lease(&url, "t2", "acct-a").await), vec![pair("inv2", "t2"), pair("inv3", "t2")]);
}

/// A measurement for the README (`cargo test --test pg_lease -- --ignored
/// --nocapture`): 100 terminals with 10 open invoices each take their lease
/// turns; then 10 of them stop and the 90 others take their turns four at a
/// time: every orphaned invoice is taken by exactly one till.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement: run with --ignored --nocapture"]
async fn lease_turns_of_100_terminals_with_10_open_invoices_each() {
    let Some((url, c)) = store("lease_scale").await else { return };
    let now = now_ms();
    let terminal = |t: usize| format!("t{t:03}");
    for t in 0..100 {
        for i in 0..10 {
            invoice(&c, &format!("i{t:03}x{i}"), &terminal(t), "pending", now + i, now + 900_000).await;
        }
    }
    let mut clients = Vec::new();
    for _ in 0..4 {
        clients.push(client(&url).await);
    }
    let mut took = Vec::new();
    for t in 0..100 {
        let start = std::time::Instant::now();
        let turn = turn(&mut clients[0], &ask(&terminal(t), "acct-a"), "i").await.unwrap();
        took.push(start.elapsed());
        assert_eq!(turn.assignments.len(), 10);
    }
    took.sort();
    eprintln!("lease turn, 100 live terminals x 10 open invoices: median {:?}, max {:?}", took[50], took[99]);
    for t in 0..10 {
        expire_lease(&c, &terminal(t)).await;
    }
    let start = std::time::Instant::now();
    let mut handles = Vec::new();
    for (k, mut cl) in clients.into_iter().enumerate() {
        handles.push(tokio::spawn(async move {
            let mut mine = 0;
            for t in (10 + k..100).step_by(4) {
                let turn = turn(&mut cl, &ask(&format!("t{t:03}"), "acct-a"), "i").await.unwrap();
                mine += turn.assignments.iter().filter(|a| a.record.terminal != a.watched_by).count();
            }
            mine
        }));
    }
    let mut taken = 0;
    for h in handles {
        taken += h.await.unwrap();
    }
    eprintln!("90 turns taking over 10 dead terminals' 100 invoices, 4 at a time: {:?}", start.elapsed());
    assert_eq!(taken, 100, "each orphaned invoice taken exactly once");
    let watchers: i64 = c
        .query_one("SELECT count(DISTINCT reference) FROM invoices WHERE watched_by IS NOT NULL", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(watchers, 100);
}
