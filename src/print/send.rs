//! Sending one job, whole, to the configured printer: raw TCP (connect and
//! write timeouts, the paper asked for before and after with DLE EOT 4), a
//! device or file, or an `lp` queue. Errors are one sentence for the
//! cashier; the detail goes to the log.
//!
//! `deliver` says whether the printer confirmed the job: over TCP, a
//! printer (or a print server in front of a paused one) that takes the
//! bytes but never answers the paper-status request is `Unconfirmed`, not
//! printed. `send` keeps the older answer (unconfirmed counts as sent) for
//! callers that only need "did it fail".
//!
//! A device or `lp` job that runs past its time is abandoned with an
//! error, but its blocked write cannot be interrupted: `deliver` returns at
//! once and the caller must not start another job for the same document
//! until `Delivery`'s thread ends (`runtime::printing` keeps it busy). An
//! `lp` child that runs past its time is killed.

use crate::config::printer::{PrinterConfig, Target};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long a printer has to accept the connection.
const CONNECT: Duration = Duration::from_secs(5);
/// How long the whole job may take to write (a device or queue too).
pub const WRITE: Duration = Duration::from_secs(15);
/// How long a printer has to answer DLE EOT; one that never answers has
/// not confirmed the job (`Delivery::Unconfirmed`).
const STATUS: Duration = Duration::from_secs(2);

/// DLE EOT 4: the paper roll sensor's status.
const PAPER_STATUS: [u8; 3] = [0x10, 0x04, 4];

/// Why a job did not print. `sentence` is what the cashier reads.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PrintError {
    #[error("The printer at {0} did not answer")]
    Unreachable(String),
    #[error("The printer at {0} stopped in the middle of the receipt")]
    Interrupted(String),
    #[error("The printer at {0} is out of paper")]
    OutOfPaper(String),
    #[error("The printer at {0} could not be opened")]
    Device(String),
    #[error("The print {0} did not take the receipt")]
    Spool(String),
}

impl PrintError {
    /// One sentence: what happened, what to check, and `retry` (how to print
    /// again: "press r to print again").
    pub fn sentence(&self, retry: &str) -> String {
        let check = match self {
            PrintError::Unreachable(_) => "check it is on and connected",
            PrintError::Interrupted(_) => "check its paper, cover and cable",
            PrintError::OutOfPaper(_) => "load a new roll",
            PrintError::Device(_) => "check it is plugged in and on",
            PrintError::Spool(_) => "check the queue with lpstat",
        };
        format!("{self}: {check} and {retry}.")
    }
}

/// How a job that did not fail went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Written, and the printer answered the paper status after it (or the
    /// device, file or queue took it whole).
    Confirmed,
    /// Written, but the printer never answered a paper-status request: a
    /// paused printer behind a print server swallows jobs this way.
    Unconfirmed,
}

/// Sends `bytes` to the printer as one job. The same bytes sent again after
/// an error print the document once, whole. An unconfirmed job counts as
/// sent (logged); `deliver` tells the two apart.
pub async fn send(printer: &PrinterConfig, bytes: &[u8]) -> Result<(), PrintError> {
    deliver(printer, bytes).await.map(|d| {
        if d == Delivery::Unconfirmed {
            tracing::warn!(printer = printer.target.place(), "the printer did not confirm the job");
        }
    })
}

/// Sends `bytes` as one job and says whether the printer confirmed it.
pub async fn deliver(printer: &PrinterConfig, bytes: &[u8]) -> Result<Delivery, PrintError> {
    deliver_holding(printer, bytes, WRITE, ()).await
}

/// `deliver`, a device or `lp` job given `limit`, and `held` kept until
/// the job's I/O has really ended: dropped on return for TCP, by the
/// blocking thread when it finishes for a device or `lp` (which may be
/// after a timeout was returned). The runtime holds its "being printed"
/// mark this way, so a retry never runs beside a job still writing.
pub async fn deliver_holding<H: Send + 'static>(
    printer: &PrinterConfig,
    bytes: &[u8],
    limit: Duration,
    held: H,
) -> Result<Delivery, PrintError> {
    let place = printer.target.place();
    match &printer.target {
        Target::Tcp { host, port } => {
            let sent = tcp(host, *port, bytes, &place).await;
            drop(held);
            sent
        }
        Target::File(path) => {
            let (path, bytes) = (path.clone(), bytes.to_vec());
            let f = move |_| {
                let written = write_file(&path, &bytes);
                drop(held);
                written
            };
            blocking(f, PrintError::Device(place), limit).await
        }
        Target::Lp(queue) => {
            let (queue, bytes) = (queue.clone(), bytes.to_vec());
            let f = move |deadline| {
                let spooled = lp(&queue, &bytes, deadline);
                drop(held);
                spooled
            };
            blocking(f, PrintError::Spool(place), limit).await
        }
    }
    .map(|()| Delivery::Confirmed)
    .or_else(|e| match e {
        Sent::Unconfirmed => Ok(Delivery::Unconfirmed),
        Sent::Failed(e) => Err(e),
    })
}

/// Inside: a failure, or a job written that no status answer confirmed.
enum Sent {
    Failed(PrintError),
    Unconfirmed,
}

impl From<PrintError> for Sent {
    fn from(e: PrintError) -> Sent {
        Sent::Failed(e)
    }
}

async fn tcp(host: &str, port: u16, bytes: &[u8], place: &str) -> Result<(), Sent> {
    let unreachable = || PrintError::Unreachable(place.to_string());
    let interrupted = || PrintError::Interrupted(place.to_string());
    let mut stream = match tokio::time::timeout(CONNECT, TcpStream::connect((host, port))).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            tracing::warn!(printer = place, error = %e, "printer connect failed");
            return Err(unreachable().into());
        }
        Err(_) => {
            tracing::warn!(printer = place, "printer connect timed out");
            return Err(unreachable().into());
        }
    };
    // Before the job: nothing is sent to a printer out of paper. One that
    // does not answer gets the job, but it is not confirmed until a status
    // answer comes after it.
    let before = paper_out(&mut stream, place).await.map_err(|()| unreachable())?;
    if before == Some(true) {
        return Err(PrintError::OutOfPaper(place.to_string()).into());
    }
    let job = async {
        stream.write_all(bytes).await?;
        stream.flush().await
    };
    match tokio::time::timeout(WRITE, job).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            tracing::warn!(printer = place, error = %e, "printer write failed");
            return Err(interrupted().into());
        }
        Err(_) => {
            tracing::warn!(printer = place, "printer write timed out");
            return Err(interrupted().into());
        }
    }
    // After the job: a printer that closed mid-job shows here, whatever
    // the kernel's buffers accepted.
    let after = paper_out(&mut stream, place).await.map_err(|()| interrupted())?;
    let _ = stream.shutdown().await;
    match after {
        Some(true) => Err(PrintError::OutOfPaper(place.to_string()).into()),
        Some(false) => Ok(()),
        None => {
            tracing::warn!(printer = place, "no paper-status answer after the job: not confirmed");
            Err(Sent::Unconfirmed)
        }
    }
}

/// Asks DLE EOT 4. `Ok(Some(true))`: the paper has run out; `Ok(None)`: no
/// answer in time; a printer that closed is an error.
async fn paper_out(stream: &mut TcpStream, place: &str) -> Result<Option<bool>, ()> {
    let ask = async {
        stream.write_all(&PAPER_STATUS).await?;
        let mut answer = [0u8; 1];
        let n = stream.read(&mut answer).await?;
        Ok::<_, std::io::Error>((n, answer[0]))
    };
    match tokio::time::timeout(STATUS, ask).await {
        Ok(Ok((0, _))) => {
            tracing::warn!(printer = place, "printer closed the connection");
            Err(())
        }
        // Bits 5 and 6: paper end.
        Ok(Ok((_, status))) => Ok(Some(status & 0x60 == 0x60)),
        Ok(Err(e)) => {
            tracing::warn!(printer = place, error = %e, "printer status failed");
            Err(())
        }
        Err(_) => Ok(None),
    }
}

/// Runs blocking I/O on tokio's blocking pool, within `limit`. `f` gets
/// the deadline (an `lp` child is killed at it). Past it the error is
/// returned at once; a write blocked in the kernel goes on in its thread,
/// which the caller must wait out before sending the job again.
async fn blocking<F>(f: F, error: PrintError, limit: Duration) -> Result<(), Sent>
where
    F: FnOnce(std::time::Instant) -> std::io::Result<()> + Send + 'static,
{
    let deadline = std::time::Instant::now() + limit;
    let error = || Sent::Failed(error.clone());
    match tokio::time::timeout(limit, tokio::task::spawn_blocking(move || f(deadline))).await {
        Ok(Ok(Ok(()))) => Ok(()),
        Ok(Ok(Err(e))) => {
            tracing::warn!(error = %e, "print job failed");
            Err(error())
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "print job's thread failed");
            Err(error())
        }
        Err(_) => {
            tracing::warn!("print job timed out");
            Err(error())
        }
    }
}

/// A device (`/dev/usb/lp0`, `/dev/ttyUSB0`) or a file: appended to, one
/// write.
fn write_file(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new().append(true).create(!path.starts_with("/dev")).open(path)?;
    f.write_all(bytes)?;
    f.flush()
}

/// `lp -d QUEUE -o raw`, the job on its standard input; killed when it
/// runs past `deadline`, so a hung spooler never leaves a job to print
/// later beside the retry.
fn lp(queue: &str, bytes: &[u8], deadline: std::time::Instant) -> std::io::Result<()> {
    lp_with("lp", queue, bytes, deadline)
}

/// `lp` as `program` (tests run a stand-in).
fn lp_with(program: &str, queue: &str, bytes: &[u8], deadline: std::time::Instant) -> std::io::Result<()> {
    use std::io::{Read, Write};
    use std::process::{Command, Stdio};
    let mut child = Command::new(program)
        .args(["-d", queue, "-o", "raw"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    // The job is written from its own thread: a child that never reads
    // would block this one past the deadline.
    let writer = child.stdin.take().map(|mut stdin| {
        let bytes = bytes.to_vec();
        std::thread::spawn(move || stdin.write_all(&bytes))
    });
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if std::time::Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "lp ran past its time: killed"));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    if let Some(w) = writer {
        // The child has exited: its stdin is closed, the write is over.
        let _ = w.join();
    }
    if status.success() {
        return Ok(());
    }
    let mut err = String::new();
    if let Some(mut stderr) = child.stderr.take() {
        let _ = stderr.read_to_string(&mut err);
    }
    Err(std::io::Error::other(err.trim().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_lp_that_hangs_is_killed_at_its_deadline() {
        // A stand-in for an lp that never returns.
        let dir = tempfile::tempdir().unwrap();
        let fake = dir.path().join("lp");
        std::fs::write(&fake, "#!/bin/sh\nexec sleep 600\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        let started = std::time::Instant::now();
        // Its deadline has come: the child is killed and reaped.
        let err = lp_with(fake.to_str().unwrap(), "q", b"job", started).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
        // `lp_with` waits for the child; back long before the sleep's end,
        // so the child was killed, not left to print later.
        assert!(started.elapsed() < Duration::from_secs(60));
    }
}
