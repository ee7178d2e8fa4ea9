//! The invoice screen's QR in each mode the terminal may have: read back
//! from the drawn cells (each glyph's sub-cells) and decoded, at the sizes
//! terminals come in; "too small" only when no mode fits; NO_COLOR.

mod support;

use ratatui::style::Color;
use ratatui_image::picker::ProtocolType;
use support::*;
use till::core::invoice::Invoice;
use till::tui::App;
use till::tui::qr::choose::Glyphs;
use till::tui::qr::{Caps, text};

fn with(invoice: Invoice, caps: Caps) -> App {
    let mut app = open_invoice(invoice, false);
    app.codes.caps = caps;
    app
}

/// The xPay sample with a 400-character payload (upper-case BOLT11-like).
fn long_lightning() -> Invoice {
    let mut invoice = lightning_invoice();
    invoice.payload.qr = format!("LIGHTNING:{}", "LNBC1".repeat(78));
    assert_eq!(invoice.payload.qr.len(), 400);
    invoice
}

/// Each method's payload, on the TRON invoice's screen.
fn payloads() -> Vec<Invoice> {
    let mut out = vec![lightning_invoice(), long_lightning(), tron_invoice()];
    for qr in [
        "https://wallet.xaigate.com/pay/INV2167234232?lang=en",
        "bitcoin:bc1qd9hs6dal8k2x0l8zhsgywqyvn9tpj3mrkk430t?amount=0.00018186",
        "0x1427ca2c71bCa28f0B619b70E3F112065D5411aC",
    ] {
        let mut invoice = tron_invoice();
        invoice.payload.qr = qr.into();
        out.push(invoice);
    }
    out
}

#[test]
fn octants_and_sextants_show_every_payload_from_80x24_up() {
    for glyphs in [Glyphs::Octants, Glyphs::Sextants] {
        for invoice in payloads() {
            let payload = invoice.payload.qr.clone();
            let app = with(invoice, Caps::text(glyphs));
            for (w, h) in [(80, 24), (100, 30), (120, 40), (200, 60)] {
                let terminal = render(&app, w, h);
                let got = read_qr(terminal.backend().buffer(), glyphs).map(|(_, p)| p);
                assert_eq!(got.as_deref(), Some(payload.as_str()), "{glyphs:?} at {w}×{h}");
            }
        }
    }
}

#[test]
#[allow(deprecated)]
fn in_graphics_mode_the_picture_handed_to_the_terminal_scans_for_every_payload_from_80x24_up() {
    // The picture is the same whatever the protocol: every payload on kitty,
    // the 400-character one on sixel and iTerm2 too.
    let mut cases: Vec<(ProtocolType, Invoice)> = payloads().into_iter().map(|i| (ProtocolType::Kitty, i)).collect();
    cases.push((ProtocolType::Sixel, long_lightning()));
    cases.push((ProtocolType::Iterm2, long_lightning()));
    for (protocol, invoice) in cases {
        let payload = invoice.payload.qr.clone();
        let mut picker = ratatui_image::picker::Picker::from_fontsize((9, 18).into());
        picker.set_protocol_type(protocol);
        let app = with(invoice, Caps { picker: Some(picker), ..Caps::text(Glyphs::Sextants) });
        let mut side = 0;
        for (w, h) in [(80, 24), (100, 30), (200, 60)] {
            let _terminal = render(&app, w, h);
            let reference = &app.desk.current().unwrap().invoice.reference;
            let code = app.codes.get(reference).unwrap().as_ref().unwrap();
            let picture = code.last_picture().expect("a picture for the terminal");
            let (pw, ph) = (picture.width() as usize, picture.height() as usize);
            assert!(pw <= usize::from(w) * 9 && ph <= usize::from(h) * 18, "{protocol:?} {w}×{h}");
            let mut img =
                rqrr::PreparedImage::prepare_from_greyscale(pw, ph, |x, y| picture.get_pixel(x as u32, y as u32).0[0]);
            let grids = img.detect_grids();
            let got = grids.first().and_then(|g| g.decode().ok()).map(|(_, text)| text);
            assert_eq!(got.as_deref(), Some(payload.as_str()), "{protocol:?} at {w}×{h}");
            // The dark modules' extent: the code grows with the screen.
            let dark: Vec<u32> = picture.enumerate_pixels().filter(|p| p.2.0[0] == 0).map(|p| p.0).collect();
            let extent = dark.iter().max().unwrap() - dark.iter().min().unwrap();
            assert!(extent >= side, "{protocol:?}: {w}×{h} is no smaller than before");
            side = extent;
        }
    }
}

#[test]
fn half_blocks_at_80x24_say_too_small_for_lightning_and_draw_tron() {
    let app = with(lightning_invoice(), Caps::text(Glyphs::HalfBlocks));
    let terminal = render(&app, 80, 24);
    assert_eq!(text::find(terminal.backend().buffer()), None, "no code, not a clipped one");
    let screen = format!("{}", terminal.backend());
    // Level L with a 2-module margin, 57 modules: 57 × 29 cells, and the
    // compact details, header and footer under it.
    assert!(screen.contains("It needs 57 columns × 34 rows in half blocks;"), "{screen}");
    assert!(screen.contains("this one is 80 × 24."), "{screen}");
    // At that size it is drawn.
    let terminal = render(&app, 57, 34);
    let (_, got) = read_qr(terminal.backend().buffer(), Glyphs::HalfBlocks).expect("drawn at the size it asked for");
    assert_eq!(got, app.desk.current().unwrap().invoice.payload.qr);

    let app = with(tron_invoice(), Caps::text(Glyphs::HalfBlocks));
    let terminal = render(&app, 80, 24);
    let (_, got) = read_qr(terminal.backend().buffer(), Glyphs::HalfBlocks).unwrap();
    assert_eq!(got, TRON_ADDRESS);
}

#[test]
fn the_code_grows_from_120x40_to_200x60() {
    for glyphs in Glyphs::ALL {
        for invoice in [lightning_invoice(), tron_invoice()] {
            let app = with(invoice, Caps::text(glyphs));
            let (small, _) = read_qr(render(&app, 120, 40).backend().buffer(), glyphs).unwrap();
            let (big, _) = read_qr(render(&app, 200, 60).backend().buffer(), glyphs).unwrap();
            // Half blocks cannot grow Lightning's 69 modules within 58 rows.
            if glyphs == Glyphs::HalfBlocks && small.height * 2 > 58 {
                assert_eq!(big.height, small.height);
                continue;
            }
            assert!(big.width > small.width && big.height > small.height, "{glyphs:?}: {small:?} → {big:?}");
        }
    }
}

#[test]
fn lightning_at_80x24_in_sextants_and_octants() {
    for (glyphs, name) in
        [(Glyphs::Sextants, "invoice_lightning_sextants_80x24"), (Glyphs::Octants, "invoice_lightning_octants_80x24")]
    {
        let app = with(lightning_invoice(), Caps::text(glyphs));
        let terminal = render(&app, 80, 24);
        let screen = format!("{}", terminal.backend());
        for detail in ["USD", "16454 sat", "PENDING", "Expires in 29:00"] {
            assert!(screen.contains(detail), "{detail} beside the code: {screen}");
        }
        insta::assert_snapshot!(name, terminal.backend());
    }
}

#[test]
fn no_color_leaves_the_code_black_on_white_and_the_rest_plain() {
    for glyphs in Glyphs::ALL {
        let app = with(tron_invoice(), Caps { no_color: true, ..Caps::text(glyphs) });
        let terminal = render(&app, 100, 40);
        let buf = terminal.backend().buffer();
        let (at, got) = read_qr(buf, glyphs).expect("dark modules on light, read as drawn");
        assert_eq!(got, TRON_ADDRESS);
        for y in 0..buf.area.height {
            for x in 0..buf.area.width {
                let cell = &buf[(x, y)];
                if !at.contains((x, y).into()) {
                    assert_eq!((cell.fg, cell.bg), (Color::Reset, Color::Reset), "no colour at {x},{y}");
                }
            }
        }
    }
    // Without NO_COLOR the theme's colours are there.
    let app = with(tron_invoice(), Caps::text(Glyphs::Octants));
    let terminal = render(&app, 100, 40);
    assert!(terminal.backend().buffer().content.iter().any(|c| c.bg == Color::Yellow), "the PENDING badge");
}

#[test]
#[allow(deprecated)]
fn a_graphics_terminal_builds_the_picture_once_across_frames() {
    let mut picker = ratatui_image::picker::Picker::from_fontsize((8, 16).into());
    picker.set_protocol_type(ratatui_image::picker::ProtocolType::Sixel);
    let app = with(lightning_invoice(), Caps { picker: Some(picker), ..Caps::text(Glyphs::Octants) });
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).unwrap();
    for _ in 0..3 {
        terminal.draw(|f| till::tui::draw(&app, f)).unwrap();
    }
    let code = app.codes.get(&app.desk.current().unwrap().invoice.reference).unwrap().as_ref().unwrap();
    assert_eq!(code.pictures_built(), 1);
    let screen = terminal.backend().buffer();
    assert!(screen.content.iter().any(|c| c.symbol().contains("\u{1b}P")), "a sixel sequence in the cells");
}

#[test]
fn when_the_code_does_not_fit_beside_the_details_they_go_under_it_or_get_compact() {
    // Narrow and tall, half blocks: the code on top, the details under it.
    let app = with(lightning_invoice(), Caps::text(Glyphs::HalfBlocks));
    let terminal = render(&app, 60, 40);
    let (at, got) = read_qr(terminal.backend().buffer(), Glyphs::HalfBlocks).expect("a code above the details");
    assert_eq!(got, app.desk.current().unwrap().invoice.payload.qr);
    let screen = format!("{}", terminal.backend());
    let below: Vec<&str> = screen.lines().skip(usize::from(at.bottom())).collect();
    let below = below.join("\n");
    for detail in ["10.00 USD = 16454 sat", "PENDING", "Expires in 29:00"] {
        assert!(below.contains(detail), "{detail} under the code: {screen}");
    }

    // Wide enough for the code at level M beside a narrow column only: the
    // compact details there, rather than a smaller code beside the full ones.
    let app = with(lightning_invoice(), Caps::text(Glyphs::Octants));
    let terminal = render(&app, 62, 24);
    let (at, got) = read_qr(terminal.backend().buffer(), Glyphs::Octants).unwrap();
    assert_eq!(got, app.desk.current().unwrap().invoice.payload.qr);
    assert_eq!((at.width, at.height), (35, 18), "level M, 4 modules of margin");
    let screen = format!("{}", terminal.backend());
    for detail in ["10.00 USD = 16454 sat", "PENDING", "Expires in 29:00"] {
        assert!(screen.contains(detail), "{detail} beside the code: {screen}");
    }
}
