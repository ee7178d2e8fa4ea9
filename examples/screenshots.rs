//! The README's pictures: screens drawn into ratatui's test backend, then
//! written as SVG into `assets/`. Block glyphs (half blocks, quadrants,
//! sextants, octants) become rectangles, so the pictures show the QR as a
//! terminal draws it, whatever fonts the viewer has; other text stays text.
//!
//! `cargo run --example screenshots` (writes `assets/*.svg`).

#[path = "../tests/fake_printer/mod.rs"]
mod fake_printer;
#[path = "../tests/support/mod.rs"]
mod support;

use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use std::collections::HashMap;
use std::fmt::Write as _;
use support::*;
use till::core::customer::{CustomerSale, CustomerView, End};
use till::core::desk::{Desk, Event};
use till::core::invoice::{CryptoAmount, Invoice, Reference, StatusReport};
use till::core::sale::Sale;
use till::core::schedule::PollPolicy;
use till::core::status::Status;
use till::display::link::Feed;
use till::display::screen::{self, Screen};
use till::tui::qr::Caps;
use till::tui::qr::choose::Glyphs;
use till::tui::qr::text::glyph_table;
use till::tui::{Action, App};

/// A cell's size in the picture, in pixels.
const CW: usize = 9;
const CH: usize = 18;

fn main() -> std::io::Result<()> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
    std::fs::create_dir_all(&dir)?;
    let shots: [(&str, Terminal<TestBackend>); 8] = [
        ("amount-80x24", amount_screen((80, 24))),
        ("invoice-paid-80x24", paid_screen((80, 24))),
        ("dashboard-100x30", dashboard((100, 30))),
        ("invoice-lightning-80x24-sextants", till_screen(lightning_invoice(), Glyphs::Sextants, (80, 24))),
        ("invoice-tron-120x40-octants", till_screen(tron_invoice(), Glyphs::Octants, (120, 40))),
        ("invoice-lightning-80x24-linux-console", till_screen(lightning_invoice(), Glyphs::HalfBlocks, (80, 24))),
        ("display-pending-80x24", customer_screen(customer_open(&lightning_invoice()), (80, 24))),
        (
            "display-paid-80x24",
            customer_screen(CustomerSale::Done { due: customer_due(&tron_invoice()), end: End::Paid }, (80, 24)),
        ),
    ];
    for (name, terminal) in shots {
        let path = dir.join(format!("{name}.svg"));
        std::fs::write(&path, svg(terminal.backend().buffer()))?;
        println!("{}", path.display());
    }
    let path = dir.join("receipt-58mm.svg");
    std::fs::write(&path, receipt_svg())?;
    println!("{}", path.display());
    Ok(())
}

/// A paid sale's receipt at 58 mm as the printer receives it: the ESC/POS
/// bytes the till sends, read back by the tests' parser, drawn on paper
/// (text at its size and weight, the QR command's data as a code, the cut).
fn receipt_svg() -> String {
    use fake_printer::Cmd;
    let vat = till::core::tax::TaxRate { name: "VAT".into(), rate: 19.into() };
    let mut record = record_of(&tron_invoice(), Status::Paid);
    record.tx_id = Some("9f2c4e6a8b0d1f3a5c7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a".into());
    record.breakdown =
        Some(till::core::tax::Breakdown::compute(&usd_amount("11.00"), Some(&vat), true, &usd_amount("1.50")));
    let receipt = till::core::receipt::build(&record, "Corner Café", &jiff::tz::TimeZone::UTC);
    let bytes = till::print::receipt::bytes(&receipt, till::print::escpos::Width::Mm58, None);
    let (cols, cw, lh) = (32usize, 9usize, 18usize);
    let width = cols * cw + 2 * 18;
    let mut body = String::new();
    let (mut y, mut align, mut bold, mut size) = (24usize, 0u8, false, (1u8, 1u8));
    for cmd in fake_printer::parse(&bytes) {
        match cmd {
            Cmd::Align(a) => align = a,
            Cmd::Bold(b) => bold = b,
            Cmd::Size(w, h) => size = (w.max(1), h.max(1)),
            Cmd::Text(t) => {
                let (sw, sh) = (usize::from(size.0), usize::from(size.1));
                let chars = t.chars().count() * sw;
                let x = 18
                    + match align {
                        1 => (cols.saturating_sub(chars)) * cw / 2,
                        2 => cols.saturating_sub(chars) * cw,
                        _ => 0,
                    };
                y += lh * sh;
                let weight = if bold { r#" font-weight="bold""# } else { "" };
                let _ = write!(
                    body,
                    r#"<text x="{x}" y="{}" font-size="{}" textLength="{}" lengthAdjust="spacingAndGlyphs"{weight}>{}</text>"#,
                    y - 4,
                    15 * sh,
                    chars * cw,
                    escape(&t)
                );
            }
            Cmd::Feed(n) => y += lh * usize::from(n),
            Cmd::QrStore(data) => {
                if let Ok(m) = till::qr::QrMatrix::encode(&data) {
                    let px = 4;
                    let x0 = (width - m.size() * px) / 2;
                    for my in 0..m.size() {
                        for mx in 0..m.size() {
                            if m.is_dark(mx, my) {
                                let _ = write!(
                                    body,
                                    r##"<rect x="{}" y="{}" width="{px}" height="{px}" fill="#000"/>"##,
                                    x0 + mx * px,
                                    y + 8 + my * px
                                );
                            }
                        }
                    }
                    y += m.size() * px + 8;
                }
            }
            Cmd::Cut => {
                y += lh;
                let _ = write!(
                    body,
                    r##"<line x1="0" y1="{y}" x2="{width}" y2="{y}" stroke="#999" stroke-dasharray="6 4"/>"##
                );
            }
            _ => {}
        }
    }
    let height = y + 12;
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}"><rect width="100%" height="100%" fill="#fdfdf8"/><g font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" fill="#111" xml:space="preserve">{body}</g></svg>
"##
    )
}

/// The till's invoice screen on a terminal that draws `glyphs`.
fn till_screen(invoice: Invoice, glyphs: Glyphs, (w, h): (u16, u16)) -> Terminal<TestBackend> {
    let mut app = open_invoice(invoice, false);
    app.codes.caps = Caps::text(glyphs);
    render(&app, w, h)
}

/// The amount screen, the cashier having typed 12.50.
fn amount_screen((w, h): (u16, u16)) -> Terminal<TestBackend> {
    let mut app = app_at(sample_created_at(), "r1", false);
    type_text(&mut app, "12.50");
    render(&app, w, h)
}

/// The invoice screen once the gateway said paid.
fn paid_screen((w, h): (u16, u16)) -> Terminal<TestBackend> {
    let invoice = tron_invoice();
    let reference = invoice.reference.clone();
    let mut app = open_invoice(invoice, false);
    app.update(Action::Core(Event::Polled { reference, result: Ok(report(Status::Paid, Some("12.50"))) }));
    render(&app, w, h)
}

/// The dashboard with three invoices: one paid, one part paid, one open.
fn dashboard((w, h): (u16, u16)) -> Terminal<TestBackend> {
    let mut n = 0;
    let desk = Desk::new(PollPolicy::default(), sample_created_at());
    let mut app = App::new(desk, shop(), methods(), false).with_references(move || {
        n += 1;
        Reference::parse(&format!("t-{n}")).expect("a reference")
    });
    app.codes.caps = Caps::text(Glyphs::Sextants);
    let paid = sell(&mut app, tron_invoice(), KeyCode::Char('2'));
    let mut second = lightning_invoice();
    second.fiat = usd_amount("4.20");
    let part = sell(&mut app, second, KeyCode::Char('1'));
    let mut third = tron_invoice();
    third.fiat = usd_amount("30.00");
    third.crypto = Some(CryptoAmount { amount: "30".parse().expect("a number"), unit: "USDT".into() });
    sell(&mut app, third, KeyCode::Char('2'));
    app.update(Action::Core(Event::Polled { reference: paid, result: Ok(report(Status::Paid, Some("12.50"))) }));
    app.update(Action::Core(Event::Polled { reference: part, result: Ok(report(Status::Underpaid, Some("2.00"))) }));
    app.flash = None;
    press(&mut app, KeyCode::Tab);
    render(&app, w, h)
}

/// Sells `invoice` through the keys (amount, method `key`), then starts the next sale.
fn sell(app: &mut App, mut invoice: Invoice, key: KeyCode) -> Reference {
    type_text(app, &invoice.fiat.amount_text());
    press(app, KeyCode::Enter);
    press(app, key);
    let Sale::Creating { reference, .. } = app.desk.sale.clone() else { return invoice.reference };
    invoice.reference = reference.clone();
    app.update(Action::Core(Event::Created { reference: reference.clone(), result: Ok(invoice) }));
    press(app, KeyCode::Char('n'));
    reference
}

fn report(status: Status, received: Option<&str>) -> StatusReport {
    StatusReport { raw: status.name().into(), status, received: received.map(usd_amount), tx_id: None, paid_with: None }
}

/// The customer's screen (sextants) 14 minutes before the sample's expiry.
fn customer_screen(sale: CustomerSale, (w, h): (u16, u16)) -> Terminal<TestBackend> {
    let mut s = Screen::new("Corner Café");
    s.caps = Caps::text(Glyphs::Sextants);
    s.feed(Feed::Live(CustomerView { shop: "Corner Café".into(), sale }));
    let now = lightning_invoice().expires_at - jiff::SignedDuration::from_secs(14 * 60 + 3);
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("a test terminal");
    terminal
        .draw(|f| {
            screen::draw(f, &s, now);
        })
        .expect("drawn");
    terminal
}

/// Each block glyph's sub-cells: (columns, rows, bit `y × columns + x` dark).
fn blocks() -> HashMap<char, (usize, usize, usize)> {
    let mut map = HashMap::new();
    for (bits, c) in ratatui::symbols::pixel::QUADRANTS.iter().enumerate() {
        map.insert(*c, (2, 2, bits));
    }
    for glyphs in Glyphs::ALL {
        let (gx, gy) = glyphs.grid();
        for (bits, c) in glyph_table(glyphs).iter().enumerate() {
            map.entry(*c).or_insert((gx, gy, bits));
        }
    }
    map.remove(&' ');
    map
}

fn hex(color: Color, fallback: &'static str) -> String {
    let named = match color {
        Color::Reset => fallback,
        Color::Black => "#000000",
        Color::Red => "#cd3131",
        Color::Green => "#0dbc79",
        Color::Yellow => "#e5e510",
        Color::Blue => "#2472c8",
        Color::Magenta => "#bc3fbc",
        Color::Cyan => "#11a8cd",
        Color::Gray => "#e5e5e5",
        Color::DarkGray => "#666666",
        Color::LightRed => "#f14c4c",
        Color::LightGreen => "#23d18b",
        Color::LightYellow => "#f5f543",
        Color::LightBlue => "#3b8eea",
        Color::LightMagenta => "#d670d6",
        Color::LightCyan => "#29b8db",
        Color::White => "#ffffff",
        Color::Rgb(r, g, b) => return format!("#{r:02x}{g:02x}{b:02x}"),
        Color::Indexed(_) => "#a0a0a0",
    };
    named.to_string()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The buffer as an SVG picture on a dark terminal.
fn svg(buf: &Buffer) -> String {
    const BG: &str = "#1e1e1e";
    const FG: &str = "#d4d4d4";
    let blocks = blocks();
    let (w, h) = (usize::from(buf.area.width), usize::from(buf.area.height));
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" viewBox="0 0 {} {}" shape-rendering="crispEdges">"#,
        w * CW,
        h * CH,
        w * CW,
        h * CH
    );
    let _ = write!(out, r#"<rect width="100%" height="100%" fill="{BG}"/>"#);
    let _ = write!(out, r#"<g font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="15">"#);
    for y in 0..h {
        let mut x = 0;
        while x < w {
            let cell = &buf[(x as u16, y as u16)];
            let reversed = cell.modifier.contains(Modifier::REVERSED);
            let (mut fg, mut bg) = (hex(cell.fg, FG), hex(cell.bg, BG));
            if reversed {
                std::mem::swap(&mut fg, &mut bg);
            }
            let (px, py) = (x * CW, y * CH);
            if bg != BG {
                let _ = write!(out, r#"<rect x="{px}" y="{py}" width="{CW}" height="{CH}" fill="{bg}"/>"#);
            }
            let symbol = cell.symbol();
            let mut chars = symbol.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) if blocks.contains_key(&c) => {
                    let (gx, gy, bits) = blocks[&c];
                    let (sw, sh) = (CW as f32 / gx as f32, CH as f32 / gy as f32);
                    for i in 0..gx * gy {
                        if bits & (1 << i) != 0 {
                            let (sx, sy) = (px as f32 + (i % gx) as f32 * sw, py as f32 + (i / gx) as f32 * sh);
                            let _ = write!(
                                out,
                                r#"<rect x="{sx:.2}" y="{sy:.2}" width="{sw:.2}" height="{sh:.2}" fill="{fg}"/>"#
                            );
                        }
                    }
                }
                (Some(' '), None) | (None, _) => {}
                _ => {
                    let weight = if cell.modifier.contains(Modifier::BOLD) { r#" font-weight="bold""# } else { "" };
                    let _ = write!(
                        out,
                        r#"<text x="{px}" y="{}" fill="{fg}"{weight}>{}</text>"#,
                        py + CH - 5,
                        escape(symbol)
                    );
                }
            }
            x += 1;
        }
    }
    out.push_str("</g></svg>\n");
    out
}
