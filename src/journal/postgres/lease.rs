//! One lease turn on PostgreSQL (to be written by the `lease` helper; this
//! stub only gives the store its signature).

use crate::journal::JournalError;
use crate::journal::fleet::{LeaseAsk, LeaseTurn};

/// One lease turn for `ask.terminal`, run by the till instance `instance`.
pub(super) async fn turn(
    client: &mut tokio_postgres::Client,
    ask: &LeaseAsk,
    instance: &str,
) -> Result<LeaseTurn, JournalError> {
    let _ = (client, ask, instance);
    Err(JournalError::Sql("leases are not written yet".into()))
}
