//! The board's state, built from the feed's updates alone (no I/O, no
//! clock of its own: each call is given `now`). It holds every terminal's
//! invoices (as watches, so the dashboard's table draws them), the
//! terminals' states, whether the store can be reached, and the notices
//! for invoices newly paid or newly needing attention. The first snapshot
//! raises no notice: the operator learns about changes, not about the day
//! so far. A snapshot after a reconnect does: what changed while the store
//! was out of reach is news too.

use crate::core::invoice::{Payload, PayloadKind, Reference};
use crate::core::money::Money;
use crate::core::record::RecordState;
use crate::core::status::Status;
use crate::core::watch::Watch;
use crate::journal::fleet::{BoardRow, BoardUpdate, TerminalState};
use crate::tui::screens::dashboard::{self, Dashboard, LINGER, in_view, needs_attention};
use crossterm::event::KeyCode;
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};
use std::collections::{BTreeMap, HashMap};

/// How many notices the board keeps (the screen shows the latest).
pub const KEPT_NOTICES: usize = 50;

/// Who an invoice belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owner {
    /// The terminal that made the sale.
    pub terminal: String,
    /// The terminal whose till watches it, when not its own.
    pub watched_by: Option<String>,
    pub started_at: Timestamp,
}

impl Owner {
    /// The Terminal column: `T1`, or `T1 · watched by T3`.
    pub fn label(&self) -> String {
        match &self.watched_by {
            Some(w) if *w != self.terminal => format!("{} · watched by {w}", self.terminal),
            _ => self.terminal.clone(),
        }
    }
}

/// Where the feed stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Link {
    /// No snapshot yet.
    Connecting,
    Live,
    /// The store cannot be reached (the feed's sentence); a snapshot ends it.
    Lost(String),
}

/// Why the operator is told about an invoice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeKind {
    Paid,
    Attention,
}

impl NoticeKind {
    pub fn name(self) -> &'static str {
        match self {
            NoticeKind::Paid => "paid",
            NoticeKind::Attention => "attention",
        }
    }
}

/// An invoice newly paid or newly needing attention.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub at: Timestamp,
    pub kind: NoticeKind,
    pub reference: Reference,
    pub terminal: String,
    pub status: Status,
    pub amount: Money,
    /// `paid late` and the like.
    pub note: Option<String>,
}

/// One terminal's line in the header: its state and today's figures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Totals {
    pub terminal: String,
    /// `None`: it has sales but the store has no lease row for it.
    pub state: Option<TerminalState>,
    /// Sales paid today (the shop's day).
    pub paid: usize,
    /// Their sum, per currency (by code), each with its decimals.
    pub sums: Vec<Money>,
    /// Invoices still open (not final), whatever the day.
    pub open: usize,
}

#[derive(Clone, Debug)]
pub struct Board {
    /// The shop's time zone (its day, its clock).
    pub tz: TimeZone,
    pub link: Link,
    /// Every invoice the feed sent (sales without an invoice yet are left
    /// out), in arrival order; `owners[i]` goes with `watches[i]`.
    pub watches: Vec<Watch>,
    pub owners: Vec<Owner>,
    index: HashMap<Reference, usize>,
    /// Every terminal with a lease row, by name.
    pub terminals: Vec<TerminalState>,
    /// The latest last.
    pub notices: Vec<Notice>,
    /// The dashboard's own filters and selection (`f`, `g`, ↑↓).
    pub view: Dashboard,
    /// Only this terminal's invoices (`t` cycles, `--terminal` at start).
    pub terminal: Option<String>,
    /// The keys' help is open (`?`).
    pub help: bool,
    pub quit: bool,
    /// A snapshot came: the next ones raise notices.
    snapshot_seen: bool,
}

impl Board {
    pub fn new(tz: TimeZone, terminal: Option<String>) -> Board {
        Board {
            tz,
            link: Link::Connecting,
            watches: Vec::new(),
            owners: Vec::new(),
            index: HashMap::new(),
            terminals: Vec::new(),
            notices: Vec::new(),
            view: Dashboard { open: true, ..Dashboard::default() },
            terminal,
            help: false,
            quit: false,
            snapshot_seen: false,
        }
    }

    /// Whether the store answers now.
    pub fn reachable(&self) -> bool {
        self.link == Link::Live
    }

    /// Takes one update from the feed; gives the notices it raises.
    pub fn apply(&mut self, update: BoardUpdate, now: Timestamp) -> Vec<Notice> {
        let notices = match update {
            BoardUpdate::Snapshot { rows, terminals, at } => {
                let first = !std::mem::replace(&mut self.snapshot_seen, true);
                let old = std::mem::take(&mut self.watches);
                let old_index = std::mem::take(&mut self.index);
                self.owners.clear();
                let mut notices = Vec::new();
                for row in rows {
                    let before = old_index.get(&row.record.reference).and_then(|&i| old.get(i));
                    if let Some((watch, owner)) = entry(&row, before, at.min(now)) {
                        if !first && let Some(n) = notice(before, &watch, &owner, now) {
                            notices.push(n);
                        }
                        self.push(watch, owner);
                    }
                }
                self.terminals.clear();
                self.merge_terminals(terminals);
                self.link = Link::Live;
                notices
            }
            BoardUpdate::Rows(rows) => {
                let mut notices = Vec::new();
                for row in rows {
                    let at = self.index.get(&row.record.reference).copied();
                    let before = at.and_then(|i| self.watches.get(i));
                    let Some((watch, owner)) = entry(&row, before, now) else {
                        continue;
                    };
                    if let Some(n) = notice(before, &watch, &owner, now) {
                        notices.push(n);
                    }
                    match at {
                        Some(i) if i < self.watches.len() => {
                            self.watches[i] = watch;
                            self.owners[i] = owner;
                        }
                        _ => self.push(watch, owner),
                    }
                }
                notices
            }
            BoardUpdate::Terminals(terminals) => {
                self.merge_terminals(terminals);
                Vec::new()
            }
            BoardUpdate::Lost(sentence) => {
                self.link = Link::Lost(sentence);
                Vec::new()
            }
        };
        self.notices.extend(notices.iter().cloned());
        let over = self.notices.len().saturating_sub(KEPT_NOTICES);
        self.notices.drain(..over);
        notices
    }

    fn push(&mut self, watch: Watch, owner: Owner) {
        self.index.insert(watch.invoice.reference.clone(), self.watches.len());
        self.watches.push(watch);
        self.owners.push(owner);
    }

    fn merge_terminals(&mut self, terminals: Vec<TerminalState>) {
        for t in terminals {
            match self.terminals.iter_mut().find(|k| k.terminal == t.terminal) {
                Some(k) => *k = t,
                None => self.terminals.push(t),
            }
        }
        self.terminals.sort_by(|a, b| a.terminal.cmp(&b.terminal));
    }

    /// Every terminal the board knows, by name: those with a lease row and
    /// those with sales.
    pub fn terminal_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.terminals.iter().map(|t| t.terminal.clone()).collect();
        names.extend(self.owners.iter().map(|o| o.terminal.clone()));
        names.sort();
        names.dedup();
        names
    }

    /// Whether the terminal filter keeps invoice `i`: made by that terminal,
    /// or watched by its till.
    pub fn keeps(&self, i: usize) -> bool {
        let Some(t) = &self.terminal else { return true };
        self.owners.get(i).is_some_and(|o| o.terminal == *t || o.watched_by.as_ref() == Some(t))
    }

    /// The listed invoices (indices into `watches`), in the dashboard's
    /// order, and the selected row.
    pub fn listing(&self, now: Timestamp) -> dashboard::Listing {
        let mut rows = dashboard::rows(&self.watches, now, self.view.filter, self.view.gateway);
        rows.retain(|&i| self.keeps(i));
        let position = self.view.position(&self.watches, &rows);
        dashboard::Listing { rows, position }
    }

    /// Every invoice in view under the terminal filter (whatever the
    /// dashboard's filters): what the columns are sized to.
    pub fn in_view(&self, now: Timestamp) -> Vec<usize> {
        (0..self.watches.len()).filter(|&i| self.keeps(i) && in_view(&self.watches[i], now)).collect()
    }

    /// Each terminal's line, under the terminal filter.
    pub fn totals(&self, now: Timestamp) -> Vec<Totals> {
        let today = now.to_zoned(self.tz.clone()).date();
        let mut by: BTreeMap<String, (Totals, BTreeMap<String, Money>)> = BTreeMap::new();
        for name in self.terminal_names() {
            if self.terminal.as_ref().is_some_and(|t| *t != name) {
                continue;
            }
            let state = self.terminals.iter().find(|t| t.terminal == name).cloned();
            let totals = Totals { terminal: name.clone(), state, paid: 0, sums: Vec::new(), open: 0 };
            by.insert(name, (totals, BTreeMap::new()));
        }
        for (w, o) in self.watches.iter().zip(&self.owners) {
            let Some((t, sums)) = by.get_mut(&o.terminal) else { continue };
            let status = w.status();
            t.open += usize::from(!status.is_final());
            if *status == Status::Paid && o.started_at.to_zoned(self.tz.clone()).date() == today {
                t.paid += 1;
                let fiat = &w.invoice.fiat;
                let sum = sums
                    .entry(fiat.currency.code().to_string())
                    .or_insert_with(|| Money::new(rust_decimal::Decimal::ZERO, fiat.currency.clone()));
                sum.amount += fiat.amount;
            }
        }
        by.into_values()
            .map(|(mut t, sums)| {
                t.sums = sums.into_values().collect();
                t
            })
            .collect()
    }

    /// The next terminal filter: none, then each terminal by name.
    pub fn next_terminal(&self) -> Option<String> {
        let names = self.terminal_names();
        match &self.terminal {
            None => names.first().cloned(),
            Some(t) => names.iter().position(|n| n == t).and_then(|i| names.get(i + 1)).cloned(),
        }
    }

    /// How long the screen may stay as it is: a second while a countdown
    /// is shown; else until the next finished invoice leaves the list;
    /// `None` when only an update or a key can change it.
    pub fn idle_for(&self, now: Timestamp) -> Option<std::time::Duration> {
        let shown = self.in_view(now);
        if shown.iter().any(|&i| !self.watches[i].status().is_final()) {
            return Some(std::time::Duration::from_secs(1));
        }
        let leaves = shown.iter().filter_map(|&i| self.watches[i].finished_at).map(|at| at + LINGER).min()?;
        let wait = now.duration_until(leaves).unsigned_abs();
        Some(wait.max(std::time::Duration::from_millis(100)))
    }

    /// Takes a key. Nothing here writes to the store: the keys move the
    /// selection, change the filters, open the help, quit.
    pub fn key(&mut self, code: KeyCode, ctrl: bool, now: Timestamp) {
        if self.help {
            // Any key closes the help; q still quits.
            self.help = false;
            self.quit = matches!(code, KeyCode::Char('q' | 'Q'));
            return;
        }
        let listing = self.listing(now);
        let (rows, position) = (&listing.rows, listing.position);
        match code {
            KeyCode::Char('q' | 'Q') => self.quit = true,
            KeyCode::Char('c') if ctrl => self.quit = true,
            KeyCode::Char('?') => self.help = true,
            KeyCode::Up => self.view.select(&self.watches, rows, position.unwrap_or(0).saturating_sub(1)),
            KeyCode::Down => self.view.select(&self.watches, rows, position.map_or(0, |p| p + 1)),
            KeyCode::Home => self.view.select(&self.watches, rows, 0),
            KeyCode::End => self.view.select(&self.watches, rows, rows.len()),
            KeyCode::Char('f') => self.refilter(now, |b| b.view.filter = b.view.filter.next()),
            KeyCode::Char('g') => self.refilter(now, |b| b.view.gateway = b.view.next_gateway(&b.watches, now)),
            KeyCode::Char('t') => self.refilter(now, |b| b.terminal = b.next_terminal()),
            _ => {}
        }
    }

    /// Changes a filter, the selection back on the first row.
    fn refilter(&mut self, now: Timestamp, change: impl FnOnce(&mut Board)) {
        change(self);
        let rows = self.listing(now).rows;
        self.view.select(&self.watches, &rows, 0);
    }

    /// The day the board counts in (the shop's).
    pub fn since(now: Timestamp, tz: &TimeZone) -> Timestamp {
        let zoned = now.to_zoned(tz.clone());
        zoned.start_of_day().map(|z| z.timestamp()).unwrap_or_else(|_| now - Span::new().hours(24))
    }
}

/// The watch and owner of `row`; `before` is the board's previous watch of
/// it. A final invoice keeps the instant it finished at; one the board sees
/// finish now gets `now`; one that was already final when first seen gets
/// its expiry or `first_seen`, whichever came first (the store does not say
/// when it finished), so the dashboard's linger applies.
fn entry(row: &BoardRow, before: Option<&Watch>, first_seen: Timestamp) -> Option<(Watch, Owner)> {
    let r = &row.record;
    let mut w = match r.watch(first_seen) {
        Some(w) => w,
        None if r.state == RecordState::Created => {
            // The board draws no QR: a row stored without its payload (or
            // the gateway's id) still shows.
            let mut r = r.clone();
            r.payload.get_or_insert(Payload { kind: PayloadKind::Page, qr: String::new(), text: String::new() });
            r.gateway_id.get_or_insert_with(String::new);
            r.watch(first_seen)?
        }
        None => return None,
    };
    w.answered = true;
    w.finished_at = if !w.status().is_final() {
        None
    } else if let Some(b) = before.filter(|b| b.status().is_final()) {
        b.finished_at
    } else if before.is_some() {
        Some(first_seen)
    } else {
        Some(w.invoice.expires_at.min(first_seen))
    };
    let owner = Owner { terminal: r.terminal.clone(), watched_by: row.watched_by.clone(), started_at: r.started_at };
    Some((w, owner))
}

/// The notice for a change from `before` to `after`, if it is news: newly
/// needing attention (paid late included) first, else newly paid.
fn notice(before: Option<&Watch>, after: &Watch, owner: &Owner, now: Timestamp) -> Option<Notice> {
    let attention_before = before.is_some_and(needs_attention);
    let paid_before = before.is_some_and(|b| *b.status() == Status::Paid);
    let kind = if needs_attention(after) && !attention_before {
        NoticeKind::Attention
    } else if *after.status() == Status::Paid && !paid_before {
        NoticeKind::Paid
    } else {
        return None;
    };
    Some(Notice {
        at: now,
        kind,
        reference: after.invoice.reference.clone(),
        terminal: owner.terminal.clone(),
        status: after.status().clone(),
        amount: after.invoice.fiat.clone(),
        note: after.note.clone(),
    })
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
