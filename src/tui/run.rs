//! The terminal event loop: keys from crossterm, results from the runtime and
//! a 1 s tick, each turned into an action; effects run (journal writes
//! first), then the screen is redrawn.

use super::action::{Action, Effect};
use super::app::{App, ShopInfo};
use super::view::draw;
use crate::clock::SharedClock;
use crate::config::Config;
use crate::core::desk::Desk;
use crate::core::record::SaleRecord;
use crate::journal::Journal;
use crate::runtime::Runtime;
use crossterm::event::Event as TermEvent;
use std::collections::VecDeque;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

pub fn shop_info(config: &Config) -> ShopInfo {
    ShopInfo {
        name: config.shop.name.clone(),
        terminal: config.shop.terminal.clone(),
        currency: config.shop.currency.clone(),
        max_amount: config.shop.max_amount,
        timezone: config.timezone(),
    }
}

/// The journal and what a previous run left to resume.
pub struct Journaling {
    pub journal: Arc<Journal>,
    pub data_dir: PathBuf,
    /// Invoices to watch again.
    pub to_watch: Vec<SaleRecord>,
    /// Creates whose answer was never recorded.
    pub unresolved: Vec<SaleRecord>,
}

/// Today's sales in the shop's time zone.
pub fn today(journal: &Journal, tz: &jiff::tz::TimeZone, now: jiff::Timestamp) -> Result<Vec<SaleRecord>, String> {
    let date = now.to_zoned(tz.clone()).date();
    let (from, until) = crate::core::report::day_bounds(date, tz).ok_or("the day's bounds are out of range")?;
    journal.between(from, until).map_err(|e| e.to_string())
}

/// Writes the receipt of a paid sale to `dir/receipts/<reference>.txt`.
pub fn write_receipt(journal: &Journal, dir: &std::path::Path, key: &str, shop: &ShopInfo) -> Result<PathBuf, String> {
    let record = journal.find(key).map_err(|e| e.to_string())?.ok_or("no such sale in the journal")?;
    let text = crate::core::receipt::text(&record, &shop.name, &shop.timezone);
    let receipts = dir.join("receipts");
    std::fs::create_dir_all(&receipts).map_err(|e| e.to_string())?;
    let path = receipts.join(format!("{}.txt", record.reference));
    std::fs::write(&path, text).map_err(|e| e.to_string())?;
    Ok(path)
}

/// Runs the till until the cashier quits. The terminal is restored on the
/// way out, on a panic too (ratatui's hook).
pub async fn run(
    config: &Config,
    registry: crate::gateway::Registry,
    demo_url: Option<String>,
    clock: SharedClock,
    journaling: Option<Journaling>,
) -> std::io::Result<()> {
    let (tx, mut core_rx) = mpsc::unbounded_channel();
    let mut runtime = Runtime::new(Arc::new(registry), tx);
    if let Some(j) = &journaling {
        runtime = runtime.with_journal(j.journal.clone(), &config.shop.terminal, clock.clone());
    }
    let methods = runtime.registry().methods();
    let desk = Desk::new(config.poll.clone(), clock.now());
    let mut app = App::new(desk, shop_info(config), methods, demo_url.is_some());
    app.journaled = journaling.is_some();
    if let Some(w) = config.warnings.first() {
        app.flash = Some(format!("Config warning: {w}"));
    }
    let mut pending: VecDeque<Effect> = VecDeque::new();
    if let Some(j) = &journaling {
        pending.extend(app.resume(&j.to_watch, &j.unresolved));
    }

    // Terminal input is read on its own thread: the read blocks, so the loop idles.
    let (key_tx, mut key_rx) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        while let Ok(ev) = crossterm::event::read() {
            if key_tx.send(ev).is_err() {
                break;
            }
        }
    });
    let (demo_tx, mut demo_rx) = mpsc::unbounded_channel();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);

    let mut terminal = ratatui::try_init()?;
    let result = async {
        loop {
            // Effects first (journal writes before anything is shown), then one draw.
            while let Some(effect) = pending.pop_front() {
                let follow = match effect {
                    Effect::Run(command) => {
                        runtime.run(command);
                        None
                    }
                    Effect::Record(notices) => {
                        runtime.record(&app.desk, &notices).err().map(|p| Action::JournalFailed(p.message))
                    }
                    Effect::LoadHistory => {
                        journaling.as_ref().map(|j| Action::History(today(&j.journal, &app.shop.timezone, clock.now())))
                    }
                    Effect::WriteReceipt(reference) => journaling.as_ref().map(|j| {
                        Action::Receipt(
                            write_receipt(&j.journal, &j.data_dir, reference.as_str(), &app.shop)
                                .map(|p| p.display().to_string()),
                        )
                    }),
                    Effect::Bell => {
                        let mut out = std::io::stdout();
                        let _ = out.write_all(b"\x07");
                        let _ = out.flush();
                        None
                    }
                    Effect::SimulatePayment(provider, reference) => {
                        if let Some(url) = demo_url.clone() {
                            let tx = demo_tx.clone();
                            tokio::spawn(async move {
                                let _ = tx.send(crate::demo::simulate_payment(&url, provider, &reference).await);
                            });
                        }
                        None
                    }
                    Effect::Quit => None,
                };
                if let Some(action) = follow {
                    pending.extend(app.update(action));
                }
            }
            if app.quit {
                return Ok(());
            }
            terminal.draw(|f| draw(&app, f))?;
            let wake = app.desk.next_wake();
            let action = tokio::select! {
                Some(ev) = key_rx.recv() => match ev {
                    TermEvent::Key(k) => Action::Key(k),
                    TermEvent::Resize(..) => {
                        terminal.autoresize()?;
                        continue;
                    }
                    _ => continue,
                },
                Some(event) = core_rx.recv() => Action::Core(event),
                Some(result) = demo_rx.recv() => Action::DemoPaid(result),
                _ = tick.tick() => Action::Tick(clock.now()),
                // The poll schedule's next turn.
                _ = crate::runtime::until(wake, &clock) => Action::Tick(clock.now()),
            };
            pending.extend(app.update(action));
        }
    }
    .await;
    ratatui::restore();
    result
}
