//! A fresh PostgreSQL database per test, on the server named by
//! `TILL_TEST_DATABASE_URL` (`.ci/run` starts a throwaway cluster and sets
//! it). Without it the PostgreSQL tests are skipped, and say so on stderr
//! (shown with `cargo test -- --nocapture`, and counted in the summary as
//! passed: the message is the visible part).

/// The variable naming the test server (a database on it to connect to
/// first, e.g. `postgres://postgres@127.0.0.1:55432/postgres`).
pub const VAR: &str = "TILL_TEST_DATABASE_URL";

/// The server's URL, or `None` after printing why the test is skipped.
pub fn server(test: &str) -> Option<String> {
    match std::env::var(VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url.trim().to_string()),
        _ => {
            eprintln!("SKIPPED {test}: {VAR} is not set, so the PostgreSQL tests do not run (see README, Testing)");
            None
        }
    }
}

/// `url` with its database name replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let (scheme, rest) = base.split_once("://").unwrap_or(("postgres", base));
    let host = rest.split_once('/').map_or(rest, |(h, _)| h);
    match query {
        Some(q) => format!("{scheme}://{host}/{name}?{q}"),
        None => format!("{scheme}://{host}/{name}"),
    }
}

/// A new, empty database on the test server; its URL. `None` (skipped) when
/// there is no test server.
pub async fn fresh_database(test: &str) -> Option<String> {
    let server = server(test)?;
    let name = format!("till_{}", uuid::Uuid::new_v4().simple());
    let (client, connection) = tokio_postgres::connect(&server, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("{VAR} is set but its server does not answer: {e}"));
    let driver = tokio::spawn(connection);
    client.batch_execute(&format!("CREATE DATABASE {name}")).await.unwrap();
    drop(client);
    let _ = driver.await;
    Some(with_database(&server, &name))
}

/// [`fresh_database`] from a test without a runtime of its own.
pub fn fresh_database_blocking(test: &str) -> Option<String> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(fresh_database(test))
}
