//! `till board`: the operator's board. Every terminal's invoices on the
//! shared PostgreSQL store, live, on any machine that reaches the database:
//! the dashboard's table with a Terminal column, each terminal's state and
//! takings, notices (with the bell) for invoices paid and needing attention.
//!
//! It is read-only: it needs `[shop]` (the time zone) and `[store]`, no
//! gateway secret, and works with a database role granted SELECT only (its
//! feed, `journal::postgres::feed`, only reads and LISTENs). No key changes
//! anything in the store.
//!
//! Like `till display`, it runs on a small loop of its own, not on the
//! runtime's drive loop (it has no desk, no gateways, no journal to write).
//! Its inputs: the feed's updates, the keys, resizes, and a timer only while
//! something on screen counts down.
//!
//! - `state`: the board's state, built from the feed (pure);
//! - `screen`: drawing it;
//! - `json`: `--json`, one line per update.

pub mod json;
pub mod screen;
pub mod state;

use crate::config;
use crate::journal::fleet::BoardUpdate;
use crate::journal::postgres::{connect, feed};
use crossterm::event::KeyEvent;
use ratatui::Terminal;
use ratatui::backend::Backend;
use screen::Shop;
use state::Board;
use std::io::Write;
use std::path::Path;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

/// What reaches the board's loop.
#[derive(Debug)]
pub enum Input {
    Update(BoardUpdate),
    Key(KeyEvent),
    /// A resize: draw again.
    Redraw,
}

/// The sentence when there is no store to read.
pub const NO_STORE: &str = "the board reads the shared store, and none is configured: add [store] url = \"postgres://USER@HOST/DATABASE\" to the config (or set TILL_DATABASE_URL)";

/// Runs the board; the process's exit code.
pub async fn main(config_flag: Option<&Path>, data_dir: &Path, terminal: Option<&str>, json: bool) -> i32 {
    // The config without its secrets: the board talks to no gateway.
    let config = match config::load_for_board(config_flag) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("till: {e}");
            return 1;
        }
    };
    crate::logging::init(Some(data_dir));
    let from_env = match config.store.clone() {
        Some(store) => Some(store),
        None => match config::store::StoreConfig::from_env(None) {
            Ok(store) => store,
            Err(e) => {
                eprintln!("till: {e}.");
                return 1;
            }
        },
    };
    let Some(store) = from_env else {
        eprintln!("till: {NO_STORE}.");
        return 1;
    };
    let target = match connect::target(&store) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("till: {e}");
            return 1;
        }
    };
    let clock = crate::clock::system();
    let tz = config.timezone();
    let updates = feed::feed(target, Board::since(clock.now(), &tz));
    let board = Board::new(tz, terminal.map(str::to_string));
    if json {
        return print_updates(board, updates, &clock).await;
    }
    let shop = Shop { name: config.shop.name.clone(), policy: config.poll.clone() };
    let (tx, mut inputs) = unbounded_channel();
    let keys = tx.clone();
    tokio::spawn(forward(updates, tx));
    let mut terminal = match ratatui::try_init() {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "board: the terminal cannot be used");
            eprintln!("till: this terminal cannot show the board (run it in a terminal, or use --json).");
            return 1;
        }
    };
    std::thread::spawn(move || read_keys(&keys));
    let mut bell = std::io::stdout();
    let result = run(&mut terminal, board, &shop, &mut inputs, &clock, &mut bell).await;
    ratatui::restore();
    match result {
        Ok(()) => 0,
        Err(e) => {
            tracing::error!(error = %e, "board: the terminal failed");
            eprintln!("till: the board's terminal stopped working; start it again.");
            1
        }
    }
}

/// The feed's updates into the loop's inputs.
async fn forward(mut updates: UnboundedReceiver<BoardUpdate>, tx: tokio::sync::mpsc::UnboundedSender<Input>) {
    while let Some(u) = updates.recv().await {
        if tx.send(Input::Update(u)).is_err() {
            return;
        }
    }
}

/// Terminal keys, read on their own thread (the read blocks).
fn read_keys(inputs: &tokio::sync::mpsc::UnboundedSender<Input>) {
    use crossterm::event::{Event, KeyEventKind};
    while let Ok(ev) = crossterm::event::read() {
        let input = match ev {
            Event::Key(k) if k.kind == KeyEventKind::Release => continue,
            Event::Key(k) => Input::Key(k),
            Event::Resize(..) => Input::Redraw,
            _ => continue,
        };
        if inputs.send(input).is_err() {
            break;
        }
    }
}

/// The board's loop: draw, then wait for an update, a key, a resize, or
/// (only while something counts down) the next second. Each notice rings
/// the bell once, written to `bell` after the state took the update and
/// before the next draw. Ends on `q` (or when every input is gone).
pub async fn run<B: Backend>(
    terminal: &mut Terminal<B>,
    mut board: Board,
    shop: &Shop,
    inputs: &mut UnboundedReceiver<Input>,
    clock: &crate::clock::SharedClock,
    bell: &mut dyn Write,
) -> std::io::Result<()> {
    loop {
        let now = clock.now();
        terminal.draw(|f| screen::draw(f, &board, shop, now)).map_err(|e| std::io::Error::other(e.to_string()))?;
        let input = match board.idle_for(now) {
            Some(wait) => tokio::select! {
                input = inputs.recv() => input,
                () = tokio::time::sleep(wait) => continue,
            },
            None => inputs.recv().await,
        };
        match input {
            Some(Input::Update(u)) => {
                let notices = board.apply(u, clock.now());
                if !notices.is_empty() {
                    ring(bell, notices.len());
                }
            }
            Some(Input::Key(k)) => {
                let ctrl = k.modifiers.contains(crossterm::event::KeyModifiers::CONTROL);
                board.key(k.code, ctrl, clock.now());
                if board.quit {
                    return Ok(());
                }
            }
            Some(Input::Redraw) => {}
            None => return Ok(()),
        }
    }
}

/// The bell, once per notice.
fn ring(out: &mut dyn Write, times: usize) {
    let bells = "\x07".repeat(times);
    if let Err(e) = out.write_all(bells.as_bytes()).and_then(|()| out.flush()) {
        tracing::warn!(error = %e, "board: the bell cannot be rung");
    }
}

/// `--json`: each update applied, as lines on stdout, until stdout closes.
async fn print_updates(
    mut board: Board,
    mut updates: UnboundedReceiver<BoardUpdate>,
    clock: &crate::clock::SharedClock,
) -> i32 {
    let mut out = std::io::stdout();
    while let Some(update) = updates.recv().await {
        let notices = board.apply(update.clone(), clock.now());
        for line in json::lines(&update, &notices, board.terminal.as_deref()) {
            if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
                return 0;
            }
        }
    }
    0
}
