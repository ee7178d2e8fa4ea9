//! Receipts (and any other document) on ESC/POS thermal printers.
//!
//! - `escpos`: the document builder (`Doc`): the bytes of one job.
//! - `receipt`: the receipt model (`core::receipt`) as a `Doc`, at 58 or 80 mm.
//! - `send`: the transports (raw TCP with timeouts, a device or file, an
//!   `lp` queue) and `send(&PrinterConfig, &bytes)`, which sends one whole
//!   job and says in one sentence what went wrong.
//!
//! To print another document (the day's close), build it with
//! `escpos::Doc` and hand its bytes to `print::send`.
//!
//! Each send is the whole job: a job that failed mid-way is resent whole
//! when the cashier asks again, never continued and never repeated by
//! itself. The runtime runs sends as tasks (`runtime::printing`), so a
//! printer that does not answer never holds up the till.
//!
//! - `logo`: the `[printer] logo` PNG as a raster (GS v 0) at the head.
//!
//! Not read: DLE EOT answers other than the paper sensor's (cover open,
//! cutter errors); a printer that does not answer status at all is sent
//! the job and taken at its word.

pub mod escpos;
pub mod logo;
pub mod receipt;
mod send;

pub use send::{PrintError, send};
