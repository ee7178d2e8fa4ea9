//! Many tills on one store: the desk's side of a lease turn. Who watches
//! each invoice changes here (taken over, handed back, watched elsewhere),
//! polling pauses when the lease is lost and resumes with the next turn, and
//! each gateway's share of its limit follows the number of live tills on its
//! account. Nothing here writes: what another till stored is only shown.

use super::{Desk, Outcome};
use crate::core::invoice::Reference;
use crate::core::method::ProviderId;
use crate::core::poller::Share;
use crate::core::record::SaleRecord;
use crate::core::watch::{Watch, Watcher};
use std::collections::HashSet;

impl Desk {
    /// Applies a lease turn: watchers, new invoices, the shares, and polling
    /// again if it was paused.
    pub(super) fn fleet(
        &mut self,
        assignments: Vec<(SaleRecord, Watcher)>,
        settled: Vec<SaleRecord>,
        sharing: &[Share],
        out: &mut Outcome,
    ) {
        let now = self.now;
        for s in sharing {
            self.poller.share(s.provider, s.tills, s.rank, &self.policy);
        }
        let listed: HashSet<Reference> = assignments.iter().map(|(r, _)| r.reference.clone()).collect();
        for (record, watcher) in assignments {
            match self.index.get(&record.reference).copied() {
                Some(idx) => self.rewatch(idx, &record, watcher),
                None => {
                    let Some(mut w) = record.watch(now) else { continue };
                    w.watcher = watcher;
                    self.push_watch(w);
                }
            }
        }
        let settled: Vec<(usize, SaleRecord)> =
            settled.into_iter().filter_map(|r| self.index.get(&r.reference).map(|i| (*i, r))).collect();
        let mut adopted = HashSet::new();
        for (idx, record) in settled {
            let Some(w) = self.watches.get_mut(idx) else { continue };
            // Finished by another till while this one could not write: taken
            // as stored, never written again.
            if record.status.is_final() && !w.status().is_final() {
                adopt(w, &record, now);
                self.poller.dequeue(idx, w.invoice.method.provider);
            }
            adopted.insert(idx);
        }
        // Watched for another terminal and no longer listed: handed back
        // to its own till.
        for (idx, w) in self.watches.iter_mut().enumerate() {
            if let Watcher::For(terminal) = &w.watcher
                && !listed.contains(&w.invoice.reference)
                && !adopted.contains(&idx)
            {
                w.watcher = Watcher::Elsewhere(terminal.clone());
                self.poller.dequeue(idx, w.invoice.method.provider);
            }
        }
        if self.paused {
            self.paused = false;
            for (idx, w) in self.watches.iter().enumerate() {
                self.poller.enqueue(idx, w, &self.policy, now);
            }
        }
        self.settle_sale();
        self.plan(out);
    }

    /// One listed invoice the desk knows: a new watcher takes over from
    /// where the store stands.
    fn rewatch(&mut self, idx: usize, record: &SaleRecord, watcher: Watcher) {
        let now = self.now;
        let Some(w) = self.watches.get_mut(idx) else { return };
        if w.watcher == watcher {
            if !watcher.polled_here() {
                // Watched elsewhere: shown as that till stored it.
                adopt(w, record, now);
            }
            return;
        }
        let was_here = w.watcher.polled_here();
        w.watcher = watcher;
        if !w.watcher.polled_here() {
            adopt(w, record, now);
            self.poller.dequeue(idx, w.invoice.method.provider);
        } else if was_here {
            // Still polled here (for itself or for another terminal): only the label changes.
        } else {
            // Back from another till: from the status it stored, asked at once.
            adopt(w, record, now);
            w.answered = false;
            w.errors = 0;
            w.next_poll = now;
            self.poller.enqueue(idx, w, &self.policy, now);
        }
    }

    /// The lease could not be renewed in time: nothing more is polled.
    pub(super) fn lease_lost(&mut self) {
        self.paused = true;
        self.poller.clear();
    }

    /// The store says another till watches this invoice now.
    pub(super) fn not_watcher(&mut self, reference: &Reference) {
        let Some(idx) = self.index.get(reference).copied() else { return };
        let Some(w) = self.watches.get_mut(idx) else { return };
        if w.watcher.polled_here() {
            w.watcher = Watcher::Elsewhere(String::new());
            self.poller.dequeue(idx, w.invoice.method.provider);
        }
    }

    /// How many requests a second this till keeps to at a gateway now.
    pub fn rate(&self, provider: ProviderId) -> Option<crate::core::schedule::Rate> {
        self.poller.rate(provider)
    }
}

/// Takes the sale as the store holds it, written by another till: its
/// status, origin, words and way to pay. Nothing is written.
fn adopt(w: &mut Watch, record: &SaleRecord, now: jiff::Timestamp) {
    if let Some(mut invoice) = record.invoice() {
        invoice.choices = std::mem::take(&mut w.invoice.choices);
        w.invoice = invoice;
    }
    w.origin = record.origin;
    w.raw = record.raw.clone();
    w.note = record.note.clone();
    w.tx_id = record.tx_id.clone();
    w.conflict = None;
    w.finished_at = if w.invoice.status.is_final() { w.finished_at.or(Some(now)) } else { None };
}
