//! The day's close from the dashboard: `z` asks what today's close would
//! cover, the confirmation names the day and its counts, `y` takes it, and
//! the result or the refusal shows on the flash line; against a real journal,
//! a second close of the day is refused in one sentence.

mod fake_printer;
mod support;

use crossterm::event::KeyCode;
use jiff::Timestamp;
use jiff::civil::date;
use support::*;
use till::core::status::{Origin, Status};
use till::core::watch::{Change, Watch};
use till::journal::{SqliteJournal, Store};
use till::runtime::services::{self, CloseNews, Services};
use till::tui::intent::Modal;
use till::tui::{Action, App, Effect};

fn now() -> Timestamp {
    "2026-12-04T18:00:00Z".parse().unwrap()
}

fn journaled_app() -> App {
    let mut app = app_at(now(), "66bb8c4dbb18e67", false);
    app.journaled = true;
    app
}

fn text(app: &App, w: u16, h: u16) -> String {
    format!("{}", render(app, w, h).backend())
}

#[test]
fn z_on_the_dashboard_closes_the_day_after_a_confirmation() {
    let mut app = journaled_app();
    press(&mut app, KeyCode::Tab);
    assert!(app.dashboard.open);
    assert!(text(&app, 120, 30).contains("close day"), "the footer offers it:\n{}", text(&app, 120, 30));

    assert_eq!(press(&mut app, KeyCode::Char('z')), vec![Effect::Close(None)], "asks what it would cover first");
    let day = date(2026, 12, 4);
    app.update(Action::Close(CloseNews::Preview { day, sales: 9, paid: 4 }));
    assert_eq!(app.modal, Some(Modal::ConfirmClose { day, sales: 9, paid: 4 }));
    insta::assert_snapshot!("close_confirmation", text(&app, 80, 20));

    assert_eq!(press(&mut app, KeyCode::Char('y')), vec![Effect::Close(Some(day))]);
    assert_eq!(app.modal, None);
    app.update(Action::Close(CloseNews::Refused("2026-12-04 is already closed (at 2026-12-04 17:00).".into())));
    assert!(text(&app, 120, 30).contains("2026-12-04 is already closed"));
}

#[test]
fn any_other_key_keeps_the_day_open() {
    let mut app = journaled_app();
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Char('z'));
    app.update(Action::Close(CloseNews::Preview { day: date(2026, 12, 4), sales: 1, paid: 1 }));
    assert_eq!(press(&mut app, KeyCode::Char('n')), Vec::<Effect>::new());
    assert_eq!(app.modal, None);
}

#[test]
fn without_a_journal_there_is_no_close_key() {
    let mut app = app_at(now(), "66bb8c4dbb18e67", false);
    press(&mut app, KeyCode::Tab);
    assert!(!text(&app, 120, 30).contains("close day"));
    assert_eq!(press(&mut app, KeyCode::Char('z')), Vec::<Effect>::new());
}

#[test]
fn the_runtime_counts_closes_writes_the_z_report_and_refuses_a_second() {
    let dir = tempfile::tempdir().unwrap();
    let j = SqliteJournal::open(dir.path()).unwrap();
    let inv = tron_invoice();
    j.record_intent(&inv.reference, inv.method, &inv.fiat, None, "till-1", now()).unwrap();
    let mut inv2 = inv.clone();
    inv2.created_at = now();
    j.record_created(&inv2, "till-1", now()).unwrap();
    let mut w = Watch::new(inv2.clone(), now());
    w.invoice.status = Status::Paid;
    let change = Change { from: Status::Pending, to: Status::Paid, origin: Origin::Gateway, note: None };
    j.record_status(&w, &change, now()).unwrap();
    let s = Services {
        data_dir: Some(dir.path().to_path_buf()),
        shop_name: "Corner".into(),
        terminal: "till-1".into(),
        ..Services::default()
    };
    let later = now() + jiff::SignedDuration::from_hours(1);

    let day = date(2026, 12, 4);
    assert_eq!(services::close(&j, &s, None, later), (CloseNews::Preview { day, sales: 1, paid: 1 }, None));
    let (CloseNews::Closed(said), None) = services::close(&j, &s, Some(day), later) else { panic!("not closed") };
    assert!(said.starts_with("Closed 2026-12-04: 1 sale paid of 1. Z-report: "), "{said}");
    let written = std::fs::read_to_string(dir.path().join("closes/2026-12-04.txt")).unwrap();
    assert!(written.contains("Z-REPORT 2026-12-04") && written.contains("PAID (1)"), "{written}");

    let (CloseNews::Refused(why), None) = services::close(&j, &s, Some(day), later) else { panic!("closed twice") };
    assert_eq!(
        why,
        "2026-12-04 is already closed (at 2026-12-04 19:00). A day is closed once; a payment that arrives later is counted in the next close."
    ); // The confirmation says so before the cashier confirms.
    let (CloseNews::Refused(again), None) = services::close(&j, &s, None, later) else { panic!("previewed") };
    assert!(again.starts_with("2026-12-04 is already closed"), "{again}");
}

#[test]
fn the_preview_counts_the_closes_own_window_from_the_previous_close() {
    let dir = tempfile::tempdir().unwrap();
    let j = SqliteJournal::open(dir.path()).unwrap();
    let s = Services { terminal: "till-1".into(), ..Services::default() };
    let yesterday = date(2026, 12, 3);
    let (CloseNews::Closed(_), None) =
        services::close(&j, &s, Some(yesterday), "2026-12-03T12:00:00Z".parse().unwrap())
    else {
        panic!("not closed")
    };
    // Sold yesterday evening, after yesterday's close: in today's close.
    let mut inv = tron_invoice();
    inv.created_at = "2026-12-03T20:00:00Z".parse().unwrap();
    j.record_intent(&inv.reference, inv.method, &inv.fiat, None, "till-1", inv.created_at).unwrap();
    j.record_created(&inv, "till-1", inv.created_at).unwrap();
    let day = date(2026, 12, 4);
    assert_eq!(services::close(&j, &s, None, now()), (CloseNews::Preview { day, sales: 1, paid: 0 }, None));
}

#[tokio::test]
async fn with_a_printer_the_dashboards_close_is_printed_too() {
    let mut fake = fake_printer::FakePrinter::start().await;
    let dir = tempfile::tempdir().unwrap();
    let j = SqliteJournal::open(dir.path()).unwrap();
    let printer = till::config::printer::PrinterConfig::new(till::config::printer::parse_url(&fake.url()).unwrap());
    let s = Services {
        shop_name: "Corner".into(),
        terminal: "till-1".into(),
        printing: till::runtime::printing::Printing::new(Some(printer)),
        ..Services::default()
    };
    let day = date(2026, 12, 4);
    let (CloseNews::Closed(said), Some(paper)) = services::close(&j, &s, Some(day), now()) else {
        panic!("not closed")
    };
    assert!(said.ends_with("Printing it."), "{said}");
    assert_eq!(
        services::print_close(paper, day).await,
        CloseNews::Closed("The Z-report of 2026-12-04 was printed.".into())
    );
    let lines = fake_printer::lines(&fake_printer::parse(&fake.next_job().await));
    assert!(lines.iter().any(|l| l == "Z-REPORT 2026-12-04"), "{lines:#?}");
}
