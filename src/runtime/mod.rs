//! Runs the core's commands: each gateway call is a tokio task whose result
//! comes back as a core event on a channel, so no face ever waits on the
//! network; each journal write is carried out at once, in the desk's order.
//! `drive` is the one loop every face runs on; `publish` serves the
//! customer's view of the sale in hand to `till display`.

pub mod drive;
pub mod lease;
pub mod printing;
pub mod publish;
pub mod services;

pub use drive::{Drive, Effect, Face, Input};
pub use services::{CloseNews, Services};

use crate::clock::SharedClock;
use crate::core::desk::{Command, Entry, Event};
use crate::core::invoice::{Invoice, Reference};
use crate::core::method::PaymentMethod;
use crate::core::money::Money;
use crate::core::problem::{Problem, ProblemKind};
use crate::core::record::RecordState;
use crate::gateway::{CreateRequest, GatewayError, Registry};
use crate::journal::{JournalError, Store};
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedSender;

#[derive(Clone)]
pub struct Runtime {
    registry: Arc<Registry>,
    events: UnboundedSender<Event>,
    journal: Option<Arc<dyn Store>>,
    terminal: String,
    clock: SharedClock,
    /// Many tills on one store: this till's lease (`lease.rs`).
    leasing: Option<Arc<lease::Leasing>>,
    /// Gateways this till sends nothing to before an instant (it joins an
    /// account other tills use): creates and lookups wait too.
    holds: Arc<std::sync::Mutex<Vec<(crate::core::method::ProviderId, tokio::time::Instant)>>>,
}

pub(crate) fn journal_problem(e: &JournalError) -> Problem {
    tracing::error!(error = %e, "journal write failed");
    let message = match e {
        JournalError::Unreachable(_) => {
            "The till cannot reach its store, so it will not go on with this sale. Check the network to the database, then try again."
        }
        JournalError::TerminalBusy { .. } => {
            "Another till is now running as this terminal, so this one stops writing. Close one of them, then restart this till."
        }
        _ => {
            "The till cannot write its journal, so it will not show this invoice. Check the disk, then restart the till."
        }
    };
    Problem::new(ProblemKind::Refused, message)
}

fn not_configured(provider: &str) -> Problem {
    Problem::new(
        ProblemKind::Refused,
        format!("The gateway {provider} is not configured on this till. Ask the owner to add it to the config file."),
    )
    .settling(RecordState::NotCreated, format!("{provider} is not configured on this till"))
}

/// The answer a command's task gives if it fails without one.
fn fallback(command: &Command) -> Event {
    let problem = Problem::new(
        ProblemKind::Protocol,
        "The till hit an internal error talking to the gateway; the detail is in the log. Try again.",
    );
    match command {
        Command::Create { reference, .. } => Event::Created { reference: reference.clone(), result: Err(problem) },
        Command::Poll(invoice) => Event::Polled { reference: invoice.reference.clone(), result: Err(problem) },
        Command::PollPage { provider, page, .. } => {
            Event::PagePolled { provider: *provider, page: *page, result: Err(problem) }
        }
        Command::Cancel(invoice) => Event::Canceled { reference: invoice.reference.clone(), result: Err(problem) },
        Command::Resolve { reference, .. } => Event::Unresolved { reference: reference.clone(), settles: None },
        // Carried out in place, never as a task.
        Command::Record(entry) => Event::Unresolved { reference: entry.reference().clone(), settles: None },
    }
}

fn to_problem(what: &str, reference: &Reference, e: &GatewayError) -> Problem {
    tracing::warn!(%reference, error = %e, "{what} failed");
    e.problem()
}

/// Sleeps until the poll schedule's next wake (`Desk::next_wake`), or for
/// ever when it has none. Never less than 10 ms, so a schedule that cannot
/// send yet never spins.
pub async fn until(wake: Option<jiff::Timestamp>, clock: &SharedClock) {
    match wake {
        None => std::future::pending().await,
        Some(at) => {
            let ms = at.duration_since(clock.now()).as_millis().clamp(10, 3_600_000);
            tokio::time::sleep(std::time::Duration::from_millis(u64::try_from(ms).unwrap_or(10))).await;
        }
    }
}

impl Runtime {
    pub fn new(registry: Arc<Registry>, events: UnboundedSender<Event>) -> Runtime {
        Runtime {
            registry,
            events,
            journal: None,
            terminal: String::new(),
            clock: crate::clock::system(),
            leasing: None,
            holds: Arc::default(),
        }
    }

    /// Records every sale in `journal`, as the desk says.
    pub fn with_journal(mut self, journal: Arc<dyn Store>, terminal: &str, clock: SharedClock) -> Runtime {
        self.journal = Some(journal);
        self.terminal = terminal.to_string();
        self.clock = clock;
        self
    }

    /// Takes "now" from `clock` (tests on paused time).
    pub fn with_clock(mut self, clock: SharedClock) -> Runtime {
        self.clock = clock;
        self
    }

    /// Holds a lease on the store (many tills on one store, `[store]`):
    /// the drive loop renews it and applies each turn.
    pub fn with_leasing(mut self, leasing: lease::Leasing) -> Runtime {
        self.leasing = Some(Arc::new(leasing));
        self
    }

    /// Sends nothing to these gateways before `until`.
    pub fn hold(&self, providers: &[crate::core::method::ProviderId], until: tokio::time::Instant) {
        let mut holds = self.holds.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        holds.retain(|(p, _)| !providers.contains(p));
        holds.extend(providers.iter().map(|p| (*p, until)));
    }

    /// Until when requests to this gateway wait, if they must.
    fn held(&self, provider: crate::core::method::ProviderId) -> Option<tokio::time::Instant> {
        let holds = self.holds.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        holds.iter().find(|(p, _)| *p == provider).map(|(_, t)| *t)
    }

    /// This till's lease settings, on a store shared by many tills.
    pub fn leasing(&self) -> Option<&lease::Leasing> {
        self.leasing.as_deref()
    }

    /// This till's terminal id.
    pub fn terminal(&self) -> &str {
        &self.terminal
    }

    pub fn journal(&self) -> Option<&Arc<dyn Store>> {
        self.journal.as_ref()
    }

    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    /// Stores one entry the desk asked for, now. A failed write is logged and
    /// given back in plain words; without a journal there is nothing to do.
    pub fn record(&self, entry: &Entry) -> Result<(), Problem> {
        self.write(entry).map_err(|e| journal_problem(&e))
    }

    /// As `record`, with the store's own error (`NotWatcher`: another till
    /// watches the invoice now, nothing was written).
    pub fn write(&self, entry: &Entry) -> Result<(), JournalError> {
        let Some(j) = &self.journal else { return Ok(()) };
        let at = self.clock.now();
        match entry {
            Entry::Intent { reference, method, amount, breakdown } => {
                j.record_intent(reference, *method, amount, breakdown.as_deref(), &self.terminal, at)
            }
            Entry::Created(invoice) => j.record_created(invoice, &self.terminal, at),
            Entry::Settled { reference, state, note } => {
                tracing::info!(%reference, state = state.name(), "{note}");
                j.record_not_created(reference, *state, note, at)
            }
            Entry::Status { watch, change } => j.record_status(watch, change, at),
            Entry::Switch(watch) => j.record_switch(watch, at),
        }
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Starts the command; its event arrives on the channel later. A
    /// `Record` is carried out at once (the drive loop does so itself, to
    /// act on a failure).
    pub fn run(&self, command: Command) {
        if let Command::Record(entry) = &command {
            let _ = self.record(entry);
            return;
        }
        let registry = self.registry.clone();
        let events = self.events.clone();
        let this = self.clone();
        let fallback = fallback(&command);
        let held = match &command {
            Command::Create { method, .. } | Command::Resolve { method, .. } => self.held(method.provider),
            Command::Poll(invoice) | Command::Cancel(invoice) => self.held(invoice.method.provider),
            Command::PollPage { provider, .. } => self.held(*provider),
            Command::Record(_) => None,
        };
        // The work runs in its own task: should it panic, the face still
        // gets an answer (and never waits on "Creating…" forever).
        let work = tokio::spawn(async move {
            if let Some(until) = held {
                tokio::time::sleep_until(until).await;
            }
            match command {
                Command::Create { reference, amount, method, retry } => {
                    let result = this.create(&registry, &reference, amount, method, retry).await;
                    Event::Created { reference, result }
                }
                Command::Resolve { reference, amount, method, started_at } => {
                    this.resolve(&registry, reference, amount, method, started_at).await
                }
                Command::Record(entry) => Event::Unresolved { reference: entry.reference().clone(), settles: None },
                Command::Poll(invoice) => {
                    let reference = invoice.reference.clone();
                    let result = match registry.get(invoice.method.provider) {
                        None => Err(not_configured(invoice.method.provider.name())),
                        Some(g) => g.status(&invoice).await.map_err(|e| to_problem("status", &reference, &e)),
                    };
                    if let Ok(r) = &result {
                        tracing::debug!(%reference, status = %r.status, raw = %r.raw, "polled");
                        if let crate::core::status::Status::Unknown(raw) = &r.status {
                            tracing::warn!(%reference, raw = %raw, "unknown status from the gateway");
                        }
                    }
                    Event::Polled { reference, result }
                }
                Command::PollPage { provider, page, invoices } => {
                    let result = match registry.get(provider) {
                        None => Err(not_configured(provider.name())),
                        Some(g) => g.status_page(&invoices, page).await.map_err(|e| {
                            tracing::warn!(provider = provider.id(), page, error = %e, "status page failed");
                            e.problem()
                        }),
                    };
                    if let Ok(p) = &result {
                        tracing::debug!(
                            provider = provider.id(),
                            page,
                            found = p.reports.len(),
                            more = p.more,
                            "polled a page"
                        );
                    }
                    Event::PagePolled { provider, page, result }
                }
                Command::Cancel(invoice) => {
                    let reference = invoice.reference.clone();
                    let result = match registry.get(invoice.method.provider) {
                        None => Err(not_configured(invoice.method.provider.name())),
                        Some(g) => g.cancel(&invoice).await.map_err(|e| to_problem("cancel", &reference, &e)),
                    };
                    Event::Canceled { reference, result }
                }
            }
        });
        tokio::spawn(async move {
            let event = match work.await {
                Ok(event) => event,
                Err(e) => {
                    tracing::error!(error = %e, "a gateway task failed");
                    fallback
                }
            };
            // The face may have gone (quit): nothing left to tell.
            let _ = events.send(event);
        });
    }

    /// A create. The desk had its intent stored before this was sent; a
    /// failure says what the journal should call the sale, when that is known.
    async fn create(
        &self,
        registry: &Registry,
        reference: &Reference,
        amount: Money,
        method: PaymentMethod,
        retry: bool,
    ) -> Result<Invoice, Problem> {
        let Some(g) = registry.get(method.provider) else {
            return Err(not_configured(method.provider.name()));
        };
        tracing::info!(%reference, %method, amount = %amount, "creating invoice");
        let request = CreateRequest { reference: reference.clone(), amount, method: method.method, retry };
        match g.create(&request).await {
            Ok(invoice) => {
                tracing::info!(%reference, id = %invoice.id, expires_at = %invoice.expires_at, "invoice created");
                Ok(invoice)
            }
            Err(e) => {
                let problem = to_problem("create", reference, &e);
                Err(if let GatewayError::OutcomeUnknown { .. } = e {
                    // Perhaps made, and the gateway cannot be asked (xpays.life,
                    // XaiGate, an older Xcash): unknown, for the operator, at once.
                    problem.settling(RecordState::Unknown, e.to_string())
                } else if e.maybe_processed() {
                    // Perhaps made, perhaps not: the intent stays open and the next start asks the gateway.
                    problem
                } else if matches!(e, GatewayError::Protocol { .. }) {
                    // An answer the till could not use: perhaps an invoice was
                    // made. The intent stays open; the next start asks the
                    // gateway (or, where it cannot be asked, calls it unknown).
                    problem
                } else if matches!(e, GatewayError::Unverified { .. }) {
                    // The gateway made an invoice the till refused to show.
                    problem.settling(RecordState::Unknown, e.to_string())
                } else {
                    problem.settling(RecordState::NotCreated, e.to_string())
                })
            }
        }
    }

    /// After a restart: what did the create with this reference make?
    async fn resolve(
        &self,
        registry: &Registry,
        reference: Reference,
        amount: Money,
        method: PaymentMethod,
        started_at: jiff::Timestamp,
    ) -> Event {
        let Some(g) = registry.get(method.provider) else {
            return Event::Unresolved { reference, settles: None };
        };
        let request = CreateRequest { reference: reference.clone(), amount, method: method.method, retry: true };
        let (state, note) = match g.find_since(&request, started_at).await {
            Ok(Some(invoice)) => {
                tracing::info!(%reference, id = %invoice.id, "restart: the gateway has the invoice");
                return Event::Created { reference, result: Ok(invoice) };
            }
            Ok(None) => (RecordState::NotCreated, "the gateway never made this invoice".to_string()),
            Err(GatewayError::Unsupported { .. }) => {
                (RecordState::Unknown, "the gateway cannot be asked whether it made this invoice".to_string())
            }
            Err(e @ GatewayError::OutcomeUnknown { .. }) => (RecordState::Unknown, e.to_string()),
            Err(e @ GatewayError::Unverified { .. }) => {
                (RecordState::Unknown, format!("the gateway's invoice was refused by the till's checks: {e}"))
            }
            Err(e) => {
                // Ask again at the next start.
                tracing::warn!(%reference, error = %e, "restart: could not ask the gateway about an unrecorded create");
                return Event::Unresolved { reference, settles: None };
            }
        };
        tracing::info!(%reference, state = state.name(), "restart: {note}");
        Event::Unresolved { reference, settles: Some((state, note)) }
    }
}
