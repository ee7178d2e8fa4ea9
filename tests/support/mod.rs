//! Shared test helpers: sample invoices, a TUI harness, a QR reader.
#![allow(dead_code)]

pub mod pg;
pub mod proc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;
use rust_decimal::Decimal;
use till::core::desk::{Desk, Event};
use till::core::invoice::{CryptoAmount, Invoice, Payload, PayloadKind, Reference};
use till::core::method::{MethodId, PaymentMethod, ProviderId};
use till::core::money::{Currency, Money};
use till::core::schedule::PollPolicy;
use till::core::status::Status;
use till::gateway::CreateRequest;
use till::gateway::verify::Networks;
use till::gateway::xpay;
use till::tui::{Action, App, Effect, ShopInfo};

pub const XPAY_CREATE_LIGHTNING: &str = include_str!("../fixtures/xpay/create_lightning.json");
pub const XPAY_LOGIN_SUCCESS: &str = include_str!("../fixtures/xpay/login_success.json");
pub const XPAY_LOGIN_ERROR: &str = include_str!("../fixtures/xpay/login_error.json");

/// The sample TRON address of the providers README (passes base58check).
pub const TRON_ADDRESS: &str = "TDtSWK3dsSRJyZH4qNVzsoPsdrZz6k8B3Q";

pub fn usd() -> Currency {
    Currency::from_code("USD").unwrap()
}

pub fn usd_amount(s: &str) -> Money {
    Money::new(s.parse::<Decimal>().unwrap(), usd())
}

/// The instant xPay's sample bill was created (its BOLT11's timestamp).
pub fn sample_created_at() -> Timestamp {
    Timestamp::from_second(1_724_149_286).unwrap()
}

/// The Lightning invoice of xPay's create sample, verified at its creation time.
pub fn lightning_invoice() -> Invoice {
    let v: serde_json::Value = serde_json::from_str(XPAY_CREATE_LIGHTNING).unwrap();
    let request = CreateRequest {
        reference: Reference::parse("1bdce316").unwrap(),
        amount: usd_amount("10.00"),
        method: MethodId::Lightning,
        retry: false,
    };
    xpay::invoice_from_bill(&v["success"]["data"], &request, Networks::Mainnet, sample_created_at()).unwrap()
}

pub fn tron_invoice() -> Invoice {
    let created = sample_created_at();
    Invoice {
        id: "3e5a9989-fd28-4884-9283-a1cafb259aef".into(),
        reference: Reference::parse("66bb8c4dbb18e67").unwrap(),
        method: PaymentMethod::new(ProviderId::Xpay, MethodId::UsdtTron),
        fiat: usd_amount("12.50"),
        crypto: Some(CryptoAmount { amount: "12.5".parse().unwrap(), unit: "USDT".into() }),
        payload: Payload { kind: PayloadKind::Address, qr: TRON_ADDRESS.into(), text: TRON_ADDRESS.into() },
        created_at: created,
        expires_at: created + jiff::SignedDuration::from_mins(30),
        status: Status::Pending,
        received: None,
        choices: Vec::new(),
    }
}

pub fn shop() -> ShopInfo {
    ShopInfo {
        name: "Corner Café".into(),
        terminal: "till-1".into(),
        currency: usd(),
        max_amount: Decimal::from(10_000),
        timezone: jiff::tz::TimeZone::UTC,
    }
}

pub fn methods() -> Vec<PaymentMethod> {
    vec![
        PaymentMethod::new(ProviderId::Xpay, MethodId::Lightning),
        PaymentMethod::new(ProviderId::Xpay, MethodId::UsdtTron),
    ]
}

/// An app at the sample's creation time, with references from `reference`.
pub fn app_at(now: Timestamp, reference: &'static str, demo: bool) -> App {
    let desk = Desk::new(PollPolicy::default(), now);
    App::new(desk, shop(), methods(), demo).with_references(move || Reference::parse(reference).unwrap())
}

pub fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.update(Action::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

pub fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

use till::core::desk::{Command, Entry};

/// Walks a sale to the open invoice: types its amount, picks its method, and
/// delivers the created invoice as the runtime would.
pub fn open_invoice(invoice: Invoice, demo: bool) -> App {
    let reference: &'static str = Box::leak(invoice.reference.as_str().to_string().into_boxed_str());
    let mut app = app_at(invoice.created_at, reference, demo);
    type_text(&mut app, &invoice.fiat.amount_text());
    press(&mut app, KeyCode::Enter);
    let index = methods().iter().position(|m| *m == invoice.method).expect("a method the test app offers");
    let digit = char::from(b'1' + u8::try_from(index).unwrap());
    let effects = press(&mut app, KeyCode::Char(digit));
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::Run(Command::Record(Entry::Intent { .. })), Effect::Run(Command::Create { .. })]
        ),
        "the intent is stored, then the create sent: {effects:?}"
    );
    let reference = invoice.reference.clone();
    app.update(Action::Core(Event::Created { reference, result: Ok(invoice) }));
    app
}

pub fn render(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| till::tui::draw(app, f)).unwrap();
    terminal
}

/// Reads the QR code back from the screen: the white-background cells are the
/// code, each half block two modules. Returns the decoded text.
pub fn decode_qr(buffer: &Buffer) -> Option<String> {
    let area = buffer.area;
    let cells: Vec<(u16, u16)> = (0..area.height)
        .flat_map(|y| (0..area.width).map(move |x| (x, y)))
        .filter(|&(x, y)| buffer[(x, y)].bg == Color::White && buffer[(x, y)].fg == Color::Black)
        .collect();
    let (x0, x1) = (cells.iter().map(|c| c.0).min()?, cells.iter().map(|c| c.0).max()?);
    let (y0, y1) = (cells.iter().map(|c| c.1).min()?, cells.iter().map(|c| c.1).max()?);
    let cols = usize::from(x1 - x0 + 1);
    let mods_h = usize::from(y1 - y0 + 1) * 2;
    let scale = 4;
    let dark = |mx: usize, my: usize| -> bool {
        let cell = &buffer[(x0 + mx as u16, y0 + (my / 2) as u16)];
        match cell.symbol() {
            "█" => true,
            "▀" => my.is_multiple_of(2),
            "▄" => !my.is_multiple_of(2),
            _ => false,
        }
    };
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(cols * scale, mods_h * scale, |x, y| {
        if dark(x / scale, y / scale) { 0 } else { 255 }
    });
    let grids = img.detect_grids();
    let grid = grids.first()?;
    grid.decode().ok().map(|(_, text)| text)
}

/// The journal's record of an invoice, as it would be read back.
pub fn record_of(invoice: &Invoice, status: Status) -> till::core::record::SaleRecord {
    till::core::record::SaleRecord {
        reference: invoice.reference.clone(),
        method: invoice.method,
        fiat: invoice.fiat.clone(),
        state: till::core::record::RecordState::Created,
        started_at: invoice.created_at,
        terminal: "till-1".into(),
        gateway_id: Some(invoice.id.clone()),
        crypto: invoice.crypto.clone(),
        payload: Some(invoice.payload.clone()),
        created_at: Some(invoice.created_at),
        expires_at: Some(invoice.expires_at),
        status,
        origin: till::core::status::Origin::Gateway,
        raw: String::new(),
        received: None,
        tx_id: None,
        note: None,
        breakdown: None,
    }
}

/// The code on screen: where, and what it says (a cell 12 × 24 pixels),
/// read in the glyphs `best` or simpler ones (the chooser draws simpler
/// glyphs when they give the same size or a larger one).
pub fn read_qr(buf: &Buffer, best: till::tui::qr::choose::Glyphs) -> Option<(ratatui::layout::Rect, String)> {
    let at = till::tui::qr::text::find(buf)?;
    till::tui::qr::choose::Glyphs::ALL.into_iter().filter(|g| *g <= best).rev().find_map(|glyphs| {
        let grid = till::tui::qr::text::read_back(buf, at, glyphs)?;
        let (gx, gy) = glyphs.grid();
        let (w, h) = (12 / gx, 24 / gy);
        let mut img = rqrr::PreparedImage::prepare_from_greyscale(grid[0].len() * w, grid.len() * h, |x, y| {
            if grid[y / h][x / w] { 0 } else { 255 }
        });
        let grids = img.detect_grids();
        let (_, payload) = grids.first()?.decode().ok()?;
        Some((at, payload))
    })
}

/// What the customer's screen is told of `inv`: its amounts and method.
pub fn customer_due(inv: &Invoice) -> till::core::customer::Due {
    till::core::customer::Due {
        fiat: inv.fiat.clone(),
        crypto: inv.crypto.clone(),
        method: inv.method.method.label().into(),
        network: inv.method.method.network().into(),
    }
}

/// `inv` open and waiting for payment, as the customer's screen is told it.
pub fn customer_open(inv: &Invoice) -> till::core::customer::CustomerSale {
    till::core::customer::CustomerSale::Open {
        due: customer_due(inv),
        waiting: till::core::customer::Waiting::Pending,
        qr: inv.payload.qr.clone(),
        expires_at: inv.expires_at,
    }
}
