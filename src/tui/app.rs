//! The terminal face's state and its update function: actions in, effects
//! out. Drawing only reads this state.

use super::screens::dashboard::Dashboard;
use crate::core::desk::{Command, Desk, Event, Notice};
use crate::core::invoice::Reference;
use crate::core::method::{PaymentMethod, ProviderId};
use crate::core::money::{AmountInput, Currency, parse_amount};
use crate::core::record::{RecordState, SaleRecord};
use crate::core::sale::Sale;
use crate::core::status::Status;
use crate::qr::QrMatrix;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use jiff::Timestamp;
use rust_decimal::Decimal;
use std::collections::HashMap;

/// What the shop is, as the screens show it.
#[derive(Clone, Debug)]
pub struct ShopInfo {
    pub name: String,
    pub terminal: String,
    pub currency: Currency,
    pub max_amount: Decimal,
    pub timezone: jiff::tz::TimeZone,
}

/// A question on top of the screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Modal {
    Help,
    ConfirmCancel(Reference),
    ConfirmQuit,
}

/// Input to the face. Moved once per event, never stored in bulk: the
/// size difference between variants costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Action {
    Key(KeyEvent),
    /// The 1 s tick, with the wall clock.
    Tick(Timestamp),
    /// A result from the runtime.
    Core(Event),
    /// The demo's simulated payment failed or succeeded.
    DemoPaid(Result<(), String>),
    /// Today's sales, for the history screen.
    History(Result<Vec<SaleRecord>, String>),
    /// Where the receipt was written, or why it was not.
    Receipt(Result<String, String>),
    /// A journal write failed: the cashier must know.
    JournalFailed(String),
}

/// Which sales the history shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HistoryFilter {
    All,
    Open,
    Paid,
    Expired,
    Canceled,
    NotCreated,
}

impl HistoryFilter {
    const ORDER: [HistoryFilter; 6] = [
        HistoryFilter::All,
        HistoryFilter::Open,
        HistoryFilter::Paid,
        HistoryFilter::Expired,
        HistoryFilter::Canceled,
        HistoryFilter::NotCreated,
    ];

    pub fn label(self) -> &'static str {
        match self {
            HistoryFilter::All => "all",
            HistoryFilter::Open => "open",
            HistoryFilter::Paid => "paid",
            HistoryFilter::Expired => "expired",
            HistoryFilter::Canceled => "canceled",
            HistoryFilter::NotCreated => "not created",
        }
    }

    fn next(self) -> HistoryFilter {
        let i = Self::ORDER.iter().position(|f| *f == self).unwrap_or(0);
        Self::ORDER[(i + 1) % Self::ORDER.len()]
    }

    pub fn keeps(self, r: &SaleRecord) -> bool {
        let created = r.state == RecordState::Created;
        match self {
            HistoryFilter::All => true,
            HistoryFilter::Open => created && !r.status.is_final(),
            HistoryFilter::Paid => created && r.status == Status::Paid,
            HistoryFilter::Expired => created && matches!(r.status, Status::Expired | Status::ExpiredUnderpaid),
            HistoryFilter::Canceled => created && r.status == Status::Canceled,
            HistoryFilter::NotCreated => !created,
        }
    }
}

/// The history screen's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct History {
    pub records: Vec<SaleRecord>,
    pub filter: HistoryFilter,
    pub selected: usize,
    pub error: Option<String>,
}

impl History {
    /// The records the filter keeps, newest first.
    pub fn shown(&self) -> Vec<&SaleRecord> {
        self.records.iter().filter(|r| self.filter.keeps(r)).collect()
    }
}

/// Work for the event loop (moved once, like actions).
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    Run(Command),
    /// Demo mode: tell the sandbox the customer paid.
    SimulatePayment(ProviderId, Reference),
    Bell,
    Quit,
    /// Write these status changes to the journal (before the next draw).
    Record(Vec<Notice>),
    /// Load today's sales from the journal for the history screen.
    LoadHistory,
    /// Write the receipt of this paid sale.
    WriteReceipt(Reference),
}

pub struct App {
    pub desk: Desk,
    pub shop: ShopInfo,
    pub methods: Vec<PaymentMethod>,
    pub demo: bool,
    pub input: AmountInput,
    /// Why the last Enter on the amount was refused.
    pub input_error: Option<String>,
    pub picker: usize,
    pub modal: Option<Modal>,
    /// One line of news for the cashier (a cancel that failed, a background change).
    pub flash: Option<String>,
    /// Encoded QR codes of the invoices, by reference (encoded once, drawn often).
    pub codes: HashMap<Reference, Result<QrMatrix, String>>,
    pub quit: bool,
    /// The history screen, while it is up.
    pub history: Option<History>,
    /// The dashboard of every watched invoice (`Tab`), over whatever screen
    /// was up; its filters are kept while it is closed.
    pub dashboard: Dashboard,
    /// Whether sales are journaled (history and receipts need it).
    pub journaled: bool,
    new_reference: Box<dyn FnMut() -> Reference + Send>,
}

impl App {
    pub fn new(desk: Desk, shop: ShopInfo, methods: Vec<PaymentMethod>, demo: bool) -> App {
        App {
            desk,
            shop,
            methods,
            demo,
            input: AmountInput::default(),
            input_error: None,
            picker: 0,
            modal: None,
            flash: None,
            codes: HashMap::new(),
            quit: false,
            history: None,
            dashboard: Dashboard::default(),
            journaled: false,
            new_reference: Box::new(Reference::random),
        }
    }

    /// Replaces the reference generator (tests).
    pub fn with_references(mut self, f: impl FnMut() -> Reference + Send + 'static) -> App {
        self.new_reference = Box::new(f);
        self
    }

    pub fn now(&self) -> Timestamp {
        self.desk.now
    }

    /// The invoice on screen has not reached a final state.
    pub fn invoice_open(&self) -> bool {
        self.desk.current().is_some_and(|w| !w.status().is_final())
    }

    /// Whether something the screen shows changes with the clock.
    pub fn shows_countdown(&self) -> bool {
        matches!(self.desk.sale, Sale::Open { .. } | Sale::Creating { .. })
    }

    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Tick(now) => self.core(Event::Tick(now)),
            Action::Core(event) => self.core(event),
            Action::Key(key) => self.key(key),
            Action::History(result) => {
                let filter = self.history.as_ref().map_or(HistoryFilter::All, |h| h.filter);
                self.history = Some(match result {
                    Ok(records) => History { records, filter, selected: 0, error: None },
                    Err(e) => History { records: Vec::new(), filter, selected: 0, error: Some(e) },
                });
                Vec::new()
            }
            Action::Receipt(result) => {
                self.flash = Some(match result {
                    Ok(path) => format!("Receipt written to {path}"),
                    Err(e) => format!("The receipt could not be written: {e}"),
                });
                Vec::new()
            }
            Action::JournalFailed(e) => {
                self.flash = Some(e);
                Vec::new()
            }
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
        let mut effects: Vec<Effect> = out.commands.into_iter().map(Effect::Run).collect();
        let changes: Vec<Notice> =
            out.notices.iter().filter(|n| matches!(n, Notice::Status { .. } | Notice::Switched(_))).cloned().collect();
        if !changes.is_empty() {
            effects.insert(0, Effect::Record(changes));
        }
        for notice in out.notices {
            match notice {
                Notice::Created(reference) => {
                    self.encode(&reference);
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
                                "{} · {} {} is now {}",
                                w.invoice.fiat,
                                w.invoice.method.provider.name(),
                                w.invoice.method.method.label(),
                                change.to.label()
                            ),
                            None => format!("Another invoice is now {}", change.to.label()),
                        });
                    }
                    if change.to.is_final() && matches!(&self.modal, Some(Modal::ConfirmCancel(r)) if *r == reference) {
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
                Notice::Switched(reference) => {
                    self.codes.remove(&reference);
                    self.encode(&reference);
                }
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

    fn encode(&mut self, reference: &Reference) {
        if self.codes.contains_key(reference) {
            return;
        }
        if let Some(w) = self.desk.watch(reference) {
            let code = QrMatrix::encode(&w.invoice.payload.qr).map_err(|e| e.to_string());
            if let Err(e) = &code {
                tracing::error!(%reference, error = %e, "QR encoding failed");
            }
            self.codes.insert(reference.clone(), code);
        }
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
                self.encode(one);
                effects.extend(self.core(Event::Show(one.clone())));
            }
            // Several: the dashboard lists them all, soonest to expire first.
            _ => self.dashboard.open = true,
        }
        if !open.is_empty() || !unresolved.is_empty() {
            self.flash = Some(format!(
                "Resumed {} open invoice(s) from the journal{}.",
                open.len(),
                if unresolved.is_empty() {
                    String::new()
                } else {
                    format!("; checking {} unrecorded create(s)", unresolved.len())
                }
            ));
        }
        effects
    }

    /// Any invoice still open, on screen or not.
    fn has_open(&self) -> bool {
        self.desk.open_count() > 0
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

    fn key(&mut self, key: KeyEvent) -> Vec<Effect> {
        if key.kind == KeyEventKind::Release {
            return Vec::new();
        }
        let ctrl_c = key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c');
        if let Some(modal) = self.modal.clone() {
            return self.modal_key(modal, key.code, ctrl_c);
        }
        if ctrl_c {
            return self.request_quit();
        }
        match key.code {
            KeyCode::Char('?') => {
                self.modal = Some(Modal::Help);
                return Vec::new();
            }
            KeyCode::Char('q') => return self.request_quit(),
            KeyCode::Tab => {
                self.toggle_dashboard();
                return Vec::new();
            }
            _ => {}
        }
        if self.dashboard.open {
            return self.dashboard_key(key.code);
        }
        if self.history.is_some() {
            return self.history_key(key.code);
        }
        if key.code == KeyCode::Char('h')
            && self.journaled
            && matches!(self.desk.sale, Sale::Amount | Sale::Open { .. } | Sale::Final { .. })
        {
            self.history = Some(History { records: Vec::new(), filter: HistoryFilter::All, selected: 0, error: None });
            return vec![Effect::LoadHistory];
        }
        match self.desk.sale.clone() {
            Sale::Amount => self.amount_key(key.code),
            Sale::Method { .. } => self.picker_key(key.code),
            Sale::Creating { .. } => Vec::new(),
            Sale::Failed { .. } => match key.code {
                KeyCode::Enter | KeyCode::Char('r') if self.desk.sale.can_retry() => self.core(Event::Retry),
                KeyCode::Esc | KeyCode::Enter | KeyCode::Char('n') => self.new_sale(),
                _ => Vec::new(),
            },
            Sale::Open { reference } => match key.code {
                KeyCode::Char('c') => {
                    self.modal = Some(Modal::ConfirmCancel(reference));
                    Vec::new()
                }
                KeyCode::Char('p') if self.demo => match self.desk.watch(&reference) {
                    Some(w) => vec![Effect::SimulatePayment(w.invoice.method.provider, reference)],
                    None => Vec::new(),
                },
                KeyCode::Char('w') => self.core(Event::SwitchChoice(reference)),
                // The next sale, from an empty amount; this invoice stays
                // watched in the background.
                KeyCode::Char('n') => self.new_sale(),
                _ => Vec::new(),
            },
            Sale::Final { reference } => match key.code {
                KeyCode::Enter | KeyCode::Esc | KeyCode::Char('n') => self.new_sale(),
                KeyCode::Char('r') if self.journaled => {
                    if self.desk.watch(&reference).is_some_and(|w| *w.status() == Status::Paid) {
                        vec![Effect::WriteReceipt(reference)]
                    } else {
                        self.flash = Some("Receipts are for paid sales only.".into());
                        Vec::new()
                    }
                }
                _ => Vec::new(),
            },
        }
    }

    fn new_sale(&mut self) -> Vec<Effect> {
        self.input.clear();
        self.input_error = None;
        self.picker = 0;
        self.flash = None;
        // Codes of invoices that are no longer watched are not needed again.
        let keep: Vec<Reference> =
            self.desk.watches.iter().filter(|w| !w.status().is_final()).map(|w| w.invoice.reference.clone()).collect();
        self.codes.retain(|r, _| keep.contains(r));
        self.core(Event::NewSale)
    }

    fn modal_key(&mut self, modal: Modal, code: KeyCode, ctrl_c: bool) -> Vec<Effect> {
        match modal {
            Modal::Help => {
                self.modal = None;
                Vec::new()
            }
            Modal::ConfirmCancel(reference) => {
                self.modal = None;
                if matches!(code, KeyCode::Char('y') | KeyCode::Char('Y')) {
                    self.flash = Some("Canceling the invoice…".into());
                    return self.core(Event::CancelRequested(reference));
                }
                Vec::new()
            }
            Modal::ConfirmQuit => {
                if matches!(code, KeyCode::Char('y') | KeyCode::Char('Y')) || ctrl_c {
                    self.quit = true;
                    return vec![Effect::Quit];
                }
                self.modal = None;
                Vec::new()
            }
        }
    }

    fn history_key(&mut self, code: KeyCode) -> Vec<Effect> {
        let Some(h) = self.history.as_mut() else {
            return Vec::new();
        };
        let n = h.shown().len();
        match code {
            KeyCode::Up => h.selected = h.selected.saturating_sub(1),
            KeyCode::Down => h.selected = (h.selected + 1).min(n.saturating_sub(1)),
            KeyCode::Char('f') => {
                h.filter = h.filter.next();
                h.selected = 0;
            }
            KeyCode::Esc | KeyCode::Char('h') => self.history = None,
            KeyCode::Enter => {
                let Some(record) = h.shown().get(h.selected).map(|r| (*r).clone()) else {
                    return Vec::new();
                };
                if self.desk.watch(&record.reference).is_none() {
                    match record.watch(self.now()) {
                        Some(w) => self.desk.add_settled(w),
                        None => {
                            self.flash =
                                Some(format!("No invoice was made for this sale ({}).", record.status_label()));
                            return Vec::new();
                        }
                    }
                }
                if matches!(self.desk.sale, Sale::Creating { .. } | Sale::Failed { .. } | Sale::Method { .. }) {
                    return Vec::new();
                }
                self.history = None;
                self.flash = None;
                self.encode(&record.reference);
                return self.core(Event::Show(record.reference));
            }
            _ => {}
        }
        Vec::new()
    }

    /// Opens the dashboard over the screen on display, or closes it back to
    /// that screen, untouched.
    fn toggle_dashboard(&mut self) {
        let d = &mut self.dashboard;
        d.open = !d.open;
        if d.open {
            let rows = d.rows(&self.desk.watches, self.desk.now);
            if d.selected.as_ref().is_none_or(|r| !rows.iter().any(|&i| self.desk.watches[i].invoice.reference == *r)) {
                d.select(&self.desk.watches, &rows, 0);
            }
        }
    }

    fn dashboard_key(&mut self, code: KeyCode) -> Vec<Effect> {
        let now = self.now();
        let watches = &self.desk.watches;
        let d = &mut self.dashboard;
        let rows = d.rows(watches, now);
        let position = d.position(watches, &rows);
        match code {
            KeyCode::Esc => d.open = false,
            KeyCode::Up => d.select(watches, &rows, position.unwrap_or(0).saturating_sub(1)),
            KeyCode::Down => d.select(watches, &rows, position.map_or(0, |p| p + 1)),
            KeyCode::Home => d.select(watches, &rows, 0),
            KeyCode::End => d.select(watches, &rows, rows.len()),
            KeyCode::Char('f') => {
                d.filter = d.filter.next();
                let rows = d.rows(watches, now);
                d.select(watches, &rows, 0);
            }
            KeyCode::Char('g') => {
                d.gateway = d.next_gateway(watches, now);
                let rows = d.rows(watches, now);
                d.select(watches, &rows, 0);
            }
            KeyCode::Char('c') => {
                let Some(w) = position.and_then(|p| watches.get(rows[p])) else {
                    return Vec::new();
                };
                if w.status().is_final() {
                    self.flash = Some(format!("This invoice is {}: there is nothing to cancel.", w.status().label()));
                } else {
                    self.modal = Some(Modal::ConfirmCancel(w.invoice.reference.clone()));
                }
            }
            KeyCode::Enter => {
                let Some(reference) = position.and_then(|p| watches.get(rows[p])).map(|w| w.invoice.reference.clone())
                else {
                    return Vec::new();
                };
                // As from the history: never in the middle of setting up a sale.
                if !matches!(self.desk.sale, Sale::Amount | Sale::Open { .. } | Sale::Final { .. }) {
                    self.flash =
                        Some("Finish or leave the sale being set up first (Esc), then open the invoice.".into());
                    return Vec::new();
                }
                d.open = false;
                self.history = None;
                self.flash = None;
                self.encode(&reference);
                return self.core(Event::Show(reference));
            }
            _ => {}
        }
        Vec::new()
    }

    fn amount_key(&mut self, code: KeyCode) -> Vec<Effect> {
        match code {
            KeyCode::Char(c) => {
                if self.input.push(c, &self.shop.currency) {
                    self.input_error = None;
                } else if c.is_ascii_digit() && self.input.text().contains('.') {
                    self.input_error = Some(format!(
                        "{} has {} decimal places.",
                        self.shop.currency.code(),
                        self.shop.currency.decimals()
                    ));
                }
            }
            KeyCode::Backspace => {
                self.input.backspace();
                self.input_error = None;
            }
            KeyCode::Esc => {
                self.input.clear();
                self.input_error = None;
            }
            KeyCode::Enter => match parse_amount(self.input.text(), &self.shop.currency, self.shop.max_amount) {
                Ok(amount) => {
                    self.input_error = None;
                    self.picker = 0;
                    if self.methods.is_empty() {
                        self.input_error = Some("No payment method is configured: ask the owner.".into());
                        return Vec::new();
                    }
                    return self.core(Event::AmountEntered(amount));
                }
                Err(e) => self.input_error = Some(e.to_string()),
            },
            _ => {}
        }
        Vec::new()
    }

    fn picker_key(&mut self, code: KeyCode) -> Vec<Effect> {
        let n = self.methods.len();
        match code {
            KeyCode::Up => self.picker = (self.picker + n - 1) % n.max(1),
            KeyCode::Down => self.picker = (self.picker + 1) % n.max(1),
            KeyCode::Esc | KeyCode::Backspace => return self.core(Event::Back),
            KeyCode::Enter => return self.choose(self.picker),
            KeyCode::Char(c) => {
                if let Some(d) = c.to_digit(10)
                    && d >= 1
                    && (d as usize) <= n
                {
                    return self.choose(d as usize - 1);
                }
            }
            _ => {}
        }
        Vec::new()
    }

    fn choose(&mut self, index: usize) -> Vec<Effect> {
        let Some(method) = self.methods.get(index).copied() else {
            return Vec::new();
        };
        self.picker = index;
        let reference = (self.new_reference)();
        self.core(Event::MethodChosen(method, reference))
    }
}
