//! `till display`: the customer's screen, in a second terminal on the same
//! machine (a monitor turned to the customer, a second tty, another pane).
//! It follows the till's sale in hand through the socket the till publishes
//! in its data directory (`runtime::publish`, whose module doc describes the
//! wire format): push-based, so a change shows as soon as the till has
//! journaled it. It never talks to a gateway and never opens the journal.
//! Started before the till, it waits for it; when the till stops or
//! restarts, it shows the shop's name and connects again.
//!
//! It runs on a small loop of its own, not on the runtime's `Drive`: the
//! drive loop exists to carry out a desk's commands (gateway calls, journal
//! writes, the poll schedule), and the display has no desk, no gateways and
//! no journal: `Face::desk()` would have to be a fake. Its inputs are three:
//! the till's lines, the keys (q or Ctrl-C quits) and a one-second tick for
//! the countdown.

pub mod link;
pub mod screen;

use crate::config;
use link::Feed;
use ratatui::Terminal;
use ratatui::backend::Backend;
use screen::{Drawn, Screen};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

/// What reaches the display's loop.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Input {
    Feed(Feed),
    /// A resize: draw again.
    Redraw,
    Quit,
}

/// The socket of the till that uses `data_dir` with `config` (the demo keeps
/// its own directory, as the till does).
pub fn socket_path(config: &config::Config, data_dir: &Path) -> PathBuf {
    let dir = if config.is_demo() { data_dir.join("demo") } else { data_dir.to_path_buf() };
    dir.join(crate::runtime::publish::SOCKET)
}

/// `till display`: the exit code. `json` prints each view received as a
/// line of the wire format instead of drawing (and `{"v":1,"link":"lost"}`
/// when the till goes away).
pub async fn main(config_flag: Option<&Path>, data_dir: &Path, json: bool) -> i32 {
    // The till's config, without its secrets: the display talks to no gateway.
    let config = match config::load_without_secrets(config_flag) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("till: {e}");
            return 1;
        }
    };
    let socket = socket_path(&config, data_dir);
    if let Some(dir) = socket.parent() {
        crate::logging::init(Some(dir));
    }
    let (tx, mut feeds) = unbounded_channel();
    tokio::spawn(link::follow(socket, tx, link::RETRY));
    if json {
        return print_feeds(&mut feeds).await;
    }
    let (tx, mut inputs) = unbounded_channel();
    let keys = tx.clone();
    tokio::spawn(async move {
        while let Some(feed) = feeds.recv().await {
            if tx.send(Input::Feed(feed)).is_err() {
                return;
            }
        }
    });
    let mut terminal = match ratatui::try_init() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("till: the terminal cannot be used for the display: {e}");
            return 1;
        }
    };
    let mut screen = Screen::new(&config.shop.name);
    // How this terminal draws the QR: asked once, raw mode on, before the
    // key thread reads stdin (the answers come there). The QR stays black on
    // white under NO_COLOR, so crossterm must not drop its colours.
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    screen.caps = crate::tui::qr::detect::detect(config.display.qr, no_color);
    crossterm::style::force_color_output(true);
    std::thread::spawn(move || read_keys(&keys));
    let result = run(&mut terminal, &mut screen, &mut inputs, crate::clock::system()).await;
    ratatui::restore();
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("till: the display's terminal failed: {e}");
            1
        }
    }
}

/// Terminal keys, read on their own thread (the read blocks).
fn read_keys(inputs: &tokio::sync::mpsc::UnboundedSender<Input>) {
    use crossterm::event::{Event, KeyCode, KeyEventKind, KeyModifiers};
    while let Ok(ev) = crossterm::event::read() {
        let input = match ev {
            Event::Key(k) if k.kind == KeyEventKind::Release => continue,
            Event::Key(k) => match k.code {
                KeyCode::Char('q' | 'Q') => Input::Quit,
                KeyCode::Char('c') if k.modifiers.contains(KeyModifiers::CONTROL) => Input::Quit,
                _ => continue,
            },
            Event::Resize(..) => Input::Redraw,
            _ => continue,
        };
        if inputs.send(input).is_err() {
            break;
        }
    }
}

/// The display's loop: draw, then wait for a line from the till, a key or
/// the next second. Ends on `Quit` (or when every input is gone).
pub async fn run<B: Backend>(
    terminal: &mut Terminal<B>,
    screen: &mut Screen,
    inputs: &mut UnboundedReceiver<Input>,
    clock: crate::clock::SharedClock,
) -> std::io::Result<()> {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut left_out = false;
    loop {
        let now = clock.now();
        let mut drawn = Drawn::default();
        terminal.draw(|f| drawn = screen::draw(f, screen, now)).map_err(|e| std::io::Error::other(e.to_string()))?;
        if drawn.code_left_out != left_out {
            left_out = drawn.code_left_out;
            if left_out {
                let size = terminal.size().map(|s| format!("{}×{}", s.width, s.height)).unwrap_or_default();
                let need =
                    screen.code().map(|c| c.needed(&screen.caps)).map(|(w, h)| format!("{w}×{h}")).unwrap_or_default();
                tracing::warn!(terminal = %size, code = %need, "the QR does not fit the display's terminal: amount shown without it");
            }
        }
        tokio::select! {
            input = inputs.recv() => match input {
                Some(Input::Feed(feed)) => screen.feed(feed),
                Some(Input::Redraw) => {}
                Some(Input::Quit) | None => return Ok(()),
            },
            _ = tick.tick() => {}
        }
    }
}

/// `--json`: each view as a wire line on stdout, until stdout closes.
async fn print_feeds(feeds: &mut UnboundedReceiver<Feed>) -> i32 {
    let mut out = std::io::stdout();
    while let Some(feed) = feeds.recv().await {
        let line = match feed {
            Feed::Live(view) => crate::runtime::publish::encode(&view),
            Feed::Lost => "{\"v\":1,\"link\":\"lost\"}\n".to_string(),
        };
        if out.write_all(line.as_bytes()).and_then(|()| out.flush()).is_err() {
            return 0;
        }
    }
    0
}
