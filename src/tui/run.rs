//! The terminal face on the runtime's drive loop: keys from crossterm on
//! their own thread; the app turns inputs into effects; the screen is drawn
//! after each turn's effects (journal writes first).

use super::action::{Action, Effect};
use super::app::{App, ShopInfo};
use super::qr::detect::detect;
use super::view::draw;
use crate::clock::SharedClock;
use crate::config::Config;
use crate::core::desk::Desk;
use crate::core::record::SaleRecord;
use crate::journal::Store;
use crate::runtime::{Drive, Face, Runtime, Services};
use crossterm::event::{Event as TermEvent, KeyEvent};
use ratatui::Terminal;
use ratatui::backend::Backend;
use std::path::PathBuf;
use std::sync::Arc;
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
    pub journal: Arc<dyn Store>,
    pub data_dir: PathBuf,
    /// Invoices to watch again.
    pub to_watch: Vec<SaleRecord>,
    /// Creates whose answer was never recorded.
    pub unresolved: Vec<SaleRecord>,
    /// This till's lease, on a store shared by many tills.
    pub leasing: Option<crate::runtime::lease::Leasing>,
}

/// The terminal face: the app and the terminal it draws on (a real one, or
/// a test backend).
pub struct Tui<B: Backend> {
    pub app: App,
    pub terminal: Terminal<B>,
}

impl<B: Backend> Face for Tui<B> {
    type Key = KeyEvent;

    fn update(&mut self, input: Action) -> Vec<Effect> {
        self.app.update(input)
    }

    fn desk(&self) -> &Desk {
        &self.app.desk
    }

    fn render(&mut self) -> std::io::Result<()> {
        let app = &self.app;
        self.terminal.draw(|f| draw(app, f)).map(|_| ()).map_err(|e| std::io::Error::other(e.to_string()))
    }

    fn finished(&self) -> Option<i32> {
        self.app.quit.then_some(0)
    }
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
    let (tx, core_rx) = mpsc::unbounded_channel();
    let mut runtime = Runtime::new(Arc::new(registry), tx);
    if let Some(j) = &journaling {
        runtime = runtime.with_journal(j.journal.clone(), &config.shop.terminal, clock.clone());
        if let Some(l) = j.leasing.clone() {
            runtime = runtime.with_leasing(l);
        }
    }
    let methods = runtime.registry().methods();
    let desk = crate::runtime::lease::desk(&runtime, config.poll.clone(), clock.now());
    let pricing = crate::core::tax::Pricing { tips: config.sale.tips.clone(), tax: config.tax.clone() };
    let mut app = App::new(desk, shop_info(config), methods, demo_url.is_some()).with_pricing(pricing);
    app.journaled = journaling.is_some();
    app.cancelable = runtime.registry().all().filter(|g| g.can_cancel()).map(|g| g.provider()).collect();
    if let Some(w) = config.warnings.first() {
        app.flash = Some(format!("Config warning: {w}"));
    }
    let mut start = Vec::new();
    if let Some(j) = &journaling {
        start.extend(app.resume(&j.to_watch, &j.unresolved));
    }
    let services = Services {
        data_dir: journaling.as_ref().map(|j| j.data_dir.clone()),
        shop_name: config.shop.name.clone(),
        timezone: config.timezone(),
        demo_url,
        terminal: config.shop.terminal.clone(),
        printing: crate::runtime::printing::Printing::new(config.printer.clone()),
    };
    let mut drive = Drive::new(runtime, core_rx).with_services(services);
    drive.print_missed();
    // `till display` follows the sale through a socket in the data directory.
    if let Some(j) = &journaling {
        match crate::runtime::publish::Publisher::bind(&j.data_dir, &config.shop.name) {
            Ok(publisher) => drive = drive.publishing(publisher),
            Err(e) => tracing::warn!(error = %e, "the customer's display cannot be served"),
        }
    }

    let terminal = ratatui::try_init()?;
    // How the QR can be drawn: asked once, raw mode on, before the input
    // thread reads keys (the answers come on stdin). NO_COLOR leaves the
    // rest of the screen plain (`theme::strip_colors`); the QR stays black
    // on white, so crossterm must not drop its colours.
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    app.codes.caps = detect(config.display.qr, no_color);
    crossterm::style::force_color_output(true);
    // Terminal input is read on its own thread: the read blocks, so the loop idles.
    let inputs = drive.inputs();
    std::thread::spawn(move || {
        while let Ok(ev) = crossterm::event::read() {
            let input = match ev {
                TermEvent::Key(k) => Action::Key(k),
                // The next draw fits the new size.
                TermEvent::Resize(..) => Action::Redraw,
                _ => continue,
            };
            if inputs.send(input).is_err() {
                break;
            }
        }
    });

    let mut face = Tui { app, terminal };
    let result = drive.run(&mut face, start).await;
    ratatui::restore();
    result.map(|_| ())
}
