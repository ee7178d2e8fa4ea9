//! How long the payment QR takes: encoding alone (once per invoice: the
//! invoice screen keeps the codes), drawing alone (every frame), and both.
//! Run: cargo bench --bench qr

use divan::Bencher;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;
use till::qr::QrMatrix;
use till::tui::qr_widget::QrWidget;

fn main() {
    divan::main();
}

/// A 400-character upper-case BOLT11-like payload (all alphanumeric mode).
fn payload() -> String {
    let payload = format!("LIGHTNING:{}", "LNBC1".repeat(78));
    assert_eq!(payload.len(), 400);
    payload
}

/// Encoding only: segments, Reed-Solomon, placement, mask choice.
#[divan::bench]
fn qr_encode_400_chars(bencher: Bencher) {
    let payload = payload();
    bencher.bench_local(|| QrMatrix::encode(divan::black_box(&payload)).unwrap());
}

/// Drawing only: an encoded code into a 200×60 buffer.
#[divan::bench]
fn qr_render_400_chars(bencher: Bencher) {
    let m = QrMatrix::encode(&payload()).unwrap();
    let area = Rect::new(0, 0, 200, 60);
    let mut buffer = Buffer::empty(area);
    bencher.bench_local(|| QrWidget(divan::black_box(&m)).render(area, &mut buffer));
}

/// Both, as the frame bench measures them.
#[divan::bench]
fn qr_encode_and_render_400_chars(bencher: Bencher) {
    let payload = payload();
    let area = Rect::new(0, 0, 200, 60);
    let mut buffer = Buffer::empty(area);
    bencher.bench_local(|| {
        let m = QrMatrix::encode(divan::black_box(&payload)).unwrap();
        QrWidget(&m).render(area, &mut buffer);
    });
}
