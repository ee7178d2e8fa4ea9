//! How long the payment QR takes: encoding alone (once per invoice: the
//! invoice screen keeps the codes), choosing and drawing (every frame) in
//! each text mode, and a cached picture for a graphics terminal.
//! Run: cargo bench --bench qr

use divan::Bencher;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use till::qr::QrMatrix;
use till::tui::qr::choose::{self, Glyphs, Placement, Render};
use till::tui::qr::{Caps, QrCode};

fn main() {
    divan::main();
}

/// A 400-character upper-case BOLT11-like payload (all alphanumeric mode).
fn payload() -> String {
    let payload = format!("LIGHTNING:{}", "LNBC1".repeat(78));
    assert_eq!(payload.len(), 400);
    payload
}

/// Encoding one matrix: segments, Reed-Solomon, placement, mask choice.
#[divan::bench]
fn qr_encode_400_chars(bencher: Bencher) {
    let payload = payload();
    bencher.bench_local(|| QrMatrix::encode(divan::black_box(&payload)).unwrap());
}

/// Encoding every variant a face may draw (M and L, quiet zones 4 to 2):
/// what an invoice costs once.
#[divan::bench]
fn qr_encode_variants_400_chars(bencher: Bencher) {
    let payload = payload();
    bencher.bench_local(|| QrCode::encode(divan::black_box(&payload)).unwrap());
}

/// Drawing an encoded code at scale 1 into a 200×60 buffer, per mode.
#[divan::bench(args = [Glyphs::HalfBlocks, Glyphs::Sextants, Glyphs::Octants])]
fn qr_draw_400_chars(bencher: Bencher, glyphs: Glyphs) {
    let code = QrCode::encode(&payload()).unwrap();
    let area = Rect::new(0, 0, 200, 60);
    let mut buffer = Buffer::empty(area);
    let caps = Caps::text(glyphs);
    let m = code.variants().first().size();
    let render = Render::Text { glyphs, scale: 1 };
    let (cols, rows) = choose::cells(m, render, (1, 1));
    let placement = Placement { variant: 0, render, cols, rows };
    bencher.bench_local(|| code.draw(divan::black_box(&placement), area, &mut buffer, &caps));
}

/// Choosing and drawing (what a frame does) in a 200×60 buffer, per mode.
#[divan::bench(args = [Glyphs::HalfBlocks, Glyphs::Sextants, Glyphs::Octants])]
fn qr_choose_and_draw_400_chars(bencher: Bencher, glyphs: Glyphs) {
    let code = QrCode::encode(&payload()).unwrap();
    let area = Rect::new(0, 0, 200, 60);
    let mut buffer = Buffer::empty(area);
    let caps = Caps::text(glyphs);
    bencher.bench_local(|| code.render(divan::black_box(area), &mut buffer, &caps).unwrap());
}

/// Drawing the cached kitty picture (built on the first frame only).
#[divan::bench]
#[allow(deprecated)]
fn qr_render_graphics_cached(bencher: Bencher) {
    let code = QrCode::encode(&payload()).unwrap();
    let area = Rect::new(0, 0, 200, 60);
    let mut buffer = Buffer::empty(area);
    let mut picker = ratatui_image::picker::Picker::from_fontsize((8, 16).into());
    picker.set_protocol_type(ratatui_image::picker::ProtocolType::Kitty);
    let caps = Caps { picker: Some(picker), ..Caps::default() };
    code.render(area, &mut buffer, &caps).unwrap();
    bencher.bench_local(|| code.render(divan::black_box(area), &mut buffer, &caps).unwrap());
}
