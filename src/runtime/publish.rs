//! The till's side of `till display`: what the customer may see of the sale
//! in hand ([`crate::core::customer`]), published on a Unix socket in the
//! data directory, `<data_dir>/display.sock` (mode 0600: only the till's
//! user may read it). The drive loop offers the view after every turn's
//! effects; it goes out only when it changed, so a turn costs one lookup
//! and a comparison. A client gets the current view at once on connecting,
//! then one line per change. A slow client only ever misses intermediate
//! views (a `watch` channel keeps the latest), and never holds up the till.
//!
//! # The wire format, version 1
//!
//! One JSON object per line (UTF-8, `\n`-terminated, at most [`MAX_LINE`]
//! bytes). Amounts are decimal strings, never numbers; instants are RFC 3339
//! in UTC.
//!
//! ```text
//! {"v":1,"shop":"Corner Café","state":"idle"}
//! {"v":1,"shop":"Corner Café","state":"total","fiat":"12.50","currency":"USD"}
//! {"v":1,"shop":"Corner Café","state":"pending","fiat":"12.50","currency":"USD",
//!  "crypto":"12.5","unit":"USDT","method":"USDT on TRON","network":"USDT · TRON (TRC-20)",
//!  "qr":"TDtSWK3dsSRJyZH4qNVzsoPsdrZz6k8B3Q","expires_at":"2024-08-20T10:51:26Z"}
//! {"v":1,"shop":"Corner Café","state":"paid","fiat":"12.50","currency":"USD",
//!  "crypto":"12.5","unit":"USDT","method":"USDT on TRON","network":"USDT · TRON (TRC-20)"}
//! ```
//!
//! `state` is `idle` (no sale), `total` (the amount is entered, the payment
//! is being prepared: `fiat`, `currency`), `pending`, `confirming` or
//! `underpaid` (an open invoice: also `method`, `network`, `qr` (exactly
//! what the code encodes), `expires_at`, and `crypto` with `unit` where the
//! gateway states an amount), then `paid`, `expired` or `canceled` (no `qr`:
//! nothing to scan). A client ignores fields it does not know; a change of
//! meaning takes a new `v`, and a line of another version is ignored.

use crate::core::customer::{self, CustomerSale, CustomerView, Due, End, Waiting};
use crate::core::desk::Desk;
use crate::core::invoice::CryptoAmount;
use crate::core::money::{Currency, Money};
use jiff::Timestamp;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::watch;

/// The socket's name in the data directory.
pub const SOCKET: &str = "display.sock";
/// The longest line a client accepts (a long BOLT11 is about 1,000 bytes).
pub const MAX_LINE: usize = 16 * 1024;
/// The wire format's version.
pub const VERSION: u32 = 1;
/// A client that takes longer than this to accept one line is dropped.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// One line on the wire.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Line {
    v: u32,
    #[serde(default)]
    shop: String,
    #[serde(default)]
    state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fiat: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    currency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    crypto: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    network: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    qr: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_at: Option<String>,
}

/// The view as one wire line, `\n` included.
pub fn encode(view: &CustomerView) -> String {
    let mut line = Line { v: VERSION, shop: view.shop.clone(), state: view.sale.state().into(), ..Line::default() };
    let due = |line: &mut Line, due: &Due| {
        line.fiat = Some(due.fiat.amount_text());
        line.currency = Some(due.fiat.currency.code().into());
        line.crypto = due.crypto.as_ref().map(|c| c.amount.normalize().to_string());
        line.unit = due.crypto.as_ref().map(|c| c.unit.clone());
        line.method = Some(due.method.clone());
        line.network = Some(due.network.clone());
    };
    match &view.sale {
        CustomerSale::Idle => {}
        CustomerSale::Total(fiat) => {
            line.fiat = Some(fiat.amount_text());
            line.currency = Some(fiat.currency.code().into());
        }
        CustomerSale::Open { due: d, qr, expires_at, .. } => {
            due(&mut line, d);
            line.qr = Some(qr.clone());
            line.expires_at = Some(expires_at.to_string());
        }
        CustomerSale::Done { due: d, .. } => due(&mut line, d),
    }
    // Plain strings and numbers: serializing cannot fail.
    let mut text = serde_json::to_string(&line).unwrap_or_default();
    text.push('\n');
    text
}

/// Why a line was ignored (for the log; never shown to the customer).
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("not a JSON object of the display's format ({0})")]
    Json(String),
    #[error("wire version {0}, this display knows version 1")]
    Version(u32),
    #[error("unknown state {0:?}")]
    State(String),
    #[error("missing or unreadable {0}")]
    Field(&'static str),
}

/// A line from the socket, checked: every field its state needs, amounts
/// that are decimals, a currency code, an RFC 3339 instant.
pub fn decode(text: &str) -> Result<CustomerView, WireError> {
    let line: Line = serde_json::from_str(text).map_err(|e| WireError::Json(format!("{:?}", e.classify())))?;
    if line.v != VERSION {
        return Err(WireError::Version(line.v));
    }
    let fiat = || -> Result<Money, WireError> {
        let amount = decimal(line.fiat.as_deref()).ok_or(WireError::Field("fiat"))?;
        let currency = line.currency.as_deref().and_then(Currency::from_code).ok_or(WireError::Field("currency"))?;
        Ok(Money::new(amount, currency))
    };
    let due = || -> Result<Due, WireError> {
        let crypto = match (line.crypto.as_deref(), &line.unit) {
            (None, None) => None,
            (amount, Some(unit)) => {
                Some(CryptoAmount { amount: decimal(amount).ok_or(WireError::Field("crypto"))?, unit: unit.clone() })
            }
            (Some(_), None) => return Err(WireError::Field("unit")),
        };
        Ok(Due {
            fiat: fiat()?,
            crypto,
            method: line.method.clone().ok_or(WireError::Field("method"))?,
            network: line.network.clone().ok_or(WireError::Field("network"))?,
        })
    };
    let open = |waiting: Waiting| -> Result<CustomerSale, WireError> {
        let qr = line.qr.clone().filter(|q| !q.is_empty()).ok_or(WireError::Field("qr"))?;
        let expires_at = line
            .expires_at
            .as_deref()
            .and_then(|t| t.parse::<Timestamp>().ok())
            .ok_or(WireError::Field("expires_at"))?;
        Ok(CustomerSale::Open { due: due()?, waiting, qr, expires_at })
    };
    let sale = match line.state.as_str() {
        "idle" => CustomerSale::Idle,
        "total" => CustomerSale::Total(fiat()?),
        "pending" => open(Waiting::Pending)?,
        "confirming" => open(Waiting::Confirming)?,
        "underpaid" => open(Waiting::Underpaid)?,
        "paid" => CustomerSale::Done { due: due()?, end: End::Paid },
        "expired" => CustomerSale::Done { due: due()?, end: End::Expired },
        "canceled" => CustomerSale::Done { due: due()?, end: End::Canceled },
        other => return Err(WireError::State(other.chars().take(32).collect())),
    };
    Ok(CustomerView { shop: line.shop, sale })
}

fn decimal(text: Option<&str>) -> Option<Decimal> {
    text.and_then(|t| t.parse::<Decimal>().ok())
}

/// The till's end of the socket. Dropping it closes every connection and
/// removes the socket file.
#[derive(Debug)]
pub struct Publisher {
    tx: watch::Sender<CustomerView>,
    path: PathBuf,
    accept: tokio::task::JoinHandle<()>,
}

impl Publisher {
    /// Listens on `<dir>/display.sock` for the shop `shop`. Call it only
    /// while holding the data directory's lock ([`crate::journal::lock`]):
    /// then no other till uses that directory, and a socket file already
    /// there was left by a till that stopped without removing it, so it is
    /// removed first.
    pub fn bind(dir: &Path, shop: &str) -> std::io::Result<Publisher> {
        let path = dir.join(SOCKET);
        match std::fs::remove_file(&path) {
            Ok(()) => tracing::info!(path = %path.display(), "removed a display socket left by an earlier run"),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let listener = UnixListener::bind(&path)?;
        // Before anything else can be done with it: the customer's view is
        // not secret, but the socket is the till user's alone.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
        let (tx, rx) = watch::channel(CustomerView { shop: shop.to_string(), sale: CustomerSale::Idle });
        let accept = tokio::spawn(accept(listener, rx));
        tracing::info!(path = %path.display(), "publishing the customer's view");
        Ok(Publisher { tx, path, accept })
    }

    /// Where the socket is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Takes the desk after a turn: publishes the customer's view if it
    /// changed. `true` when it went out.
    pub fn offer(&self, desk: &Desk) -> bool {
        let sale = customer::sale(desk);
        self.tx.send_if_modified(|view| {
            let changed = view.sale != sale;
            if changed {
                view.sale = sale;
            }
            changed
        })
    }

    /// What is published now.
    pub fn current(&self) -> CustomerView {
        self.tx.borrow().clone()
    }
}

impl Drop for Publisher {
    fn drop(&mut self) {
        self.accept.abort();
        let _ = std::fs::remove_file(&self.path);
    }
}

async fn accept(listener: UnixListener, rx: watch::Receiver<CustomerView>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                tokio::spawn(serve(stream, rx.clone()));
            }
            Err(e) => {
                // Out of file descriptors and the like: try again shortly, never spin.
                tracing::warn!(error = %e, "the display socket could not accept a connection");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// One client: the current view at once, then each change, until it hangs
/// up or the till stops. What it sends is read and ignored.
async fn serve(stream: UnixStream, mut rx: watch::Receiver<CustomerView>) {
    let (mut read, mut write) = stream.into_split();
    let mut scratch = [0u8; 256];
    loop {
        let line = encode(&rx.borrow_and_update());
        match tokio::time::timeout(WRITE_TIMEOUT, write.write_all(line.as_bytes())).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) => return,
            Err(_) => {
                tracing::warn!("a display client stopped reading: dropped");
                return;
            }
        }
        loop {
            tokio::select! {
                changed = rx.changed() => match changed {
                    Ok(()) => break,
                    // The till stopped.
                    Err(_) => return,
                },
                got = read.read(&mut scratch) => match got {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_of_another_version_or_shape_are_refused() {
        assert_eq!(decode(r#"{"v":2,"shop":"x","state":"idle"}"#).unwrap_err(), WireError::Version(2));
        assert!(matches!(decode("not json"), Err(WireError::Json(_))));
        assert!(matches!(decode(r#"{"v":1,"state":"nap"}"#), Err(WireError::State(_))));
        let no_qr = r#"{"v":1,"state":"pending","fiat":"1.00","currency":"USD","method":"m","network":"n","expires_at":"2024-08-20T10:51:26Z"}"#;
        assert_eq!(decode(no_qr).unwrap_err(), WireError::Field("qr"));
        let float = r#"{"v":1,"state":"total","fiat":12.5,"currency":"USD"}"#;
        assert!(decode(float).is_err(), "amounts are strings");
        let bad_time = r#"{"v":1,"state":"pending","fiat":"1.00","currency":"USD","method":"m","network":"n","qr":"q","expires_at":"soon"}"#;
        assert_eq!(decode(bad_time).unwrap_err(), WireError::Field("expires_at"));
    }

    #[test]
    fn a_view_comes_back_as_it_went_with_its_decimals() {
        let usd = Currency::from_code("USD").unwrap();
        let view = CustomerView {
            shop: "Corner \"Café\"".into(),
            sale: CustomerSale::Open {
                due: Due {
                    fiat: Money::new("12.5".parse().unwrap(), usd),
                    crypto: Some(CryptoAmount { amount: "0.00012340".parse().unwrap(), unit: "BTC".into() }),
                    method: "Bitcoin".into(),
                    network: "Bitcoin".into(),
                },
                waiting: Waiting::Underpaid,
                qr: "bitcoin:bc1q?amount=0.0001234".into(),
                expires_at: Timestamp::from_second(1_724_151_086).unwrap(),
            },
        };
        let line = encode(&view);
        assert!(line.ends_with('\n') && !line.trim_end().contains('\n'));
        assert!(line.contains(r#""fiat":"12.50""#) && line.contains(r#""crypto":"0.0001234""#), "{line}");
        assert!(line.contains(r#""expires_at":"2024-08-20T10:51:26Z""#), "{line}");
        let back = decode(line.trim_end()).unwrap();
        let CustomerSale::Open { due, .. } = &back.sale else { panic!("{back:?}") };
        assert_eq!(due.fiat.amount_text(), "12.50");
        assert_eq!(back.shop, view.shop);
    }
}
