//! One lease turn on PostgreSQL, in one transaction: this till renews its
//! terminal's lease, gives back the invoices of terminals that returned,
//! takes over the open invoices of terminals whose lease ran out (only those
//! of a gateway account it has too, `FOR UPDATE SKIP LOCKED`, so two tills
//! taking over at once never take the same invoice), and reads who watches
//! what. Leases count on the database's clock (`till_now_ms()`), the one
//! clock every till shares; a terminal is alive while `lease_until` is
//! after it.

use super::rows::{self, COLUMNS};
use crate::journal::JournalError;
use crate::journal::fleet::{Account, Assignment, LeaseAsk, LeaseTurn, Share};
use crate::journal::schema::{LATE, OPEN};

/// The index of the column after [`COLUMNS`] in a query.
pub(super) const WIDTH: usize = 29;

/// The transaction-scoped advisory lock that runs lease turns one at a time
/// ("till" and 3; the event chain's is 2).
const LEASE_LOCK: i64 = 0x7469_6c6c_0003;

/// `"provider:fingerprint"`, as `terminals.accounts` holds an account.
pub fn account_key(a: &Account) -> String {
    format!("{}:{}", a.provider.id(), a.fingerprint)
}

/// The invoices still watched (`i` the invoices table): open ones, and
/// expired ones whose expiry is after `$late` (the late window's start).
fn still_watched(late: &str) -> String {
    format!("(({OPEN}) OR (({LATE}) AND i.expires_at > {late}))")
}

/// The take-over condition on invoice `i`, for terminal `$1` with accounts
/// `$2` at the store's instant `now`: its watcher
/// (`COALESCE(watched_by, terminal)`) is another terminal whose lease ran
/// out (or that never took one), that watcher's account for the invoice's
/// gateway is one of mine, and its own terminal is me or not alive either
/// (a live terminal takes its own back).
fn takeable(late: &str, now: &str) -> String {
    format!(
        "{watched}
         AND COALESCE(i.watched_by, i.terminal) <> $1
         AND NOT EXISTS (SELECT 1 FROM terminals w
                         WHERE w.terminal = COALESCE(i.watched_by, i.terminal) AND w.lease_until > {now})
         AND EXISTS (SELECT 1 FROM terminals w, unnest(w.accounts) a
                     WHERE w.terminal = COALESCE(i.watched_by, i.terminal)
                       AND a = ANY($2::text[]) AND starts_with(a, i.provider || ':'))
         AND (i.terminal = $1 OR NOT EXISTS (SELECT 1 FROM terminals o
                                             WHERE o.terminal = i.terminal AND o.lease_until > {now}))",
        watched = still_watched(late)
    )
}

fn sql(what: &'static str) -> impl Fn(tokio_postgres::Error) -> JournalError {
    move |e| {
        tracing::warn!(error = %e, "store: lease turn: {what} failed");
        if e.is_closed() {
            JournalError::Unreachable("the connection to the database was lost".into())
        } else {
            JournalError::Sql(format!("the lease turn could not {what}"))
        }
    }
}

/// One lease turn for `ask.terminal`, run by the till instance `instance`
/// (a fresh id per start): renew, hand back, take over, read. One
/// transaction: either all of it is stored or none.
pub async fn turn(
    client: &mut tokio_postgres::Client,
    ask: &LeaseAsk,
    instance: &str,
) -> Result<LeaseTurn, JournalError> {
    let me = ask.terminal.as_str();
    let accounts: Vec<String> = ask.accounts.iter().map(account_key).collect();
    let unreachable: Vec<String> = ask.unreachable.iter().map(|p| p.id().to_string()).collect();
    let lease_ms = i64::try_from(ask.lease.as_millis()).unwrap_or(i64::MAX / 4);
    let late_since = ask.late_since.as_millisecond();
    let tx = client.transaction().await.map_err(sql("begin"))?;
    // Turns run one at a time across the store: each sees every earlier
    // turn committed, so two turns at once (every till retrying as a
    // database comes back) never both call one invoice theirs. A turn takes
    // milliseconds; the lock is the transaction's.
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LEASE_LOCK]).await.map_err(sql("wait for its turn"))?;
    // One instant of the store's clock for the whole turn (read after the wait).
    let now: i64 = tx
        .query_one("SELECT till_now_ms()", &[])
        .await
        .map_err(sql("read the clock"))?
        .try_get(0)
        .map_err(sql("read the clock"))?;

    // (a) My lease, my accounts, my gateways' health.
    tx.execute(
        "INSERT INTO terminals (terminal, instance, started_at, lease_until, accounts, unreachable, seen_at)
         VALUES ($1, $2, $6::bigint, $6::bigint + $3::bigint, $4, $5, $6::bigint)
         ON CONFLICT (terminal) DO UPDATE SET
             started_at = CASE WHEN terminals.instance = EXCLUDED.instance
                               THEN terminals.started_at ELSE EXCLUDED.started_at END,
             instance = EXCLUDED.instance,
             lease_until = EXCLUDED.lease_until,
             accounts = EXCLUDED.accounts,
             unreachable = EXCLUDED.unreachable,
             seen_at = EXCLUDED.seen_at",
        &[&me, &instance, &lease_ms, &accounts, &unreachable, &now],
    )
    .await
    .map_err(sql("renew the lease"))?;

    // (b) Hand back what I watch for terminals that are alive again, and
    // have the invoice's gateway account still (a till whose config lost it
    // could not poll it: it stays with me).
    tx.execute(
        &format!(
            "UPDATE invoices i SET watched_by = NULL
             WHERE i.watched_by = $1 AND i.terminal <> $1 AND {watched}
               AND EXISTS (SELECT 1 FROM terminals o, unnest(o.accounts) a
                           WHERE o.terminal = i.terminal AND o.lease_until > $3
                             AND a = ANY($4::text[]) AND starts_with(a, i.provider || ':'))",
            watched = still_watched("$2")
        ),
        &[&me, &late_since, &now, &accounts],
    )
    .await
    .map_err(sql("hand invoices back"))?;

    // (c) Take over from terminals whose lease ran out: lock what no other
    // till is taking now, then move it with the condition checked again
    // (a fresh snapshot: another till may have taken it just before).
    let candidates: Vec<String> = tx
        .query(
            &format!("SELECT i.reference FROM invoices i WHERE {} FOR UPDATE OF i SKIP LOCKED", takeable("$3", "$4")),
            &[&me, &accounts, &late_since, &now],
        )
        .await
        .map_err(sql("find invoices to take over"))?
        .iter()
        .filter_map(|r| r.try_get::<_, String>(0).ok())
        .collect();
    if !candidates.is_empty() {
        let taken = tx
            .execute(
                &format!(
                    "UPDATE invoices i SET watched_by = CASE WHEN i.terminal = $1 THEN NULL ELSE $1 END
                     WHERE i.reference = ANY($5) AND {}",
                    takeable("$3", "$4")
                ),
                &[&me, &accounts, &late_since, &now, &candidates],
            )
            .await
            .map_err(sql("take invoices over"))?;
        if taken > 0 {
            tracing::info!(terminal = me, taken, "store: took over invoices of terminals whose lease ran out");
        }
    }

    // (d) Who watches what, of mine and of what I watch.
    let rows = tx
        .query(
            &format!(
                "SELECT {COLUMNS}, COALESCE(i.watched_by, i.terminal) FROM invoices i
                 WHERE (i.terminal = $1 OR i.watched_by = $1) AND {}
                 ORDER BY i.started_at, i.reference",
                still_watched("$2")
            ),
            &[&me, &late_since],
        )
        .await
        .map_err(sql("read the assignments"))?;
    let mut assignments = Vec::with_capacity(rows.len());
    for row in &rows {
        // A row the till cannot read is logged and left out: failing the
        // turn would stop this till's lease, and the next till's after it
        // took the row over.
        let read = || -> Result<Assignment, JournalError> {
            let record = rows::record(row)?;
            let watched_by: String = row.try_get(WIDTH).map_err(|_| JournalError::Corrupt("watched_by".into()))?;
            Ok(Assignment { record, watched_by })
        };
        match read() {
            Ok(a) => assignments.push(a),
            Err(e) => {
                tracing::error!(terminal = me, error = %e, "store: lease turn: a sale's row cannot be read; left out")
            }
        }
    }

    let counts = tx
        .query(
            // The count, and this till's rank among them: how many live
            // tills sharing the account sort before it by terminal id (the
            // same byte order in every till's turn).
            "SELECT a,
                    (SELECT count(*) FROM terminals t WHERE t.lease_until > $2 AND a = ANY(t.accounts)),
                    (SELECT count(*) FROM terminals t WHERE t.lease_until > $2 AND a = ANY(t.accounts)
                        AND t.terminal COLLATE \"C\" < $3 COLLATE \"C\")
             FROM unnest($1::text[]) a",
            &[&accounts, &now, &me],
        )
        .await
        .map_err(sql("count the tills sharing an account"))?;
    let mut sharing: Vec<Share> = Vec::with_capacity(counts.len());
    for (row, account) in counts.iter().zip(&ask.accounts) {
        let n: i64 = row.try_get(1).unwrap_or(1);
        let tills = u32::try_from(n.max(1)).unwrap_or(u32::MAX);
        let rank: i64 = row.try_get(2).unwrap_or(0);
        let rank = u32::try_from(rank.max(0)).unwrap_or(0).min(tills - 1);
        sharing.push(Share { provider: account.provider, tills, rank });
    }
    tx.commit().await.map_err(sql("commit"))?;
    Ok(LeaseTurn { assignments, sharing })
}
