//! The display's end of the till's socket: connect, read one JSON line per
//! change, and connect again whenever the till is not there (not started
//! yet, stopped, restarting). The lines are input from another process:
//! one that is malformed or longer than [`MAX_LINE`] is logged and skipped.

use crate::core::customer::CustomerView;
use crate::runtime::publish::{MAX_LINE, decode};
use std::path::PathBuf;
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::net::UnixStream;
use tokio::sync::mpsc::UnboundedSender;

/// How often the display tries the socket while the till is away.
pub const RETRY: Duration = Duration::from_millis(100);

/// What the link tells the display. Moved once per line, never stored in bulk.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Feed {
    /// The till's current view (at connecting, then at each change).
    Live(CustomerView),
    /// The till went away; the link is trying again.
    Lost,
}

/// Follows the till at `socket` until the receiver is gone: connects,
/// forwards each view, and after a loss tries again every `retry`.
pub async fn follow(socket: PathBuf, feeds: UnboundedSender<Feed>, retry: Duration) {
    let mut logged = false;
    loop {
        match UnixStream::connect(&socket).await {
            Ok(stream) => {
                tracing::info!(path = %socket.display(), "connected to the till");
                logged = false;
                read(stream, &feeds).await;
                tracing::info!("the till went away; waiting for it");
                if feeds.send(Feed::Lost).is_err() {
                    return;
                }
            }
            Err(e) => {
                if !logged {
                    tracing::info!(path = %socket.display(), error = %e, "the till is not running yet; trying again");
                    logged = true;
                }
            }
        }
        if feeds.is_closed() {
            return;
        }
        tokio::time::sleep(retry).await;
    }
}

/// Reads lines until the till hangs up (or the display quits).
async fn read(mut stream: UnixStream, feeds: &UnboundedSender<Feed>) {
    let mut lines = Lines::default();
    let mut chunk = vec![0u8; 8192];
    loop {
        let n = match stream.read(&mut chunk).await {
            Ok(0) => return,
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %e, "reading from the till failed");
                return;
            }
        };
        for line in lines.push(chunk.get(..n).unwrap_or_default()) {
            let view = match line {
                Ok(text) => decode(&text),
                Err(Oversized) => {
                    tracing::warn!(max = MAX_LINE, "skipped a line from the till: too long");
                    continue;
                }
            };
            match view {
                Ok(view) => {
                    if feeds.send(Feed::Live(view)).is_err() {
                        return;
                    }
                }
                Err(e) => tracing::warn!(error = %e, "skipped a line from the till"),
            }
        }
    }
}

/// A line longer than [`MAX_LINE`]: skipped whole.
#[derive(Debug, PartialEq, Eq)]
pub struct Oversized;

/// Splits bytes into `\n`-terminated lines of at most [`MAX_LINE`] bytes.
/// Memory stays bounded: an overlong line is dropped as it arrives, up to
/// its newline.
#[derive(Debug, Default)]
pub struct Lines {
    buf: Vec<u8>,
    skipping: bool,
}

impl Lines {
    /// The lines completed by `bytes` (not valid UTF-8 counts as malformed
    /// text and fails to decode later).
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Result<String, Oversized>> {
        let mut out = Vec::new();
        for part in bytes.split_inclusive(|b| *b == b'\n') {
            let (body, ends) = match part.strip_suffix(b"\n") {
                Some(body) => (body, true),
                None => (part, false),
            };
            if !self.skipping {
                if self.buf.len() + body.len() > MAX_LINE {
                    self.buf.clear();
                    self.skipping = true;
                } else {
                    self.buf.extend_from_slice(body);
                }
            }
            if ends {
                if std::mem::take(&mut self.skipping) {
                    out.push(Err(Oversized));
                } else {
                    out.push(Ok(String::from_utf8_lossy(&self.buf).into_owned()));
                }
                self.buf.clear();
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_across_chunks_and_overlong_ones_are_skipped() {
        let mut lines = Lines::default();
        assert!(lines.push(b"{\"a\"").is_empty());
        assert_eq!(lines.push(b":1}\n{\"b\":2}\n{"), vec![Ok("{\"a\":1}".into()), Ok("{\"b\":2}".into())]);
        let long = vec![b'x'; MAX_LINE + 1];
        assert!(lines.push(&long).is_empty());
        assert!(lines.push(&long).is_empty(), "still skipping, nothing kept");
        assert!(lines.buf.is_empty());
        assert_eq!(lines.push(b"x\n{}\n"), vec![Err(Oversized), Ok("{}".into())]);
        let exact = vec![b'y'; MAX_LINE];
        assert_eq!(lines.push(&[exact.as_slice(), b"\n"].concat()).len(), 1);
    }
}
