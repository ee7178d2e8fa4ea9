//! [`PgStore`]: the till's store on PostgreSQL (to be written).

/// The till's store on PostgreSQL.
pub struct PgStore {}
