//! Tests of close.rs.
use super::*;

fn tz() -> TimeZone {
    TimeZone::get("Europe/Berlin").unwrap()
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

#[test]
fn a_close_covers_its_day_up_to_the_close() {
    let day = jiff::civil::date(2026, 12, 4);
    let (from, until) = window(day, &tz(), ts("2026-12-04T20:00:00Z"), None).unwrap();
    assert_eq!(from, ts("2026-12-03T23:00:00Z"));
    assert_eq!(until, ts("2026-12-04T20:00:00Z"));
}

#[test]
fn sales_after_a_close_belong_to_the_next_day() {
    let prev = Previous {
        day: jiff::civil::date(2026, 12, 4),
        closed_at: ts("2026-12-04T20:00:00Z"),
        until: ts("2026-12-04T20:00:00Z"),
    };
    let next = jiff::civil::date(2026, 12, 5);
    let (from, until) = window(next, &tz(), ts("2026-12-06T10:00:00Z"), Some(&prev)).unwrap();
    assert_eq!(from, ts("2026-12-04T20:00:00Z"), "from the previous close, not midnight");
    assert_eq!(until, ts("2026-12-05T23:00:00Z"), "to the end of the day when closed later");
}

#[test]
fn a_skipped_day_loses_no_sales() {
    // Day 1 closed at 20:00; day 2 never closed; day 3 closed: its
    // window starts at day 1's close, not at day 3's midnight.
    let prev = Previous {
        day: jiff::civil::date(2026, 12, 1),
        closed_at: ts("2026-12-01T19:00:00Z"),
        until: ts("2026-12-01T19:00:00Z"),
    };
    let day3 = jiff::civil::date(2026, 12, 3);
    let (from, until) = window(day3, &tz(), ts("2026-12-04T00:00:00Z"), Some(&prev)).unwrap();
    assert_eq!(from, ts("2026-12-01T19:00:00Z"));
    assert_eq!(until, ts("2026-12-03T23:00:00Z"), "a close at 01:00 the next day covers its day to midnight");
}

#[test]
fn a_day_is_closed_once_and_in_order() {
    let day = jiff::civil::date(2026, 12, 4);
    let prev = Previous { day, closed_at: ts("2026-12-04T20:00:00Z"), until: ts("2026-12-04T20:00:00Z") };
    let again = window(day, &tz(), ts("2026-12-04T21:00:00Z"), Some(&prev)).unwrap_err();
    assert_eq!(
        again.to_string(),
        "2026-12-04 is already closed (at 2026-12-04 21:00). A day is closed once; a payment that arrives later is counted in the next close."
    );
    let before = window(jiff::civil::date(2026, 12, 3), &tz(), ts("2026-12-04T21:00:00Z"), Some(&prev));
    assert!(matches!(before, Err(Refusal::OutOfOrder { .. })));
    let future = window(jiff::civil::date(2026, 12, 9), &tz(), ts("2026-12-04T21:00:00Z"), None);
    assert!(matches!(future, Err(Refusal::Future { .. })));
}

#[test]
fn lines_keep_to_the_paper_width() {
    let z = ZReport {
        day: jiff::civil::date(2026, 12, 4),
        terminal: "a-terminal-with-a-rather-long-name".into(),
        closed_at: ts("2026-12-04T20:00:00Z"),
        from: ts("2026-12-03T23:00:00Z"),
        until: ts("2026-12-04T20:00:00Z"),
        totals: Totals::default(),
        last_event_id: 12,
        last_event_hash: "ab".repeat(32),
        prev_hash: "00".repeat(32),
        hash: "cd".repeat(32),
    };
    for width in [32, 48] {
        let lines = z.lines("Corner", &tz(), width);
        assert!(lines.iter().all(|l| l.chars().count() <= width), "{lines:#?}");
        assert!(lines.join("").contains(&"cd".repeat(16)));
    }
}
