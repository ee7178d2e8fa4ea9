//! The dashboard (`Tab`): every invoice the till watches, soonest to expire
//! first, with its countdown, state and gateway health; and the notice when
//! an invoice in the background ends. Sales are made the cashier's way (type,
//! pick, `n` for the next one) on a fixed clock.

mod support;

use crossterm::event::KeyCode;
use jiff::{SignedDuration, Timestamp};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use support::*;
use till::core::desk::{Command, Desk, Entry, Event};
use till::core::invoice::{CryptoAmount, Invoice, Payload, PayloadKind, Reference, StatusReport};
use till::core::method::{MethodId, PaymentMethod, ProviderId};
use till::core::problem::{Problem, ProblemKind};
use till::core::sale::Sale;
use till::core::schedule::PollPolicy;
use till::core::status::Status;
use till::tui::screens::dashboard::{Filter, LINGER};
use till::tui::{Action, App, Effect};

/// The moment the screens are looked at.
fn now() -> Timestamp {
    "2026-11-21T14:05:00Z".parse().unwrap()
}

fn at(offset_secs: i64) -> Timestamp {
    now() + SignedDuration::from_secs(offset_secs)
}

const XPAY_LN: PaymentMethod = PaymentMethod { provider: ProviderId::Xpay, method: MethodId::Lightning };
const XPAY_TRON: PaymentMethod = PaymentMethod { provider: ProviderId::Xpay, method: MethodId::UsdtTron };
const XPAYS_TRON: PaymentMethod = PaymentMethod { provider: ProviderId::Xpays, method: MethodId::UsdtTron };
const XCASH_TRON: PaymentMethod = PaymentMethod { provider: ProviderId::Xcash, method: MethodId::UsdtTron };
const XAIGATE: PaymentMethod = PaymentMethod { provider: ProviderId::Xaigate, method: MethodId::Checkout };
const BITSBY_BTC: PaymentMethod = PaymentMethod { provider: ProviderId::Bitsby, method: MethodId::Btc };
const BITSBY_BSC: PaymentMethod = PaymentMethod { provider: ProviderId::Bitsby, method: MethodId::UsdtBsc };

fn offered() -> Vec<PaymentMethod> {
    vec![XPAY_LN, XPAY_TRON, XPAYS_TRON, XCASH_TRON, XAIGATE, BITSBY_BTC, BITSBY_BSC]
}

/// An app whose sales get the references sale-1, sale-2, …
fn till_at(start: Timestamp) -> App {
    let desk = Desk::new(PollPolicy::default(), start);
    let mut n = 0;
    App::new(desk, shop(), offered(), false).with_references(move || {
        n += 1;
        Reference::parse(&format!("sale-{n}")).unwrap()
    })
}

fn payload(m: PaymentMethod) -> Payload {
    match m.method {
        MethodId::Lightning => lightning_invoice().payload,
        MethodId::Checkout => Payload {
            kind: PayloadKind::Page,
            qr: "https://pay.xaigate.example/i/8f3a".into(),
            text: "https://pay.xaigate.example/i/8f3a".into(),
        },
        MethodId::Btc => Payload {
            kind: PayloadKind::Bitcoin,
            qr: "bitcoin:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq?amount=0.00081234".into(),
            text: "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq".into(),
        },
        _ => Payload { kind: PayloadKind::Address, qr: TRON_ADDRESS.into(), text: TRON_ADDRESS.into() },
    }
}

/// An invoice of `m` for `fiat` USD that lives `lifetime_mins` and has
/// `left_secs` left at `now()` (the reference is set when it is sold).
fn invoice(m: PaymentMethod, fiat: &str, crypto: Option<&str>, lifetime_mins: i64, left_secs: i64) -> Invoice {
    let expires_at = at(left_secs);
    Invoice {
        id: format!("gw-{fiat}"),
        reference: Reference::parse("unsold").unwrap(),
        method: m,
        fiat: usd_amount(fiat),
        crypto: crypto.map(|c| {
            let (amount, unit) = c.split_once(' ').unwrap();
            CryptoAmount { amount: amount.parse().unwrap(), unit: unit.into() }
        }),
        payload: payload(m),
        created_at: expires_at - SignedDuration::from_mins(lifetime_mins),
        expires_at,
        status: Status::Pending,
        received: None,
        choices: Vec::new(),
    }
}

/// Sells `invoice` at the counter: types its amount, picks its method, gets
/// it created, and with `n` leaves it watched while the next sale starts.
fn sell(app: &mut App, mut invoice: Invoice) -> Reference {
    assert_eq!(app.desk.sale, Sale::Amount);
    type_text(app, &invoice.fiat.amount_text());
    press(app, KeyCode::Enter);
    let index = app.methods.iter().position(|m| *m == invoice.method).unwrap();
    press(app, KeyCode::Char(char::from(b'1' + u8::try_from(index).unwrap())));
    let Sale::Creating { reference, .. } = app.desk.sale.clone() else { panic!("{:?}", app.desk.sale) };
    invoice.reference = reference.clone();
    app.update(Action::Core(Event::Created { reference: reference.clone(), result: Ok(invoice) }));
    assert_eq!(app.desk.sale, Sale::Open { reference: reference.clone() });
    press(app, KeyCode::Char('n'));
    reference
}

fn tick(app: &mut App, t: Timestamp) -> Vec<Effect> {
    app.update(Action::Tick(t))
}

fn polled(app: &mut App, reference: &Reference, status: Status, received: Option<&str>) -> Vec<Effect> {
    let report = StatusReport {
        raw: status.name().into(),
        status,
        received: received.map(usd_amount),
        tx_id: None,
        paid_with: None,
    };
    app.update(Action::Core(Event::Polled { reference: reference.clone(), result: Ok(report) }))
}

fn unreachable(app: &mut App, reference: &Reference) {
    let problem = Problem::new(ProblemKind::Unreachable, "Xcash did not answer in time.");
    app.update(Action::Core(Event::Polled { reference: reference.clone(), result: Err(problem) }));
}

/// The counter at `now()`: one invoice in each colour band, one past its
/// expiry, one part paid, one just paid, one expired part paid, and Xcash
/// not answering since 14:04:15.
struct Board {
    app: App,
    green: Reference,
    amber: Reference,
    red: Reference,
    expiring: Reference,
    underpaid: Reference,
    lightning: Reference,
    paid: Reference,
    expired_underpaid: Reference,
}

fn board() -> Board {
    let mut app = till_at(at(-600));
    let green = sell(&mut app, invoice(XPAY_TRON, "12.50", Some("12.5 USDT"), 15, 12 * 60));
    let amber = sell(&mut app, invoice(XCASH_TRON, "30.00", Some("30 USDT"), 15, 90));
    let red = sell(&mut app, invoice(BITSBY_BTC, "55.00", Some("0.00081234 BTC"), 60, 20));
    let expiring = sell(&mut app, invoice(XAIGATE, "8.00", None, 30, -10));
    let underpaid = sell(&mut app, invoice(BITSBY_BSC, "40.00", Some("40 USDT"), 60, 7 * 60 + 45));
    let lightning = sell(&mut app, invoice(XPAY_LN, "10.00", Some("16454 sat"), 30, 25 * 60));
    let paid = sell(&mut app, invoice(XPAYS_TRON, "19.99", Some("19.99 USDT"), 30, 20 * 60));
    let expired_underpaid = sell(&mut app, invoice(XPAY_TRON, "6.00", Some("6 USDT"), 15, 5 * 60));
    tick(&mut app, at(-300));
    polled(&mut app, &underpaid, Status::Underpaid, Some("5.00"));
    tick(&mut app, at(-180));
    polled(&mut app, &expired_underpaid, Status::ExpiredUnderpaid, Some("4.00"));
    tick(&mut app, at(-60));
    polled(&mut app, &paid, Status::Paid, Some("19.99"));
    tick(&mut app, at(-45));
    unreachable(&mut app, &amber);
    tick(&mut app, now());
    app.flash = None;
    Board { app, green, amber, red, expiring, underpaid, lightning, paid, expired_underpaid }
}

fn text(app: &App, w: u16, h: u16) -> String {
    format!("{}", render(app, w, h).backend())
}

fn screen_lines(app: &App, w: u16, h: u16) -> Vec<String> {
    let terminal = render(app, w, h);
    let buf = terminal.backend().buffer();
    (0..h).map(|y| (0..w).map(|x| buf[(x, y)].symbol()).collect()).collect()
}

/// The screen row listing the invoice of `fiat` USD.
fn row_of(lines: &[String], fiat: &str) -> usize {
    let needle = format!(" {fiat} USD");
    let found: Vec<usize> = (0..lines.len()).filter(|&y| lines[y].contains(&needle)).collect();
    assert_eq!(found.len(), 1, "one row of {fiat} USD in\n{}", lines.join("\n"));
    found[0]
}

fn open_dashboard(app: &mut App) {
    assert!(press(app, KeyCode::Tab).is_empty());
    assert!(app.dashboard.open);
}

#[test]
fn dashboard_100x40() {
    let mut b = board();
    open_dashboard(&mut b.app);
    let screen = text(&b.app, 100, 40);
    assert!(screen.contains("Xcash unreachable since 14:04:15"), "{screen}");
    assert!(screen.contains("open 6 · paid 1 (last 5 min) · needs attention 1"), "{screen}");
    insta::assert_snapshot!("dashboard_100x40", render(&b.app, 100, 40).backend());
}

#[test]
fn dashboard_200x60() {
    let mut b = board();
    open_dashboard(&mut b.app);
    let lines = screen_lines(&b.app, 200, 60);
    // At this width every column is there, and the unreachable gateway's
    // invoice says so in its own row.
    let amber = &lines[row_of(&lines, "30.00")];
    assert!(amber.contains("unreachable since 14:04:15") && amber.contains("30 USDT"), "{amber}");
    insta::assert_snapshot!("dashboard_200x60", render(&b.app, 200, 60).backend());
}

#[test]
fn dashboard_80x24_gives_way_and_tiny_windows_never_panic() {
    let mut b = board();
    open_dashboard(&mut b.app);
    let lines = screen_lines(&b.app, 80, 24);
    for fiat in ["12.50", "30.00", "55.00", "8.00", "40.00", "10.00", "19.99", "6.00"] {
        let row = &lines[row_of(&lines, fiat)];
        assert!(row.contains(" USD"), "every invoice keeps its amount: {row}");
    }
    assert!(lines[row_of(&lines, "30.00")].contains("PENDING"), "{}", lines.join("\n"));
    insta::assert_snapshot!("dashboard_80x24", render(&b.app, 80, 24).backend());
    for (w, h) in [(1, 1), (2, 1), (10, 3), (20, 5), (33, 7), (50, 9), (79, 12)] {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        terminal.draw(|f| till::tui::draw(&b.app, f)).unwrap();
    }
}

const BAR: [&str; 8] = ["█", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];

#[test]
fn countdown_bars_are_green_amber_and_red_by_the_time_left() {
    let mut b = board();
    open_dashboard(&mut b.app);
    let terminal = render(&b.app, 200, 60);
    let buf = terminal.backend().buffer();
    let lines = screen_lines(&b.app, 200, 60);
    for (fiat, left, color) in
        [("12.50", "12:00", Color::Green), ("30.00", "1:30", Color::Yellow), ("55.00", "0:20", Color::Red)]
    {
        let y = u16::try_from(row_of(&lines, fiat)).unwrap();
        let bar: Vec<_> = (0..200).map(|x| &buf[(x, y)]).filter(|c| BAR.contains(&c.symbol())).collect();
        assert!(!bar.is_empty(), "{fiat} USD has a bar: {}", lines[usize::from(y)]);
        assert!(bar.iter().all(|c| c.fg == color), "{fiat} USD's bar is {color:?}: {:?}", bar[0]);
        let x = u16::try_from(lines[usize::from(y)].find(left).unwrap()).unwrap();
        assert_eq!(buf[(x, y)].fg, color, "{fiat} USD's time left {left} is {color:?} too");
    }
    // The bar is the time left over the invoice's life: 12 of 15 minutes.
    let y = u16::try_from(row_of(&lines, "12.50")).unwrap();
    let full = (0..200).filter(|&x| buf[(x, y)].symbol() == "█").count();
    let track = (0..200).filter(|&x| buf[(x, y)].symbol() == "░").count();
    assert!((0.7..=0.85).contains(&(full as f64 / (full + track) as f64)), "{full} of {}", full + track);
    // Past its expiry: no bar, 0:00 and "expiring…", in red.
    let row = row_of(&lines, "8.00");
    let y = u16::try_from(row).unwrap();
    assert!(!(0..200).any(|x| BAR.contains(&buf[(x, y)].symbol())), "{}", lines[row]);
    for word in ["0:00", "expiring…"] {
        let x = lines[row].find(word).unwrap_or_else(|| panic!("{word} in {}", lines[row]));
        let x = u16::try_from(lines[row][..x].chars().count()).unwrap();
        assert_eq!(buf[(x, y)].fg, Color::Red, "{word}");
    }
    // States are words on their colour.
    let row = row_of(&lines, "19.99");
    let x = u16::try_from(lines[row][..lines[row].find("PAID").unwrap()].chars().count()).unwrap();
    assert_eq!(buf[(x, u16::try_from(row).unwrap())].bg, Color::Green);
}

#[test]
fn open_invoices_come_soonest_to_expire_first_and_finished_ones_last() {
    let mut b = board();
    open_dashboard(&mut b.app);
    let lines = screen_lines(&b.app, 100, 40);
    let order: Vec<usize> = ["8.00", "55.00", "30.00", "40.00", "12.50", "10.00", "19.99", "6.00"]
        .iter()
        .map(|f| row_of(&lines, f))
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "rows {order:?} in\n{}", lines.join("\n"));
    // The selection starts on the most urgent one.
    assert!(lines[order[0]].starts_with("▶"), "{}", lines[order[0]]);
}

#[test]
fn finished_invoices_leave_the_list_five_minutes_after_they_ended() {
    let mut b = board();
    open_dashboard(&mut b.app);
    assert_eq!(LINGER, SignedDuration::from_mins(5));
    // Paid at 14:04:00; the expired-underpaid one ended at 14:02:00.
    tick(&mut b.app, at(-60) + SignedDuration::from_secs(4 * 60 + 59));
    let screen = text(&b.app, 100, 40);
    assert!(screen.contains("19.99 USD") && !screen.contains("6.00 USD"), "{screen}");
    tick(&mut b.app, at(-60) + LINGER);
    let screen = text(&b.app, 100, 40);
    assert!(!screen.contains("19.99 USD"), "{screen}");
    assert!(screen.contains("paid 0"), "{screen}");
    // The sale itself is still known (the history keeps it).
    assert_eq!(b.app.desk.watch(&b.paid).unwrap().status(), &Status::Paid);
}

#[test]
fn f_filters_by_state_and_the_title_says_which() {
    let mut b = board();
    open_dashboard(&mut b.app);
    press(&mut b.app, KeyCode::Char('f'));
    let screen = text(&b.app, 100, 40);
    assert!(screen.contains("showing open (6 of 8)"), "{screen}");
    assert!(!screen.contains("19.99 USD") && screen.contains("12.50 USD"), "{screen}");
    press(&mut b.app, KeyCode::Char('f'));
    let screen = text(&b.app, 100, 40);
    assert!(screen.contains("showing paid (1 of 8)") && screen.contains("19.99 USD"), "{screen}");
    press(&mut b.app, KeyCode::Char('f'));
    press(&mut b.app, KeyCode::Char('f'));
    let screen = text(&b.app, 100, 40);
    assert!(screen.contains("Nothing matches “canceled” (8 invoices in view; f changes the filter)."), "{screen}");
    press(&mut b.app, KeyCode::Char('f'));
    assert_eq!(b.app.dashboard.filter, Filter::Attention);
    let lines = screen_lines(&b.app, 100, 40);
    assert!(lines.iter().any(|l| l.contains("showing needs attention (1 of 8)")), "{}", lines.join("\n"));
    assert!(lines[row_of(&lines, "6.00")].contains("EXPIRED – UNDERPAID"));
    assert!(!lines.iter().any(|l| l.contains("12.50 USD")));
    press(&mut b.app, KeyCode::Char('f'));
    assert!(text(&b.app, 100, 40).contains("showing all (8 of 8)"));
}

#[test]
fn g_shows_one_gateway_at_a_time() {
    let mut b = board();
    open_dashboard(&mut b.app);
    press(&mut b.app, KeyCode::Char('g'));
    let screen = text(&b.app, 100, 40);
    assert!(screen.contains("xPay only"), "{screen}");
    for fiat in ["12.50", "10.00", "6.00"] {
        assert!(screen.contains(&format!(" {fiat} USD")), "{fiat} in {screen}");
    }
    assert!(!screen.contains("30.00 USD") && !screen.contains("55.00 USD"), "{screen}");
    press(&mut b.app, KeyCode::Char('g'));
    assert!(text(&b.app, 100, 40).contains("xpays.life only"));
    for _ in 0..4 {
        press(&mut b.app, KeyCode::Char('g'));
    }
    assert_eq!(b.app.dashboard.gateway, None, "after the last gateway, all of them again");
}

#[test]
fn enter_opens_the_selected_invoice_with_its_code() {
    let mut b = board();
    open_dashboard(&mut b.app);
    // Third row: the amber Xcash invoice.
    press(&mut b.app, KeyCode::Down);
    press(&mut b.app, KeyCode::Down);
    let lines = screen_lines(&b.app, 100, 40);
    assert!(lines[row_of(&lines, "30.00")].starts_with("▶"), "{}", lines.join("\n"));
    press(&mut b.app, KeyCode::Enter);
    assert!(!b.app.dashboard.open);
    assert_eq!(b.app.desk.sale, Sale::Open { reference: b.amber.clone() });
    let terminal = render(&b.app, 100, 40);
    assert_eq!(decode_qr(terminal.backend().buffer()).as_deref(), Some(TRON_ADDRESS));
    assert!(format!("{}", terminal.backend()).contains("USDT on TRON via Xcash"));
}

#[test]
fn enter_waits_while_a_sale_is_being_set_up() {
    let mut b = board();
    type_text(&mut b.app, "3");
    press(&mut b.app, KeyCode::Enter);
    open_dashboard(&mut b.app);
    assert!(press(&mut b.app, KeyCode::Enter).is_empty());
    assert!(b.app.dashboard.open);
    assert!(text(&b.app, 100, 40).contains("Finish or leave the sale being set up first"));
    press(&mut b.app, KeyCode::Tab);
    assert!(text(&b.app, 100, 40).contains("How does the customer pay?"), "back on the picker");
}

#[test]
fn c_then_y_cancels_the_selected_invoice() {
    let mut b = board();
    open_dashboard(&mut b.app);
    press(&mut b.app, KeyCode::Down);
    assert!(press(&mut b.app, KeyCode::Char('c')).is_empty());
    let question = format!("Cancel invoice {} (55.00 USD) at Bitsby?", b.red);
    assert!(text(&b.app, 100, 40).contains(&question), "{}", text(&b.app, 100, 40));
    let effects = press(&mut b.app, KeyCode::Char('y'));
    let [Effect::Run(Command::Cancel(inv))] = effects.as_slice() else { panic!("{effects:?}") };
    assert_eq!(inv.reference, b.red, "the selected row, the 55.00 USD Bitsby invoice");
    assert!(b.app.dashboard.open, "still on the dashboard");
    assert!(text(&b.app, 100, 40).contains("Canceling the invoice…"));
    // A finished invoice has nothing to cancel.
    press(&mut b.app, KeyCode::End);
    assert_eq!(b.app.dashboard.selected.as_ref(), Some(&b.expired_underpaid));
    assert!(press(&mut b.app, KeyCode::Char('c')).is_empty());
    assert_eq!(b.app.modal, None);
    assert!(text(&b.app, 100, 40).contains("is EXPIRED – UNDERPAID: there is nothing to cancel"));
}

#[test]
fn a_background_invoice_paid_says_which_rings_once_and_leaves_the_screen_alone() {
    let mut b = board();
    // The cashier is on the green invoice's screen.
    assert!(!b.app.update(Action::Core(Event::Show(b.green.clone()))).contains(&Effect::Bell));
    let effects = polled(&mut b.app, &b.amber, Status::Paid, Some("30.00"));
    assert_eq!(effects.iter().filter(|e| **e == Effect::Bell).count(), 1, "{effects:?}");
    assert_eq!(b.app.flash.as_deref(), Some("30.00 USD · Xcash USDT on TRON is now PAID"));
    assert_eq!(b.app.desk.sale, Sale::Open { reference: b.green.clone() });
    let terminal = render(&b.app, 100, 40);
    assert_eq!(decode_qr(terminal.backend().buffer()).as_deref(), Some(TRON_ADDRESS), "the code stays up");
    assert!(format!("{}", terminal.backend()).contains("30.00 USD · Xcash USDT on TRON is now PAID"));
    // The same answer again is no news: no second bell.
    assert!(!polled(&mut b.app, &b.amber, Status::Paid, None).contains(&Effect::Bell));

    // Expired in the background: named too, without a bell.
    let effects = polled(&mut b.app, &b.lightning, Status::Expired, None);
    assert!(!effects.contains(&Effect::Bell));
    assert_eq!(b.app.flash.as_deref(), Some("10.00 USD · xPay Bitcoin Lightning is now EXPIRED"));

    // On the amount screen, half typed: the notice leaves the typing alone.
    press(&mut b.app, KeyCode::Char('n'));
    type_text(&mut b.app, "4.2");
    let effects = polled(&mut b.app, &b.underpaid, Status::Paid, Some("40.00"));
    assert_eq!(effects.iter().filter(|e| **e == Effect::Bell).count(), 1);
    let screen = text(&b.app, 100, 40);
    assert!(
        screen.contains("Amount to charge")
            && screen.contains("40.00 USD · Bitsby USDT on BNB Smart Chain is now PAID")
    );
    assert_eq!(b.app.amount.input.text(), "4.2");
}

#[test]
fn the_invoice_of_the_sale_in_hand_ending_under_the_dashboard_is_told_there() {
    let mut b = board();
    b.app.update(Action::Core(Event::Show(b.green.clone())));
    open_dashboard(&mut b.app);
    let effects = polled(&mut b.app, &b.green, Status::Paid, Some("12.50"));
    assert_eq!(effects.iter().filter(|e| **e == Effect::Bell).count(), 1);
    let lines = screen_lines(&b.app, 100, 40);
    assert!(lines.iter().any(|l| l.contains("12.50 USD · xPay USDT on TRON is now PAID")), "{}", lines.join("\n"));
    assert!(lines.iter().any(|l| l.contains(" PAID ") && l.contains("12.50 USD") && l.contains("xPay · USDT on TRON")));
    // Back to it: the big PAID.
    press(&mut b.app, KeyCode::Tab);
    assert_eq!(b.app.desk.sale, Sale::Final { reference: b.green.clone(), recalled: false });
    assert!(text(&b.app, 100, 40).contains("The gateway confirmed the payment."));
}

#[test]
fn the_gateway_confirming_the_tills_own_expiry_is_not_news() {
    let mut b = board();
    // XaiGate's invoice passed its expiry and its grace: the till calls it expired.
    let effects = tick(&mut b.app, at(2 * 60 + 1));
    assert!(!effects.contains(&Effect::Bell));
    assert_eq!(b.app.flash.as_deref(), Some("8.00 USD · XaiGate Payment page is now EXPIRED"));
    b.app.flash = None;
    // Then XaiGate says so itself: journaled, but nothing for the cashier.
    let effects = polled(&mut b.app, &b.expiring, Status::Expired, None);
    assert!(effects.iter().any(|e| matches!(e, Effect::Run(Command::Record(Entry::Status { .. })))), "{effects:?}");
    assert!(!effects.contains(&Effect::Bell));
    assert_eq!(b.app.flash, None);
}

#[test]
fn the_next_sale_starts_from_an_empty_amount() {
    let mut app = till_at(now());
    sell(&mut app, invoice(XPAY_TRON, "12.50", None, 15, 600));
    assert_eq!(app.amount.input.text(), "", "n from an open invoice clears the amount");
    type_text(&mut app, "30");
    assert_eq!(app.amount.input.text(), "30");
}

#[test]
fn tab_goes_back_to_the_screen_you_were_on() {
    let mut b = board();
    // From an invoice on screen.
    b.app.update(Action::Core(Event::Show(b.green.clone())));
    open_dashboard(&mut b.app);
    assert!(text(&b.app, 100, 40).contains("All invoices"));
    press(&mut b.app, KeyCode::Tab);
    let terminal = render(&b.app, 100, 40);
    assert_eq!(decode_qr(terminal.backend().buffer()).as_deref(), Some(TRON_ADDRESS));
    // Esc leaves it too; from the amount screen, the typing is kept.
    press(&mut b.app, KeyCode::Char('n'));
    type_text(&mut b.app, "4.2");
    open_dashboard(&mut b.app);
    press(&mut b.app, KeyCode::Esc);
    assert!(!b.app.dashboard.open);
    let screen = text(&b.app, 100, 40);
    assert!(screen.contains("Amount to charge") && b.app.amount.input.text() == "4.2", "{screen}");
    // The footer offers it while invoices are open in the background.
    assert!(screen.contains(" Tab  all invoices"), "{screen}");
    // A question on screen keeps its keys: Tab does not open the dashboard.
    b.app.update(Action::Core(Event::Show(b.green.clone())));
    press(&mut b.app, KeyCode::Char('c'));
    press(&mut b.app, KeyCode::Tab);
    assert!(!b.app.dashboard.open);
}

#[test]
fn tab_from_the_history_comes_back_to_the_history() {
    let mut b = board();
    b.app.journaled = true;
    assert_eq!(press(&mut b.app, KeyCode::Char('h')), vec![Effect::LoadHistory]);
    b.app.update(Action::History(Ok(vec![record_of(&tron_invoice(), Status::Paid)])));
    open_dashboard(&mut b.app);
    press(&mut b.app, KeyCode::Tab);
    assert!(text(&b.app, 100, 40).contains("Today's sales"));
}

#[test]
fn a_thousand_invoices_scroll_with_the_selection() {
    // A restart taking back a thousand open invoices from the journal.
    let mut app = till_at(now());
    let providers = [XPAY_LN, XPAY_TRON, XPAYS_TRON, XCASH_TRON, XAIGATE, BITSBY_BTC, BITSBY_BSC];
    let records: Vec<_> = (0..1000i64)
        .map(|i| {
            let m = providers[usize::try_from(i).unwrap() % providers.len()];
            let mut inv = invoice(m, &format!("{}.00", 1000 + i), None, 60, 60 + i * 3);
            inv.reference = Reference::parse(&format!("bulk-{i}")).unwrap();
            record_of(&inv, Status::Pending)
        })
        .collect();
    app.desk.resume(&records, &[]);
    assert_eq!(app.desk.open_count(), 1000);
    open_dashboard(&mut app);
    let screen = text(&app, 100, 40);
    assert!(screen.contains("showing all (1000 of 1000) · rows 1–33"), "{screen}");
    press(&mut app, KeyCode::End);
    let lines = screen_lines(&app, 100, 40);
    let last = row_of(&lines, "1999.00");
    assert!(lines[last].starts_with("▶"), "{}", lines.join("\n"));
    assert!(lines.iter().any(|l| l.contains("rows 968–1000")), "{}", lines.join("\n"));
    press(&mut app, KeyCode::Up);
    let lines = screen_lines(&app, 100, 40);
    assert!(lines[row_of(&lines, "1998.00")].starts_with("▶"));
}

#[test]
fn help_lists_the_dashboard_keys() {
    let mut b = board();
    open_dashboard(&mut b.app);
    press(&mut b.app, KeyCode::Char('?'));
    let screen = text(&b.app, 100, 40);
    for line in [
        "↑↓ Home End Enter  select, show the invoice",
        "c f g  cancel (or set aside), filter by state, by gateway",
        "Tab  all invoices, soonest to expire first (Tab/Esc: back)",
        "?  this help",
        "q Ctrl-C  quit",
    ] {
        assert!(screen.contains(line), "{line} in {screen}");
    }
    insta::assert_snapshot!("dashboard_help_100x40", render(&b.app, 100, 40).backend());
}

/// The selected row is highlighted across every column, not only the
/// method; the other rows are not.
#[test]
fn the_whole_selected_row_is_highlighted() {
    use ratatui::style::Modifier;
    let mut b = board();
    open_dashboard(&mut b.app);
    press(&mut b.app, KeyCode::Down);
    let terminal = render(&b.app, 100, 40);
    let buf = terminal.backend().buffer();
    let lines = screen_lines(&b.app, 100, 40);
    let selected = u16::try_from(row_of(&lines, "55.00")).unwrap();
    let reversed = |x: u16, y: u16| buf[(x, y)].modifier.contains(Modifier::REVERSED);
    let end = u16::try_from(lines[usize::from(selected)].trim_end().chars().count()).unwrap();
    assert!((0..end).all(|x| reversed(x, selected)), "every cell of {:?}", lines[usize::from(selected)]);
    let other = u16::try_from(row_of(&lines, "12.50")).unwrap();
    assert!((0..100).all(|x| !reversed(x, other)), "{:?}", lines[usize::from(other)]);
}

/// The column headings of the dashboard at 100×40.
fn headings(app: &App) -> String {
    let lines = screen_lines(app, 100, 40);
    lines.into_iter().find(|l| l.contains("Status") && l.contains("Amount")).expect("the headings")
}

/// `f` and `g` change which rows are listed, not where the columns are.
#[test]
fn the_columns_stay_put_when_f_or_g_filters() {
    let mut b = board();
    open_dashboard(&mut b.app);
    let all = headings(&b.app);
    for key in ['f'; 6].into_iter().chain(['g'; 6]) {
        press(&mut b.app, KeyCode::Char(key));
        assert_eq!(
            headings(&b.app),
            all,
            "after {key}: filter {:?}, gateway {:?}",
            b.app.dashboard.filter,
            b.app.dashboard.gateway
        );
    }
    // One gateway only: the rows line up under the same headings.
    press(&mut b.app, KeyCode::Char('g'));
    insta::assert_snapshot!("dashboard_xpay_only_100x40", render(&b.app, 100, 40).backend());
}

/// `c` on an Xcash invoice (Xcash cannot cancel) offers to set it aside:
/// no cancel is sent, and it stays listed and watched.
#[test]
fn c_on_the_dashboard_at_a_gateway_that_cannot_cancel_sets_aside() {
    let mut b = board();
    b.app.cancelable = vec![ProviderId::Xpay, ProviderId::Bitsby];
    open_dashboard(&mut b.app);
    while b.app.dashboard.selected.as_ref() != Some(&b.amber) {
        press(&mut b.app, KeyCode::Down);
    }
    assert!(press(&mut b.app, KeyCode::Char('c')).is_empty());
    let screen = text(&b.app, 100, 40);
    assert!(screen.contains("Xcash cannot cancel an invoice."), "{screen}");
    assert!(screen.contains(&format!("Set invoice {} (30.00 USD) aside?", b.amber)), "{screen}");
    let effects = press(&mut b.app, KeyCode::Char('y'));
    assert!(!effects.iter().any(|e| matches!(e, Effect::Run(Command::Cancel(_)))), "{effects:?}");
    assert!(b.app.dashboard.open);
    let lines = screen_lines(&b.app, 100, 40);
    assert!(lines[row_of(&lines, "30.00")].contains("PENDING"), "still listed and open");
}
