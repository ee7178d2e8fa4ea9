//! Receipts on paper, against a fake ESC/POS printer on loopback: what a
//! paid sale's receipt holds at 58 and 80 mm, a printer that is unreachable
//! or closes mid-job (a clear sentence, the sale untouched, a retry prints
//! once), one that never answers (not reported printed), a second print
//! while the first still writes (refused), and auto print on paid (once,
//! across a restart, and at start for a sale a crash left unprinted).

mod fake_printer;
mod support;

use fake_printer::{Cmd, FakePrinter, PAPER_OUT, lines, parse, receipts, sized_lines};
use rust_decimal::Decimal;
use std::path::Path;
use std::sync::Arc;
use support::*;
use till::config::printer::{Auto, PrinterConfig, Target};
use till::core::desk::{Command, Desk, Entry, Event};
use till::core::invoice::Invoice;
use till::core::record::SaleRecord;
use till::core::schedule::PollPolicy;
use till::core::status::{Origin, Status};
use till::core::tax::{Breakdown, TaxRate};
use till::core::watch::{Change, Watch};
use till::gateway::Registry;
use till::journal::{SqliteJournal, Store};
use till::print::escpos::Width;
use till::runtime::printing::Printing;
use till::runtime::{Drive, Effect, Face, Input, Runtime, Services};

const SHOP: &str = "Corner Café";
const TX: &str = "9f2c4e6a8b0d1f3a5c7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a";

/// 11.00 USD with 19 % VAT included (1.76), a 1.50 tip: 12.50, the invoice's amount.
fn breakdown() -> Breakdown {
    let vat = TaxRate { name: "VAT".into(), rate: Decimal::from(19) };
    Breakdown::compute(&usd_amount("11.00"), Some(&vat), true, &usd_amount("1.50"))
}

fn paid_record() -> SaleRecord {
    let mut r = record_of(&tron_invoice(), Status::Paid);
    r.tx_id = Some(TX.into());
    r.note = Some("paid late".into());
    r.breakdown = Some(breakdown());
    r
}

fn printer_at(url: &str, width: Width) -> PrinterConfig {
    let mut p = PrinterConfig::new(till::config::printer::parse_url(url).unwrap());
    p.width = width;
    p
}

fn receipt_bytes(record: &SaleRecord, width: Width) -> Vec<u8> {
    let receipt = till::core::receipt::build(record, SHOP, &jiff::tz::TimeZone::UTC);
    till::print::receipt::bytes(&receipt, width, None)
}

#[tokio::test]
async fn a_paid_sale_prints_its_header_amounts_crypto_transaction_qr_and_cut_at_both_widths() {
    for (width, cols) in [(Width::Mm58, 32), (Width::Mm80, 48)] {
        let mut fake = FakePrinter::start().await;
        let record = paid_record();
        till::print::send(&printer_at(&fake.url(), width), &receipt_bytes(&record, width)).await.unwrap();
        let cmds = parse(&fake.next_job().await);
        assert_eq!(receipts(&cmds), 1, "one receipt, init to cut: {cmds:?}");
        assert_eq!(cmds.first(), Some(&Cmd::Status(4)), "the paper is asked for before the job");
        assert_eq!(cmds.iter().filter(|c| **c == Cmd::Init).count(), 1);
        // Every line fits the paper, at the size it was printed.
        for (size, line) in sized_lines(&cmds) {
            assert!(line.chars().count() * usize::from(size) <= cols, "{width:?}: {line:?} at size {size}");
        }
        let text = lines(&cmds).join("\n");
        let flat = text.replace('\n', "");
        // The header (non-ASCII as plain letters), large.
        assert!(sized_lines(&cmds).iter().any(|(s, l)| *s == 2 && l.contains("Corner Cafe")), "{text}");
        assert!(text.contains("2024-") || text.contains("2025-") || text.contains("2026-"), "the date: {text}");
        assert!(text.contains("Terminal till-1"), "{text}");
        // The amounts: price, tip, total, net and tax; the crypto amount
        // with unit and network, the gateway and rate.
        let row = |k: &str, v: &str| text.lines().any(|l| l.starts_with(k) && l.ends_with(v));
        assert!(row("Amount", "11.00 USD") && row("Tip", "1.50 USD"), "{text}");
        assert!(row("Total", "12.50 USD") && row("Net", "9.24 USD") && row("VAT 19%", "1.76 USD"), "{text}");
        let total = cmds.iter().position(|c| matches!(c, Cmd::Text(t) if t.starts_with("Total"))).unwrap();
        assert_eq!(cmds.get(total - 1), Some(&Cmd::Bold(true)), "the total in bold");
        assert!(text.lines().any(|l| l.starts_with("Paid in") && l.ends_with("12.5 USDT")), "{text}");
        assert!(text.contains("TRON"), "the network: {text}");
        assert!(text.lines().any(|l| l.starts_with("Method") && l.ends_with("USDT on TRON (xPay)")), "{text}");
        assert!(text.lines().any(|l| l.starts_with("Rate") && l.ends_with("1.00 USD/USDT")), "{text}");
        // The reference and the transaction id (wrapped on narrow paper).
        assert!(text.contains("Reference 66bb8c4dbb18e67"), "{text}");
        assert!(flat.contains(&format!("Transaction {TX}")) || flat.contains(TX), "{text}");
        assert!(text.contains("paid late"), "{text}");
        // The QR of the reference, model 2, printed, then the cut last.
        let store = cmds.iter().position(|c| *c == Cmd::QrStore("66bb8c4dbb18e67".into())).expect("QR data");
        assert!(cmds.contains(&Cmd::QrModel(2)), "{cmds:?}");
        assert_eq!(cmds.get(store + 1), Some(&Cmd::QrPrint));
        let cut = cmds.iter().rposition(|c| *c == Cmd::Cut).unwrap();
        assert!(cut > store, "the cut comes after the QR");
        assert!(cmds[cut + 1..].iter().all(|c| matches!(c, Cmd::Status(_))), "only the status after the cut");
    }
}

#[tokio::test]
async fn the_text_file_and_the_paper_say_the_same() {
    let record = paid_record();
    let file = till::core::receipt::text(&record, SHOP, &jiff::tz::TimeZone::UTC);
    let paper = lines(&parse(&receipt_bytes(&record, Width::Mm80))).concat();
    // Long ids wrap differently at 40 and 48 columns: compared unwrapped.
    let file_flat = file.replace('\n', "");
    for key in [
        "11.00 USD",
        "1.50 USD",
        "1.76 USD",
        "9.24 USD",
        "12.50 USD",
        "12.5 USDT",
        "TRON",
        "1.00 USD/USDT",
        "66bb8c4dbb18e67",
        TX,
        "paid late",
    ] {
        assert!(file_flat.contains(key) && paper.contains(key), "{key}: {file}\n{paper:?}");
    }
}

#[tokio::test]
async fn a_printer_out_of_paper_is_told_and_gets_nothing() {
    let mut fake = FakePrinter::with_paper(PAPER_OUT).await;
    let err = till::print::send(&printer_at(&fake.url(), Width::Mm80), &receipt_bytes(&paid_record(), Width::Mm80))
        .await
        .unwrap_err();
    assert!(err.sentence("press r to print again").contains("is out of paper: load a new roll"), "{err}");
    assert_eq!(receipts(&parse(&fake.next_job().await)), 0, "no receipt sent to a printer without paper");
}

#[tokio::test]
async fn a_logo_prints_as_a_raster_at_the_head_and_a_device_path_gets_the_same_job() {
    let dir = tempfile::tempdir().unwrap();
    let logo = dir.path().join("logo.png");
    image::RgbaImage::from_fn(64, 32, |x, _| image::Rgba([0, 0, 0, if x < 32 { 255 } else { 0 }])).save(&logo).unwrap();
    let device = dir.path().join("lp0");
    let mut printer = PrinterConfig::new(Target::File(device.clone()));
    printer.logo = Some(logo);
    let job = till::print::receipt::for_printer(&paid_record(), SHOP, &jiff::tz::TimeZone::UTC, &printer);
    till::print::send(&printer, &job).await.unwrap();
    let cmds = parse(&std::fs::read(&device).unwrap());
    assert_eq!(receipts(&cmds), 1);
    let raster = cmds.iter().position(|c| *c == Cmd::Raster(8, 32)).expect("the logo, 64 × 32 dots");
    let title = cmds.iter().position(|c| *c == Cmd::Text("Corner Cafe".into())).unwrap();
    assert!(raster < title, "the logo heads the receipt");
    // A logo that cannot be read is left out; the receipt still prints.
    printer.logo = Some(dir.path().join("missing.png"));
    let job = till::print::receipt::for_printer(&paid_record(), SHOP, &jiff::tz::TimeZone::UTC, &printer);
    assert!(!parse(&job).iter().any(|c| matches!(c, Cmd::Raster(..))));
}

// ---- through the runtime, with a journal

/// A face that collects what it is told about receipts and stops after `want`.
struct Cashier {
    desk: Desk,
    said: Vec<Result<String, String>>,
    want: usize,
}

impl Face for Cashier {
    type Key = ();
    fn update(&mut self, input: Input<()>) -> Vec<Effect> {
        if let Input::Receipt(r) = input {
            self.said.push(r);
        }
        Vec::new()
    }
    fn desk(&self) -> &Desk {
        &self.desk
    }
    fn render(&mut self) -> std::io::Result<()> {
        Ok(())
    }
    fn finished(&self) -> Option<i32> {
        (self.said.len() >= self.want).then_some(0)
    }
}

fn cashier(want: usize) -> Cashier {
    Cashier { desk: Desk::new(PollPolicy::default(), sample_created_at()), said: Vec::new(), want }
}

/// A journal in `dir` holding the TRON sale, created (not yet paid).
fn journal_with_sale(dir: &Path) -> (Arc<SqliteJournal>, Invoice) {
    let journal = Arc::new(SqliteJournal::open(dir).unwrap());
    let invoice = tron_invoice();
    let at = invoice.created_at;
    journal.record_intent(&invoice.reference, invoice.method, &invoice.fiat, Some(&breakdown()), "till-1", at).unwrap();
    journal.record_created(&invoice, "till-1", at).unwrap();
    (journal, invoice)
}

/// The gateway says paid: the desk's journal entry.
fn paid_entry(invoice: &Invoice) -> Entry {
    let mut watch = Watch::new(invoice.clone(), invoice.created_at);
    watch.invoice.status = Status::Paid;
    watch.tx_id = Some(TX.into());
    let change = Change { from: Status::Pending, to: Status::Paid, origin: Origin::Gateway, note: None };
    Entry::Status { watch: Box::new(watch), change }
}

fn drive(journal: Arc<SqliteJournal>, dir: &Path, printer: PrinterConfig) -> Drive<()> {
    let (tx, events) = tokio::sync::mpsc::unbounded_channel::<Event>();
    let runtime = Runtime::new(Arc::new(Registry::default()), tx).with_journal(
        journal,
        "till-1",
        Arc::new(till::clock::TokioClock::starting_at(sample_created_at())),
    );
    let services = Services {
        data_dir: Some(dir.to_path_buf()),
        shop_name: SHOP.into(),
        timezone: jiff::tz::TimeZone::UTC,
        printing: Printing::new(Some(printer)),
        ..Services::default()
    };
    Drive::new(runtime, events).with_services(services)
}

#[tokio::test]
async fn an_unreachable_printer_is_told_in_one_sentence_the_sale_stays_paid_and_a_retry_prints_once() {
    let dir = tempfile::tempdir().unwrap();
    let (journal, invoice) = journal_with_sale(dir.path());
    // A port nobody listens on (taken, then freed).
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let printer = PrinterConfig::new(Target::Tcp { host: "127.0.0.1".into(), port });
    let mut d = drive(journal.clone(), dir.path(), printer);
    let reference = invoice.reference.clone();
    let start = vec![Effect::Run(Command::Record(paid_entry(&invoice))), Effect::WriteReceipt(reference.clone())];
    let mut face = cashier(2);
    d.run(&mut face, start).await.unwrap();
    // At once: the text file (the fallback); then the printer's failure.
    let written = face.said[0].clone().unwrap();
    assert!(written.starts_with("Receipt written to ") && written.ends_with("; printing it"), "{written}");
    assert!(dir.path().join("receipts/66bb8c4dbb18e67.txt").exists());
    assert_eq!(
        face.said[1],
        Err(format!(
            "The printer at 127.0.0.1:{port} did not answer: check it is on and connected and press r to print again."
        ))
    );
    let record = journal.find(reference.as_str()).unwrap().unwrap();
    assert_eq!(record.status, Status::Paid, "the sale is untouched");
    assert_eq!(record.tx_id.as_deref(), Some(TX));

    // The printer comes on: r again prints the receipt, once, whole.
    let mut fake = FakePrinter::on(port, fake_printer::PAPER_OK).await;
    let mut face = cashier(2);
    d.run(&mut face, vec![Effect::WriteReceipt(reference)]).await.unwrap();
    assert_eq!(face.said[1], Ok("Receipt 66bb8c4dbb18e67 printed.".into()));
    let cmds = parse(&fake.next_job().await);
    assert_eq!(receipts(&cmds), 1);
    let text = lines(&cmds).concat();
    assert!(text.contains(TX) && text.contains("1.50 USD") && text.contains("1.76 USD"), "the journal's tip and tax");
    assert_eq!(fake.pending(), 0, "nothing else was sent");
}

#[tokio::test]
async fn a_printer_closing_mid_job_is_told_and_a_retry_resends_the_whole_receipt_once() {
    let dir = tempfile::tempdir().unwrap();
    let (journal, invoice) = journal_with_sale(dir.path());
    journal.record_status(&watch_paid(&invoice), &paid_change(), invoice.created_at).unwrap();
    let mut fake = FakePrinter::start().await;
    // The first connection drops after 200 bytes: the printer switched off mid-receipt.
    fake.close_after.store(200, std::sync::atomic::Ordering::SeqCst);
    let mut d = drive(journal.clone(), dir.path(), printer_at(&fake.url(), Width::Mm58));
    let reference = invoice.reference.clone();
    let mut face = cashier(2);
    d.run(&mut face, vec![Effect::WriteReceipt(reference.clone())]).await.unwrap();
    assert_eq!(
        face.said[1],
        Err(format!(
            "The printer at 127.0.0.1:{} stopped in the middle of the receipt: check its paper, cover and cable and press r to print again.",
            fake.port
        ))
    );
    let partial = parse(&fake.next_job().await);
    assert_eq!(receipts(&partial), 0, "the first job was cut short");
    assert_eq!(journal.find(reference.as_str()).unwrap().unwrap().status, Status::Paid);

    let mut face = cashier(2);
    d.run(&mut face, vec![Effect::WriteReceipt(reference)]).await.unwrap();
    assert_eq!(face.said[1], Ok("Receipt 66bb8c4dbb18e67 printed.".into()));
    let cmds = parse(&fake.next_job().await);
    assert_eq!(receipts(&cmds), 1, "the whole receipt, once: {cmds:?}");
    assert_eq!(cmds.iter().filter(|c| matches!(c, Cmd::QrStore(_))).count(), 1);
    assert_eq!(fake.pending(), 0);
}

/// A printer (or a print server in front of a paused one) that accepts the
/// connection and never reads nor answers: the kernel's backlog accepts,
/// nobody reads. Paused time runs the status timeouts out at once.
#[tokio::test(start_paused = true)]
async fn a_printer_that_never_answers_is_not_reported_printed_never_holds_up_the_till_and_gets_no_mark() {
    let dir = tempfile::tempdir().unwrap();
    let (journal, invoice) = journal_with_sale(dir.path());
    journal.record_status(&watch_paid(&invoice), &paid_change(), invoice.created_at).unwrap();
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let mut printer = PrinterConfig::new(Target::Tcp { host: "127.0.0.1".into(), port });
    printer.auto = Auto::Paid;
    let mut d = drive(journal, dir.path(), printer);
    let mut face = cashier(2);
    d.run(&mut face, vec![Effect::WriteReceipt(invoice.reference.clone())]).await.unwrap();
    // At once: the text file, the job under way; the loop was not held.
    assert!(face.said[0].as_ref().unwrap().ends_with("; printing it"), "{:?}", face.said);
    assert_eq!(
        face.said[1],
        Err("Receipt 66bb8c4dbb18e67 sent; the printer did not confirm it: check it printed, and press r to print again if not."
            .into())
    );
    assert!(face.said[1].as_ref().unwrap_err().contains("did not confirm"));
    assert!(!dir.path().join("receipts/66bb8c4dbb18e67.printed").exists(), "no printed mark");
    // So auto print tries it again at the next start.
    let mut face = cashier(1);
    d.print_missed();
    d.run(&mut face, Vec::new()).await.unwrap();
    assert!(face.said[0].as_ref().unwrap_err().contains("did not confirm"), "{:?}", face.said);
    drop(silent);
}

#[tokio::test]
async fn a_second_print_while_the_first_job_still_writes_is_refused_not_queued() {
    let dir = tempfile::tempdir().unwrap();
    let (journal, invoice) = journal_with_sale(dir.path());
    journal.record_status(&watch_paid(&invoice), &paid_change(), invoice.created_at).unwrap();
    // A device nobody reads: the first job's open blocks.
    let fifo = dir.path().join("lp0");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let mut d = drive(journal, dir.path(), PrinterConfig::new(Target::File(fifo.clone())));
    let reference = invoice.reference.clone();
    let mut face = cashier(1);
    d.run(&mut face, vec![Effect::WriteReceipt(reference.clone())]).await.unwrap();
    assert!(face.said[0].as_ref().unwrap().ends_with("; printing it"), "{:?}", face.said);
    // r again: told, and no second job.
    let mut face = cashier(1);
    d.run(&mut face, vec![Effect::WriteReceipt(reference.clone())]).await.unwrap();
    assert_eq!(face.said, [Err("Receipt 66bb8c4dbb18e67 is still being sent to the printer.".to_string())]);
    // The printer reads: the one job arrives, whole, and is reported.
    let reader = tokio::task::spawn_blocking(move || std::fs::read(&fifo).unwrap());
    let mut face = cashier(1);
    d.run(&mut face, Vec::new()).await.unwrap();
    assert_eq!(face.said, [Ok("Receipt 66bb8c4dbb18e67 printed.".to_string())]);
    assert_eq!(receipts(&parse(&reader.await.unwrap())), 1, "one receipt, not two");
}

fn watch_paid(invoice: &Invoice) -> Watch {
    let Entry::Status { watch, .. } = paid_entry(invoice) else { unreachable!() };
    *watch
}

fn paid_change() -> Change {
    Change { from: Status::Pending, to: Status::Paid, origin: Origin::Gateway, note: None }
}

#[tokio::test]
async fn auto_print_prints_a_sale_once_when_it_is_paid_even_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (journal, invoice) = journal_with_sale(dir.path());
    let mut fake = FakePrinter::start().await;
    let mut printer = printer_at(&fake.url(), Width::Mm80);
    printer.auto = Auto::Paid;
    // Paid, then the same status stored again (a late report).
    let mut d = drive(journal.clone(), dir.path(), printer.clone());
    let paid = || Effect::Run(Command::Record(paid_entry(&invoice)));
    let mut face = cashier(1);
    d.run(&mut face, vec![paid(), paid()]).await.unwrap();
    assert_eq!(face.said, [Ok("Receipt 66bb8c4dbb18e67 printed.".to_string())]);
    assert_eq!(receipts(&parse(&fake.next_job().await)), 1);
    assert!(dir.path().join("receipts/66bb8c4dbb18e67.printed").exists());

    // A restart: the paid status is stored again; nothing prints by itself.
    // The cashier's r still reprints (the one job the printer then gets).
    let mut d = drive(journal, dir.path(), printer);
    let mut face = cashier(2);
    d.run(&mut face, vec![paid(), Effect::WriteReceipt(invoice.reference.clone())]).await.unwrap();
    assert_eq!(face.said[1], Ok("Receipt 66bb8c4dbb18e67 printed.".into()));
    assert_eq!(receipts(&parse(&fake.next_job().await)), 1);
    assert_eq!(fake.pending(), 0, "the restart printed nothing by itself");
}

#[tokio::test]
async fn at_start_auto_print_prints_a_paid_sale_a_crash_left_unprinted_once() {
    let dir = tempfile::tempdir().unwrap();
    let (journal, invoice) = journal_with_sale(dir.path());
    // Paid and committed; the till died before the print.
    journal.record_status(&watch_paid(&invoice), &paid_change(), invoice.created_at).unwrap();
    let mut fake = FakePrinter::start().await;
    let mut printer = printer_at(&fake.url(), Width::Mm80);
    printer.auto = Auto::Paid;
    let mut d = drive(journal.clone(), dir.path(), printer.clone());
    d.print_missed();
    let mut face = cashier(1);
    d.run(&mut face, Vec::new()).await.unwrap();
    assert_eq!(face.said, [Ok("Receipt 66bb8c4dbb18e67 printed.".to_string())]);
    assert_eq!(receipts(&parse(&fake.next_job().await)), 1);
    assert!(dir.path().join("receipts/66bb8c4dbb18e67.printed").exists());

    // The next start finds the mark: nothing queued, so r is not refused
    // as busy and prints the one job the printer gets.
    let mut d = drive(journal, dir.path(), printer);
    d.print_missed();
    let mut face = cashier(2);
    d.run(&mut face, vec![Effect::WriteReceipt(invoice.reference.clone())]).await.unwrap();
    assert_eq!(face.said[1], Ok("Receipt 66bb8c4dbb18e67 printed.".into()), "{:?}", face.said);
    assert_eq!(receipts(&parse(&fake.next_job().await)), 1);
    assert_eq!(fake.pending(), 0, "the start printed nothing by itself");
}

#[test]
fn the_rate_keeps_six_significant_digits_for_small_units_and_the_currency_decimals_for_large() {
    let mut r = record_of(&tron_invoice(), Status::Paid);
    r.fiat = usd_amount("10.00");
    r.crypto = Some(till::core::invoice::CryptoAmount { amount: Decimal::from(16454), unit: "sat".into() });
    assert_eq!(till::core::receipt::rate(&r).as_deref(), Some("0.000607755 USD/sat"));
    r.crypto = Some(till::core::invoice::CryptoAmount { amount: "0.00015".parse().unwrap(), unit: "BTC".into() });
    assert_eq!(till::core::receipt::rate(&r).as_deref(), Some("66666.67 USD/BTC"));
}

// ---- the command line

/// `till --config DIR/till.toml --data-dir DIR/data ARGS` with `[printer] url`.
async fn till_cli(dir: &Path, url: &str, args: &[&str]) -> std::process::Output {
    let config = format!(
        "[shop]\nname = \"Corner Café\"\ncurrency = \"USD\"\nterminal = \"till-1\"\ntimezone = \"UTC\"\n\n\
         [providers.xpay]\nbase_url = \"http://127.0.0.1:9\"\nusername = \"a@b.c\"\nsecret_key = \"env:TILL_TEST_UNSET\"\n\n\
         [printer]\nurl = \"{url}\"\nwidth = 58\n"
    );
    let path = dir.join("till.toml");
    std::fs::write(&path, config).unwrap();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_till"));
    command.arg("--config").arg(&path).arg("--data-dir").arg(dir.join("data")).args(args);
    command.env_remove("TILL_CONFIG").env("TILL_TEST_UNSET", "k");
    tokio::task::spawn_blocking(move || command.output().unwrap()).await.unwrap()
}

#[tokio::test]
async fn till_receipt_print_sends_the_receipt_and_says_plainly_when_the_printer_is_off() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let (journal, invoice) = journal_with_sale(&data);
    journal.record_status(&watch_paid(&invoice), &paid_change(), invoice.created_at).unwrap();
    drop(journal);
    let mut fake = FakePrinter::start().await;
    let out = till_cli(dir.path(), &fake.url(), &["receipt", "66bb8c4dbb18e67", "--print"]).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "Receipt 66bb8c4dbb18e67 printed.\n");
    let cmds = parse(&fake.next_job().await);
    assert_eq!(receipts(&cmds), 1);
    assert!(lines(&cmds).iter().all(|l| l.chars().count() <= 32), "58 mm from the config");
    assert!(cmds.contains(&Cmd::QrStore("66bb8c4dbb18e67".into())));

    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let out =
        till_cli(dir.path(), &format!("tcp://127.0.0.1:{port}"), &["receipt", "66bb8c4dbb18e67", "--print"]).await;
    assert!(!out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        format!(
            "till: The printer at 127.0.0.1:{port} did not answer: check it is on and connected and run the command again."
        )
    );
}
