//! The terminal screens: QR codes read back from the drawn cells, and
//! snapshots of each screen.

mod support;

use crossterm::event::KeyCode;
use support::*;
use till::core::desk::Event;
use till::core::invoice::StatusReport;
use till::core::status::Status;
use till::tui::{Action, Effect};

#[test]
fn the_lightning_qr_on_screen_decodes_to_exactly_the_payload() {
    let invoice = lightning_invoice();
    let payload = invoice.payload.qr.clone();
    assert!(payload.starts_with("LIGHTNING:LNBC164540N1"));
    let app = open_invoice(invoice, false);
    let terminal = render(&app, 100, 40);
    assert_eq!(decode_qr(terminal.backend().buffer()).as_deref(), Some(payload.as_str()));
}

#[test]
fn the_tron_qr_on_screen_decodes_to_exactly_the_address() {
    let app = open_invoice(tron_invoice(), false);
    for (w, h) in [(100, 40), (80, 24)] {
        let terminal = render(&app, w, h);
        assert_eq!(decode_qr(terminal.backend().buffer()).as_deref(), Some(TRON_ADDRESS), "at {w}×{h}");
    }
}

#[test]
fn a_terminal_too_small_for_the_code_says_what_it_needs_and_draws_no_code() {
    let app = open_invoice(lightning_invoice(), false);
    let terminal = render(&app, 80, 24);
    assert_eq!(decode_qr(terminal.backend().buffer()), None);
    let text = format!("{}", terminal.backend());
    assert!(text.contains("It needs 57 columns × 34 rows in half blocks"), "{text}");
    insta::assert_snapshot!("too_small_80x24", terminal.backend());
}

#[test]
fn sale_screen() {
    let mut app = app_at(sample_created_at(), "r1", false);
    type_text(&mut app, "12.5");
    insta::assert_snapshot!("sale_100x40", render(&app, 100, 40).backend());
}

#[test]
fn sale_screen_refuses_zero_with_a_message() {
    let mut app = app_at(sample_created_at(), "r1", false);
    type_text(&mut app, "0");
    press(&mut app, KeyCode::Enter);
    let text = format!("{}", render(&app, 100, 40).backend());
    assert!(text.contains("The amount must be more than zero."), "{text}");
}

#[test]
fn picker_screen() {
    let mut app = app_at(sample_created_at(), "r1", true);
    type_text(&mut app, "12.50");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Down);
    insta::assert_snapshot!("picker_100x40", render(&app, 100, 40).backend());
    // Esc goes back to the amount, which is kept.
    press(&mut app, KeyCode::Esc);
    let text = format!("{}", render(&app, 100, 40).backend());
    assert!(text.contains("Amount to charge"));
}

#[test]
fn invoice_screen_lightning() {
    let app = open_invoice(lightning_invoice(), true);
    insta::assert_snapshot!("invoice_lightning_100x40", render(&app, 100, 40).backend());
}

#[test]
fn invoice_screen_tron() {
    let app = open_invoice(tron_invoice(), false);
    insta::assert_snapshot!("invoice_tron_100x40", render(&app, 100, 40).backend());
}

fn deliver(app: &mut till::tui::App, status: Status) -> Vec<Effect> {
    let reference = app.desk.sale.reference().unwrap().clone();
    let report = StatusReport { raw: status.name().into(), status, received: None, tx_id: None, paid_with: None };
    app.update(Action::Core(Event::Polled { reference, result: Ok(report) }))
}

#[test]
fn paid_shows_a_clear_paid_rings_the_bell_and_enter_starts_a_new_sale() {
    let mut app = open_invoice(tron_invoice(), false);
    let effects = deliver(&mut app, Status::Paid);
    assert!(effects.contains(&Effect::Bell));
    let terminal = render(&app, 100, 40);
    assert_eq!(decode_qr(terminal.backend().buffer()), None, "no code once paid");
    insta::assert_snapshot!("paid_100x40", terminal.backend());
    press(&mut app, KeyCode::Enter);
    assert!(format!("{}", render(&app, 100, 40).backend()).contains("Amount to charge"));
}

#[test]
fn expired_screen() {
    let mut app = open_invoice(tron_invoice(), false);
    deliver(&mut app, Status::Expired);
    insta::assert_snapshot!("expired_100x40", render(&app, 100, 40).backend());
}

#[test]
fn cancel_asks_first() {
    let mut app = open_invoice(tron_invoice(), false);
    deliver(&mut app, Status::Pending);
    assert!(press(&mut app, KeyCode::Char('c')).is_empty());
    insta::assert_snapshot!("cancel_question_100x40", render(&app, 100, 40).backend());
    // "n" keeps the invoice; "y" sends the cancel.
    press(&mut app, KeyCode::Char('n'));
    press(&mut app, KeyCode::Char('c'));
    let effects = press(&mut app, KeyCode::Char('y'));
    assert!(matches!(effects.as_slice(), [Effect::Run(till::core::desk::Command::Cancel(_))]), "{effects:?}");
}

#[test]
fn quit_asks_while_an_invoice_is_open() {
    let mut app = open_invoice(tron_invoice(), false);
    deliver(&mut app, Status::Pending);
    assert!(press(&mut app, KeyCode::Char('q')).is_empty());
    assert!(!app.quit);
    assert_eq!(press(&mut app, KeyCode::Char('y')), vec![Effect::Quit]);
    assert!(app.quit);
}

#[test]
fn help_screen() {
    let mut app = app_at(sample_created_at(), "r1", true);
    press(&mut app, KeyCode::Char('?'));
    insta::assert_snapshot!("help_100x40", render(&app, 100, 40).backend());
}

#[test]
fn creating_and_failed_screens() {
    let mut app = app_at(sample_created_at(), "r1", false);
    type_text(&mut app, "5");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    insta::assert_snapshot!("creating_100x40", render(&app, 100, 40).backend());
    let problem = till::core::problem::Problem::new(
        till::core::problem::ProblemKind::Credentials,
        "xPay refused the credentials. Ask the owner to check the xpay section of the config file.",
    );
    let reference = till::core::invoice::Reference::parse("r1").unwrap();
    app.update(Action::Core(Event::Created { reference, result: Err(problem) }));
    insta::assert_snapshot!("failed_100x40", render(&app, 100, 40).backend());
}

fn journaled_app() -> till::tui::App {
    let mut app = app_at(sample_created_at(), "r1", false);
    app.journaled = true;
    app
}

fn todays_records() -> Vec<till::core::record::SaleRecord> {
    let mut paid = record_of(&tron_invoice(), Status::Paid);
    paid.received = Some(usd_amount("12.50"));
    let open = record_of(&lightning_invoice(), Status::Pending);
    let mut failed = record_of(&tron_invoice(), Status::Pending);
    failed.reference = till::core::invoice::Reference::parse("never-made").unwrap();
    failed.state = till::core::record::RecordState::NotCreated;
    vec![open, paid, failed]
}

#[test]
fn history_lists_todays_sales_filters_them_and_opens_one() {
    let mut app = journaled_app();
    assert_eq!(press(&mut app, KeyCode::Char('h')), vec![Effect::LoadHistory]);
    app.update(Action::History(Ok(todays_records())));
    let terminal = render(&app, 100, 40);
    insta::assert_snapshot!("history_100x40", terminal.backend());
    press(&mut app, KeyCode::Char('f'));
    let text = format!("{}", render(&app, 100, 40).backend());
    assert!(text.contains("showing open (1 of 3)"), "{text}");
    // Enter opens the open Lightning invoice, with its QR again.
    press(&mut app, KeyCode::Enter);
    assert!(app.history.is_none());
    let terminal = render(&app, 100, 40);
    assert_eq!(decode_qr(terminal.backend().buffer()).as_deref(), Some(lightning_invoice().payload.qr.as_str()));
}

#[test]
fn history_opens_a_finished_sale_without_a_code() {
    let mut app = journaled_app();
    press(&mut app, KeyCode::Char('h'));
    app.update(Action::History(Ok(todays_records())));
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    let terminal = render(&app, 100, 40);
    assert_eq!(decode_qr(terminal.backend().buffer()), None);
    assert!(format!("{}", terminal.backend()).contains("PAID"));
    // A paid sale offers its receipt.
    let reference = app.desk.sale.reference().unwrap().clone();
    assert_eq!(press(&mut app, KeyCode::Char('r')), vec![Effect::WriteReceipt(reference)]);
    app.update(Action::Receipt(Ok("Receipt written to /data/receipts/66bb8c4dbb18e67.txt".into())));
    assert!(
        format!("{}", render(&app, 100, 40).backend())
            .contains("Receipt written to /data/receipts/66bb8c4dbb18e67.txt")
    );
}

#[test]
fn after_a_restart_the_till_opens_on_the_one_open_invoice_and_polls_it() {
    let mut app = journaled_app();
    let effects = app.resume(&[record_of(&tron_invoice(), Status::Pending)], &[]);
    assert!(effects.iter().any(|e| matches!(e, Effect::Run(till::core::desk::Command::Poll(_)))), "{effects:?}");
    let terminal = render(&app, 100, 40);
    assert_eq!(decode_qr(terminal.backend().buffer()).as_deref(), Some(TRON_ADDRESS));
    assert!(format!("{}", terminal.backend()).contains("Resumed 1 open invoice from the journal."));
}

#[test]
fn after_a_restart_with_several_open_the_till_opens_on_the_dashboard() {
    let mut app = journaled_app();
    let records = [record_of(&tron_invoice(), Status::Pending), record_of(&lightning_invoice(), Status::Underpaid)];
    let unresolved = [record_of(&tron_invoice(), Status::Pending)];
    let effects = app.resume(&records, &unresolved[..0]);
    assert!(app.dashboard.open, "the dashboard lists both");
    let asked: usize = effects
        .iter()
        .map(|e| match e {
            Effect::Run(till::core::desk::Command::Poll(_)) => 1,
            Effect::Run(till::core::desk::Command::PollPage { invoices, .. }) => invoices.len(),
            _ => 0,
        })
        .sum();
    assert_eq!(asked, 2, "both are watched again: {effects:?}");
}

#[test]
fn after_a_restart_an_unrecorded_create_is_looked_up() {
    let mut app = journaled_app();
    let mut creating = record_of(&tron_invoice(), Status::Pending);
    creating.state = till::core::record::RecordState::Creating;
    let effects = app.resume(&[], &[creating]);
    assert!(effects.iter().any(|e| matches!(e, Effect::Run(till::core::desk::Command::Resolve { .. }))), "{effects:?}");
}

/// The last line of the screen, as text.
fn footer(app: &till::tui::App, width: u16) -> String {
    let terminal = render(app, width, 40);
    let buf = terminal.backend().buffer();
    (0..width).map(|x| buf[(x, 39)].symbol()).collect()
}

#[test]
fn the_footer_keeps_the_most_important_keys_and_always_the_help_key() {
    let mut app = open_invoice(tron_invoice(), true);
    app.journaled = true;
    assert_eq!(
        footer(&app, 100).trim_end(),
        " c  cancel invoice   n  next sale   p  demo: customer pays   h  history   ?  keys   q  quit"
    );
    // At 80 columns the demo's key gives way; at 40 all but the help and
    // quitting; never a key cut in half.
    assert_eq!(footer(&app, 80).trim_end(), " c  cancel invoice   n  next sale   h  history   ?  keys   q  quit");
    assert_eq!(footer(&app, 40).trim_end(), " c  cancel invoice   ?  keys   q  quit");
    assert_eq!(footer(&app, 12).trim_end(), " ?  keys");
}

#[test]
fn help_lists_every_key_of_the_invoice_screen() {
    let mut app = open_invoice(tron_invoice(), true);
    app.journaled = true;
    press(&mut app, KeyCode::Char('?'));
    let screen = format!("{}", render(&app, 100, 40).backend());
    for line in [
        "c  cancel the invoice, or set it aside",
        "n  next sale",
        "w  show another wallet",
        "p  demo:",
        "h  today's sales",
    ] {
        assert!(screen.contains(line), "{line} in {screen}");
    }
}
