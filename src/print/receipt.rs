//! The receipt on paper: the one receipt model (`core::receipt`) laid out
//! at the paper's columns, the shop's name large, the total bold, the QR of
//! the reference at the foot, then the cut.

use super::escpos::{Align, Doc, Raster, Width};
use crate::config::printer::PrinterConfig;
use crate::core::receipt::{self, Line, Receipt, center, row, wrap};
use crate::core::record::SaleRecord;

/// The receipt of `record` for `printer`: its paper's width, its logo.
pub fn for_printer(record: &SaleRecord, shop: &str, tz: &jiff::tz::TimeZone, printer: &PrinterConfig) -> Vec<u8> {
    let logo = printer.logo.as_deref().and_then(|p| super::logo::load(p, printer.width));
    bytes(&receipt::build(record, shop, tz), printer.width, logo.as_ref())
}

/// The ESC/POS bytes of `receipt` on `width` paper, the `logo` (if any) at
/// its head.
pub fn bytes(receipt: &Receipt, width: Width, logo: Option<&Raster>) -> Vec<u8> {
    let mut doc = Doc::new(width);
    if let Some(logo) = logo {
        doc.align(Align::Center).raster(logo).align(Align::Left);
    }
    let cols = doc.columns();
    for line in &receipt.lines {
        match line {
            Line::Title(t) => {
                // Double width and height: half the columns.
                doc.align(Align::Center).bold(true).size(2, 2);
                for part in wrap(t, cols / 2) {
                    doc.line(&part);
                }
                doc.size(1, 1).bold(false).align(Align::Left);
            }
            Line::Center(t) => {
                for part in wrap(t, cols) {
                    doc.line(&center(&part, cols));
                }
            }
            Line::Row(k, v) => {
                for l in row(k, v, cols) {
                    doc.line(&l);
                }
            }
            Line::Total(k, v) => {
                doc.bold(true);
                for l in row(k, v, cols) {
                    doc.line(&l);
                }
                doc.bold(false);
            }
            Line::Rule => {
                doc.line(&"-".repeat(cols));
            }
            Line::Text(t) => {
                for part in wrap(t, cols) {
                    doc.line(&part);
                }
            }
        }
    }
    doc.feed(1).align(Align::Center).qr(&receipt.qr).align(Align::Left).feed(3).cut();
    doc.finish()
}
