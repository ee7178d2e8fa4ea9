//! The operator's board's live feed. One connection, read-only (SELECT and
//! LISTEN only, so a role granted SELECT alone is enough): it LISTENs on
//! the store's two channels, sends a [`BoardUpdate::Snapshot`] of everything
//! in view, then [`BoardUpdate::Rows`] for the invoices the notifications
//! name (those that arrive together read in one query) and
//! [`BoardUpdate::Terminals`] when a terminal starts, its gateways' health
//! changes, or (checked every [`TERMINALS_EVERY`], liveness being a matter
//! of time) a lease runs out. When the connection fails it sends one
//! [`BoardUpdate::Lost`] sentence, reconnects with a backoff of
//! [`FIRST_RETRY`] doubling to [`LAST_RETRY`], and sends a fresh snapshot.
//!
//! The connection's driver is polled here (not spawned as a plain future)
//! so that its notifications come out of it: `poll_message` yields them
//! beside the replies the client's queries wait for.

use super::connect::{self, Connection, Target};
use super::rows::{self, COLUMNS};
use super::schema::{INVOICES_CHANNEL, TERMINALS_CHANNEL};
use crate::core::method::ProviderId;
use crate::journal::JournalError;
use crate::journal::fleet::{BoardRow, BoardUpdate, TerminalState};
use crate::journal::schema::{LATE, OPEN};
use futures_util::StreamExt;
use jiff::Timestamp;
use std::time::Duration;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio_postgres::{AsyncMessage, Client};

/// How often the terminals' leases are read again (a lease runs out
/// without anything written).
pub const TERMINALS_EVERY: Duration = Duration::from_secs(2);
/// The first wait before reconnecting; it doubles up to [`LAST_RETRY`].
pub const FIRST_RETRY: Duration = Duration::from_millis(250);
pub const LAST_RETRY: Duration = Duration::from_secs(2);
/// Notifications that arrive within this of the first are read together.
const GATHER: Duration = Duration::from_millis(5);

/// What the board says when the store goes away.
pub const LOST: &str = "The store cannot be reached; the board reconnects by itself.";
/// What it says when the store answers but cannot be read (a missing grant,
/// a store not made yet).
pub const UNREADABLE: &str = "The store cannot be read (see the log); the board tries again by itself.";

/// Starts the feed of every sale started since `since` and every invoice
/// still watched (expired ones whose expiry is after `since` too), for the
/// board. The task runs until the receiver is dropped.
pub fn feed(target: Target, since: Timestamp) -> UnboundedReceiver<BoardUpdate> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(run(target, since, tx));
    rx
}

/// Why one connection's session ended.
enum Ended {
    /// The receiver is gone: the feed stops.
    Closed,
    /// The connection failed (or could not be made) or a read failed; the
    /// sentence to show. `true` when a snapshot had been sent.
    Failed(&'static str, bool),
}

async fn run(target: Target, since: Timestamp, tx: UnboundedSender<BoardUpdate>) {
    let mut wait = FIRST_RETRY;
    // The sentence last sent: a failed retry does not say it again.
    let mut said: Option<&'static str> = None;
    loop {
        match session(&target, since, &tx).await {
            Ended::Closed => return,
            Ended::Failed(sentence, snapshot_sent) => {
                if snapshot_sent {
                    wait = FIRST_RETRY;
                    said = None;
                }
                if said != Some(sentence) {
                    if tx.send(BoardUpdate::Lost(sentence.to_string())).is_err() {
                        return;
                    }
                    said = Some(sentence);
                }
            }
        }
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = tx.closed() => return,
        }
        wait = (wait * 2).min(LAST_RETRY);
    }
}

/// Runs `connection`, sending its notifications to the returned receiver;
/// the receiver ends when the connection does.
fn drive(connection: Connection) -> UnboundedReceiver<tokio_postgres::Notification> {
    let (ntx, nrx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut connection = connection;
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(n)) => {
                    if ntx.send(n).is_err() {
                        return;
                    }
                }
                Ok(AsyncMessage::Notice(n)) => tracing::debug!(notice = %n, "board feed: server notice"),
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "board feed: the connection failed");
                    return;
                }
            }
        }
    });
    nrx
}

fn failed(what: &'static str, snapshot_sent: bool) -> impl Fn(JournalError) -> Ended {
    move |e| {
        tracing::warn!(error = %e, "board feed: {what}");
        match e {
            JournalError::Unreachable(_) => Ended::Failed(LOST, snapshot_sent),
            _ => Ended::Failed(UNREADABLE, snapshot_sent),
        }
    }
}

async fn session(target: &Target, since: Timestamp, tx: &UnboundedSender<BoardUpdate>) -> Ended {
    let (client, connection) = match connect::connect(target).await {
        Ok(v) => v,
        Err(e) => return failed("cannot connect", false)(e),
    };
    let mut notes = drive(connection);
    let listen = format!("LISTEN {INVOICES_CHANNEL}; LISTEN {TERMINALS_CHANNEL};");
    if let Err(e) = client.batch_execute(&listen).await {
        return failed("cannot listen", false)(sql(e));
    }
    let snapshot = async {
        let rows = in_view(&client, since).await?;
        let terminals = terminals(&client).await?;
        Ok::<_, JournalError>((rows, terminals))
    };
    let (rows, mut shown) = match snapshot.await {
        Ok(v) => v,
        Err(e) => return failed("cannot read the snapshot", false)(e),
    };
    if tx.send(BoardUpdate::Snapshot { rows, terminals: shown.clone(), at: Timestamp::now() }).is_err() {
        return Ended::Closed;
    }
    let mut tick = tokio::time::interval(TERMINALS_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        let mut changed: Vec<String> = Vec::new();
        let mut terminals_named = false;
        tokio::select! {
            note = notes.recv() => {
                let Some(first) = note else { return Ended::Failed(LOST, true) };
                let mut sort = |n: tokio_postgres::Notification| {
                    if n.channel() == TERMINALS_CHANNEL {
                        terminals_named = true;
                    } else if !changed.iter().any(|r| r == n.payload()) {
                        changed.push(n.payload().to_string());
                    }
                };
                sort(first);
                // What arrives together is read together.
                let gather = tokio::time::sleep(GATHER);
                tokio::pin!(gather);
                loop {
                    tokio::select! {
                        () = &mut gather => break,
                        more = notes.recv() => match more {
                            Some(n) => sort(n),
                            None => break,
                        },
                    }
                }
            }
            _ = tick.tick() => terminals_named = true,
            () = tx.closed() => return Ended::Closed,
        }
        if !changed.is_empty() {
            match named(&client, &changed).await {
                Ok(rows) if !rows.is_empty() => {
                    if tx.send(BoardUpdate::Rows(rows)).is_err() {
                        return Ended::Closed;
                    }
                }
                Ok(_) => {}
                Err(e) => return failed("cannot read changed invoices", true)(e),
            }
        }
        if terminals_named {
            match terminals(&client).await {
                Ok(now) => {
                    if !same(&now, &shown) && tx.send(BoardUpdate::Terminals(now.clone())).is_err() {
                        return Ended::Closed;
                    }
                    shown = now;
                }
                Err(e) => return failed("cannot read the terminals", true)(e),
            }
        }
    }
}

/// Two views of the terminals alike but for when each was last seen (which
/// moves every lease turn and is not worth a redraw).
fn same(a: &[TerminalState], b: &[TerminalState]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.terminal == y.terminal && x.alive == y.alive && x.unreachable == y.unreachable)
}

fn sql(e: tokio_postgres::Error) -> JournalError {
    if e.is_closed() { JournalError::Unreachable(e.to_string()) } else { JournalError::Sql(e.to_string()) }
}

/// The invoice columns and who watches it when not its own terminal.
fn select() -> String {
    format!("SELECT {COLUMNS}, NULLIF(watched_by, terminal) FROM invoices")
}

/// The rows the board can read. One it cannot is logged and left out, so a
/// single damaged row never takes the whole board down.
fn board_rows(found: &[tokio_postgres::Row]) -> Result<Vec<BoardRow>, JournalError> {
    Ok(found
        .iter()
        .filter_map(|r| {
            let read = || -> Result<BoardRow, JournalError> {
                let record = rows::record(r)?;
                let watched_by: Option<String> =
                    r.try_get(super::lease::WIDTH).map_err(|_| JournalError::Corrupt("watched_by".into()))?;
                Ok(BoardRow { record, watched_by })
            };
            read().map_err(|e| tracing::warn!(error = %e, "board: a sale's row cannot be read; left out")).ok()
        })
        .collect())
}

/// Every sale started since `since`, and every invoice still watched.
async fn in_view(client: &Client, since: Timestamp) -> Result<Vec<BoardRow>, JournalError> {
    let since = since.as_millisecond();
    let found = client
        .query(
            &format!(
                "{} WHERE started_at >= $1 OR ({OPEN}) OR (({LATE}) AND expires_at > $1)
                 ORDER BY started_at DESC, reference",
                select()
            ),
            &[&since],
        )
        .await
        .map_err(sql)?;
    board_rows(&found)
}

/// The invoices named by notifications.
async fn named(client: &Client, references: &[String]) -> Result<Vec<BoardRow>, JournalError> {
    let found = client
        .query(&format!("{} WHERE reference = ANY($1) ORDER BY started_at DESC, reference", select()), &[&references])
        .await
        .map_err(sql)?;
    board_rows(&found)
}

/// Every terminal, alive or not by the store's clock.
async fn terminals(client: &Client) -> Result<Vec<TerminalState>, JournalError> {
    let found = client
        .query(
            "SELECT terminal, lease_until > till_now_ms(), seen_at, unreachable FROM terminals ORDER BY terminal",
            &[],
        )
        .await
        .map_err(sql)?;
    let mut out = Vec::with_capacity(found.len());
    for r in &found {
        let read = || -> Result<TerminalState, tokio_postgres::Error> {
            let seen: i64 = r.try_get(2)?;
            let unreachable: Vec<String> = r.try_get(3)?;
            Ok(TerminalState {
                terminal: r.try_get(0)?,
                alive: r.try_get(1)?,
                last_seen: Timestamp::from_millisecond(seen).unwrap_or(Timestamp::UNIX_EPOCH),
                unreachable: unreachable.iter().filter_map(|p| ProviderId::parse(p)).collect(),
            })
        };
        out.push(read().map_err(|e| JournalError::Corrupt(format!("a terminal row: {e}")))?);
    }
    Ok(out)
}
