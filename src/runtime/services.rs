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
