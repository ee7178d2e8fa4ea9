//! `till store import` (to be written): this till's SQLite journal copied
//! into the PostgreSQL store of `[store] url`; a second run adds nothing.

use std::path::Path;

/// Runs the import; the process's exit code.
pub async fn main(config_flag: Option<&Path>, data_dir: &Path) -> i32 {
    let _ = (config_flag, data_dir);
    eprintln!("till: the import is not written yet");
    1
}
