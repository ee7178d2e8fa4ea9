//! Printing receipts off the till's loop: the receipt is built from the
//! journal at once, then sent by a task whose outcome comes back as an
//! input (`Input::Receipt`), so a printer that does not answer never holds
//! up the till. A sale being printed is not sent again until that job ends.
//!
//! Auto print (`[printer] auto = "paid"`) prints a sale once: a printed
//! sale gets a mark beside its text receipt (`receipts/REF.printed`), so a
//! restart or a late status change does not print it again; a failed job
//! leaves no mark, and `r` sends it again, whole.

use crate::config::printer::PrinterConfig;
use crate::journal::Store;
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

/// A job ready to send: the bytes and how to finish it.
pub struct Job {
    printer: PrinterConfig,
    bytes: Vec<u8>,
    reference: String,
    mark: Option<PathBuf>,
    busy: Arc<Mutex<HashSet<String>>>,
    printed: Arc<Mutex<HashSet<String>>>,
}

impl Printing {
    pub fn new(printer: Option<PrinterConfig>) -> Printing {
        Printing { printer, ..Printing::default() }
    }

    /// Whether sales print by themselves when paid.
    pub fn auto(&self) -> bool {
        self.printer.as_ref().is_some_and(|p| p.auto == crate::config::printer::Auto::Paid)
    }

    /// The job printing sale `key`, or why there is none (`Ok(None)`: no
    /// printer, a job for it under way, or `auto` and it printed before).
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
        let mark = data_dir.map(|d| d.join("receipts").join(format!("{reference}.printed")));
        if auto {
            let done = match &mark {
                Some(m) => m.exists(),
                None => lock(&self.printed).contains(&reference),
            };
            if done {
                return Ok(None);
            }
        }
        if !lock(&self.busy).insert(reference.clone()) {
            return Ok(None);
        }
        let bytes = crate::print::receipt::for_printer(&record, shop, tz, &printer);
        Ok(Some(Job { printer, bytes, reference, mark, busy: self.busy.clone(), printed: self.printed.clone() }))
    }
}

impl Job {
    /// Sends the job; the sentence for the cashier.
    pub async fn run(self) -> Result<String, String> {
        let result = crate::print::send(&self.printer, &self.bytes).await;
        if result.is_ok() {
            lock(&self.printed).insert(self.reference.clone());
            if let Some(mark) = &self.mark {
                let written =
                    mark.parent().map_or(Ok(()), std::fs::create_dir_all).and_then(|()| std::fs::write(mark, b""));
                if let Err(e) = written {
                    tracing::warn!(error = %e, path = %mark.display(), "receipt: printed mark not written");
                }
            }
        }
        lock(&self.busy).remove(&self.reference);
        match result {
            Ok(()) => Ok(format!("Receipt {} printed.", self.reference)),
            Err(e) => {
                tracing::warn!(reference = self.reference, error = %e, "receipt not printed");
                Err(e.sentence(RETRY))
            }
        }
    }
}

fn lock(set: &Mutex<HashSet<String>>) -> std::sync::MutexGuard<'_, HashSet<String>> {
    set.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
