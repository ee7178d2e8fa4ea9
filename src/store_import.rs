//! `till store import`: this till's SQLite journal (in its data directory)
//! copied into the PostgreSQL store of `[store] url` (or
//! `TILL_DATABASE_URL`), to move an existing till onto the store. A second
//! run adds nothing: sales the store holds already are skipped with their
//! status lines (`journal::postgres::import`).

use crate::config;
use crate::journal::{self, SqliteJournal};
use std::path::Path;

/// Runs the import; the process's exit code.
pub async fn main(config_flag: Option<&Path>, data_dir: &Path) -> i32 {
    let fail = |m: String| {
        eprintln!("till: {m}");
        crate::cli::exit::ERROR
    };
    let config = match config::load(config_flag) {
        Ok(c) => c,
        Err(e) => return fail(e.to_string()),
    };
    crate::logging::init(Some(data_dir));
    let Some(store) = &config.store else {
        return fail(
            "there is no store to import into: add [store] url = \"postgres://USER@HOST/DATABASE\" to the config, or set TILL_DATABASE_URL."
                .into(),
        );
    };
    let dir = if config.is_demo() { data_dir.join("demo") } else { data_dir.to_path_buf() };
    let path = dir.join(journal::FILE);
    // No till may write the journal while it is copied: a change made after
    // the copy (a late payment) would never reach the store.
    let _lock = match journal::lock(&dir) {
        Ok(lock) => lock,
        Err(journal::JournalError::Locked { .. }) => {
            return fail(format!(
                "a till is running on {}: stop it, then import (a sale it changes after the copy would not reach the store).",
                dir.display()
            ));
        }
        Err(e) => return fail(e.to_string()),
    };
    // Refuses a journal of a newer till (or one to be upgraded first) in plain words.
    match SqliteJournal::open_read_only(&dir) {
        Ok(Some(_)) => {}
        Ok(None) => {
            println!("There is no journal in {}: nothing to import.", dir.display());
            return crate::cli::exit::OK;
        }
        Err(e) => return fail(e.to_string()),
    }
    match journal::postgres::import::into_store(store, &path).await {
        Ok(done) => {
            let count = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
            println!(
                "Imported {} and {} from {} into {}; {} already there.",
                count(done.sales, "sale", "sales"),
                count(done.events, "event", "events"),
                path.display(),
                store.shown(),
                count(done.already, "was", "were")
            );
            crate::cli::exit::OK
        }
        Err(e) => fail(format!(
            "the import stopped: {}. Run it again: what was copied stays, nothing is copied twice.",
            e.to_string().trim_end_matches(".")
        )),
    }
}
