//! The log file: everything technical goes here, never onto the terminal
//! while the UI is up.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The data directory: `--data-dir`, else `$TILL_DATA_DIR`, else the platform's.
pub fn data_dir(flag: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = flag {
        return Some(p.to_path_buf());
    }
    if let Some(p) = std::env::var_os("TILL_DATA_DIR").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    directories::ProjectDirs::from("", "", "till").map(|d| d.data_dir().to_path_buf())
}

/// Sends tracing output to `dir/till.log`. Returns the file's path, or None
/// when it cannot be opened (then nothing is logged: the terminal stays clean).
pub fn init(dir: Option<&Path>) -> Option<PathBuf> {
    let dir = dir?;
    std::fs::create_dir_all(dir).ok()?;
    let path = dir.join("till.log");
    let file = std::fs::OpenOptions::new().create(true).append(true).open(&path).ok()?;
    let filter = std::env::var("TILL_LOG").ok();
    let level = match filter.as_deref() {
        Some("debug") => tracing::Level::DEBUG,
        Some("trace") => tracing::Level::TRACE,
        Some("warn") => tracing::Level::WARN,
        _ => tracing::Level::INFO,
    };
    tracing_subscriber::fmt().with_writer(Mutex::new(file)).with_ansi(false).with_max_level(level).try_init().ok()?;
    Some(path)
}
