//! Tips and tax: the journal keeps each sale's net, tax and tip (migration
//! 4); the report and the CSV add them up to hand-computed totals.

mod support;

use jiff::Timestamp;
use support::*;
use till::core::method::{MethodId, PaymentMethod, ProviderId};
use till::core::money::{Currency, Money};
use till::core::tax::{Breakdown, TaxRate};
use till::journal::{self, SqliteJournal, Store};

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn money(a: &str, code: &str) -> Money {
    Money::new(a.parse().unwrap(), Currency::from_code(code).unwrap())
}

fn rate(name: &str, r: &str) -> TaxRate {
    TaxRate { name: name.into(), rate: r.parse().unwrap() }
}

#[test]
fn migration_4_keeps_old_sales_without_a_breakdown_and_new_ones_with_theirs() {
    let at = t("2026-11-21T12:00:00Z");
    // A version-3 file with one sale, as a version-3 till left it.
    let dir = tempfile::tempdir().unwrap();
    let conn = rusqlite::Connection::open(dir.path().join(journal::FILE)).unwrap();
    for m in &journal::schema::MIGRATIONS[..3] {
        conn.execute_batch(m).unwrap();
    }
    conn.execute(
        "INSERT INTO invoices (reference, terminal, provider, method, fiat_amount, currency, state, started_at, status, updated_at)
         VALUES ('v3-1', 't', 'xpay', 'lightning', '12.50', 'USD', 'creating', ?1, 'pending', ?1)",
        [at.as_millisecond()],
    )
    .unwrap();
    conn.pragma_update(None, "user_version", 3).unwrap();
    drop(conn);

    let j = SqliteJournal::open(dir.path()).unwrap();
    let old = j.find("v3-1").unwrap().unwrap();
    assert_eq!(old.fiat, usd_amount("12.50"));
    assert_eq!(old.breakdown, None, "an old row has no tip and no tax");

    let typed = money("11.90", "EUR");
    let b = Breakdown::compute(&typed, Some(&rate("VAT", "19")), true, &money("1.10", "EUR"));
    let r = till::core::invoice::Reference::parse("new-1").unwrap();
    let method = PaymentMethod::new(ProviderId::Xpay, MethodId::Lightning);
    j.record_intent(&r, method, &b.total, Some(&b), "t", at).unwrap();
    let back = j.find("new-1").unwrap().unwrap();
    assert_eq!(back.fiat.amount_text(), "13.00", "the invoice is for the amount plus the tip");
    assert_eq!(back.breakdown.as_ref(), Some(&b), "net, tax, rate and tip come back exactly");
    // A retry of the same intent keeps it.
    j.record_intent(&r, method, &b.total, Some(&b), "t", at).unwrap();
    assert_eq!(j.find("new-1").unwrap().unwrap().breakdown, Some(b));

    // A JPY sale with no tax configured: tax 0, no rate.
    let yen = Breakdown::compute(&money("1500", "JPY"), None, true, &money("150", "JPY"));
    let r2 = till::core::invoice::Reference::parse("new-2").unwrap();
    j.record_intent(&r2, method, &yen.total, Some(&yen), "t", at).unwrap();
    let back = j.find("new-2").unwrap().unwrap().breakdown.unwrap();
    assert_eq!(
        (back.net.amount_text(), back.tax.amount_text(), back.tip.amount_text()),
        ("1500".into(), "0".into(), "150".into())
    );
    assert_eq!(back.rate, None);
    assert_eq!(back.total.amount_text(), "1650");
}
