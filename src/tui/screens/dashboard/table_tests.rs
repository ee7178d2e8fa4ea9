//! Tests of table.rs.
use super::*;
use crate::core::invoice::{Invoice, Payload, PayloadKind, Reference};
use crate::core::method::MethodId;
use crate::core::money::Currency;
use crate::core::watch::PAID_LATE;

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn watch(i: u32, status: Status, expires_in_secs: i64) -> Watch {
    let usd = Currency::from_code("USD").unwrap();
    let jpy = Currency::from_code("JPY").unwrap();
    let created = t("2026-01-01T12:00:00Z");
    let methods = [
        PaymentMethod::new(ProviderId::Xpay, MethodId::Lightning),
        PaymentMethod::new(ProviderId::Bitsby, MethodId::Btc),
        PaymentMethod::new(ProviderId::Xaigate, MethodId::Checkout),
    ];
    let fiat = if i % 4 == 3 {
        Money::new(Decimal::new(i64::from(i) * 1_234_567, 0), jpy)
    } else {
        Money::new(Decimal::new(i64::from(i) * 377 + 5, 3), usd.clone())
    };
    let invoice = Invoice {
        id: format!("bill-{i}"),
        reference: Reference::from_random(u128::from(i)),
        method: methods[i as usize % methods.len()],
        fiat,
        crypto: (!i.is_multiple_of(3))
            .then(|| CryptoAmount { amount: Decimal::new(i64::from(i) * 1_000, 8), unit: "BTC".into() }),
        payload: Payload { kind: PayloadKind::Address, qr: "T".into(), text: "T".into() },
        created_at: created,
        expires_at: created + jiff::SignedDuration::from_secs(expires_in_secs),
        status,
        received: i.is_multiple_of(5).then(|| Money::new(Decimal::new(i64::from(i) * 99, 2), usd)),
        choices: Vec::new(),
    };
    Watch::new(invoice, created)
}

/// The widths as the dashboard measured them before: from every row's
/// built texts.
fn widest_of_texts(rows: &[RowText]) -> Widest {
    let mut m = Widest::default();
    for r in rows {
        m.left = m.left.max(width(&r.left));
        for (widest, length) in m.status.iter_mut().zip(NoteLength::ALL) {
            let note = r.note.as_ref().map_or(0, |n| 1 + width(n.text(length)));
            *widest = (*widest).max(width(&r.badge) + note);
        }
        m.amount = m.amount.max(width(&r.amount));
        m.method = m.method.max(width(&r.method));
        m.crypto = m.crypto.max(width(&r.crypto));
        m.received = m.received.max(width(&r.received));
    }
    m
}

#[test]
fn the_measured_widths_are_those_of_the_texts_drawn() {
    let now = t("2026-01-01T12:00:01Z");
    let tz = TimeZone::UTC;
    let policy = PollPolicy::default();
    let statuses = [
        Status::Pending,
        Status::Confirming,
        Status::Underpaid,
        Status::Paid,
        Status::Expired,
        Status::ExpiredUnderpaid,
        Status::Canceled,
        Status::Unknown("on hold".into()),
    ];
    let mut watches = Vec::new();
    for i in 0..64u32 {
        let status = statuses[i as usize % statuses.len()].clone();
        // From already expired to over ten hours out.
        let mut w = watch(i, status, i64::from(i) * i64::from(i) * 11 - 30);
        if i % 7 == 0 {
            w.conflict = Some(Status::Canceled);
        }
        if i % 9 == 0 {
            w.invoice.status = Status::Paid;
            w.note = Some(format!("{PAID_LATE} by 2 minutes"));
        }
        if w.status().is_final() && i % 2 == 0 {
            w.finished_at = Some(t("2026-01-01T11:59:00Z"));
        }
        watches.push(w);
    }
    let down = [(ProviderId::Bitsby, t("2026-01-01T11:58:30Z"))];
    for down in [&down[..], &[]] {
        let rows: Vec<RowText> = watches.iter().map(|w| RowText::new(w, now, &tz, down, &policy)).collect();
        let expected = widest_of_texts(&rows);
        assert_eq!(Widest::of(&watches, now, &tz, down, &policy), expected);
        // And one invoice at a time.
        for (w, r) in watches.iter().zip(&rows) {
            let one = Widest::of([w], now, &tz, down, &policy);
            assert_eq!(one, widest_of_texts(std::slice::from_ref(r)), "{}", w.invoice.id);
        }
    }
}

#[test]
fn amount_and_countdown_widths_are_those_of_their_text() {
    for mantissa in [0i64, 1, -1, 5, 9, 10, 99, 100, 995, 12_345, -12_345, 1_000_000, i64::MAX, i64::MIN + 1] {
        for scale in [0u32, 1, 2, 3, 8, 12] {
            let d = Decimal::new(mantissa, scale);
            assert_eq!(usize::from(decimal_width(d)), d.to_string().len(), "{d}");
            let n = d.normalize();
            assert_eq!(usize::from(decimal_width(n)), n.to_string().len(), "{n}");
            for currency in ["USD", "JPY"] {
                let money = Money::new(d, Currency::from_code(currency).unwrap());
                assert_eq!(money_width(&money), width(&money.to_string()), "{money}");
            }
            let crypto = CryptoAmount { amount: d, unit: "sat".into() };
            assert_eq!(crypto_width(&crypto), width(&crypto.to_string()), "{crypto}");
        }
    }
    for secs in [-5, 0, 9, 59, 60, 599, 600, 3599, 3600, 35_999, 36_000, 400_000] {
        let left = Left::Counting { secs, ratio: 0.5 };
        assert_eq!(left.width(), width(&left.to_string()), "{secs}");
    }
    assert_eq!(Left::Ended.width(), width(&Left::Ended.to_string()));
    assert_eq!(Left::Expiring.width(), width(&Left::Expiring.to_string()));
}
