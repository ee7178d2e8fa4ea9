//! The tip screen and the tax-rate choice: what the cashier sees after the
//! amount, and what the journal is asked to keep for the sale.

mod support;

use crossterm::event::KeyCode;
use rust_decimal::Decimal;
use support::*;
use till::core::desk::{Command, Entry};
use till::core::sale::Sale;
use till::core::tax::{Pricing, TaxRate, TaxSetting};
use till::tui::{App, Effect};

fn pct(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn rate(name: &str, r: &str) -> TaxRate {
    TaxRate { name: name.into(), rate: r.parse().unwrap() }
}

fn till(pricing: Pricing) -> App {
    app_at(sample_created_at(), "sale-1", false).with_pricing(pricing)
}

fn tips() -> Pricing {
    Pricing { tips: vec![pct("10"), pct("15"), pct("20")], tax: TaxSetting::default() }
}

fn two_rates() -> TaxSetting {
    TaxSetting { rates: vec![rate("food", "7"), rate("drinks", "19")], included: true }
}

/// The intent the journal is asked to keep when the first method is picked.
fn intent(app: &mut App) -> Entry {
    let effects = press(app, KeyCode::Char('1'));
    match effects.first() {
        Some(Effect::Run(Command::Record(e @ Entry::Intent { .. }))) => e.clone(),
        other => panic!("no intent: {other:?}"),
    }
}

#[test]
fn tip_screen_snapshots() {
    let mut app = till(tips());
    type_text(&mut app, "12.50");
    press(&mut app, KeyCode::Enter);
    insta::assert_snapshot!("tip_100x40", render(&app, 100, 40).backend());
    insta::assert_snapshot!("tip_80x24", render(&app, 80, 24).backend());
}

#[test]
fn rate_choice_snapshot() {
    let mut app = till(Pricing { tips: vec![pct("10")], tax: two_rates() });
    type_text(&mut app, "10.70");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('1'));
    insta::assert_snapshot!("tip_rate_100x40", render(&app, 100, 40).backend());
}

#[test]
fn a_preset_tip_makes_the_invoice_for_the_amount_plus_the_tip() {
    let mut app = till(tips());
    type_text(&mut app, "12.50");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('2'));
    assert_eq!(app.desk.sale, Sale::Method { amount: usd_amount("14.38") }, "12.50 + 15 % (1.875 -> 1.88)");
    let Entry::Intent { amount, breakdown: Some(b), .. } = intent(&mut app) else { panic!("no breakdown") };
    assert_eq!(amount, usd_amount("14.38"));
    assert_eq!(
        (b.net.amount_text(), b.tax.amount_text(), b.tip.amount_text()),
        ("12.50".into(), "0.00".into(), "1.88".into())
    );
}

#[test]
fn a_custom_tip_is_typed_and_no_tip_keeps_the_amount() {
    let mut app = till(tips());
    type_text(&mut app, "12.50");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('c'));
    type_text(&mut app, "2.5");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.desk.sale, Sale::Method { amount: usd_amount("15.00") });

    let mut app = till(tips());
    type_text(&mut app, "12.50");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.desk.sale, Sale::Method { amount: usd_amount("12.50") }, "Enter: no tip");
    let Entry::Intent { breakdown: Some(b), .. } = intent(&mut app) else { panic!("no breakdown") };
    assert!(!b.has_tip());
}

#[test]
fn esc_goes_back_to_the_amount_as_typed() {
    let mut app = till(tips());
    type_text(&mut app, "12.50");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.desk.sale, Sale::Amount);
    assert!(app.tip.is_none());
    assert_eq!(app.amount.input.text(), "12.50", "the amount stays to be corrected");
}

#[test]
fn without_presets_nor_rates_there_is_no_tip_screen() {
    let mut app = till(Pricing::default());
    type_text(&mut app, "12.50");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.desk.sale, Sale::Method { amount: usd_amount("12.50") }, "straight to the picker");
    let Entry::Intent { breakdown: Some(b), .. } = intent(&mut app) else { panic!("no breakdown") };
    assert_eq!((b.rate, b.tax.amount_text()), (None, "0.00".into()), "no tax configured: tax 0, no rate");
}

#[test]
fn with_several_rates_the_cashier_picks_one_and_the_journal_keeps_it() {
    let mut app = till(Pricing { tips: vec![], tax: two_rates() });
    type_text(&mut app, "11.90");
    press(&mut app, KeyCode::Enter);
    assert!(app.tip.is_some(), "the rate is asked");
    press(&mut app, KeyCode::Char('2'));
    let Entry::Intent { amount, breakdown: Some(b), .. } = intent(&mut app) else { panic!("no breakdown") };
    assert_eq!(amount, usd_amount("11.90"), "prices include tax: the total is the price typed");
    assert_eq!(b.rate, Some(rate("drinks", "19")));
    assert_eq!((b.net.amount_text(), b.tax.amount_text()), ("10.00".into(), "1.90".into()));
}

#[test]
fn the_invoice_shows_the_tip_under_the_amount() {
    let mut app = till(tips());
    let invoice = tron_invoice();
    type_text(&mut app, "10");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('1'));
    let mut invoice = invoice;
    invoice.fiat = usd_amount("11.00");
    invoice.reference = till::core::invoice::Reference::parse("sale-1").unwrap();
    let index = methods().iter().position(|m| *m == invoice.method).unwrap();
    press(&mut app, KeyCode::Char(char::from(b'1' + u8::try_from(index).unwrap())));
    let reference = invoice.reference.clone();
    app.update(till::tui::Action::Core(till::core::desk::Event::Created { reference, result: Ok(invoice) }));
    let text = format!("{}", render(&app, 100, 40).backend());
    assert!(text.contains("10.00 USD + tip 1.00 USD"), "{text}");
}

#[test]
fn a_resumed_invoice_shows_its_tip_from_the_journal() {
    let mut invoice = tron_invoice();
    invoice.fiat = usd_amount("11.00");
    let mut record = record_of(&invoice, till::core::status::Status::Pending);
    let b = till::core::tax::Breakdown::compute(&usd_amount("10"), None, true, &usd_amount("1"));
    record.breakdown = Some(b);
    let mut app = till(tips());
    app.resume(&[record], &[]);
    let text = format!("{}", render(&app, 100, 40).backend());
    assert!(text.contains("10.00 USD + tip 1.00 USD"), "{text}");
}

#[test]
fn a_tip_that_takes_the_sale_above_the_maximum_is_refused_in_words() {
    let mut app = till(tips());
    type_text(&mut app, "9000");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('3'));
    assert_eq!(app.desk.sale, Sale::Amount, "still on the tip screen");
    let text = format!("{}", render(&app, 100, 40).backend());
    assert!(
        text.contains("The sale comes to 10800.00 USD with the tip, above 10000.00 USD, the largest allowed."),
        "{text}"
    );
    press(&mut app, KeyCode::Char('1'));
    assert_eq!(app.desk.sale, Sale::Method { amount: usd_amount("9900.00") }, "10 % fits");
}

#[test]
fn tax_on_top_that_takes_the_total_above_the_maximum_is_refused_naming_it() {
    // 9500.00 net, 10 % on top: 10450.00, above the 10000.00 maximum,
    // though the price typed and the tip (none) are each within it.
    let tax = TaxSetting { rates: vec![rate("sales", "10")], included: false };
    let mut app = till(Pricing { tips: vec![pct("10")], tax });
    type_text(&mut app, "9500");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('0'));
    assert_eq!(app.desk.sale, Sale::Amount, "not on to the method");
    let text = format!("{}", render(&app, 100, 40).backend());
    assert!(
        text.contains("The sale comes to 10450.00 USD with the tax, above 10000.00 USD, the largest allowed."),
        "{text}"
    );
    // With several rates the total at the rate picked is what counts.
    let mut app = till(Pricing { tips: vec![], tax: TaxSetting { included: false, ..two_rates() } });
    type_text(&mut app, "9000");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('2'));
    assert_eq!(app.desk.sale, Sale::Amount, "19 % on top of 9000 is 10710");
    press(&mut app, KeyCode::Char('1'));
    assert_eq!(app.desk.sale, Sale::Method { amount: usd_amount("9630.00") }, "7 % fits");
}

#[test]
fn a_custom_tip_of_zero_is_no_tip() {
    let mut app = till(tips());
    type_text(&mut app, "12.50");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('c'));
    type_text(&mut app, "0");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.desk.sale, Sale::Method { amount: usd_amount("12.50") });
    let Entry::Intent { breakdown: Some(b), .. } = intent(&mut app) else { panic!("no breakdown") };
    assert!(!b.has_tip());
}

#[test]
fn a_key_past_the_presets_says_which_keys_are_the_presets() {
    let mut app = till(tips());
    type_text(&mut app, "12.50");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('5'));
    assert_eq!(app.desk.sale, Sale::Amount);
    let text = format!("{}", render(&app, 100, 40).backend());
    assert!(
        text.contains("There is no tip 5: keys 1 to 3 are the tips; c a custom amount, 0 or Enter no tip."),
        "{text}"
    );
    press(&mut app, KeyCode::Char('3'));
    assert_eq!(app.desk.sale, Sale::Method { amount: usd_amount("15.00") }, "12.50 + 20 %");
}

#[test]
fn without_a_tip_screen_tax_on_top_is_still_held_to_the_maximum() {
    // One rate on top, no presets: no tip screen, the amount screen refuses.
    let tax = TaxSetting { rates: vec![rate("sales", "10")], included: false };
    let mut app = till(Pricing { tips: vec![], tax });
    type_text(&mut app, "9500");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.desk.sale, Sale::Amount);
    let text = format!("{}", render(&app, 100, 40).backend());
    assert!(
        text.contains("The sale comes to 10450.00 USD with the tax, above 10000.00 USD, the largest allowed."),
        "{text}"
    );
}
