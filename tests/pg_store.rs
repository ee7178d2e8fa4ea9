//! The PostgreSQL store against a real server (`TILL_TEST_DATABASE_URL`,
//! skipped visibly without it): the journal's guarantees (the intent before
//! the create, every status change with its event line, a restart that
//! resumes, the late window), one writer per terminal, many terminals on one
//! store, a newer schema refused untouched, the event log append-only in
//! the database, writes fenced to the invoice's watcher, and no password in
//! any message.

mod support;

use jiff::Timestamp;
use std::time::{Duration, Instant};
use support::*;
use till::config::store::{Password, StoreConfig};
use till::core::invoice::{Invoice, Reference};
use till::core::method::{MethodId, PaymentMethod, ProviderId};
use till::core::status::{Origin, Status};
use till::core::watch::{Change, Watch};
use till::journal::fleet::Scope;
use till::journal::postgres::PgStore;
use till::journal::{JournalError, Store};

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn open(url: &str, terminal: &str) -> PgStore {
    PgStore::open(&StoreConfig::new(url), terminal).unwrap()
}

/// Opens again once the previous till's session has ended (the server
/// drops its lock when it sees the connection close), within 10 s.
fn reopen(url: &str, terminal: &str) -> PgStore {
    let start = Instant::now();
    loop {
        match PgStore::open(&StoreConfig::new(url), terminal) {
            Ok(s) => return s,
            Err(JournalError::TerminalBusy { .. }) if start.elapsed() < Duration::from_secs(10) => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => panic!("{e}"),
        }
    }
}

async fn sql(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    client
}

fn invoice(n: u32, expires_at: Timestamp) -> Invoice {
    let mut inv = tron_invoice();
    inv.reference = Reference::parse(&format!("pg-{n}")).unwrap();
    inv.id = format!("bill-pg-{n}");
    inv.created_at = expires_at - jiff::SignedDuration::from_mins(30);
    inv.expires_at = expires_at;
    inv
}

fn set_status(
    store: &PgStore,
    inv: &Invoice,
    status: Status,
    origin: Origin,
    at: Timestamp,
) -> Result<(), JournalError> {
    let mut w = Watch::new(inv.clone(), inv.created_at);
    w.invoice.status = status.clone();
    w.origin = origin;
    let change = Change { from: inv.status.clone(), to: status, origin, note: None };
    store.record_status(&w, &change, at)
}

fn references(records: &[till::core::record::SaleRecord]) -> Vec<String> {
    let mut refs: Vec<String> = records.iter().map(|r| r.reference.to_string()).collect();
    refs.sort();
    refs
}

#[tokio::test]
async fn a_sale_is_stored_from_intent_to_final_with_every_status_change() {
    let Some(url) = support::pg::fresh_database("a_sale_is_stored_from_intent_to_final").await else { return };
    let store = open(&url, "till-1");
    let inv = tron_invoice();
    let r = inv.reference.clone();
    store.record_intent(&r, inv.method, &inv.fiat, None, "till-1", inv.created_at).unwrap();
    assert_eq!(store.unresolved().unwrap().len(), 1, "an unanswered create is found at the next start");
    store.record_created(&inv, "till-1", inv.created_at).unwrap();
    assert!(store.unresolved().unwrap().is_empty());
    let watched = store.to_watch(Timestamp::MIN).unwrap();
    assert_eq!(watched.len(), 1);
    assert_eq!(watched[0].invoice().unwrap(), inv, "the invoice comes back exactly");
    // A second create of the same sale (a retried create) changes nothing.
    store.record_created(&inv, "till-1", inv.created_at).unwrap();

    let mut w = Watch::new(inv.clone(), inv.created_at);
    w.invoice.status = Status::Paid;
    w.invoice.received = Some(usd_amount("12.50"));
    w.tx_id = Some("tx-1".into());
    let change = Change { from: Status::Pending, to: Status::Paid, origin: Origin::Gateway, note: None };
    store.record_status(&w, &change, t("2024-08-20T10:25:00Z")).unwrap();
    assert!(store.to_watch(Timestamp::MIN).unwrap().is_empty(), "a paid invoice needs no more watching");
    let rec = store.find(r.as_str()).unwrap().unwrap();
    assert_eq!(rec.status, Status::Paid);
    assert_eq!(rec.tx_id.as_deref(), Some("tx-1"));
    assert_eq!(rec.received, Some(usd_amount("12.50")));
    assert_eq!(rec.terminal, "till-1");
    assert_eq!(store.find(&inv.id).unwrap().unwrap().reference, r, "found by the gateway's id too");
    assert!(store.find("nothing-like-it").unwrap().is_none());
    let events: Vec<_> = store.events(&r).unwrap().into_iter().map(|e| (e.old, e.new)).collect();
    assert_eq!(events, vec![(None, "pending".to_string()), (Some("pending".into()), "paid".into())]);

    // Every event line carries the terminal that wrote it, and its chain hash.
    let db = sql(&url).await;
    let rows = db.query("SELECT terminal, hash FROM events ORDER BY id", &[]).await.unwrap();
    assert_eq!(rows.len(), 2);
    for row in rows {
        assert_eq!(row.get::<_, String>(0), "till-1");
        assert_eq!(row.get::<_, Option<String>>(1).map(|h| h.len()), Some(64));
    }
}

#[tokio::test]
async fn the_intent_keeps_its_breakdown_and_a_failed_create_is_stored() {
    let Some(url) = support::pg::fresh_database("the_intent_keeps_its_breakdown").await else { return };
    let store = open(&url, "till-1");
    let r = Reference::parse("pg-failed").unwrap();
    let ln = PaymentMethod::new(ProviderId::Xpay, MethodId::Lightning);
    let fiat = usd_amount("11.00");
    let breakdown = till::core::tax::Breakdown {
        net: usd_amount("9.00"),
        tax: usd_amount("1.00"),
        rate: Some(till::core::tax::TaxRate { name: "VAT".into(), rate: "10".parse().unwrap() }),
        included: false,
        tip: usd_amount("1.00"),
        total: fiat.clone(),
    };
    store.record_intent(&r, ln, &fiat, Some(&breakdown), "till-1", t("2026-11-21T09:00:00Z")).unwrap();
    store
        .record_not_created(
            &r,
            till::core::record::RecordState::NotCreated,
            "the gateway said no",
            t("2026-11-21T09:00:01Z"),
        )
        .unwrap();
    let rec = store.find(r.as_str()).unwrap().unwrap();
    assert_eq!(rec.state, till::core::record::RecordState::NotCreated);
    assert_eq!(rec.note.as_deref(), Some("the gateway said no"));
    assert_eq!(rec.breakdown, Some(breakdown));
    assert!(store.unresolved().unwrap().is_empty());
}

#[tokio::test]
async fn a_restarted_till_finds_its_open_and_unresolved_sales() {
    let Some(url) = support::pg::fresh_database("a_restarted_till_finds_its_open_sales").await else { return };
    let store = open(&url, "till-1");
    let open_one = invoice(1, t("2026-11-21T12:30:00Z"));
    store
        .record_intent(&open_one.reference, open_one.method, &open_one.fiat, None, "till-1", open_one.created_at)
        .unwrap();
    store.record_created(&open_one, "till-1", open_one.created_at).unwrap();
    let pending = Reference::parse("pg-pending").unwrap();
    store.record_intent(&pending, open_one.method, &open_one.fiat, None, "till-1", open_one.created_at).unwrap();
    drop(store);

    let store = reopen(&url, "till-1");
    assert_eq!(references(&store.to_watch(Timestamp::MIN).unwrap()), ["pg-1"]);
    assert_eq!(references(&store.unresolved().unwrap()), ["pg-pending"]);
    // Another terminal on the same store sees none of them as its own.
    let other = open(&url, "till-2");
    assert!(other.to_watch(Timestamp::MIN).unwrap().is_empty());
    assert!(other.unresolved().unwrap().is_empty());
    assert!(other.find("pg-1").unwrap().is_none());

    // Taken over by till-2: neither till takes it up from `to_watch` at
    // start (the first lease turn says who watches it), so a till that
    // restarts never polls what was handed back meanwhile.
    let db = sql(&url).await;
    db.execute("UPDATE invoices SET watched_by = 'till-2' WHERE reference = 'pg-1'", &[]).await.unwrap();
    assert!(store.to_watch(Timestamp::MIN).unwrap().is_empty());
    assert!(other.to_watch(Timestamp::MIN).unwrap().is_empty());
}

#[tokio::test]
async fn to_watch_returns_open_sales_and_expired_ones_still_in_their_late_window() {
    let Some(url) = support::pg::fresh_database("to_watch_late_window").await else { return };
    let store = open(&url, "till-1");
    let now = t("2026-11-21T12:00:00Z");
    let hours = |h: i64| now - jiff::SignedDuration::from_hours(h);
    let sales = [
        (1, hours(2), Status::Expired, Origin::Gateway),
        (2, hours(23), Status::ExpiredUnderpaid, Origin::Gateway),
        (3, hours(3), Status::Expired, Origin::Local),
        (4, hours(25), Status::Expired, Origin::Gateway),
        (5, hours(30), Status::Expired, Origin::Local),
        (6, hours(1), Status::Paid, Origin::Gateway),
        (7, hours(1), Status::Canceled, Origin::Gateway),
        (8, hours(100), Status::Unknown("HOLD".into()), Origin::Gateway),
        (9, now + jiff::SignedDuration::from_mins(10), Status::Pending, Origin::Gateway),
    ];
    for (n, expires, status, origin) in sales {
        let inv = invoice(n, expires);
        store.record_created(&inv, "till-1", inv.created_at).unwrap();
        if status != Status::Pending {
            set_status(&store, &inv, status, origin, expires).unwrap();
        }
    }
    let watched = store.to_watch(now - jiff::SignedDuration::from_hours(24)).unwrap();
    assert_eq!(references(&watched), ["pg-1", "pg-2", "pg-3", "pg-8", "pg-9"]);
    assert!(watched.windows(2).all(|p| p[0].started_at <= p[1].started_at), "oldest first");
    assert_eq!(references(&store.to_watch(hours(3)).unwrap()), ["pg-1", "pg-8", "pg-9"]);
    assert_eq!(references(&store.to_watch(Timestamp::MAX).unwrap()), ["pg-8", "pg-9"]);
    let back = watched.iter().find(|r| r.reference.as_str() == "pg-3").unwrap();
    assert_eq!(back.watch(now).unwrap().origin, Origin::Local, "a local expiry comes back as local");
}

#[tokio::test]
async fn between_reads_this_terminals_sales_and_between_in_any_scope() {
    let Some(url) = support::pg::fresh_database("between_scopes").await else { return };
    let one = open(&url, "till-1");
    let two = open(&url, "till-2");
    let ln = PaymentMethod::new(ProviderId::Xpay, MethodId::Lightning);
    let day = t("2026-11-21T00:00:00Z");
    let at = |m: i64| day + jiff::SignedDuration::from_mins(m);
    for (store, terminal, name, minute) in [
        (&one, "till-1", "a-1", 60),
        (&one, "till-1", "a-2", 120),
        (&two, "till-2", "b-1", 90),
        (&two, "till-2", "b-0", 2000),
    ] {
        store
            .record_intent(&Reference::parse(name).unwrap(), ln, &usd_amount("1"), None, terminal, at(minute))
            .unwrap();
    }
    let until = day + jiff::SignedDuration::from_hours(24);
    let names =
        |v: Vec<till::core::record::SaleRecord>| v.into_iter().map(|r| r.reference.to_string()).collect::<Vec<_>>();
    assert_eq!(names(one.between(day, until).unwrap()), ["a-2", "a-1"], "newest first, this terminal's");
    assert_eq!(names(one.between_in(day, until, &Scope::Mine).unwrap()), ["a-2", "a-1"]);
    assert_eq!(names(one.between_in(day, until, &Scope::Terminal("till-2".into())).unwrap()), ["b-1"]);
    assert_eq!(names(one.between_in(day, until, &Scope::All).unwrap()), ["a-2", "b-1", "a-1"]);
    assert_eq!(names(two.between(day, until).unwrap()), ["b-1"]);

    // The reports' reader sees the same, without a lock or a write.
    let reader = PgStore::open_read_only(&StoreConfig::new(&url), "till-2").unwrap().expect("a store");
    assert_eq!(names(reader.between_in(day, until, &Scope::All).unwrap()), ["a-2", "b-1", "a-1"]);
    assert_eq!(names(reader.between(day, until).unwrap()), ["b-1"]);
    let refused = reader.record_intent(&Reference::parse("c-1").unwrap(), ln, &usd_amount("1"), None, "till-2", at(1));
    assert!(refused.is_err(), "a reader writes nothing");
}

#[tokio::test]
async fn a_reader_of_a_database_without_a_store_says_there_is_none() {
    let Some(url) = support::pg::fresh_database("a_reader_of_an_empty_database").await else { return };
    assert!(PgStore::open_read_only(&StoreConfig::new(&url), "till-1").unwrap().is_none());
    let db = sql(&url).await;
    let tables: i64 = db
        .query_one("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(tables, 0, "the reader created nothing");
}

#[tokio::test]
async fn a_second_till_with_the_same_terminal_is_refused_and_two_terminals_run_at_once() {
    let Some(url) = support::pg::fresh_database("one_writer_per_terminal").await else { return };
    let first = open(&url, "till-1");
    let err = PgStore::open(&StoreConfig::new(&url), "till-1").unwrap_err();
    assert!(matches!(err, JournalError::TerminalBusy { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "another till is already running as terminal till-1 on this store. Close it first, or give this one its own [shop] terminal."
    );
    let second = open(&url, "till-2");
    assert_ne!(first.instance(), second.instance());
    drop(first);
    let again = reopen(&url, "till-1");
    assert_eq!(again.terminal(), "till-1");
}

#[test]
fn tills_starting_at_once_on_an_empty_database_migrate_it_once() {
    let Some(url) = support::pg::fresh_database_blocking("tills_starting_at_once") else { return };
    let stores: Vec<PgStore> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let url = url.clone();
                s.spawn(move || open(&url, &format!("till-{i}")))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(stores.len(), 4);
    for s in &stores {
        assert!(s.to_watch(Timestamp::MIN).unwrap().is_empty());
    }
}

#[tokio::test]
async fn a_store_from_a_newer_till_is_refused_and_left_untouched() {
    let Some(url) = support::pg::fresh_database("a_newer_store_is_refused").await else { return };
    let db = sql(&url).await;
    let newer = till::journal::postgres::schema::CURRENT + 1;
    db.batch_execute(&format!(
        "{}; INSERT INTO till_schema (version) VALUES ({newer}); CREATE TABLE future (x INT); INSERT INTO future VALUES (1);",
        till::journal::postgres::schema::VERSION_TABLE
    ))
    .await
    .unwrap();
    let shape = "SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables WHERE table_schema = 'public'";
    let before: String = db.query_one(shape, &[]).await.unwrap().get(0);
    let err = PgStore::open(&StoreConfig::new(&url), "till-1").unwrap_err();
    assert!(matches!(err, JournalError::Newer { .. }), "{err}");
    assert!(err.to_string().contains("newer till"), "{err}");
    assert!(matches!(PgStore::open_read_only(&StoreConfig::new(&url), "till-1"), Err(JournalError::Newer { .. })));
    let after: String = db.query_one(shape, &[]).await.unwrap().get(0);
    assert_eq!(before, after, "no table made");
    assert_eq!(before, "future,till_schema");
    let version: i32 = db.query_one("SELECT version FROM till_schema", &[]).await.unwrap().get(0);
    assert_eq!(version, newer);
}

#[tokio::test]
async fn the_event_log_is_append_only_in_the_database() {
    let Some(url) = support::pg::fresh_database("the_event_log_is_append_only").await else { return };
    let store = open(&url, "till-1");
    let inv = tron_invoice();
    store.record_created(&inv, "till-1", inv.created_at).unwrap();
    let db = sql(&url).await;
    for refused in ["UPDATE events SET new_status = 'paid'", "DELETE FROM events", "TRUNCATE events CASCADE"] {
        let err = db.batch_execute(refused).await.expect_err(refused);
        let msg = err.as_db_error().map(|d| d.message().to_string()).unwrap_or_default();
        assert!(msg.contains("append-only"), "{refused}: {msg}");
    }
    let count: i64 = db.query_one("SELECT count(*) FROM events", &[]).await.unwrap().get(0);
    assert_eq!(count, 1);
}

#[tokio::test]
async fn the_event_chain_links_every_terminals_lines_in_order() {
    let Some(url) = support::pg::fresh_database("the_event_chain").await else { return };
    let one = open(&url, "till-1");
    let two = open(&url, "till-2");
    for n in 0..6u32 {
        let (store, terminal) = if n % 2 == 0 { (&one, "till-1") } else { (&two, "till-2") };
        let inv = invoice(n, t("2026-11-21T12:00:00Z"));
        store.record_created(&inv, terminal, inv.created_at).unwrap();
        set_status(store, &inv, Status::Paid, Origin::Gateway, inv.created_at).unwrap();
    }
    let db = sql(&url).await;
    let rows = db
        .query(
            "SELECT id, reference, at, old_status, new_status, origin, received_amount, raw, note, hash, terminal
             FROM events ORDER BY id",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 12);
    let mut prev = till::journal::chain::GENESIS;
    for r in &rows {
        let e = till::journal::chain::Event {
            id: r.get(0),
            reference: r.get(1),
            at: r.get(2),
            old_status: r.get(3),
            new_status: r.get(4),
            origin: r.get(5),
            received_amount: r.get(6),
            raw: r.get(7),
            note: r.get(8),
        };
        let want = till::journal::chain::link(&prev, &e);
        assert_eq!(r.get::<_, String>(9), till::journal::chain::hex(&want), "event {}", e.id);
        prev = want;
    }
    let terminals: Vec<String> = rows.iter().map(|r| r.get(10)).collect();
    assert_eq!(terminals.iter().filter(|t| *t == "till-2").count(), 6);
}

#[tokio::test]
async fn a_till_writes_no_status_for_an_invoice_another_till_watches() {
    let Some(url) = support::pg::fresh_database("not_the_watcher").await else { return };
    let one = open(&url, "till-1");
    let two = open(&url, "till-2");
    let inv = invoice(1, t("2026-11-21T12:30:00Z"));
    one.record_created(&inv, "till-1", inv.created_at).unwrap();
    let db = sql(&url).await;
    db.execute("UPDATE invoices SET watched_by = 'till-2' WHERE reference = 'pg-1'", &[]).await.unwrap();

    let err = set_status(&one, &inv, Status::Paid, Origin::Gateway, inv.created_at).unwrap_err();
    assert!(matches!(&err, JournalError::NotWatcher { reference } if reference == "pg-1"), "{err}");
    assert!(err.to_string().contains("watched by another till"), "{err}");
    let mut w = Watch::new(inv.clone(), inv.created_at);
    w.invoice.method = PaymentMethod::new(ProviderId::Xpay, MethodId::Lightning);
    assert!(matches!(one.record_switch(&w, inv.created_at), Err(JournalError::NotWatcher { .. })));
    let rec = one.find("pg-1").unwrap().unwrap();
    assert_eq!(rec.status, Status::Pending, "nothing written");
    assert_eq!(rec.method.method, MethodId::UsdtTron, "nothing switched");
    assert_eq!(one.events(&inv.reference).unwrap().len(), 1, "no event line");
    assert!(one.to_watch(Timestamp::MIN).unwrap().is_empty(), "not mine to watch now");

    // The watcher learns it from its lease turn, not from `to_watch` (its
    // own invoices only), and writes its status.
    assert!(two.to_watch(Timestamp::MIN).unwrap().is_empty());
    set_status(&two, &inv, Status::Paid, Origin::Gateway, inv.created_at).unwrap();
    assert_eq!(one.find("pg-1").unwrap().unwrap().status, Status::Paid);
    let writer: String =
        db.query_one("SELECT terminal FROM events ORDER BY id DESC LIMIT 1", &[]).await.unwrap().get(0);
    assert_eq!(writer, "till-2", "the line names the till that wrote it");

    // Given back, it is till-1's again.
    db.execute("UPDATE invoices SET watched_by = NULL WHERE reference = 'pg-1'", &[]).await.unwrap();
    assert!(matches!(
        set_status(&two, &inv, Status::Paid, Origin::Gateway, inv.created_at),
        Err(JournalError::NotWatcher { .. })
    ));
}

#[tokio::test]
async fn no_message_shows_the_password() {
    let Some(url) = support::pg::fresh_database("no_message_shows_the_password").await else { return };
    let secret = "s3cret-Pw-42";
    // An unreachable server, the password in the URL (as TILL_DATABASE_URL may give it).
    let nowhere = StoreConfig::new(format!("postgres://till:{secret}@127.0.0.1:9/till"));
    let err = PgStore::open(&nowhere, "till-1").unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(secret), "{shown}");
    assert!(shown.contains("does not answer"), "{shown}");
    assert!(shown.contains("till:***@127.0.0.1:9"), "the server is named, masked: {shown}");
    // The password from its secret, on a server that answers.
    let mut config = StoreConfig::new(&url);
    config.password = Some(Password::Literal(till::secret::Secret::new(secret.to_string())));
    let store = PgStore::open(&config, "till-1").unwrap();
    let err = PgStore::open(&config, "till-1").unwrap_err();
    let shown = format!("{err} {err:?} {store:?} {}", store.shown());
    assert!(!shown.contains(secret), "{shown}");
    // An env: password that is not set is named, not guessed.
    let mut config = StoreConfig::new(&url);
    config.password = Some(Password::Env("TILL_TEST_NO_SUCH_PASSWORD_VAR".into()));
    let err = PgStore::open(&config, "till-2").unwrap_err();
    assert!(err.to_string().contains("TILL_TEST_NO_SUCH_PASSWORD_VAR"), "{err}");
}

#[tokio::test(flavor = "current_thread")]
async fn the_store_works_from_a_current_thread_runtime() {
    let Some(url) = support::pg::fresh_database("current_thread_runtime").await else { return };
    let store = open(&url, "till-1");
    let inv = tron_invoice();
    // Called from inside a task of this runtime, as the drive loop does.
    let found = tokio::spawn(async move {
        store.record_created(&inv, "till-1", inv.created_at).unwrap();
        store.find(inv.reference.as_str()).unwrap().map(|r| r.reference)
    })
    .await
    .unwrap();
    assert_eq!(found.unwrap().as_str(), "66bb8c4dbb18e67");
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn the_store_works_under_paused_time() {
    let Some(url) = support::pg::fresh_database("paused_time_runtime").await else { return };
    let store = open(&url, "till-1");
    let inv = tron_invoice();
    store.record_created(&inv, "till-1", inv.created_at).unwrap();
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(store.to_watch(Timestamp::MIN).unwrap().len(), 1);
    drop(store);
}

/// The server processes holding terminal `terminal`'s lock on this database.
async fn lock_holders(db: &tokio_postgres::Client, terminal: &str) -> Vec<i32> {
    db.query(
        "WITH k AS (SELECT hashtextextended('till terminal ' || $1::text, 0) AS key)
         SELECT l.pid FROM pg_locks l, k WHERE l.locktype = 'advisory' AND l.granted
           AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND l.classid = ((k.key >> 32) & 4294967295)::oid AND l.objid = (k.key & 4294967295)::oid",
        &[&terminal],
    )
    .await
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect()
}

/// Ends the server process holding `terminal`'s lock (as a server restart
/// or a lost network would); its pid.
async fn cut_lock_connection(db: &tokio_postgres::Client, terminal: &str) -> i32 {
    let holders = lock_holders(db, terminal).await;
    assert_eq!(holders.len(), 1, "one holder: {holders:?}");
    let ended: bool = db.query_one("SELECT pg_terminate_backend($1, 5000)", &[&holders[0]]).await.unwrap().get(0);
    assert!(ended);
    holders[0]
}

async fn until(what: &str, mut f: impl AsyncFnMut() -> bool) {
    let start = Instant::now();
    while !f().await {
        assert!(start.elapsed() < Duration::from_secs(10), "{what}: not within 10 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_lock_connection_takes_the_terminal_back_and_writes_go_on() {
    let Some(url) = support::pg::fresh_database("lock_connection_lost").await else { return };
    let store = open(&url, "till-1");
    let db = sql(&url).await;
    let old = cut_lock_connection(&db, "till-1").await;
    until("the lock is held again", async || {
        let h = lock_holders(&db, "till-1").await;
        h.len() == 1 && h[0] != old
    })
    .await;
    let inv = tron_invoice();
    store.record_created(&inv, "till-1", inv.created_at).unwrap();
    let err = PgStore::open(&StoreConfig::new(&url), "till-1").unwrap_err();
    assert!(matches!(err, JournalError::TerminalBusy { .. }), "still one writer: {err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_till_whose_terminal_was_taken_while_its_lock_was_lost_writes_nothing_more() {
    let Some(url) = support::pg::fresh_database("lock_taken_meanwhile").await else { return };
    let store = std::sync::Arc::new(open(&url, "till-1"));
    let db = sql(&url).await;
    cut_lock_connection(&db, "till-1").await;
    // Another session takes the terminal before the store is back.
    until("the rival holds the terminal", async || {
        db.query_one("SELECT pg_try_advisory_lock(hashtextextended('till terminal till-1', 0))", &[])
            .await
            .unwrap()
            .get::<_, bool>(0)
    })
    .await;
    let inv = tron_invoice();
    until("the store stops writing", async || {
        let (store, inv) = (store.clone(), inv.clone());
        let r =
            tokio::task::spawn_blocking(move || store.record_created(&inv, "till-1", inv.created_at)).await.unwrap();
        matches!(r, Err(JournalError::TerminalBusy { .. }))
    })
    .await;
    assert!(store.to_watch(Timestamp::MIN).is_ok(), "reads go on");
}

#[tokio::test]
async fn a_row_the_till_cannot_read_is_an_error_not_a_panic() {
    let Some(url) = support::pg::fresh_database("a_row_the_till_cannot_read").await else { return };
    let store = open(&url, "till-1");
    let db = sql(&url).await;
    for (reference, column, value) in
        [("bad-1", "fiat_amount", "twelve"), ("bad-2", "currency", "XX?"), ("bad-3", "provider", "nobody")]
    {
        db.execute(
            "INSERT INTO invoices (reference, terminal, provider, method, fiat_amount, currency, state, started_at,
                status, updated_at)
             VALUES ($1, 'till-1', 'xpay', 'lightning', '1.00', 'USD', 'creating', 0, 'pending', 0)",
            &[&reference],
        )
        .await
        .unwrap();
        db.execute(&format!("UPDATE invoices SET {column} = $2 WHERE reference = $1"), &[&reference, &value])
            .await
            .unwrap();
        let err = store.find(reference).unwrap_err();
        assert!(matches!(err, JournalError::Corrupt(_)), "{column}: {err}");
    }
    assert!(matches!(store.unresolved(), Err(JournalError::Corrupt(_))));
}
