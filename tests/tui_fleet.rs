//! The dashboard on a store shared by many tills: the invoices this till
//! watches for another terminal ("for T2") and those another till watches
//! ("watched by T3"), beside its own.

mod support;

use crossterm::event::KeyCode;
use jiff::SignedDuration;
use support::*;
use till::core::desk::Event;
use till::core::invoice::{Invoice, Reference};
use till::core::status::Status;
use till::core::watch::Watcher;
use till::tui::Action;

fn invoice(reference: &str, fiat: &str, left_mins: i64) -> Invoice {
    let mut i = tron_invoice();
    i.reference = Reference::parse(reference).unwrap();
    i.id = format!("gw-{reference}");
    i.fiat = usd_amount(fiat);
    i.expires_at = sample_created_at() + SignedDuration::from_mins(left_mins);
    i
}

#[test]
fn the_dashboard_says_which_invoices_are_watched_for_another_terminal_and_which_elsewhere() {
    let now = sample_created_at() + SignedDuration::from_mins(2);
    let mut app = app_at(now, "unused", false);
    let own = record_of(&invoice("own-1", "12.50", 30), Status::Pending);
    let mut taken = record_of(&invoice("taken-1", "30.00", 20), Status::Pending);
    taken.terminal = "T2".into();
    let mut away = record_of(&invoice("away-1", "8.00", 25), Status::Underpaid);
    away.terminal = "till-1".into();
    let assignments =
        vec![(own, Watcher::Here), (taken, Watcher::For("T2".into())), (away, Watcher::Elsewhere("T3".into()))];
    app.update(Action::Core(Event::Fleet { assignments, settled: Vec::new(), sharing: Vec::new(), hold: Vec::new() }));
    press(&mut app, KeyCode::Tab);
    assert!(app.dashboard.open);
    let screen = format!("{}", render(&app, 120, 20).backend());
    assert!(screen.contains("for T2"), "{screen}");
    assert!(screen.contains("watched by T3"), "{screen}");
    assert!(screen.contains("UNDERPAID"), "the status the other till stored: {screen}");
    insta::assert_snapshot!("dashboard_fleet_120x20", render(&app, 120, 20).backend());
}
