//! What a new user trips on at the counter: every method has a key, `?`
//! lists every key of the screen on display, an invoice whose gateway cannot
//! cancel can be set aside (and the box says so and names it), and the
//! demo's quit question tells the truth.

mod support;

use crossterm::event::KeyCode;
use support::*;
use till::core::desk::{Command, Event};
use till::core::invoice::{Invoice, Reference};
use till::core::method::{MethodId, PaymentMethod, ProviderId};
use till::core::sale::Sale;
use till::core::schedule::PollPolicy;
use till::core::status::Status;
use till::tui::keys::Binding;
use till::tui::screens::{creating, dashboard, global, history, invoice, picker, sale};
use till::tui::{Action, App, Effect};

/// Every method the catalog has: ten.
fn every_method() -> Vec<PaymentMethod> {
    let mut all = Vec::new();
    for &p in ProviderId::ALL {
        for &m in p.supported() {
            all.push(PaymentMethod::new(p, m));
        }
    }
    all
}

fn till_with(methods: Vec<PaymentMethod>, demo: bool) -> App {
    let desk = till::core::desk::Desk::new(PollPolicy::default(), sample_created_at());
    App::new(desk, shop(), methods, demo).with_references(|| Reference::parse("sale-1").unwrap())
}

fn text(app: &App, w: u16, h: u16) -> String {
    format!("{}", render(app, w, h).backend())
}

/// The footer's keys as drawn (each key in its own style, before its words).
fn footer_keys(app: &App) -> Vec<String> {
    let terminal = render(app, 200, 40);
    let buf = terminal.backend().buffer();
    let mut keys = Vec::new();
    let mut word = String::new();
    for x in 0..200 {
        let cell = &buf[(x, 39)];
        if cell.bg == ratatui::style::Color::Gray {
            word.push_str(cell.symbol());
        } else if !word.trim().is_empty() {
            keys.push(word.trim().to_string());
            word.clear();
        }
    }
    keys
}

#[test]
fn all_ten_methods_have_a_key_and_the_tenth_is_0() {
    let methods = every_method();
    assert_eq!(methods.len(), 10);
    let mut app = till_with(methods.clone(), false);
    type_text(&mut app, "12.50");
    press(&mut app, KeyCode::Enter);
    let screen = text(&app, 100, 40);
    for (i, m) in methods.iter().enumerate() {
        let key = picker::key_of(i).unwrap();
        assert!(screen.contains(&format!(" {key}  {}", m.label())), "{key} for {} in {screen}", m.label());
    }
    insta::assert_snapshot!("picker_ten_methods_100x40", render(&app, 100, 40).backend());
    let effects = press(&mut app, KeyCode::Char('0'));
    assert!(effects.iter().any(|e| matches!(e, Effect::Run(Command::Create { .. }))), "{effects:?}");
    let Sale::Creating { method, .. } = &app.desk.sale else { panic!("{:?}", app.desk.sale) };
    assert_eq!(*method, methods[9], "0 picks the tenth");
}

#[test]
fn after_0_the_keys_are_letters_that_no_other_key_of_the_picker_takes() {
    let keys: Vec<char> = (0..12).filter_map(picker::key_of).collect();
    assert_eq!(keys.iter().collect::<String>(), "1234567890ab");
    let letters: String = (10..35).filter_map(picker::key_of).collect();
    assert!(!letters.contains('q'), "q quits: {letters}");
    assert_eq!(letters.len(), 25, "a-z but q");
}

/// No binding of any screen is left out of the `?` help.
#[test]
fn every_binding_of_every_screen_has_a_help_line() {
    fn check<C>(screen: &str, table: &[Binding<C>]) {
        for b in table {
            assert!(b.help.is_some(), "{screen}: {} has no line in the help", b.key);
        }
    }
    check("sale", sale::KEYS);
    check("picker", picker::KEYS);
    check("creating", creating::KEYS);
    check("invoice", invoice::KEYS);
    check("dashboard", dashboard::KEYS);
    check("history", history::KEYS);
    check("global", global::KEYS);
}

/// The help on each screen lists every key its footer offers, and the
/// keys that work there without a place in the footer.
#[test]
fn help_lists_every_key_of_the_screen_on_display() {
    let mut screens: Vec<(&str, App, Vec<&str>)> = Vec::new();
    let mut app = till_with(every_method(), true);
    app.journaled = true;
    screens.push(("sale", clone_of(&app), vec!["0-9 . ⌫ Esc", "Enter", "h", "?", "q Ctrl-C"]));
    type_text(&mut app, "5");
    press(&mut app, KeyCode::Enter);
    screens.push(("picker", clone_of(&app), vec!["0-9", "↑↓", "Enter", "Esc", "?", "q Ctrl-C"]));
    let mut inv = open_invoice(tron_invoice(), true);
    inv.journaled = true;
    screens.push(("invoice", inv, vec!["c", "n", "w", "p", "h", "?", "q Ctrl-C"]));
    for (name, mut app, wanted) in screens {
        let footer = footer_keys(&app);
        assert!(!footer.is_empty(), "{name}");
        press(&mut app, KeyCode::Char('?'));
        let listed = help_keys(&app);
        for key in footer.iter().map(String::as_str).chain(wanted) {
            for token in key.split(' ') {
                assert!(listed.iter().any(|k| k == token), "{name}: {token} not in the help's keys {listed:?}");
            }
        }
    }
}

/// The keys the help box lists: on each of its lines, what comes before
/// the two spaces that start the words.
fn help_keys(app: &App) -> Vec<String> {
    let terminal = render(app, 100, 40);
    let buf = terminal.backend().buffer();
    let lines: Vec<String> = (0..40).map(|y| (0..100).map(|x| buf[(x, y)].symbol()).collect()).collect();
    let top = lines.iter().position(|l| l.contains("╔ Keys")).expect("the help box");
    let mut keys = Vec::new();
    for line in lines[top + 1..].iter().take_while(|l| !l.contains('╚')) {
        let inner = line.split('║').nth(1).unwrap_or("").trim_start();
        if let Some((k, _)) = inner.split_once("  ") {
            keys.extend(k.split(' ').map(str::to_string));
        }
    }
    assert!(!keys.is_empty(), "{}", lines.join("\n"));
    keys
}

/// The app of `help_lists_every_key_of_the_screen_on_display` at the same
/// point (an `App` does not clone): replays the keys.
fn clone_of(app: &App) -> App {
    let mut copy = till_with(app.methods.clone(), app.demo);
    copy.journaled = app.journaled;
    if let Sale::Method { amount } = &app.desk.sale {
        type_text(&mut copy, &amount.amount_text());
        press(&mut copy, KeyCode::Enter);
    }
    copy
}

#[test]
fn help_on_the_invoice_screen_lists_w_and_its_snapshot() {
    let mut app = open_invoice(tron_invoice(), false);
    press(&mut app, KeyCode::Char('?'));
    let help = text(&app, 100, 40);
    assert!(help.contains("w  show another wallet the invoice accepts"), "{help}");
    assert!(help.contains("c  cancel the invoice, or set it aside (asks first)"), "{help}");
    insta::assert_snapshot!("invoice_help_100x40", render(&app, 100, 40).backend());
}

/// An Xcash invoice on screen (Xcash cannot cancel).
fn xcash_sale() -> (App, Reference) {
    let method = PaymentMethod::new(ProviderId::Xcash, MethodId::UsdtTron);
    let mut app = till_with(vec![method], false);
    app.cancelable = vec![ProviderId::Xpay, ProviderId::Bitsby];
    type_text(&mut app, "12.50");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('1'));
    let reference = Reference::parse("sale-1").unwrap();
    let invoice = Invoice { reference: reference.clone(), method, ..tron_invoice() };
    app.update(Action::Core(Event::Created { reference: reference.clone(), result: Ok(invoice) }));
    assert_eq!(app.desk.sale, Sale::Open { reference: reference.clone() });
    (app, reference)
}

#[test]
fn c_on_an_invoice_its_gateway_cannot_cancel_offers_to_set_it_aside() {
    let (mut app, reference) = xcash_sale();
    // The footer says what `c` does here.
    let footer = text(&app, 100, 40);
    let footer =
        footer.lines().rev().find(|l| !l.trim_matches(|c| c == ' ' || c == '"').is_empty()).unwrap_or_default();
    assert!(footer.contains("c  set aside") && !footer.contains("cancel invoice"), "{footer}");
    assert!(press(&mut app, KeyCode::Char('c')).is_empty());
    let screen = text(&app, 100, 40);
    for line in [
        "Xcash cannot cancel an invoice.",
        "Set invoice sale-1 (12.50 USD) aside?",
        "It stays watched in the background until it ends",
        "y  set it aside",
    ] {
        assert!(screen.contains(line), "{line} in {screen}");
    }
    insta::assert_snapshot!("set_aside_question_100x40", render(&app, 100, 40).backend());
    // Yes: no cancel is sent; a new sale starts and the invoice stays watched.
    let effects = press(&mut app, KeyCode::Char('y'));
    assert!(!effects.iter().any(|e| matches!(e, Effect::Run(Command::Cancel(_)))), "{effects:?}");
    assert_eq!(app.desk.sale, Sale::Amount);
    let watch = app.desk.watch(&reference).expect("still watched");
    assert_eq!(*watch.status(), Status::Pending);
    assert!(text(&app, 100, 40).contains("Set aside: sale-1 (12.50 USD) stays watched in the background"));
}

#[test]
fn any_other_key_keeps_the_invoice_on_screen() {
    let (mut app, reference) = xcash_sale();
    press(&mut app, KeyCode::Char('c'));
    assert!(press(&mut app, KeyCode::Char('x')).is_empty());
    assert_eq!(app.desk.sale, Sale::Open { reference });
    assert_eq!(app.modal, None);
}

#[test]
fn the_cancel_question_names_the_invoice_and_its_gateway() {
    let mut app = open_invoice(tron_invoice(), false);
    app.cancelable = vec![ProviderId::Xpay];
    press(&mut app, KeyCode::Char('c'));
    let screen = text(&app, 100, 40);
    assert!(screen.contains("Cancel invoice 66bb8c4dbb18e67 (12.50 USD) at xPay?"), "{screen}");
    let effects = press(&mut app, KeyCode::Char('y'));
    assert!(effects.iter().any(|e| matches!(e, Effect::Run(Command::Cancel(_)))), "{effects:?}");
}

#[test]
fn the_demos_quit_question_says_the_demo_starts_fresh() {
    let mut demo = open_invoice(tron_invoice(), true);
    press(&mut demo, KeyCode::Char('q'));
    let screen = text(&demo, 100, 40);
    assert!(screen.contains("1 invoice still open. This is the demo: its sandbox"), "{screen}");
    assert!(screen.contains("forgets it, and the next demo starts fresh."), "{screen}");
    assert!(!screen.contains("watched again"), "{screen}");
    let mut real = open_invoice(tron_invoice(), false);
    press(&mut real, KeyCode::Char('q'));
    let screen = text(&real, 100, 40);
    assert!(screen.contains("1 invoice still open. It stays in the journal"), "{screen}");
    assert!(screen.contains("and is watched again when till starts next."), "{screen}");
}
