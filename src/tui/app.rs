//! The terminal face's state and its update function: actions in, effects
//! out. The `App` keeps what the screens share (the desk, the shop, the
//! flash line, the question on top) and routes: each key to the screen on
//! display, whose table says what it does, and what the screen asks for
//! ([`Intent`]) to the desk or the other screens.

use super::action::{Action, Effect};
use super::ctx::Ctx;
pub use super::ctx::ShopInfo;
use super::intent::{Intent, Modal};
use super::keys::{self, Setup};
use super::screens::dashboard::{self, Dashboard};
use super::screens::history::{self, History, HistoryFilter};
use super::screens::invoice::{self, Codes};
use super::screens::picker::{self, Picker};
use super::screens::sale::{self, Amount};
use super::screens::tip::Tip;
use super::screens::{creating, global};
use crate::core::desk::{Desk, Event, Notice};
use crate::core::invoice::Reference;
use crate::core::method::{PaymentMethod, ProviderId};
use crate::core::record::SaleRecord;
use crate::core::sale::Sale;
use crate::core::status::Status;
use crate::core::tax::Pricing;
use crate::core::words::count;
use crate::runtime::CloseNews;
use crossterm::event::{KeyEvent, KeyEventKind};
use jiff::Timestamp;

/// The screen on display.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    /// Over whatever screen was up.
    Dashboard,
    History,
    Sale,
    /// The tip, then the tax rate (when several), after the amount.
    Tip,
    Picker,
    /// Creating the invoice, or its failure.
    Creating,
    Invoice,
}

pub struct App {
    pub desk: Desk,
    pub shop: ShopInfo,
    pub methods: Vec<PaymentMethod>,
    pub demo: bool,
    /// Whether sales are journaled (history and receipts need it).
    pub journaled: bool,
    /// One line of news for the cashier (a cancel that failed, a background change).
    pub flash: Option<String>,
    /// The question on top of the screen.
    pub modal: Option<Modal>,
    pub quit: bool,
    /// The sale screen's amount.
    pub amount: Amount,
    pub picker: Picker,
    /// The tip screen, between the amount and the picker, while it is up.
    pub tip: Option<Tip>,
    /// The tip presets and the tax (`[sale] tips`, `[tax]`): none by default.
    pub pricing: Pricing,
    /// The invoices' QR codes (the invoice screen draws them).
    pub codes: Codes,
    /// The history screen, while it is up.
    pub history: Option<History>,
    /// The dashboard of every watched invoice (`Tab`), over whatever screen
    /// was up; its filters are kept while it is closed.
    pub dashboard: Dashboard,
    /// The gateways that can cancel an open invoice (`Gateway::can_cancel`);
    /// `c` on another's invoice offers to set it aside. Every gateway until
    /// the runner says which.
    pub cancelable: Vec<ProviderId>,
    new_reference: Box<dyn FnMut() -> Reference + Send>,
}

impl App {
    pub fn new(desk: Desk, shop: ShopInfo, methods: Vec<PaymentMethod>, demo: bool) -> App {
        App {
            desk,
            shop,
            methods,
            demo,
            journaled: false,
            flash: None,
            modal: None,
            quit: false,
            amount: Amount::default(),
            picker: Picker::default(),
            tip: None,
            pricing: Pricing::default(),
            codes: Codes::default(),
            history: None,
            dashboard: Dashboard::default(),
            cancelable: ProviderId::ALL.to_vec(),
            new_reference: Box::new(Reference::random),
        }
    }

    /// Asks for a tip and the tax rate as `pricing` says.
    pub fn with_pricing(mut self, pricing: Pricing) -> App {
        self.pricing = pricing;
        self
    }

    /// Replaces the reference generator (tests).
    pub fn with_references(mut self, f: impl FnMut() -> Reference + Send + 'static) -> App {
        self.new_reference = Box::new(f);
        self
    }

    pub fn now(&self) -> Timestamp {
        self.desk.now
    }

    pub fn setup(&self) -> Setup {
        Setup { demo: self.demo, journaled: self.journaled }
    }

    /// What the screens read.
    pub fn ctx(&self) -> Ctx<'_> {
        Ctx {
            desk: &self.desk,
            shop: &self.shop,
            methods: &self.methods,
            cancelable: &self.cancelable,
            setup: self.setup(),
        }
    }

    /// The screen on display: the dashboard over anything, then the
    /// history, then the sale's own.
    pub fn screen(&self) -> Screen {
        if self.dashboard.open {
            return Screen::Dashboard;
        }
        if self.history.is_some() {
            return Screen::History;
        }
        match self.desk.sale {
            Sale::Amount if self.tip.is_some() => Screen::Tip,
            Sale::Amount => Screen::Sale,
            Sale::Method { .. } => Screen::Picker,
            Sale::Creating { .. } | Sale::Failed { .. } => Screen::Creating,
            Sale::Open { .. } | Sale::Final { .. } => Screen::Invoice,
        }
    }

    /// Invoices on the dashboard besides the one on screen.
    pub fn in_background(&self) -> bool {
        let now = self.now();
        let current = self.desk.sale.reference();
        self.desk.watches.iter().any(|w| Some(&w.invoice.reference) != current && dashboard::in_view(w, now))
    }

    /// The invoice on screen has not reached a final state.
    pub fn invoice_open(&self) -> bool {
        self.desk.current().is_some_and(|w| !w.status().is_final())
    }

    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Tick(now) => self.core(Event::Tick(now)),
            Action::Core(event) => self.core(event),
            Action::Key(key) => self.key(key),
            Action::History(result) => {
                let filter = self.history.as_ref().map_or(HistoryFilter::All, |h| h.filter);
                let mut history = History::loading(filter);
                match result {
                    Ok(records) => history.records = records,
                    Err(e) => history.error = Some(e),
                }
                self.history = Some(history);
                Vec::new()
            }
            Action::Receipt(result) => {
                // A sentence either way (written, printed, or why not).
                self.flash = Some(match result {
                    Ok(said) | Err(said) => said,
                });
                Vec::new()
            }
            Action::Close(news) => {
                match news {
                    CloseNews::Preview { day, sales, paid } => {
                        self.modal = Some(Modal::ConfirmClose { day, sales, paid });
                    }
                    CloseNews::Closed(words) | CloseNews::Refused(words) => self.flash = Some(words),
                }
                Vec::new()
            }
            Action::JournalFailed(e) => {
                self.flash = Some(e);
                Vec::new()
            }
            Action::Redraw => Vec::new(),
            Action::DemoPaid(result) => {
                if !self.invoice_open() {
                    return Vec::new();
                }
                self.flash = Some(match result {
                    Ok(()) => "Demo: the customer paid; waiting for the gateway to confirm…".into(),
                    Err(e) => format!("Demo: the payment could not be simulated ({e})."),
                });
                Vec::new()
            }
        }
    }

    fn core(&mut self, event: Event) -> Vec<Effect> {
        let out = self.desk.update(event);
        self.absorb(out)
    }

    /// Turns the core's outcome into effects and screen news.
    fn absorb(&mut self, out: crate::core::desk::Outcome) -> Vec<Effect> {
        // The desk's commands, its journal writes among them, in its order.
        let mut effects: Vec<Effect> = out.commands.into_iter().map(Effect::Run).collect();
        for notice in out.notices {
            match notice {
                Notice::Created(reference) => {
                    self.codes.encode(&self.desk, &reference);
                    self.flash = None;
                }
                Notice::Status { reference, change } => {
                    tracing::info!(%reference, from = %change.from, to = %change.to, origin = ?change.origin, "status changed");
                    let current = self.desk.sale.reference() == Some(&reference);
                    // The current sale's invoice is hidden while a list is up.
                    let on_screen = current && !self.dashboard.open && self.history.is_none();
                    // A gateway confirming the till's own expiry changes only
                    // who said it: news for the journal, not for the cashier.
                    let news = change.from != change.to;
                    if change.to == Status::Paid && news {
                        effects.push(Effect::Bell);
                    }
                    if !on_screen && change.to.is_final() && news {
                        // Said in passing: the screen on display stays.
                        self.flash = Some(match self.desk.watch(&reference) {
                            Some(w) => format!(
                                "{} · {} {} is now {}{}",
                                w.invoice.fiat,
                                w.invoice.method.provider.name(),
                                w.invoice.method.method.label(),
                                change.to.label(),
                                if w.paid_late() { " (paid late, after it expired)" } else { "" }
                            ),
                            None => format!("Another invoice is now {}", change.to.label()),
                        });
                    }
                    if change.to.is_final()
                        && matches!(&self.modal, Some(Modal::ConfirmCancel(r) | Modal::SetAside(r)) if *r == reference)
                    {
                        self.modal = None;
                    }
                    if on_screen && change.to.is_final() {
                        self.flash = None;
                    }
                    if current
                        && change.to.is_final()
                        && matches!(self.modal, Some(Modal::ConfirmQuit))
                        && !self.has_open()
                    {
                        self.modal = None;
                    }
                }
                Notice::Switched(reference) => self.codes.renew(&self.desk, &reference),
                Notice::CreateFailed(_) => {}
                Notice::CancelFailed { problem, .. } => {
                    self.flash = Some(format!("Could not cancel: {problem}"));
                }
                Notice::Conflict { reference, recorded, reported } => {
                    tracing::warn!(%reference, %recorded, %reported, "the gateway contradicts a final state; the first one stands");
                }
            }
        }
        effects
    }

    /// Takes back what a previous run left open: opens on the most recent
    /// open invoice, or on the history when there are several.
    pub fn resume(&mut self, records: &[SaleRecord], unresolved: &[SaleRecord]) -> Vec<Effect> {
        let out = self.desk.resume(records, unresolved);
        let open: Vec<Reference> =
            self.desk.watches.iter().filter(|w| !w.status().is_final()).map(|w| w.invoice.reference.clone()).collect();
        let mut effects = self.absorb(out);
        match open.as_slice() {
            [] => {}
            [one] => {
                // Codes are made when an invoice is shown, not for every one taken back.
                self.codes.encode(&self.desk, one);
                self.desk.priced = records.iter().find(|r| r.reference == *one).and_then(|r| r.breakdown.clone());
                effects.extend(self.core(Event::Show(one.clone())));
            }
            // Several: the dashboard lists them all, soonest to expire first.
            _ => self.dashboard.open = true,
        }
        if !open.is_empty() || !unresolved.is_empty() {
            self.flash = Some(format!(
                "Resumed {} from the journal{}.",
                count(open.len(), "open invoice", "open invoices"),
                if unresolved.is_empty() {
                    String::new()
                } else {
                    format!("; checking {}", count(unresolved.len(), "unrecorded create", "unrecorded creates"))
                }
            ));
        }
        effects
    }

    /// Whether the invoice's gateway can cancel it (else it can be set aside).
    fn can_cancel(&self, reference: &Reference) -> bool {
        self.desk.watch(reference).is_none_or(|w| self.cancelable.contains(&w.invoice.method.provider))
    }

    /// Any invoice still open, on screen or not.
    fn has_open(&self) -> bool {
        self.desk.open_count() > 0
    }

    /// A key: to the question on top, else the keys of every screen, else
    /// the screen on display.
    fn key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.kind == KeyEventKind::Release {
            return Vec::new();
        }
        let setup = self.setup();
        if let Some(modal) = &self.modal {
            let intent = modal.key(&key, setup);
            // Quitting leaves the question up to the last frame.
            if intent != Intent::QuitNow {
                self.modal = None;
            }
            return self.apply(intent);
        }
        let open = self.dashboard.open;
        if let Some(cmd) = keys::find(global::KEYS, &key, setup, |c| global::avail(c, open, true)) {
            return self.apply(global::run(cmd));
        }
        let screen = self.screen();
        let ctx =
            Ctx { desk: &self.desk, shop: &self.shop, methods: &self.methods, cancelable: &self.cancelable, setup };
        let code = key.code;
        let intent = match screen {
            Screen::Dashboard => {
                let listing = self.dashboard.listing(&ctx.desk.watches, ctx.now());
                let watches = &ctx.desk.watches;
                match keys::find(dashboard::KEYS, &key, setup, |c| Dashboard::avail(c, &listing, watches)) {
                    Some(cmd) => self.dashboard.run(cmd, code, &listing, &ctx),
                    None => Intent::Nothing,
                }
            }
            Screen::History => match self.history.as_mut() {
                Some(h) => match keys::find(history::KEYS, &key, setup, |c| h.avail(c)) {
                    Some(cmd) => h.run(cmd, code, &ctx),
                    None => Intent::Nothing,
                },
                None => Intent::Nothing,
            },
            Screen::Sale => match keys::find(sale::KEYS, &key, setup, |c| self.amount.avail(c)) {
                Some(cmd) => self.amount.run(cmd, code, &ctx),
                None => Intent::Nothing,
            },
            Screen::Tip => match self.tip.as_mut() {
                Some(t) => match keys::find(t.keys(), &key, setup, |c| t.avail(c)) {
                    Some(cmd) => t.run(cmd, code, &ctx, &self.pricing),
                    None => Intent::Nothing,
                },
                None => Intent::Nothing,
            },
            Screen::Picker => match keys::find(picker::KEYS, &key, setup, |c| self.picker.avail(c, self.methods.len()))
            {
                Some(cmd) => self.picker.run(cmd, code, &ctx),
                None => Intent::Nothing,
            },
            Screen::Creating => keys::find(creating::KEYS, &key, setup, |c| creating::avail(c, &ctx))
                .map_or(Intent::Nothing, creating::run),
            Screen::Invoice => keys::find(invoice::KEYS, &key, setup, |c| invoice::avail(c, &ctx))
                .map_or(Intent::Nothing, |cmd| invoice::run(cmd, &ctx)),
        };
        self.apply(intent)
    }

    /// Carries out what a screen asked for.
    fn apply(&mut self, intent: Intent) -> Vec<Effect> {
        match intent {
            Intent::Nothing => Vec::new(),
            Intent::Core(event) => self.core(event),
            Intent::Effect(effect) => vec![effect],
            Intent::Flash(words) => {
                self.flash = Some(words);
                Vec::new()
            }
            Intent::Modal(Modal::ConfirmCancel(reference)) if !self.can_cancel(&reference) => {
                self.modal = Some(Modal::SetAside(reference));
                Vec::new()
            }
            Intent::Modal(modal) => {
                self.modal = Some(modal);
                Vec::new()
            }
            Intent::SetAside(reference) => {
                let named = self
                    .desk
                    .watch(&reference)
                    .map_or_else(|| reference.to_string(), |w| format!("{reference} ({})", w.invoice.fiat));
                let words = format!("Set aside: {named} stays watched in the background (Tab lists it).");
                // The sale in hand makes way for the next one (as `n`); one
                // already in the background just stays there.
                if self.desk.sale.reference() == Some(&reference) {
                    let effects = self.new_sale();
                    self.flash = Some(words);
                    effects
                } else {
                    self.flash = Some(words);
                    Vec::new()
                }
            }
            Intent::Charge(amount) => {
                self.picker = Picker::default();
                match Tip::start(amount.clone(), &self.pricing) {
                    Some(t) => {
                        self.tip = Some(t);
                        Vec::new()
                    }
                    None => {
                        let zero = crate::core::money::Money::new(rust_decimal::Decimal::ZERO, amount.currency.clone());
                        let breakdown = self.pricing.tax.breakdown(&amount, None, &zero);
                        if let Err(e) = breakdown.within(self.shop.max_amount) {
                            self.amount.error = Some(e);
                            return Vec::new();
                        }
                        self.core(Event::Priced(breakdown))
                    }
                }
            }
            Intent::Priced(breakdown) => {
                self.tip = None;
                self.picker = Picker::default();
                self.core(Event::Priced(*breakdown))
            }
            Intent::AmountAgain => {
                self.tip = None;
                Vec::new()
            }
            Intent::Choose(method) => {
                let reference = (self.new_reference)();
                self.core(Event::MethodChosen(method, reference))
            }
            Intent::Cancel(reference) => {
                self.flash = Some("Canceling the invoice…".into());
                self.core(Event::CancelRequested(reference))
            }
            Intent::NewSale => self.new_sale(),
            Intent::Show(reference) => {
                // As from the history: never in the middle of setting up a sale.
                if !matches!(self.desk.sale, Sale::Amount | Sale::Open { .. } | Sale::Final { .. }) {
                    self.flash =
                        Some("Finish or leave the sale being set up first (Esc), then open the invoice.".into());
                    return Vec::new();
                }
                self.show(reference)
            }
            Intent::Reopen(record) => self.reopen(*record),
            Intent::History => {
                self.history = Some(History::loading(HistoryFilter::All));
                vec![Effect::LoadHistory]
            }
            Intent::Leave => {
                self.history = None;
                Vec::new()
            }
            Intent::Dashboard => {
                let ctx = Ctx {
                    desk: &self.desk,
                    shop: &self.shop,
                    methods: &self.methods,
                    cancelable: &self.cancelable,
                    setup: self.setup(),
                };
                self.dashboard.toggle(&ctx);
                Vec::new()
            }
            Intent::Quit => self.request_quit(),
            Intent::QuitNow => {
                self.quit = true;
                vec![Effect::Quit]
            }
        }
    }

    fn request_quit(&mut self) -> Vec<Effect> {
        if self.has_open() {
            self.modal = Some(Modal::ConfirmQuit);
            Vec::new()
        } else {
            self.quit = true;
            vec![Effect::Quit]
        }
    }

    fn new_sale(&mut self) -> Vec<Effect> {
        self.amount = Amount::default();
        self.tip = None;
        self.picker = Picker::default();
        self.flash = None;
        // Codes of invoices that are no longer watched are not needed again.
        self.codes.keep_open(&self.desk);
        self.core(Event::NewSale)
    }

    /// Shows an invoice, leaving the lists.
    fn show(&mut self, reference: Reference) -> Vec<Effect> {
        self.dashboard.open = false;
        self.history = None;
        self.flash = None;
        self.codes.encode(&self.desk, &reference);
        self.core(Event::Show(reference))
    }

    /// A sale of the history: watched again if it is not (settled), then shown.
    fn reopen(&mut self, record: SaleRecord) -> Vec<Effect> {
        if self.desk.watch(&record.reference).is_none() {
            match record.watch(self.now()) {
                Some(w) => self.desk.add_settled(w),
                None => {
                    self.flash = Some(format!("No invoice was made for this sale ({}).", record.status_label()));
                    return Vec::new();
                }
            }
        }
        if matches!(self.desk.sale, Sale::Creating { .. } | Sale::Failed { .. } | Sale::Method { .. }) {
            return Vec::new();
        }
        // Its tip and tax, for the invoice screen.
        self.desk.priced = record.breakdown;
        self.show(record.reference)
    }
}
