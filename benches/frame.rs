//! How long the till takes to draw a frame and to make a QR code.
//! Run: cargo bench --bench frame

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use divan::Bencher;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rust_decimal::Decimal;
use till::core::desk::{Desk, Event};
use till::core::invoice::{Invoice, Reference};
use till::core::method::{MethodId, PaymentMethod, ProviderId};
use till::core::money::{Currency, Money};
use till::core::record::{RecordState, SaleRecord};
use till::core::schedule::PollPolicy;
use till::core::status::{Origin, Status};
use till::gateway::CreateRequest;
use till::gateway::verify::Networks;
use till::tui::qr::QrCode;
use till::tui::{Action, App, ShopInfo};

fn main() {
    divan::main();
}

const SAMPLE: &str = include_str!("../tests/fixtures/xpay/create_lightning.json");

fn lightning_invoice() -> Invoice {
    let v: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
    let usd = Currency::from_code("USD").unwrap();
    let request = CreateRequest {
        reference: Reference::parse("1bdce316").unwrap(),
        amount: Money::new(Decimal::from(10), usd),
        method: MethodId::Lightning,
        retry: false,
    };
    let now = jiff::Timestamp::from_second(1_724_149_286).unwrap();
    till::gateway::xpay::invoice_from_bill(&v["success"]["data"], &request, Networks::Mainnet, now).unwrap()
}

fn open_app() -> App {
    let invoice = lightning_invoice();
    let shop = ShopInfo {
        name: "Corner Café".into(),
        terminal: "till-1".into(),
        currency: Currency::from_code("USD").unwrap(),
        max_amount: Decimal::from(10_000),
        timezone: jiff::tz::TimeZone::UTC,
    };
    let methods = vec![PaymentMethod::new(ProviderId::Xpay, MethodId::Lightning)];
    let desk = Desk::new(PollPolicy::default(), invoice.created_at);
    let mut app = App::new(desk, shop, methods, false).with_references(|| Reference::parse("1bdce316").unwrap());
    for code in [KeyCode::Char('1'), KeyCode::Char('0'), KeyCode::Enter, KeyCode::Enter] {
        app.update(Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }
    let reference = invoice.reference.clone();
    app.update(Action::Core(Event::Created { reference, result: Ok(invoice) }));
    app
}

/// One frame of the invoice screen (Lightning QR, countdown, details).
#[divan::bench(args = [(100, 40), (200, 60)])]
fn draw_invoice_screen(bencher: Bencher, (w, h): (u16, u16)) {
    let app = open_app();
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    bencher.bench_local(|| {
        // A fresh buffer each time, as after a resize: the worst case.
        terminal.clear().unwrap();
        terminal.draw(|f| till::tui::draw(&app, f)).unwrap();
    });
}

/// One frame of the invoice screen in each text mode the terminal may
/// have, and with a (cached) kitty picture.
#[divan::bench(args = ["halfblocks", "sextants", "octants", "kitty"])]
fn draw_invoice_screen_mode(bencher: Bencher, mode: &str) {
    use till::tui::qr::Caps;
    use till::tui::qr::choose::Glyphs;
    let mut app = open_app();
    app.codes.caps = match mode {
        "sextants" => Caps::text(Glyphs::Sextants),
        "octants" => Caps::text(Glyphs::Octants),
        "kitty" => {
            #[allow(deprecated)]
            let mut picker = ratatui_image::picker::Picker::from_fontsize((8, 16).into());
            picker.set_protocol_type(ratatui_image::picker::ProtocolType::Kitty);
            Caps { picker: Some(picker), ..Caps::default() }
        }
        _ => Caps::text(Glyphs::HalfBlocks),
    };
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    bencher.bench_local(|| {
        terminal.clear().unwrap();
        terminal.draw(|f| till::tui::draw(&app, f)).unwrap();
    });
}

/// The till at a busy counter: 1,000 open invoices over the five gateways,
/// expiring from one minute to a few hours out, with the dashboard up.
fn busy_app() -> App {
    let mut app = open_app();
    let now = app.now();
    let usd = Currency::from_code("USD").unwrap();
    let methods = [
        PaymentMethod::new(ProviderId::Xpay, MethodId::Lightning),
        PaymentMethod::new(ProviderId::Xpays, MethodId::UsdtTron),
        PaymentMethod::new(ProviderId::Xcash, MethodId::UsdtTron),
        PaymentMethod::new(ProviderId::Xaigate, MethodId::Checkout),
        PaymentMethod::new(ProviderId::Bitsby, MethodId::Btc),
    ];
    let template = lightning_invoice();
    let records: Vec<SaleRecord> = (0..1000i64)
        .map(|i| {
            let method = methods[(i % 5) as usize];
            // Scattered expiries, so the sort has work to do.
            let expires_at = now + jiff::SignedDuration::from_secs(60 + (i * 7919) % 14_400);
            SaleRecord {
                reference: Reference::parse(&format!("bulk-{i}")).unwrap(),
                method,
                fiat: Money::new(Decimal::new(100 + i * 37, 2), usd.clone()),
                state: RecordState::Created,
                started_at: now,
                terminal: "till-1".into(),
                gateway_id: Some(format!("gw-{i}")),
                crypto: template.crypto.clone(),
                payload: Some(template.payload.clone()),
                created_at: Some(now),
                expires_at: Some(expires_at),
                status: Status::Pending,
                origin: Origin::Gateway,
                raw: String::new(),
                received: None,
                tx_id: None,
                note: None,
                breakdown: None,
            }
        })
        .collect();
    // As a restart taking them back from the journal.
    app.desk.resume(&records, &[]);
    assert_eq!(app.desk.open_count(), 1001);
    app.update(Action::Key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE)));
    assert!(app.dashboard.open);
    app
}

/// One frame of the dashboard with 1,000 open invoices: filter, sort, and
/// format the rows in the window.
#[divan::bench(args = [(100, 40), (200, 60)])]
fn draw_dashboard_1000_rows(bencher: Bencher, (w, h): (u16, u16)) {
    let app = busy_app();
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    bencher.bench_local(|| {
        terminal.clear().unwrap();
        terminal.draw(|f| till::tui::draw(&app, f)).unwrap();
    });
}

/// Encoding a 400-character BOLT11 payload and drawing it into a buffer.
#[divan::bench]
fn qr_encode_and_render_400_chars(bencher: Bencher) {
    let payload = format!("LIGHTNING:{}", "LNBC1".repeat(78));
    assert_eq!(payload.len(), 400);
    let area = ratatui::layout::Rect::new(0, 0, 200, 60);
    let mut buffer = ratatui::buffer::Buffer::empty(area);
    bencher.bench_local(|| {
        let code = QrCode::encode(divan::black_box(&payload)).unwrap();
        code.render(area, &mut buffer, &till::tui::qr::Caps::default()).unwrap();
    });
}
