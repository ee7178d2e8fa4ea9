//! The dashboard (`Tab`): every invoice the till is watching, soonest to
//! expire first, each with its countdown, state and gateway health, so one
//! counter can run several sales at once. Finished invoices stay a while
//! with their outcome ([`LINGER`]), then leave the list.
//!
//! Here: its state, which invoices it lists ([`Listing`], made once per key
//! and once per frame), and its keys. `draw` and `table` draw it from the
//! frame's view: only the rows in the window are formatted, so a thousand
//! invoices cost a sort of indices, not a thousand rows of text.

pub mod draw;
pub mod fleet;
mod note;
mod table;

use super::global::{DASHBOARD, LIST, LIST_ACTIONS};
use crate::core::invoice::Reference;
use crate::core::method::ProviderId;
use crate::core::status::Status;
use crate::core::watch::Watch;
use crate::tui::action::Effect;
use crate::tui::ctx::Ctx;
use crate::tui::intent::Intent;
use crate::tui::intent::Modal;
use crate::tui::keys::{Avail, Binding, DOWN, ENTER, ESC, Help, Needs, Press, TAB, UP};
use crossterm::event::KeyCode;
use jiff::{SignedDuration, Timestamp};

/// How long a finished invoice (paid, expired, canceled) stays on the
/// dashboard after the till learnt its final state (`Watch::finished_at`):
/// long enough to read the outcome after serving the next customer, short
/// enough that the list stays about what is still open. The history (`h`)
/// keeps every sale of the day.
pub const LINGER: SignedDuration = SignedDuration::from_mins(5);

/// Which invoices the dashboard lists (`f` cycles).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Filter {
    #[default]
    All,
    Open,
    Paid,
    Expired,
    Canceled,
    /// Expired with part paid, a status nobody documented, a gateway
    /// contradicting a final state, or paid late.
    Attention,
}

impl Filter {
    const ORDER: [Filter; 6] =
        [Filter::All, Filter::Open, Filter::Paid, Filter::Expired, Filter::Canceled, Filter::Attention];

    pub fn label(self) -> &'static str {
        match self {
            Filter::All => "all",
            Filter::Open => "open",
            Filter::Paid => "paid",
            Filter::Expired => "expired",
            Filter::Canceled => "canceled",
            Filter::Attention => "needs attention",
        }
    }

    pub fn next(self) -> Filter {
        let i = Self::ORDER.iter().position(|f| *f == self).unwrap_or(0);
        Self::ORDER[(i + 1) % Self::ORDER.len()]
    }

    pub fn keeps(self, w: &Watch) -> bool {
        match self {
            Filter::All => true,
            Filter::Open => !w.status().is_final(),
            Filter::Paid => *w.status() == Status::Paid,
            Filter::Expired => matches!(w.status(), Status::Expired | Status::ExpiredUnderpaid),
            Filter::Canceled => *w.status() == Status::Canceled,
            Filter::Attention => needs_attention(w),
        }
    }
}

/// Someone should look: part paid and expired, a status the till does not
/// know, a gateway contradicting a final state, or money that came after the
/// invoice expired (the customer may have gone).
pub fn needs_attention(w: &Watch) -> bool {
    matches!(w.status(), Status::ExpiredUnderpaid | Status::Unknown(_)) || w.conflict.is_some() || w.paid_late()
}

/// On the dashboard at `now`: open, or finished less than [`LINGER`] ago;
/// never an invoice the journal could not store.
pub fn in_view(w: &Watch, now: Timestamp) -> bool {
    !w.unstored && (!w.status().is_final() || w.finished_at.is_some_and(|at| now.duration_since(at) < LINGER))
}

/// The dashboard's state; kept while it is closed, so `Tab` comes back to
/// the same filter and selection.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Dashboard {
    pub open: bool,
    pub filter: Filter,
    /// Only this gateway's invoices (`g`), when set.
    pub gateway: Option<ProviderId>,
    /// The selected invoice, followed as the list reorders.
    pub selected: Option<Reference>,
    /// Its last position: the selection stays there when the invoice leaves.
    pub index: usize,
}

impl Dashboard {
    /// The listed invoices, as indices into `watches`, in display order.
    pub fn rows(&self, watches: &[Watch], now: Timestamp) -> Vec<usize> {
        rows(watches, now, self.filter, self.gateway)
    }

    /// What the dashboard lists at `now`, and where the selection is.
    pub fn listing(&self, watches: &[Watch], now: Timestamp) -> Listing {
        let rows = self.rows(watches, now);
        let position = self.position(watches, &rows);
        Listing { rows, position }
    }

    /// Where the selection is in `rows`.
    pub fn position(&self, watches: &[Watch], rows: &[usize]) -> Option<usize> {
        let last = rows.len().checked_sub(1)?;
        if let Some(r) = &self.selected
            && let Some(p) = rows.iter().position(|&i| watches.get(i).is_some_and(|w| &w.invoice.reference == r))
        {
            return Some(p);
        }
        Some(self.index.min(last))
    }

    /// Selects the row at `position` (clamped).
    pub fn select(&mut self, watches: &[Watch], rows: &[usize], position: usize) {
        self.index = position.min(rows.len().saturating_sub(1));
        self.selected = rows.get(self.index).and_then(|&i| watches.get(i)).map(|w| w.invoice.reference.clone());
    }

    /// The next gateway filter: none, then each gateway with invoices in view.
    pub fn next_gateway(&self, watches: &[Watch], now: Timestamp) -> Option<ProviderId> {
        let present: Vec<ProviderId> = ProviderId::ALL
            .iter()
            .copied()
            .filter(|p| watches.iter().any(|w| w.invoice.method.provider == *p && in_view(w, now)))
            .collect();
        match self.gateway {
            None => present.first().copied(),
            Some(g) => present.iter().position(|p| *p == g).and_then(|i| present.get(i + 1).copied()),
        }
    }
}

/// The invoices in view that the filters keep, as indices into `watches`:
/// open ones by time left, soonest first (past their expiry first of all),
/// then finished ones, the most recently finished first.
pub fn rows(watches: &[Watch], now: Timestamp, filter: Filter, gateway: Option<ProviderId>) -> Vec<usize> {
    // Any instant in nanoseconds is well under 2^70: finished invoices,
    // keyed past 2^100, come after every open one.
    const FINISHED: i128 = 1 << 100;
    let mut keyed: Vec<(i128, usize)> = watches
        .iter()
        .enumerate()
        .filter(|(_, w)| in_view(w, now) && filter.keeps(w) && gateway.is_none_or(|g| w.invoice.method.provider == g))
        .map(|(i, w)| {
            let key = if w.status().is_final() {
                FINISHED - w.finished_at.map_or(0, Timestamp::as_nanosecond)
            } else {
                w.invoice.expires_at.as_nanosecond()
            };
            (key, i)
        })
        .collect();
    keyed.sort_unstable();
    keyed.into_iter().map(|(_, i)| i).collect()
}

/// The invoices listed, in display order (indices into the desk's
/// watches), and the selected row.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Listing {
    pub rows: Vec<usize>,
    pub position: Option<usize>,
}

impl Listing {
    /// The selected invoice.
    pub fn selected<'a>(&self, watches: &'a [Watch]) -> Option<&'a Watch> {
        self.position.and_then(|p| self.rows.get(p)).and_then(|&i| watches.get(i))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmd {
    Select,
    First,
    Last,
    Open,
    Cancel,
    Filter,
    Gateway,
    Close,
    /// Close the day (Z-report), after a confirmation.
    CloseDay,
}

/// The dashboard's help line for `z`.
pub static CLOSE_DAY: Help = Help { order: 95, text: "close the day: the Z-report, journaled (asks first)" };

pub const KEYS: &[Binding<Cmd>] = &[
    Binding::new(&[UP, DOWN], "↑↓", "select", Some(&LIST), 60, Cmd::Select),
    Binding::new(&[Press::Key(KeyCode::Home)], "Home", "", Some(&LIST), 0, Cmd::First),
    Binding::new(&[Press::Key(KeyCode::End)], "End", "", Some(&LIST), 0, Cmd::Last),
    Binding::new(&[ENTER], "Enter", "open", Some(&LIST), 70, Cmd::Open),
    Binding::new(&[Press::ch('c')], "c", "cancel", Some(&LIST_ACTIONS), 50, Cmd::Cancel),
    Binding::new(&[Press::ch('f')], "f", "filter", Some(&LIST_ACTIONS), 40, Cmd::Filter),
    Binding::new(&[Press::ch('g')], "g", "gateway", Some(&LIST_ACTIONS), 30, Cmd::Gateway),
    Binding::new(&[TAB, ESC], "Tab", "back", Some(&DASHBOARD), 65, Cmd::Close),
    Binding::new(&[Press::ch('z')], "z", "close day", Some(&CLOSE_DAY), 20, Cmd::CloseDay).needs(Needs::Journal),
];

impl Dashboard {
    /// Moving and opening are offered when something is listed, canceling
    /// when the selected invoice is open (on a finished one, `c` says why not).
    pub fn avail(cmd: Cmd, listing: &Listing, watches: &[Watch]) -> Avail {
        match cmd {
            Cmd::Select | Cmd::Open => Avail::shown_if(!listing.rows.is_empty()),
            Cmd::Cancel => Avail::shown_if(listing.selected(watches).is_some_and(|w| !w.status().is_final())),
            Cmd::First | Cmd::Last => Avail::Quiet,
            Cmd::Filter | Cmd::Gateway | Cmd::Close | Cmd::CloseDay => Avail::Shown,
        }
    }

    /// Opens over the screen on display (the selection on the first row
    /// unless it is still listed), or closes back to it.
    pub fn toggle(&mut self, ctx: &Ctx) {
        self.open = !self.open;
        if self.open {
            let watches = &ctx.desk.watches;
            let rows = self.rows(watches, ctx.now());
            if self.selected.as_ref().is_none_or(|r| !rows.iter().any(|&i| watches[i].invoice.reference == *r)) {
                self.select(watches, &rows, 0);
            }
        }
    }

    pub fn run(&mut self, cmd: Cmd, code: KeyCode, listing: &Listing, ctx: &Ctx) -> Intent {
        let (watches, now) = (&ctx.desk.watches, ctx.now());
        let Listing { rows, position } = listing;
        match cmd {
            Cmd::Close => self.open = false,
            Cmd::CloseDay => return Intent::Effect(Effect::Close(None)),
            Cmd::Select if code == KeyCode::Up => self.select(watches, rows, position.unwrap_or(0).saturating_sub(1)),
            Cmd::Select => self.select(watches, rows, position.map_or(0, |p| p + 1)),
            Cmd::First => self.select(watches, rows, 0),
            Cmd::Last => self.select(watches, rows, rows.len()),
            Cmd::Filter => {
                self.filter = self.filter.next();
                let rows = self.rows(watches, now);
                self.select(watches, &rows, 0);
            }
            Cmd::Gateway => {
                self.gateway = self.next_gateway(watches, now);
                let rows = self.rows(watches, now);
                self.select(watches, &rows, 0);
            }
            Cmd::Cancel => {
                return match listing.selected(watches) {
                    Some(w) if w.status().is_final() => {
                        Intent::Flash(format!("This invoice is {}: there is nothing to cancel.", w.status().label()))
                    }
                    Some(w) => Intent::Modal(Modal::ConfirmCancel(w.invoice.reference.clone())),
                    None => Intent::Nothing,
                };
            }
            Cmd::Open => {
                if let Some(w) = listing.selected(watches) {
                    return Intent::Show(w.invoice.reference.clone());
                }
            }
        }
        Intent::Nothing
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_cycle_through_every_kind_and_back() {
        let mut f = Filter::All;
        let mut seen = vec![f.label()];
        for _ in 0..6 {
            f = f.next();
            seen.push(f.label());
        }
        assert_eq!(seen, ["all", "open", "paid", "expired", "canceled", "needs attention", "all"]);
    }
}
