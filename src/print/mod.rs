//! Receipts (and any other document) on ESC/POS thermal printers.
//!
//! - `escpos`: the document builder (`Doc`): the bytes of one job.
//! - `receipt`: the receipt model (`core::receipt`) as a `Doc`, at 58 or 80 mm.
//! - `send`: the transports (raw TCP with timeouts, a device or file, an
//!   `lp` queue) and `send(&PrinterConfig, &bytes)`, which sends one whole
//!   job and says in one sentence what went wrong (`deliver` also says
//!   whether the printer confirmed it).
//!
//! To print another document (the day's close): `print::text_job(width,
//! title, text)` for plain text under a large title, or build it with
//! `escpos::Doc`; then hand the bytes to `print::deliver(&printer, &bytes)`, which says whether the printer confirmed the job.
//!
//! Each send is the whole job: a job that failed mid-way is resent whole
//! when the cashier asks again, never continued and never repeated by
//! itself. The runtime runs sends as tasks (`runtime::printing`), so a
//! printer that does not answer never holds up the till.
//!
//! - `logo`: the `[printer] logo` PNG as a raster (GS v 0) at the head.
//!
//! Not read: DLE EOT answers other than the paper sensor's (cover open,
//! cutter errors). A printer that does not answer status at all is sent
//! the job, which is then `Delivery::Unconfirmed`: the cashier is asked to
//! check it printed, and no printed mark is written.

pub mod escpos;
pub mod logo;
pub mod receipt;
mod send;

pub use send::{Delivery, PrintError, WRITE, deliver, deliver_holding, send};

/// A plain document: `title` large and bold, then `text`'s lines (each
/// wrapped to the paper's columns), then the cut. For reports such as the
/// day's close.
pub fn text_job(width: escpos::Width, title: &str, text: &str) -> Vec<u8> {
    use crate::core::receipt::wrap;
    let mut doc = escpos::Doc::new(width);
    let cols = doc.columns();
    doc.align(escpos::Align::Center).bold(true).size(2, 2);
    for part in wrap(title, cols / 2) {
        doc.line(&part);
    }
    doc.size(1, 1).bold(false).align(escpos::Align::Left);
    for line in text.lines() {
        for part in wrap(line.trim_end(), cols) {
            doc.line(&part);
        }
    }
    doc.feed(3).cut();
    doc.finish()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_text_job_keeps_every_line_within_the_paper_and_ends_with_the_cut() {
        let text = "Paid 12 sales                                         1234.50 USD\nTips 45.00 USD";
        let job = super::text_job(super::escpos::Width::Mm58, "Close 2026-12-04", text);
        assert!(job.ends_with(&[0x1d, b'V', 66, 3]));
        let body = String::from_utf8_lossy(&job);
        assert!(body.contains("Tips 45.00 USD") && body.contains("1234.50 USD"), "{body}");
        // The 66-column line is wrapped at 32: its two ends on separate lines.
        assert!(!body.split('\n').any(|l| l.contains("Paid 12 sales") && l.contains("1234.50")), "{body}");
        assert!(body.split('\n').any(|l| l == "1234.50 USD"), "{body}");
    }
}
