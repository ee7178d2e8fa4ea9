//! `till board`: the operator's board (to be written).

use std::path::Path;

/// Runs the board; the process's exit code.
pub async fn main(config_flag: Option<&Path>, data_dir: &Path, terminal: Option<&str>, json: bool) -> i32 {
    let _ = (config_flag, data_dir, terminal, json);
    eprintln!("till: the board is not written yet");
    1
}
