//! The effects a face may ask for besides the desk's commands: today's sales
//! for the history, a receipt written to disk, a demo payment. They read the
//! store or touch the disk or the network, so they run here, never in a face.

use crate::core::record::SaleRecord;
use crate::journal::Store;
use std::path::{Path, PathBuf};

/// What the runtime needs to carry out the faces' own effects.
#[derive(Clone, Debug)]
pub struct Services {
    /// Where receipts are written (`DIR/receipts/REF.txt`); none without a journal.
    pub data_dir: Option<PathBuf>,
    pub shop_name: String,
    pub timezone: jiff::tz::TimeZone,
    /// The demo sandbox, whose customer can be made to pay.
    pub demo_url: Option<String>,
    /// This till's terminal name, recorded with a close.
    pub terminal: String,
    /// The receipt printer (`[printer]`) and its jobs.
    pub printing: super::printing::Printing,
}

impl Default for Services {
    fn default() -> Self {
        Services {
            data_dir: None,
            shop_name: String::new(),
            timezone: jiff::tz::TimeZone::UTC,
            demo_url: None,
            terminal: String::new(),
            printing: Default::default(),
        }
    }
}

/// Today's sales in the shop's time zone.
pub fn today(journal: &dyn Store, tz: &jiff::tz::TimeZone, now: jiff::Timestamp) -> Result<Vec<SaleRecord>, String> {
    let date = now.to_zoned(tz.clone()).date();
    let (from, until) = crate::core::report::day_bounds(date, tz).ok_or("the day's bounds are out of range")?;
    journal.between(from, until).map_err(|e| e.to_string())
}

/// Writes the receipt of a paid sale to `dir/receipts/<reference>.txt`.
pub fn write_receipt(
    journal: &dyn Store,
    dir: &Path,
    key: &str,
    shop_name: &str,
    tz: &jiff::tz::TimeZone,
) -> Result<PathBuf, String> {
    let record = journal.find(key).map_err(|e| e.to_string())?.ok_or("no such sale in the journal")?;
    let text = crate::core::receipt::text(&record, shop_name, tz);
    let receipts = dir.join("receipts");
    std::fs::create_dir_all(&receipts).map_err(|e| e.to_string())?;
    let path = receipts.join(format!("{}.txt", record.reference));
    std::fs::write(&path, text).map_err(|e| e.to_string())?;
    Ok(path)
}

/// The day's close as the terminal face hears of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CloseNews {
    /// What closing `day` now would cover: for the confirmation.
    Preview { day: jiff::civil::Date, sales: usize, paid: usize },
    /// Taken (or its Z-report printed): one line for the cashier.
    Closed(String),
    /// Refused (closed already) or failed (the journal, the printer): why, in one sentence.
    Refused(String),
}

/// A Z-report to send to the receipt printer: the printer and the job's bytes.
pub type Paper = (crate::config::printer::PrinterConfig, Vec<u8>);

/// `None`: today's day and counts, for the confirmation. `Some(day)`: the
/// close taken and journaled, its text written to `DIR/closes/DAY.txt`, and
/// the job for the `[printer]` when there is one (sent by the caller, off
/// the till's loop).
pub fn close(
    journal: &dyn Store,
    s: &Services,
    day: Option<jiff::civil::Date>,
    now: jiff::Timestamp,
) -> (CloseNews, Option<Paper>) {
    let Some(day) = day else {
        // The close's own window and counts (from the previous close, paid
        // after their day's close included), nothing written.
        let day = now.to_zoned(s.timezone.clone()).date();
        let news = match journal.preview_close(day, &s.timezone, &s.terminal, now) {
            Ok(z) => CloseNews::Preview { day, sales: z.totals.sales, paid: z.totals.paid.count },
            Err(crate::journal::CloseError::Refused(r)) => CloseNews::Refused(r.to_string()),
            Err(e) => {
                tracing::warn!(error = %e, "close preview");
                CloseNews::Refused("The day's sales could not be read: try again, or run till close.".into())
            }
        };
        return (news, None);
    };
    let z = match journal.close_day(day, &s.timezone, &s.terminal, now) {
        Ok(z) => z,
        Err(e) => {
            tracing::warn!(error = %e, "close refused");
            return (CloseNews::Refused(e.to_string()), None);
        }
    };
    let paid = crate::core::words::count(z.totals.paid.count, "sale", "sales");
    let mut said = format!("Closed {}: {paid} paid of {}.", z.day, z.totals.sales);
    if let Some(dir) = &s.data_dir {
        let text = z.text(&s.shop_name, &s.timezone, crate::core::close::WIDTH);
        let path = dir.join("closes").join(format!("{}.txt", z.day));
        let written = std::fs::create_dir_all(dir.join("closes")).and_then(|()| std::fs::write(&path, text));
        match written {
            Ok(()) => said.push_str(&format!(" Z-report: {}", path.display())),
            Err(e) => {
                tracing::warn!(error = %e, "the Z-report text could not be written");
                said.push_str(" It is journaled; `till close --verify` checks it.");
            }
        }
    }
    let paper = s.printing.printer.clone().map(|printer| {
        said.push_str(" Printing it.");
        let bytes = close_bytes(&z, &s.shop_name, &s.timezone, &printer);
        (printer, bytes)
    });
    (CloseNews::Closed(said), paper)
}

/// A Z-report as one ESC/POS job at the printer's width, then a cut.
pub fn close_bytes(
    z: &crate::core::close::ZReport,
    shop: &str,
    tz: &jiff::tz::TimeZone,
    printer: &crate::config::printer::PrinterConfig,
) -> Vec<u8> {
    let mut doc = crate::print::escpos::Doc::new(printer.width);
    for line in z.lines(shop, tz, printer.width.columns()) {
        doc.line(&line);
    }
    doc.feed(3).cut();
    doc.finish()
}

/// Sends a Z-report to the printer; what the cashier reads after.
pub async fn print_close((printer, bytes): Paper, day: jiff::civil::Date) -> CloseNews {
    match crate::print::deliver(&printer, &bytes).await {
        Ok(crate::print::Delivery::Confirmed) => CloseNews::Closed(format!("The Z-report of {day} was printed.")),
        Ok(crate::print::Delivery::Unconfirmed) => CloseNews::Refused(format!(
            "The Z-report of {day} was sent; the printer did not confirm it: check it printed, or run till close --date {day} --print."
        )),
        Err(e) => {
            tracing::warn!(error = %e, "the close was not printed");
            CloseNews::Refused(e.sentence(&format!("run till close --date {day} --print to print it again")))
        }
    }
}
