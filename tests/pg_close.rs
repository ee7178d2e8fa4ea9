//! The day's close on the PostgreSQL store (`TILL_TEST_DATABASE_URL`,
//! skipped visibly without it): one per terminal and day, of the terminal's
//! own sales, anchored to the store's event chain and linked to the
//! terminal's previous close; a second close of the day refused.

mod support;

use jiff::Timestamp;
use jiff::civil::date;
use jiff::tz::TimeZone;
use rust_decimal::Decimal;
use support::*;
use till::config::store::StoreConfig;
use till::core::invoice::{Invoice, Reference};
use till::core::status::{Origin, Status};
use till::core::watch::{Change, Watch};
use till::journal::postgres::PgStore;
use till::journal::{CloseError, Store};

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn sale(store: &PgStore, terminal: &str, n: u32, amount: &str, started: &str, status: Status) -> Invoice {
    let mut inv = tron_invoice();
    inv.reference = Reference::parse(&format!("{terminal}-{n}")).unwrap();
    inv.id = format!("bill-{terminal}-{n}");
    inv.fiat = usd_amount(amount);
    inv.created_at = t(started);
    inv.expires_at = inv.created_at + jiff::SignedDuration::from_mins(30);
    store.record_intent(&inv.reference, inv.method, &inv.fiat, None, terminal, inv.created_at).unwrap();
    store.record_created(&inv, terminal, inv.created_at).unwrap();
    if status != Status::Pending {
        let mut w = Watch::new(inv.clone(), inv.created_at);
        w.invoice.status = status.clone();
        let change = Change { from: Status::Pending, to: status, origin: Origin::Gateway, note: None };
        store.record_status(&w, &change, inv.created_at + jiff::SignedDuration::from_mins(5)).unwrap();
    }
    inv
}

fn usd(v: &str) -> Decimal {
    v.parse().unwrap()
}

#[tokio::test]
async fn each_terminal_closes_its_own_day_once_chained_to_its_previous_close() {
    let Some(url) = support::pg::fresh_database("pg_close").await else { return };
    let one = PgStore::open(&StoreConfig::new(&url), "till-1").unwrap();
    let two = PgStore::open(&StoreConfig::new(&url), "till-2").unwrap();
    sale(&one, "till-1", 1, "10.00", "2026-12-04T09:00:00Z", Status::Paid);
    sale(&one, "till-1", 2, "2.50", "2026-12-04T10:00:00Z", Status::Paid);
    sale(&one, "till-1", 3, "5.00", "2026-12-04T11:00:00Z", Status::Expired);
    sale(&two, "till-2", 1, "7.00", "2026-12-04T12:00:00Z", Status::Paid);
    let day = date(2026, 12, 4);
    let tz = TimeZone::UTC;
    let now = t("2026-12-04T23:00:00Z");

    let preview = one.preview_close(day, &tz, "till-1", now).unwrap();
    let z = one.close_day(day, &tz, "till-1", now).unwrap();
    assert_eq!(preview, z, "the preview is the close, nothing written");
    assert_eq!((z.totals.sales, z.totals.paid.count), (3, 2), "till-1's own sales only");
    assert_eq!(z.totals.paid.gross["USD"], usd("12.50"));
    assert_eq!(z.prev_hash, "0".repeat(64), "the first close links to nothing");
    assert_eq!(z.last_event_id, 8, "anchored at the store's last line (every terminal's)");
    assert_eq!(z.hash.len(), 64);

    let again = one.close_day(day, &tz, "till-1", t("2026-12-04T23:30:00Z")).unwrap_err();
    assert!(matches!(again, CloseError::Refused(_)), "{again}");
    assert!(again.to_string().contains("2026-12-04 is already closed"), "{again}");

    // till-2 closes the same day, its own sale.
    let z2 = two.close_day(day, &tz, "till-2", now).unwrap();
    assert_eq!((z2.totals.sales, z2.totals.paid.gross["USD"]), (1, usd("7.00")));

    // The next day links to the first close.
    sale(&one, "till-1", 4, "1.00", "2026-12-05T09:00:00Z", Status::Paid);
    let next = one.close_day(date(2026, 12, 5), &tz, "till-1", t("2026-12-05T23:00:00Z")).unwrap();
    assert_eq!(next.prev_hash, z.hash);
    assert_eq!(next.totals.paid.gross["USD"], usd("1.00"));

    let db = {
        let (c, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(conn);
        c
    };
    let stored: Vec<(String, String)> = db
        .query("SELECT terminal, day FROM closes ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let want = [("till-1", "2026-12-04"), ("till-2", "2026-12-04"), ("till-1", "2026-12-05")];
    assert_eq!(stored, want.map(|(a, b)| (a.to_string(), b.to_string())));
    assert!(db.batch_execute("DELETE FROM closes").await.is_err(), "the closes are append-only");
}
