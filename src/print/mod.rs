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
//! Left out: the `[printer] logo` (a raster image needs an image decoder
//! and dithering the build does not have yet; the key is accepted and the
//! receipt prints without it).

pub mod escpos;
pub mod receipt;
mod send;

pub use send::{PrintError, send};
