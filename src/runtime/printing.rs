//! Printing receipts off the till's loop: the sale is read from the journal
//! at once, then a task lays the receipt out (the logo PNG decoded there,
//! on the blocking pool, never on the loop) and sends it; the outcome comes
//! back as an input (`Input::Receipt`), so a printer that does not answer
//! never holds up the till.
//!
//! One job per sale at a time: a sale stays "being printed" until its job's
//! I/O has really ended (a device write or an `lp` that timed out keeps it
//! until its thread returns), and `r` meanwhile is told so, never queued a
//! second job.
//!
//! Auto print (`[printer] auto = "paid"`) prints a sale once: a printed
//! sale gets a mark beside its text receipt (`receipts/REF.printed`), so a
//! restart or a late status change does not print it again; a failed job,
//! or one the printer never confirmed (no status answer), leaves no mark,
//! and `r` sends it again, whole. At start, sales paid in the last day that
//! have no mark are printed (`Drive::print_missed`): a crash between the
//! paid commit and the print loses no receipt.

use crate::config::printer::PrinterConfig;
use crate::core::record::SaleRecord;
use crate::journal::Store;
use crate::print::Delivery;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// What the cashier reads after a print, and how to retry.
const RETRY: &str = "press r to print again";

/// The printer and the jobs under way.
#[derive(Clone, Debug, Default)]
pub struct Printing {
    pub printer: Option<PrinterConfig>,
    /// Sales being printed, and (without a data directory) those printed.
    busy: Arc<Mutex<HashSet<String>>>,
    printed: Arc<Mutex<HashSet<String>>>,
}

/// A job ready to send: the sale and how to finish it. Its bytes are made
/// by `run`, off the loop.
pub struct Job {
    printer: PrinterConfig,
    record: Box<SaleRecord>,
    shop: String,
    tz: jiff::tz::TimeZone,
    reference: String,
    mark: Option<PathBuf>,
    busy: Busy,
    printed: Arc<Mutex<HashSet<String>>>,
}

/// A sale's "being printed" mark, taken off when dropped (when the job's
/// I/O has ended, not when the till stopped waiting for it).
struct Busy {
    set: Arc<Mutex<HashSet<String>>>,
    reference: String,
}

impl Drop for Busy {
    fn drop(&mut self) {
        lock(&self.set).remove(&self.reference);
    }
}

impl Printing {
    pub fn new(printer: Option<PrinterConfig>) -> Printing {
        Printing { printer, ..Printing::default() }
    }

    /// Whether sales print by themselves when paid.
    pub fn auto(&self) -> bool {
        self.printer.as_ref().is_some_and(|p| p.auto == crate::config::printer::Auto::Paid)
    }

    /// Whether sale `reference` is marked printed.
    pub fn was_printed(&self, data_dir: Option<&Path>, reference: &str) -> bool {
        match data_dir {
            Some(d) => mark_path(d, reference).exists(),
            None => lock(&self.printed).contains(reference),
        }
    }

    /// The job printing sale `key`, or why there is none: `Ok(None)` when
    /// there is no printer, or `auto` and it printed before or is being
    /// printed; `Err` (what to tell the cashier) when the journal fails or,
    /// asked for, its job is still under way.
    pub fn job(
        &self,
        journal: &dyn Store,
        data_dir: Option<&Path>,
        key: &str,
        shop: &str,
        tz: &jiff::tz::TimeZone,
        auto: bool,
    ) -> Result<Option<Job>, String> {
        let Some(printer) = self.printer.clone() else { return Ok(None) };
        let record = match journal.find(key) {
            Ok(Some(r)) => r,
            Ok(None) => return Err("This sale is not in the journal: it cannot be printed.".into()),
            Err(e) => {
                tracing::warn!(error = %e, "receipt: journal read failed");
                return Err("The journal could not be read: the receipt was not printed.".into());
            }
        };
        let reference = record.reference.to_string();
        if auto && self.was_printed(data_dir, &reference) {
            return Ok(None);
        }
        let Some(busy) = self.take(&reference) else {
            if auto {
                return Ok(None);
            }
            return Err(format!("Receipt {reference} is still being sent to the printer."));
        };
        Ok(Some(Job {
            printer,
            record: Box::new(record),
            shop: shop.to_string(),
            tz: tz.clone(),
            mark: data_dir.map(|d| mark_path(d, &reference)),
            reference,
            busy,
            printed: self.printed.clone(),
        }))
    }

    /// Marks `reference` as being printed, unless it is already.
    fn take(&self, reference: &str) -> Option<Busy> {
        lock(&self.busy)
            .insert(reference.to_string())
            .then(|| Busy { set: self.busy.clone(), reference: reference.to_string() })
    }
}

fn mark_path(dir: &Path, reference: &str) -> PathBuf {
    dir.join("receipts").join(format!("{reference}.printed"))
}

impl Job {
    /// Lays the receipt out (off the loop) and sends it; the sentence for
    /// the cashier.
    pub async fn run(self) -> Result<String, String> {
        let Job { printer, record, shop, tz, reference, mark, busy, printed } = self;
        let for_layout = printer.clone();
        let bytes = match tokio::task::spawn_blocking(move || {
            crate::print::receipt::for_printer(&record, &shop, &tz, &for_layout)
        })
        .await
        {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = %e, "receipt layout failed");
                return Err(format!("The receipt {reference} could not be laid out: {RETRY}."));
            }
        };
        // `busy` goes with the job's I/O and is dropped when it really ends.
        let result = crate::print::deliver_holding(&printer, &bytes, crate::print::WRITE, busy).await;
        match result {
            Ok(Delivery::Confirmed) => {
                lock(&printed).insert(reference.clone());
                if let Some(mark) = &mark {
                    let written =
                        mark.parent().map_or(Ok(()), std::fs::create_dir_all).and_then(|()| std::fs::write(mark, b""));
                    if let Err(e) = written {
                        tracing::warn!(error = %e, path = %mark.display(), "receipt: printed mark not written");
                    }
                }
                Ok(format!("Receipt {reference} printed."))
            }
            Ok(Delivery::Unconfirmed) => Err(format!(
                "Receipt {reference} sent; the printer did not confirm it: check it printed, and {RETRY} if not."
            )),
            Err(e) => {
                tracing::warn!(reference, error = %e, "receipt not printed");
                Err(e.sentence(RETRY))
            }
        }
    }
}

fn lock(set: &Mutex<HashSet<String>>) -> std::sync::MutexGuard<'_, HashSet<String>> {
    set.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sale_is_busy_until_its_job_io_ends_and_free_after() {
        let printing = Printing::new(None);
        let first = printing.take("T1").expect("free");
        assert!(printing.take("T1").is_none(), "a second job for the same sale is refused");
        assert!(printing.take("T2").is_some(), "another sale is not held up");
        drop(first);
        assert!(printing.take("T1").is_some(), "free once the first job's I/O ended");
    }
}
