//! The terminal event loop: keys from crossterm, results from the runtime and
//! a 1 s tick, each turned into an action; the screen is redrawn after each.

use super::app::{Action, App, Effect, ShopInfo};
use super::view::draw;
use crate::clock::SharedClock;
use crate::config::Config;
use crate::core::desk::Desk;
use crate::runtime::Runtime;
use crossterm::event::Event as TermEvent;
use std::io::Write;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

pub fn shop_info(config: &Config) -> ShopInfo {
    let timezone = config
        .shop
        .timezone
        .as_deref()
        .and_then(|tz| jiff::tz::TimeZone::get(tz).ok())
        .unwrap_or_else(jiff::tz::TimeZone::system);
    ShopInfo {
        name: config.shop.name.clone(),
        terminal: config.shop.terminal.clone(),
        currency: config.shop.currency.clone(),
        max_amount: config.shop.max_amount,
        timezone,
    }
}

/// Runs the till until the cashier quits. The terminal is restored on the
/// way out, on a panic too (ratatui's hook).
pub async fn run(
    config: &Config,
    registry: crate::gateway::Registry,
    demo_url: Option<String>,
    clock: SharedClock,
) -> std::io::Result<()> {
    let (tx, mut core_rx) = mpsc::unbounded_channel();
    let runtime = Runtime::new(Arc::new(registry), tx);
    let methods = runtime.registry().methods();
    let desk = Desk::new(config.poll.clone(), clock.now());
    let mut app = App::new(desk, shop_info(config), methods, demo_url.is_some());
    if let Some(w) = config.warnings.first() {
        app.flash = Some(format!("Config warning: {w}"));
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
        terminal.draw(|f| draw(&app, f))?;
        loop {
            let action = tokio::select! {
                Some(ev) = key_rx.recv() => match ev {
                    TermEvent::Key(k) => Action::Key(k),
                    TermEvent::Resize(..) => {
                        terminal.autoresize()?;
                        terminal.draw(|f| draw(&app, f))?;
                        continue;
                    }
                    _ => continue,
                },
                Some(event) = core_rx.recv() => Action::Core(event),
                Some(result) = demo_rx.recv() => Action::DemoPaid(result),
                _ = tick.tick() => Action::Tick(clock.now()),
            };
            for effect in app.update(action) {
                match effect {
                    Effect::Run(command) => runtime.run(command),
                    Effect::Bell => {
                        let mut out = std::io::stdout();
                        let _ = out.write_all(b"\x07");
                        let _ = out.flush();
                    }
                    Effect::SimulatePayment(reference) => {
                        if let Some(url) = demo_url.clone() {
                            let tx = demo_tx.clone();
                            tokio::spawn(async move {
                                let _ =
                                    tx.send(crate::demo::simulate_payment(&url, &reference).await);
                            });
                        }
                    }
                    Effect::Quit => {}
                }
            }
            if app.quit {
                return Ok(());
            }
            terminal.draw(|f| draw(&app, f))?;
        }
    }
    .await;
    ratatui::restore();
    result
}
