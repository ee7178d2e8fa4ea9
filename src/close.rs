//! `till close`: the day's close (Z-report) taken, printed and journaled, and
//! `till close --verify`, which recomputes the journal's hash chain and
//! every close's totals, and names the first event, close or sale that
//! changed. `till close` refuses a data directory with no journal rather
//! than create an empty one. The totals are `core::close`'s, the
//! storage and the chain `journal::close`'s; here only the command's words
//! and exit codes.
//!
//! The close does not take the data directory's lock: it writes only its
//! own row, in an immediate transaction, so it can be taken from a second
//! terminal while the till runs (or from the dashboard's key).

use crate::cli::exit;
use crate::config;
use crate::core::close::{self, ZReport};
use crate::core::words::count;
use crate::journal::{self, Break, CloseError, SqliteJournal, Store, Verdict};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use std::path::Path;

fn fail(message: impl std::fmt::Display) -> i32 {
    eprintln!("till: {message}");
    exit::ERROR
}

/// Runs `till close [--date D] [--print]` or `till close --verify`; the exit code.
pub async fn main(config_flag: Option<&Path>, data_dir: &Path, date: Option<&str>, verify: bool, reprint: bool) -> i32 {
    let config = match config::load(config_flag) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let dir = if config.is_demo() { data_dir.join("demo") } else { data_dir.to_path_buf() };
    let tz = config.timezone();
    let day = match date.map(crate::ledger::parse_date).transpose() {
        Ok(d) => d.unwrap_or_else(|| Timestamp::now().to_zoned(tz.clone()).date()),
        Err(e) => {
            eprintln!("till: {e}");
            return exit::USAGE;
        }
    };
    if !dir.join(journal::FILE).exists() {
        if verify {
            println!("No journal yet: there is nothing to verify.");
            return exit::OK;
        }
        return fail(format!(
            "there is no journal in {}: there are no sales to close (check --data-dir or the config).",
            dir.display()
        ));
    }
    // --verify does not read the chain's head at open: a broken last event
    // is for it to name, not a reason to refuse.
    let opened = if verify { SqliteJournal::open_to_verify(&dir) } else { SqliteJournal::open(&dir) };
    let journal = match opened {
        Ok(j) => j,
        Err(e) => return fail(e),
    };
    if verify {
        return match journal.verify() {
            Ok(v) => {
                println!("{}", verdict_text(&v, &tz));
                if v.broken.is_none() { exit::OK } else { exit::ERROR }
            }
            Err(e) => fail(e),
        };
    }
    if reprint {
        let Some(printer) = &config.printer else {
            return fail(
                "there is no [printer] in the config: the close is printed here only (till close --date D shows it).",
            );
        };
        return match journal.closes().map(|all| all.into_iter().find(|z| z.day == day)) {
            Ok(Some(z)) => match on_paper(printer, &z, &config.shop.name, &tz).await {
                Ok(crate::print::Delivery::Confirmed) => {
                    println!("The close of {day} was printed again.");
                    exit::OK
                }
                Ok(crate::print::Delivery::Unconfirmed) => {
                    println!("The close of {day} was sent; the printer did not confirm it: check it printed.");
                    exit::OK
                }
                Err(e) => fail(e.sentence(&format!("run till close --date {day} --print again"))),
            },
            Ok(None) => fail(format!("{day} is not closed yet: till close --date {day} closes it.")),
            Err(e) => fail(e),
        };
    }
    match journal.close_day(day, &tz, &config.shop.terminal, Timestamp::now()) {
        Ok(z) => {
            print!("{}", z.text(&config.shop.name, &tz, close::WIDTH));
            println!("\nClosed {}: the close is journaled. Sales from now on belong to the next day.", z.day);
            if let Some(printer) = &config.printer {
                match on_paper(printer, &z, &config.shop.name, &tz).await {
                    Ok(crate::print::Delivery::Confirmed) => {}
                    Ok(crate::print::Delivery::Unconfirmed) => eprintln!(
                        "till: the close was sent to the printer, which did not confirm it: check it printed, or run till close --date {} --print",
                        z.day
                    ),
                    Err(e) => {
                        tracing::warn!(error = %e, "the close was not printed");
                        eprintln!("till: {}", e.sentence(&format!("run till close --date {} --print", z.day)));
                    }
                }
            }
            exit::OK
        }
        Err(CloseError::Refused(r)) => fail(r),
        Err(CloseError::Journal(e)) => fail(e),
    }
}

/// The close on the receipt printer, at its paper's width, then a cut.
async fn on_paper(
    printer: &crate::config::printer::PrinterConfig,
    z: &ZReport,
    shop: &str,
    tz: &TimeZone,
) -> Result<crate::print::Delivery, crate::print::PrintError> {
    crate::print::deliver(printer, &crate::runtime::services::close_bytes(z, shop, tz, printer)).await
}

/// What `--verify` found, in plain words.
pub fn verdict_text(v: &Verdict, tz: &TimeZone) -> String {
    let local = |t: Option<Timestamp>| {
        t.map_or_else(
            || "time unreadable".to_string(),
            |t| t.to_zoned(tz.clone()).strftime("%Y-%m-%d %H:%M:%S").to_string(),
        )
    };
    let breaks = |day: &Option<jiff::civil::Date>| match day {
        Some(d) => format!("It breaks the close of {d} and every close after it."),
        None => "No close covers it yet.".to_string(),
    };
    match &v.broken {
        None => format!(
            "The journal's chain is intact: {}, {}.",
            count(usize::try_from(v.events).unwrap_or(0), "event", "events"),
            count(v.closes, "close", "closes")
        ),
        Some(Break::Event { id, reference, at, missing_before: true, close }) => format!(
            "Event {id} (sale {reference}, {}) does not follow the event before it: events were removed. {}",
            local(*at),
            breaks(close)
        ),
        Some(Break::Event { id, reference, at, close, .. }) => format!(
            "Event {id} (sale {reference}, {}) was changed after it was written: it no longer matches the chain. {}",
            local(*at),
            breaks(close)
        ),
        Some(Break::Anchor { day, last_event_id }) => format!(
            "The close of {day} no longer matches the event log up to event {last_event_id}: events were rewritten or removed."
        ),
        Some(Break::Close { day }) => {
            format!("The close of {day} was changed after it was taken, or no longer follows the close before it.")
        }
        Some(Break::Sale { reference, close: Some(day) }) => format!(
            "Sale {reference} was changed in the journal after the close of {day}: its row (amount, tax, tip or status) no longer matches that close's totals or its event log."
        ),
        Some(Break::Sale { reference, close: None }) => format!(
            "Sale {reference} was changed in the journal: its status no longer matches its event log. No close covers it yet."
        ),
        Some(Break::Totals { day }) => {
            format!("The close of {day} no longer matches its sales in the journal: a sale's row was added or removed.")
        }
    }
}
