//! The words beside a dashboard row's status, and why: the gateway
//! unreachable, a contradiction, paid late, or (many tills on one store)
//! polled here for another terminal or watched by another till. Each in
//! three lengths, so the column fits.

use crate::core::method::ProviderId;
use crate::core::schedule::PollPolicy;
use crate::core::status::Status;
use crate::core::watch::{Watch, Watcher};
use crate::tui::theme;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use ratatui::style::Style;
use std::fmt;

/// [`clock`] as a `Display`.
pub(super) struct Clock<'a>(pub(super) Timestamp, pub(super) &'a TimeZone);

impl fmt::Display for Clock<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.to_zoned(self.1.clone()).strftime("%H:%M:%S"))
    }
}

/// Why there are words beside the status.
#[derive(Clone, Copy)]
pub(super) enum Why<'a> {
    /// The invoice's gateway has not answered since then.
    Unreachable(Timestamp),
    /// The gateway now says something else than the final status.
    Conflict(&'a Status),
    PaidLate,
    /// Many tills on one store: polled here for terminal T, whose till stopped.
    For(&'a str),
    /// Another till (its terminal) watches it: shown as it stored it.
    Elsewhere(&'a str),
}

impl<'a> Why<'a> {
    pub(super) fn of(
        w: &'a Watch,
        now: Timestamp,
        down: &[(ProviderId, Timestamp)],
        policy: &PollPolicy,
    ) -> Option<Why<'a>> {
        let unreachable = down.iter().find(|(p, _)| *p == w.invoice.method.provider).map(|(_, t)| *t);
        if let Watcher::Elsewhere(terminal) = &w.watcher
            && !w.is_settled(now, policy)
        {
            // Not polled here: this till's gateway health says nothing of it.
            Some(Why::Elsewhere(terminal))
        } else if let Some(since) = unreachable.filter(|_| !w.is_settled(now, policy)) {
            Some(Why::Unreachable(since))
        } else if let Some(said) = &w.conflict {
            Some(Why::Conflict(said))
        } else if w.paid_late() {
            Some(Why::PaidLate)
        } else if let Watcher::For(terminal) = &w.watcher
            && !w.is_settled(now, policy)
        {
            Some(Why::For(terminal))
        } else {
            None
        }
    }

    pub(super) fn style(self) -> Style {
        match self {
            Why::Unreachable(_) | Why::Conflict(_) => theme::error(),
            Why::PaidLate | Why::For(_) | Why::Elsewhere(_) => theme::dim(),
        }
    }

    /// The words, in one of their lengths, to write or measure.
    pub(super) fn words<'t>(self, length: NoteLength, tz: &'t TimeZone) -> NoteWords<'t>
    where
        'a: 't,
    {
        NoteWords { why: self, length, tz }
    }
}

pub(super) struct NoteWords<'a> {
    why: Why<'a>,
    length: NoteLength,
    tz: &'a TimeZone,
}

impl fmt::Display for NoteWords<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use NoteLength::{Full, Medium, Short};
        match (self.why, self.length) {
            (Why::Unreachable(t), Full) => write!(f, "unreachable since {}", Clock(t, self.tz)),
            (Why::Unreachable(t), Medium) => write!(f, "unreachable {}", Clock(t, self.tz)),
            (Why::Unreachable(_), Short) => f.write_str("unreachable"),
            (Why::Conflict(said), Full) => write!(f, "gateway now says {}", said.label()),
            (Why::Conflict(said), Medium) => write!(f, "now says {}", said.label()),
            (Why::Conflict(_), Short) => f.write_str("conflict"),
            (Why::PaidLate, Full | Medium) => f.write_str("paid late"),
            (Why::PaidLate, Short) => f.write_str("late"),
            (Why::For(t), Full | Medium) => write!(f, "for {t}"),
            (Why::For(_), Short) => f.write_str("taken"),
            (Why::Elsewhere(""), Full) => f.write_str("watched by another till"),
            (Why::Elsewhere(t), Full) => write!(f, "watched by {t}"),
            (Why::Elsewhere(""), Medium) => f.write_str("elsewhere"),
            (Why::Elsewhere(t), Medium) => write!(f, "by {t}"),
            (Why::Elsewhere(_), Short) => f.write_str("away"),
        }
    }
}

/// Words beside the status, in three lengths, and how they look.
pub(super) struct Note {
    pub(super) full: String,
    pub(super) medium: String,
    pub(super) short: String,
    pub(super) style: Style,
}

/// How long the notes beside the statuses may be (in the order of
/// [`Widest::status`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum NoteLength {
    Full = 0,
    Medium = 1,
    Short = 2,
}

impl NoteLength {
    pub(super) const ALL: [NoteLength; 3] = [NoteLength::Full, NoteLength::Medium, NoteLength::Short];
}

impl Note {
    pub(super) fn text(&self, length: NoteLength) -> &str {
        match length {
            NoteLength::Full => &self.full,
            NoteLength::Medium => &self.medium,
            NoteLength::Short => &self.short,
        }
    }
}
