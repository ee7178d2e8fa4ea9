//! The one drive loop every face runs on (the TUI, `till charge`, `till
//! resume`, `till soak`). A turn: carry out the effects in order (journal
//! writes at once, gateway calls as tasks), render, then wait for the next
//! input (a key, a gateway's answer, the clock, the poll schedule's wake).
//! The face turns inputs into effects and renders its state; it never decides
//! what is journaled, and it renders only after the journal has what it shows.
//! With a publisher, the customer's view goes out at the same point of the
//! turn, when it changed (`publish.rs`).

use super::Runtime;
use super::lease::{self, LeaseTimer};
use super::publish::Publisher;
use super::services::{self, Services};
use crate::core::desk::{Command, Desk, Entry, Event};
use crate::core::invoice::Reference;
use crate::core::method::ProviderId;
use crate::core::record::SaleRecord;
use crate::journal::JournalError;
use jiff::Timestamp;
use std::collections::{HashSet, VecDeque};
use std::time::Duration;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

/// What reaches a face. `K` is the face's own input (a terminal's keys).
/// Moved once per event, never stored in bulk.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Input<K> {
    Key(K),
    /// The clock, every second and at the poll schedule's wake.
    Tick(Timestamp),
    /// A result from the runtime, for the desk.
    Core(Event),
    /// The demo's simulated payment failed or succeeded.
    DemoPaid(Result<(), String>),
    /// Today's sales, for the history screen.
    History(Result<Vec<SaleRecord>, String>),
    /// A receipt written or printed (what to tell the cashier), or why not.
    Receipt(Result<String, String>),
    /// The day's close: what it would cover, or what it did.
    Close(services::CloseNews),
    /// A journal write failed: the cashier must know.
    JournalFailed(String),
    /// Nothing changed but the screen (a resize): render again.
    Redraw,
}

/// What a face asks of the runtime, carried out in order.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// One of the desk's commands, journal writes included.
    Run(Command),
    /// Demo mode: tell the sandbox the customer paid.
    SimulatePayment(ProviderId, Reference),
    Bell,
    Quit,
    /// Load today's sales from the journal for the history screen.
    LoadHistory,
    /// Write the receipt of this paid sale, and print it when there is a printer.
    WriteReceipt(Reference),
    /// The day's close: `None` asks what today's would cover (for the
    /// confirmation), `Some(day)` takes it.
    Close(Option<jiff::civil::Date>),
}

/// The desk's commands as effects, in the desk's order.
pub fn run_all(commands: Vec<Command>) -> Vec<Effect> {
    commands.into_iter().map(Effect::Run).collect()
}

/// A way to show the till: state in, a rendering out.
pub trait Face {
    type Key: Send + 'static;
    /// Takes one input; gives back the effects for the runtime, in order.
    fn update(&mut self, input: Input<Self::Key>) -> Vec<Effect>;
    /// The desk the face drives (for the poll schedule's next wake).
    fn desk(&self) -> &Desk;
    /// Shows the state. Called after the turn's effects, so after the
    /// journal has everything the face may show.
    fn render(&mut self) -> std::io::Result<()>;
    /// The exit code, once the face is done.
    fn finished(&self) -> Option<i32>;
}

/// The bare desk as a face: nothing to render, never finished (load tests
/// and the soak's schedule).
impl Face for Desk {
    type Key = ();

    fn update(&mut self, input: Input<()>) -> Vec<Effect> {
        match input {
            Input::Core(event) => run_all(Desk::update(self, event).commands),
            Input::Tick(now) => run_all(Desk::update(self, Event::Tick(now)).commands),
            _ => Vec::new(),
        }
    }

    fn desk(&self) -> &Desk {
        self
    }

    fn render(&mut self) -> std::io::Result<()> {
        Ok(())
    }

    fn finished(&self) -> Option<i32> {
        None
    }
}

/// One drive loop's wiring: the runtime, and where inputs come from.
pub struct Drive<K> {
    runtime: Runtime,
    events: UnboundedReceiver<Event>,
    inputs: UnboundedReceiver<Input<K>>,
    input_tx: UnboundedSender<Input<K>>,
    services: Services,
    deadline: Option<tokio::time::Instant>,
    /// The customer's view, published after each turn (`till display`).
    publisher: Option<Publisher>,
    /// This till's lease, on a store shared by many tills.
    lease: Option<LeaseTimer>,
}

impl<K: Send + 'static> Drive<K> {
    /// A loop over `runtime`, whose gateway answers arrive on `events`.
    pub fn new(runtime: Runtime, events: UnboundedReceiver<Event>) -> Drive<K> {
        let (input_tx, inputs) = unbounded_channel();
        let lease = runtime.leasing().cloned().map(LeaseTimer::new);
        Drive {
            runtime,
            events,
            inputs,
            input_tx,
            services: Services::default(),
            deadline: None,
            publisher: None,
            lease,
        }
    }

    /// Where the face's own inputs (keys, resizes) are sent.
    pub fn inputs(&self) -> UnboundedSender<Input<K>> {
        self.input_tx.clone()
    }

    pub fn with_services(mut self, services: Services) -> Drive<K> {
        self.services = services;
        self
    }

    /// Publishes the customer's view of the sale in hand after each turn.
    pub fn publishing(mut self, publisher: Publisher) -> Drive<K> {
        self.publisher = Some(publisher);
        self
    }

    /// Stops the next `run` at `deadline` (a soak, a test).
    pub fn until(&mut self, deadline: tokio::time::Instant) -> &mut Drive<K> {
        self.deadline = Some(deadline);
        self
    }

    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    /// Runs `face` from the effects `start` until it is finished (its exit
    /// code), the deadline passes (`None`), or rendering fails.
    pub async fn run<F: Face<Key = K>>(&mut self, face: &mut F, start: Vec<Effect>) -> std::io::Result<Option<i32>> {
        let clock = self.runtime.clock().clone();
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        // A lease turn before anything is polled: another till may watch
        // what this one left (the face's desk starts paused on a leased store).
        let mut effects = self.lease_step(face);
        effects.extend(start);
        loop {
            self.carry_out(face, effects);
            // After the journal writes, like the render: sent only if it changed.
            if let Some(publisher) = &self.publisher {
                publisher.offer(face.desk());
            }
            face.render()?;
            if let Some(code) = face.finished() {
                return Ok(Some(code));
            }
            let wake = face.desk().next_wake();
            let deadline = self.deadline;
            let lease_wake = self.lease.as_ref().map(|t| t.wake(face.desk().paused));
            let input = tokio::select! {
                Some(input) = self.inputs.recv() => input,
                Some(event) = self.events.recv() => Input::Core(event),
                _ = tick.tick() => Input::Tick(clock.now()),
                // The poll schedule's next turn.
                _ = super::until(wake, &clock) => Input::Tick(clock.now()),
                // The lease's next turn, or the instant it could run out.
                _ = sleep_until(lease_wake) => Input::Tick(clock.now()),
                _ = sleep_until(deadline) => return Ok(None),
            };
            // The lease first: a lost one pauses the polls this input would plan.
            effects = self.lease_step(face);
            effects.extend(face.update(input));
        }
    }

    /// At a gateway that logs in first (xPay) on an account other tills
    /// share: the login goes in this till's first slot after the joining
    /// hold `until`, and the polls from its next slot on (the login is a
    /// request of its own; with the first poll in one slot it would double
    /// that slot's requests).
    fn log_in_in_slot(
        runtime: &Runtime,
        sharing: &[crate::core::poller::Share],
        until: Timestamp,
        policy: &crate::core::schedule::PollPolicy,
        hold: &mut [(ProviderId, Timestamp)],
    ) {
        for share in sharing.iter().filter(|s| s.tills > 1) {
            let Some(gateway) = runtime.registry().get(share.provider).cloned() else { continue };
            if !gateway.logs_in() {
                continue;
            }
            let at = crate::core::poller::slot_at_or_after(share, policy, until);
            for (_, h) in hold.iter_mut().filter(|(p, _)| *p == share.provider) {
                // Past the login's slot (within it a poll could still go).
                *h = at.saturating_add(policy.limits(share.provider).gateway.spacing()).unwrap_or(at);
            }
            let wait = Duration::try_from(at.duration_since(runtime.clock().now())).unwrap_or(Duration::ZERO);
            let provider = share.provider;
            tokio::spawn(async move {
                tokio::time::sleep(wait).await;
                if let Err(e) = gateway.log_in().await {
                    tracing::warn!(provider = provider.id(), error = %e, "logging in ahead of the first poll failed");
                }
            });
        }
    }

    /// The lease, when the store has one: pauses polling once it could have
    /// run out, and runs a turn when one is due (synchronous, like the
    /// journal's writes). The effects of the desk events it gave the face.
    fn lease_step<F: Face<Key = K>>(&mut self, face: &mut F) -> Vec<Effect> {
        let mut effects = Vec::new();
        let Some(timer) = self.lease.as_mut() else { return effects };
        let now = tokio::time::Instant::now();
        if timer.fenced(now) && !face.desk().paused {
            tracing::warn!(terminal = %timer.leasing.terminal, "the lease could not be renewed in time: polling paused");
            effects.extend(face.update(Input::Core(Event::LeaseLost)));
        }
        if !timer.due(now) {
            return effects;
        }
        let Some(store) = self.runtime.journal().cloned() else { return effects };
        let providers: Vec<ProviderId> = self.runtime.registry().all().map(|g| g.provider()).collect();
        let ask = lease::ask(&timer.leasing, face.desk(), &providers, self.runtime.clock().now());
        let sent = tokio::time::Instant::now();
        match store.lease_turn(&ask) {
            // An answer that came after the lease it renewed could have run
            // out (a slow store): what it says may be stale, so it is not
            // acted on; the polls stay paused and a turn is asked again now.
            Ok(Some(_)) if timer.answered_late(sent, tokio::time::Instant::now()) => {
                tracing::warn!("a lease turn answered too late to act on: polling paused, asking again");
                timer.failed(sent);
                if !face.desk().paused {
                    effects.extend(face.update(Input::Core(Event::LeaseLost)));
                }
            }
            // Another till runs as this terminal now: this one stops polling
            // for good and says so (its writes are refused too).
            Err(e @ JournalError::TerminalBusy { .. }) => {
                tracing::error!(error = %e, "this terminal was taken by another till: polling stopped");
                self.lease = None;
                if !face.desk().paused {
                    effects.extend(face.update(Input::Core(Event::LeaseLost)));
                }
                effects.extend(face.update(Input::JournalFailed(
                    "Another till is now running as this terminal, so this one stopped watching invoices. Close one of them, then restart this till."
                        .into(),
                )));
            }
            Ok(Some(turn)) => {
                timer.renewed(sent);
                tracing::debug!(assignments = turn.assignments.len(), sharing = ?turn.sharing, "lease turn");
                let mut hold = Vec::new();
                if let Some(quiet) = timer.joining(&turn) {
                    let shared: Vec<ProviderId> =
                        turn.sharing.iter().filter(|s| s.tills > 1).map(|s| s.provider).collect();
                    tracing::info!(
                        ?shared,
                        ?quiet,
                        "joining gateway accounts other tills use: quiet until they make room"
                    );
                    let until = self.runtime.clock().now() + quiet;
                    hold = shared.iter().map(|p| (*p, until)).collect();
                    self.runtime.hold(&shared, tokio::time::Instant::now() + quiet);
                    Self::log_in_in_slot(&self.runtime, &turn.sharing, until, &face.desk().policy, &mut hold);
                }
                let event = lease::event(turn, &timer.leasing.terminal, face.desk(), store.as_ref(), hold);
                effects.extend(face.update(Input::Core(event)));
            }
            Ok(None) => {
                // A store of one till: no leases, nothing more to renew.
                self.lease = None;
                let none = Event::Fleet {
                    assignments: Vec::new(),
                    settled: Vec::new(),
                    sharing: Vec::new(),
                    hold: Vec::new(),
                };
                effects.extend(face.update(Input::Core(none)));
            }
            Err(e) => {
                tracing::warn!(error = %e, "lease turn failed");
                timer.failed(sent);
                if timer.fenced(tokio::time::Instant::now()) && !face.desk().paused {
                    tracing::warn!("the lease could not be renewed in time: polling paused");
                    effects.extend(face.update(Input::Core(Event::LeaseLost)));
                }
            }
        }
        effects
    }

    /// Carries out the effects in order. A journal write happens at once; if
    /// it fails, what depended on it does not happen, and the face is told:
    /// an intent not stored is never sent, an invoice not stored is never
    /// shown.
    fn carry_out<F: Face<Key = K>>(&self, face: &mut F, effects: Vec<Effect>) {
        let mut queue: VecDeque<Effect> = effects.into();
        let mut unsent: HashSet<Reference> = HashSet::new();
        while let Some(effect) = queue.pop_front() {
            let follow = match effect {
                Effect::Run(Command::Record(entry)) => match self.runtime.write(&entry) {
                    // `[printer] auto = "paid"`: once stored as paid, printed once.
                    Ok(()) => match &entry {
                        Entry::Status { watch, change }
                            if change.to == crate::core::status::Status::Paid && self.services.printing.auto() =>
                        {
                            self.receipt(&watch.invoice.reference, true)
                        }
                        _ => None,
                    },
                    // Another till watches it now (this one's lease ran out):
                    // not the cashier's trouble; shown as watched elsewhere.
                    Err(crate::journal::JournalError::NotWatcher { reference }) => {
                        tracing::info!(%reference, "not written: another till watches this invoice now");
                        Some(Input::Core(Event::NotWatcher(entry.reference().clone())))
                    }
                    Err(e) => match (entry, super::journal_problem(&e)) {
                        (Entry::Intent { reference, .. }, problem) => {
                            unsent.insert(reference.clone());
                            Some(Input::Core(Event::Created { reference, result: Err(problem) }))
                        }
                        (Entry::Created(invoice), problem) => {
                            Some(Input::Core(Event::NotStored { reference: invoice.reference, problem }))
                        }
                        // Logged; the next start settles it again.
                        (Entry::Settled { .. }, _) => None,
                        (Entry::Status { .. } | Entry::Switch(_), problem) => {
                            Some(Input::JournalFailed(problem.message))
                        }
                    },
                },
                Effect::Run(Command::Create { reference, .. }) if unsent.contains(&reference) => None,
                Effect::Run(command) => {
                    self.runtime.run(command);
                    None
                }
                Effect::Bell => {
                    use std::io::Write;
                    let mut out = std::io::stdout();
                    let _ = out.write_all(b"\x07");
                    let _ = out.flush();
                    None
                }
                Effect::SimulatePayment(provider, reference) => {
                    if let Some(url) = self.services.demo_url.clone() {
                        let tx = self.input_tx.clone();
                        tokio::spawn(async move {
                            let paid = crate::demo::simulate_payment(&url, provider, &reference).await;
                            let _ = tx.send(Input::DemoPaid(paid));
                        });
                    }
                    None
                }
                Effect::LoadHistory => self.runtime.journal().map(|j| {
                    let now = self.runtime.clock().now();
                    Input::History(services::today(j.as_ref(), &self.services.timezone, now))
                }),
                Effect::WriteReceipt(reference) => self.receipt(&reference, false),
                Effect::Close(day) => self.runtime.journal().map(|j| {
                    let now = self.runtime.clock().now();
                    let (news, paper) = services::close(j.as_ref(), &self.services, day, now);
                    if let (Some(paper), Some(day)) = (paper, day) {
                        let tx = self.input_tx.clone();
                        tokio::spawn(async move {
                            let _ = tx.send(Input::Close(services::print_close(paper, day).await));
                        });
                    }
                    Input::Close(news)
                }),
                Effect::Quit => None,
            };
            if let Some(input) = follow {
                queue.extend(face.update(input));
            }
        }
    }
}

impl<K: Send + 'static> Drive<K> {
    /// At start, with `[printer] auto = "paid"`: prints the sales paid in
    /// the last day (started within it) that have no printed mark, which a
    /// crash between the paid commit and the print would otherwise lose.
    /// The outcomes arrive as inputs once `run` starts.
    pub fn print_missed(&self) {
        if !self.services.printing.auto() {
            return;
        }
        let Some(journal) = self.runtime.journal() else { return };
        let now = self.runtime.clock().now();
        let day = jiff::SignedDuration::from_hours(24);
        let (Ok(from), Ok(until)) = (now.checked_sub(day), now.checked_add(jiff::SignedDuration::from_hours(1))) else {
            return;
        };
        let sales = match journal.between(from, until) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "unprinted receipts: journal read failed");
                return;
            }
        };
        let dir = self.services.data_dir.as_deref();
        for sale in sales.iter().rev() {
            let reference = sale.reference.as_str();
            if sale.status != crate::core::status::Status::Paid || self.services.printing.was_printed(dir, reference) {
                continue;
            }
            tracing::info!(reference, "printing a paid sale's receipt that was never printed");
            if let Some(input) = self.receipt(&sale.reference, true) {
                let _ = self.input_tx.send(input);
            }
        }
    }

    /// The receipt of a paid sale: written to `receipts/REF.txt` (asked for,
    /// not `auto`) and, with a printer, printed by a task whose outcome comes
    /// back as `Input::Receipt`. What to tell the cashier now, if anything.
    fn receipt(&self, reference: &Reference, auto: bool) -> Option<Input<K>> {
        let journal = self.runtime.journal()?;
        let s = &self.services;
        let dir = s.data_dir.as_deref();
        let written = match dir {
            Some(d) if !auto => {
                Some(services::write_receipt(journal.as_ref(), d, reference.as_str(), &s.shop_name, &s.timezone))
            }
            _ => None,
        };
        let printing = match s.printing.job(journal.as_ref(), dir, reference.as_str(), &s.shop_name, &s.timezone, auto)
        {
            Ok(Some(job)) => {
                let tx = self.input_tx.clone();
                tokio::spawn(async move {
                    let _ = tx.send(Input::Receipt(job.run().await));
                });
                true
            }
            Ok(None) => false,
            Err(e) => return Some(Input::Receipt(Err(e))),
        };
        let printing_note = if printing { "; printing it" } else { "" };
        match written {
            Some(Ok(path)) => Some(Input::Receipt(Ok(format!("Receipt written to {}{printing_note}", path.display())))),
            Some(Err(e)) => {
                tracing::warn!(error = %e, "receipt file not written");
                Some(Input::Receipt(Err(format!("The receipt could not be written: {e}."))))
            }
            None if printing && !auto => Some(Input::Receipt(Ok("Printing the receipt.".into()))),
            None => None,
        }
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
