//! Seeding a fresh PostgreSQL store by SQL for the lease, feed, import and
//! report tests: the schema as the store makes it, invoices of any
//! terminal, a terminal's lease run out.
#![allow(dead_code)]

use tokio_postgres::{Client, NoTls};

/// A client on `url`, its connection driven by a task.
pub async fn client(url: &str) -> Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await.unwrap();
    tokio::spawn(connection);
    client
}

/// The store's schema, as migration 1 makes it.
pub async fn migrate(c: &Client) {
    c.batch_execute(till::journal::postgres::schema::VERSION_TABLE).await.unwrap();
    c.batch_execute(till::journal::postgres::schema::MIGRATIONS[0]).await.unwrap();
    c.execute("INSERT INTO till_schema (version) VALUES (1)", &[]).await.unwrap();
}

/// A fresh database with the schema; `None` when PostgreSQL tests are skipped.
pub async fn store(test: &str) -> Option<(String, Client)> {
    let url = crate::support::pg::fresh_database(test).await?;
    let c = client(&url).await;
    migrate(&c).await;
    Some((url, c))
}

/// One invoice of `terminal` on xPay Lightning (12.50 USD), with `status`,
/// started at `started_ms`, expiring at `expires_ms`.
pub async fn invoice(c: &Client, reference: &str, terminal: &str, status: &str, started_ms: i64, expires_ms: i64) {
    c.execute(
        "INSERT INTO invoices (reference, terminal, provider, method, fiat_amount, currency, state, started_at,
            gateway_id, created_at, expires_at, status, status_raw, origin, updated_at)
         VALUES ($1, $2, 'xpay', 'lightning', '12.50', 'USD', 'created', $3, $4, $3, $5, $6, $6, 'gateway', $3)",
        &[&reference, &terminal, &started_ms, &format!("gw-{reference}"), &expires_ms, &status],
    )
    .await
    .unwrap();
}

/// The lease of `terminal` ran out (its till stopped).
pub async fn expire_lease(c: &Client, terminal: &str) {
    c.execute("UPDATE terminals SET lease_until = 0 WHERE terminal = $1", &[&terminal]).await.unwrap();
}

/// Who watches `reference` as stored (`None`: its own terminal).
pub async fn watched_by(c: &Client, reference: &str) -> Option<String> {
    c.query_one("SELECT watched_by FROM invoices WHERE reference = $1", &[&reference]).await.unwrap().get(0)
}

/// Now on the till's clock, in milliseconds.
pub fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}
