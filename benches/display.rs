//! What `till display` costs: the till's side per turn of the drive loop
//! (the customer's view computed and compared, nothing sent when it did not
//! change), and the display's frame.
//! Run: cargo bench --bench display

use divan::Bencher;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rust_decimal::Decimal;
use till::core::customer::CustomerView;
use till::core::desk::{Desk, Event};
use till::core::invoice::{Invoice, Reference};
use till::core::method::MethodId;
use till::core::money::{Currency, Money};
use till::core::schedule::PollPolicy;
use till::display::link::Feed;
use till::display::screen::{self, Screen};
use till::gateway::CreateRequest;
use till::gateway::verify::Networks;
use till::runtime::publish::Publisher;

fn main() {
    divan::main();
}

const SAMPLE: &str = include_str!("../tests/fixtures/xpay/create_lightning.json");

fn lightning_invoice() -> Invoice {
    let v: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
    let request = CreateRequest {
        reference: Reference::parse("1bdce316").unwrap(),
        amount: Money::new(Decimal::from(10), Currency::from_code("USD").unwrap()),
        method: MethodId::Lightning,
        retry: false,
    };
    let now = jiff::Timestamp::from_second(1_724_149_286).unwrap();
    till::gateway::xpay::invoice_from_bill(&v["success"]["data"], &request, Networks::Mainnet, now).unwrap()
}

/// A desk showing the Lightning invoice.
fn open_desk() -> Desk {
    let invoice = lightning_invoice();
    let mut desk = Desk::new(PollPolicy::default(), invoice.created_at);
    desk.update(Event::AmountEntered(invoice.fiat.clone()));
    desk.update(Event::MethodChosen(invoice.method, invoice.reference.clone()));
    desk.update(Event::Created { reference: invoice.reference.clone(), result: Ok(invoice) });
    desk
}

/// One turn's offer when nothing changed for the customer (the common case:
/// a poll answer, a tick), with a client connected.
#[divan::bench]
fn offer_unchanged(bencher: Bencher) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let _guard = rt.enter();
    let dir = tempfile::tempdir().unwrap();
    let publisher = Publisher::bind(dir.path(), "Corner Café").unwrap();
    let desk = open_desk();
    assert!(publisher.offer(&desk));
    bencher.bench_local(|| publisher.offer(divan::black_box(&desk)));
}

/// One frame of the display with the Lightning invoice (code, amount,
/// countdown), full redraw.
#[divan::bench(args = [(80, 24), (120, 40)])]
fn draw_display_pending(bencher: Bencher, (w, h): (u16, u16)) {
    let desk = open_desk();
    let mut s = Screen::new("Corner Café");
    let sale = till::core::customer::sale(&desk);
    s.feed(Feed::Live(CustomerView { shop: "Corner Café".into(), sale }));
    let now = desk.now;
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    bencher.bench_local(|| {
        terminal.clear().unwrap();
        terminal
            .draw(|f| {
                let _ = screen::draw(f, &s, now);
            })
            .unwrap();
    });
}
