//! The screens of the newer gateways' payloads: a Bitsby invoice whose QR
//! switches between the wallets of one invoice, and XaiGate's payment page.

mod support;

use crossterm::event::KeyCode;
use support::*;
use till::core::desk::{Command, Desk, Entry, Event};
use till::core::invoice::{Invoice, Reference};
use till::core::method::{MethodId, PaymentMethod, ProviderId};
use till::core::money::{Currency, Money};
use till::core::schedule::PollPolicy;
use till::gateway::http::Reply;
use till::gateway::verify::Networks;
use till::gateway::{CreateRequest, bitsby, xaigate};
use till::tui::{Action, App, Effect};

fn fixture(path: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// An app offering `method`, with the invoice delivered as the runtime would.
fn open(invoice: Invoice) -> App {
    let desk = Desk::new(PollPolicy::default(), invoice.created_at);
    let reference = invoice.reference.clone();
    let r = reference.clone();
    let mut app = App::new(desk, shop(), vec![invoice.method], false).with_references(move || r.clone());
    type_text(&mut app, &invoice.fiat.amount_text());
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('1'));
    app.update(Action::Core(Event::Created { reference, result: Ok(invoice) }));
    app
}

fn bitsby_invoice() -> Invoice {
    let reply = Reply { status: 200, body: fixture("bitsby/create.json").into_bytes(), date: None };
    let data = bitsby::data_of(&reply).unwrap();
    let request = CreateRequest {
        reference: Reference::parse("t-wallets").unwrap(),
        amount: Money::new("10.55".parse().unwrap(), Currency::from_code("USD").unwrap()),
        method: MethodId::UsdtTron,
        retry: false,
    };
    bitsby::invoice_from(&data, &request, ProviderId::Bitsby.supported(), Networks::Mainnet).unwrap()
}

#[test]
fn w_switches_the_qr_to_another_wallet_of_the_same_invoice_and_journals_it() {
    let mut app = open(bitsby_invoice());
    let terminal = render(&app, 100, 40);
    assert_eq!(decode_qr(terminal.backend().buffer()).as_deref(), Some("TKbstUwMzLrfTAGL4erYb7gc7ghmHQ9zG7"));
    let text = format!("{}", terminal.backend());
    assert!(text.contains("w  other wallet"), "{text}");
    assert!(text.contains("TRON (TRC-20)"), "{text}");
    let mut seen = vec![app.desk.current().unwrap().invoice.method.method];
    for _ in 0..4 {
        let effects = press(&mut app, KeyCode::Char('w'));
        assert!(effects.iter().any(|e| matches!(e, Effect::Run(Command::Record(Entry::Switch(_))))), "{effects:?}");
        let inv = &app.desk.current().unwrap().invoice;
        assert_eq!(inv.id, "ade9550d-3dc7-4fd3-b94e-3b4c12aaaa0c", "the same invoice");
        let terminal = render(&app, 100, 40);
        assert_eq!(decode_qr(terminal.backend().buffer()).as_deref(), Some(inv.payload.qr.as_str()));
        let text = format!("{}", terminal.backend());
        assert!(text.contains(inv.method.method.network()), "{text}");
        seen.push(inv.method.method);
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 5, "every wallet shown once");
    insta::assert_snapshot!("bitsby_btc_wallet_100x40", render(&app, 100, 40).backend());
}

#[test]
fn the_payment_page_says_scan_to_open_it() {
    let reply = Reply { status: 200, body: fixture("xaigate/create_response.json").into_bytes(), date: None };
    let v = xaigate::invoice_of(&reply, "k").unwrap();
    let request = CreateRequest {
        reference: Reference::parse("10").unwrap(),
        amount: Money::new("10".parse().unwrap(), Currency::from_code("USD").unwrap()),
        method: MethodId::Checkout,
        retry: false,
    };
    let invoice = xaigate::invoice_from(&v, &request).unwrap();
    assert_eq!(invoice.method, PaymentMethod::new(ProviderId::Xaigate, MethodId::Checkout));
    let app = open(invoice);
    let terminal = render(&app, 100, 40);
    assert_eq!(
        decode_qr(terminal.backend().buffer()).as_deref(),
        Some("https://wallet.xaigate.com/pay/INV2167234232?lang=en")
    );
    let text = format!("{}", terminal.backend());
    assert!(text.contains("Scan to open the payment page"), "{text}");
    assert!(!text.contains("w  other wallet"));
    insta::assert_snapshot!("xaigate_page_100x40", terminal.backend());
}
