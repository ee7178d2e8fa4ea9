//! Bringing a PostgreSQL store to this till's schema: the version read from
//! `till_schema`, each missing migration applied in ONE transaction (all of
//! them or none), under a transaction-scoped advisory lock so that tills
//! starting at once on an empty database migrate it once. A store written
//! by a newer till is refused before anything is written to it.

use super::pool::db;
use super::schema::{CURRENT, MIGRATIONS, VERSION_TABLE};
use crate::journal::JournalError;
use tokio_postgres::GenericClient;

/// The advisory lock key held while migrating ("till" and 1).
pub(super) const MIGRATE_LOCK: i64 = 0x7469_6c6c_0001;

/// The store's schema version: `None` when it has no till tables yet.
pub(super) async fn version(c: &impl GenericClient) -> Result<Option<i32>, JournalError> {
    let exists: bool = c
        .query_one("SELECT to_regclass('till_schema') IS NOT NULL", &[])
        .await
        .map_err(db("read the schema version"))?
        .try_get(0)
        .map_err(db("read the schema version"))?;
    if !exists {
        return Ok(None);
    }
    let row = c.query_opt("SELECT version FROM till_schema", &[]).await.map_err(db("read the schema version"))?;
    match row {
        None => Ok(Some(0)),
        Some(r) => Ok(Some(r.try_get(0).map_err(db("read the schema version"))?)),
    }
}

/// Refuses a store a newer till wrote (`shown`: the masked URL).
pub(super) fn refuse_newer(found: i32, shown: &str) -> Result<(), JournalError> {
    if found > CURRENT {
        tracing::error!(url = %shown, found, known = CURRENT, "store: written by a newer till");
        return Err(JournalError::Newer {
            path: shown.to_string(),
            found: i64::from(found),
            known: i64::from(CURRENT),
        });
    }
    Ok(())
}

/// Migrates the store to [`CURRENT`] in one transaction, or refuses it
/// untouched when a newer till wrote it.
pub(super) async fn migrate(client: &mut tokio_postgres::Client, shown: &str) -> Result<(), JournalError> {
    let tx = client.transaction().await.map_err(db("begin the migration"))?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATE_LOCK]).await.map_err(db("lock the migration"))?;
    let from = version(&tx).await?.unwrap_or(0);
    refuse_newer(from, shown)?;
    if from == CURRENT {
        // Nothing to write: the transaction ends without a change.
        tx.rollback().await.map_err(db("end the schema check"))?;
        return Ok(());
    }
    tx.batch_execute(VERSION_TABLE).await.map_err(db("create the version table"))?;
    for v in from..CURRENT {
        let step = usize::try_from(v).ok().and_then(|v| MIGRATIONS.get(v));
        let Some(sql) = step else {
            return Err(JournalError::Corrupt(format!("no migration from schema {v}")));
        };
        tx.batch_execute(sql).await.map_err(db("migrate the schema"))?;
        tracing::info!(from = v, to = v + 1, "store migrated");
    }
    tx.execute(
        "INSERT INTO till_schema (one, version) VALUES (TRUE, $1)
         ON CONFLICT (one) DO UPDATE SET version = EXCLUDED.version",
        &[&CURRENT],
    )
    .await
    .map_err(db("record the schema version"))?;
    tx.commit().await.map_err(db("commit the migration"))?;
    Ok(())
}
