//! One writer per terminal: a connection of the store's own (not pooled)
//! holds a session advisory lock on the terminal's id for as long as the
//! till runs. The server drops the lock when that connection ends, however
//! the till ended (the keepalives set here make it notice a power cut or a
//! lost network within ~25 s).
//!
//! When the connection is lost while the till runs (the server restarted,
//! the network dropped), [`hold`] connects again and takes the lock back.
//! Should another till have taken the terminal meanwhile, the store is
//! marked lost: it writes nothing more (`TerminalBusy`), so two tills never
//! write as one terminal.

use super::connect::{Connection, Target};
use super::pool::db;
use crate::journal::JournalError;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::task::JoinHandle;

/// The terminal's lock key, from its id (`$1`).
const KEY: &str = "hashtextextended('till terminal ' || $1::text, 0)";

/// The server's keepalives on the lock's connection: a till gone without a
/// word is noticed within ~25 s and its lock dropped.
const KEEPALIVES: &str = "SET tcp_keepalives_idle = 10; SET tcp_keepalives_interval = 5; SET tcp_keepalives_count = 3";

/// Connects one connection of its own, its driver spawned on the current
/// (the store's) runtime; the handle ends when the connection does. A
/// refused password is said as such; anything else is `Unreachable`. The
/// server's words go to the log.
pub(super) async fn connect(target: &Target) -> Result<(tokio_postgres::Client, JoinHandle<()>), JournalError> {
    match target.config.connect(target.tls.clone()).await {
        Ok((client, connection)) => Ok((client, drive(connection))),
        Err(e) => {
            tracing::warn!(url = %target.shown, error = %e, "store: cannot connect");
            let refused = e.as_db_error().is_some_and(|d| d.code().code().starts_with("28"));
            if refused {
                Err(JournalError::Open {
                    path: target.shown.clone(),
                    detail: "the database refused the user or password: check [store] url and password".into(),
                })
            } else {
                Err(JournalError::Unreachable(format!("the database at {} does not answer", target.shown)))
            }
        }
    }
}

fn drive(connection: Connection) -> JoinHandle<()> {
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!(error = %e, "store: a connection of its own ended");
        }
    })
}

/// What one try for the terminal's lock found.
pub(super) enum Lock {
    /// Taken, by the server process `pid` (this connection's).
    Held { pid: i32 },
    /// Held by the server process `pid` (another connection's).
    Busy { pid: Option<i32> },
}

/// Tries once for terminal `me`'s lock on `client` (keepalives set first).
pub(super) async fn try_lock(client: &tokio_postgres::Client, me: &str) -> Result<Lock, JournalError> {
    client.batch_execute(KEEPALIVES).await.map_err(db("set the session's keepalives"))?;
    let row = client
        .query_one(&format!("SELECT pg_try_advisory_lock({KEY}), pg_backend_pid()"), &[&me])
        .await
        .map_err(db("lock the terminal"))?;
    let locked: bool = row.try_get(0).map_err(db("lock the terminal"))?;
    let pid: i32 = row.try_get(1).map_err(db("lock the terminal"))?;
    if locked {
        return Ok(Lock::Held { pid });
    }
    // Who holds it (a bigint key shows as its high and low halves).
    let holder = client
        .query_opt(
            &format!(
                "WITH k AS (SELECT {KEY} AS key)
                 SELECT l.pid FROM pg_locks l, k
                 WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
                   AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                   AND l.classid = ((k.key >> 32) & 4294967295)::oid AND l.objid = (k.key & 4294967295)::oid
                 LIMIT 1"
            ),
            &[&me],
        )
        .await
        .map_err(db("see who holds the terminal"))?;
    let pid = holder.map(|r| r.try_get(0)).transpose().map_err(db("see who holds the terminal"))?;
    Ok(Lock::Busy { pid })
}

/// Keeps terminal `me`'s lock for the store's life: waits for the lock's
/// connection to end, then connects again (every 250 ms .. 2 s) and takes
/// the lock back. Its own old server process still holding it (the server
/// has not noticed yet) is waited out; another's holding it marks the
/// store `lost` and ends.
pub(super) async fn hold(
    target: Target,
    me: String,
    // Kept while its connection runs: dropping it would end the session.
    mut _client: tokio_postgres::Client,
    mut driver: JoinHandle<()>,
    mut pid: i32,
    lost: Arc<AtomicBool>,
) {
    loop {
        let _ = (&mut driver).await;
        tracing::warn!(terminal = %me, "store: the terminal's lock connection was lost; taking the lock again");
        let mut wait = Duration::from_millis(250);
        loop {
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(Duration::from_secs(2));
            let Ok((c, d)) = connect(&target).await else { continue };
            match try_lock(&c, &me).await {
                Ok(Lock::Held { pid: new }) => {
                    tracing::info!(terminal = %me, "store: the terminal's lock is held again");
                    (_client, driver, pid) = (c, d, new);
                    break;
                }
                Ok(Lock::Busy { pid: Some(holder) }) if holder != pid => {
                    tracing::error!(terminal = %me, holder, "store: another till took this terminal; writing stops");
                    lost.store(true, Ordering::SeqCst);
                    return;
                }
                // Our own old server process, or the lock was just dropped.
                Ok(Lock::Busy { .. }) => {}
                Err(_) => {}
            }
        }
    }
}
