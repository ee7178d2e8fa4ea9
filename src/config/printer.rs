//! `[printer]`: where receipts are printed, on what paper, and whether a
//! sale prints by itself when it is paid.
//!
//! ```toml
//! [printer]
//! url = "tcp://192.168.1.50:9100"  # or "tcp://192.168.1.50" (port 9100),
//!                                  # "file:/dev/usb/lp0", "file:/dev/ttyUSB0",
//!                                  # "lp:NAME" (the CUPS queue, sent raw)
//! width = 80                       # 58 or 80 (mm); default 80
//! auto = "off"                     # "paid": print each sale once when it is paid
//! logo = "assets/logo.png"         # a PNG printed at the head; relative to this file
//! ```
//!
//! Without a `[printer]` section receipts are only written as text files.

use crate::gateway::section::{ConfigError, Doc};
use crate::print::escpos::Width;
use serde::Deserialize;
use std::path::PathBuf;

/// Where the receipt's bytes go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A network printer's raw port.
    Tcp { host: String, port: u16 },
    /// A device opened as a file (USB `/dev/usb/lp0`, serial `/dev/ttyUSB0`)
    /// or a plain file.
    File(PathBuf),
    /// A CUPS/lp queue, sent raw (`lp -d NAME -o raw`).
    Lp(String),
}

impl Target {
    /// Where the printer is, as the cashier reads it: `192.168.1.50`,
    /// `/dev/usb/lp0`, `the print queue "front"`.
    pub fn place(&self) -> String {
        match self {
            Target::Tcp { host, port } if *port == DEFAULT_PORT => host.clone(),
            Target::Tcp { host, port } => format!("{host}:{port}"),
            Target::File(p) => p.display().to_string(),
            Target::Lp(name) => format!("queue {name}"),
        }
    }
}

/// The raw port of network printers.
pub const DEFAULT_PORT: u16 = 9100;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Auto {
    #[default]
    Off,
    /// Print each sale once when it becomes paid.
    Paid,
}

/// `[printer]`, resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrinterConfig {
    pub target: Target,
    pub width: Width,
    pub auto: Auto,
    pub logo: Option<PathBuf>,
}

impl PrinterConfig {
    /// A printer at `target`, 80 mm, no auto print.
    pub fn new(target: Target) -> PrinterConfig {
        PrinterConfig { target, width: Width::Mm80, auto: Auto::Off, logo: None }
    }
}

/// `[printer]` as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPrinter {
    url: toml::Spanned<String>,
    width: Option<toml::Spanned<i64>>,
    auto: Option<toml::Spanned<String>>,
    logo: Option<toml::Spanned<String>>,
}

/// Reads `[printer]` (absent: no printer).
pub fn read(doc: &Doc<'_>, raw: Option<RawPrinter>) -> Result<Option<PrinterConfig>, ConfigError> {
    let Some(raw) = raw else { return Ok(None) };
    let target = parse_url(raw.url.get_ref()).ok_or_else(|| {
        doc.invalid(
            raw.url.span(),
            "printer.url",
            "must be \"tcp://HOST[:PORT]\", \"file:/dev/usb/lp0\" (a device or file) or \"lp:QUEUE\"",
        )
    })?;
    let width = match raw.width {
        None => Width::Mm80,
        Some(w) => match w.get_ref() {
            58 => Width::Mm58,
            80 => Width::Mm80,
            _ => return Err(doc.invalid(w.span(), "printer.width", "must be 58 or 80 (the paper's width in mm)")),
        },
    };
    let auto = match raw.auto {
        None => Auto::Off,
        Some(a) => match a.get_ref().as_str() {
            "off" => Auto::Off,
            "paid" => Auto::Paid,
            _ => return Err(doc.invalid(a.span(), "printer.auto", "must be \"paid\" or \"off\"")),
        },
    };
    let logo = match raw.logo {
        Some(l) if l.get_ref().trim().is_empty() => {
            return Err(doc.invalid(l.span(), "printer.logo", "must be the path of an image file"));
        }
        // Relative to the config file's folder.
        l => l.map(|l| {
            let path = PathBuf::from(l.into_inner());
            match std::path::Path::new(doc.path).parent() {
                Some(dir) if path.is_relative() => dir.join(path),
                _ => path,
            }
        }),
    };
    Ok(Some(PrinterConfig { target, width, auto, logo }))
}

/// `tcp://HOST[:PORT]`, `file:PATH`, `lp:QUEUE`.
pub fn parse_url(url: &str) -> Option<Target> {
    let url = url.trim();
    if let Some(rest) = url.strip_prefix("tcp://") {
        let rest = rest.trim_end_matches('/');
        // [v6]:port, host:port, host.
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) if !h.is_empty() && (!h.contains(':') || h.ends_with(']')) => (h, p.parse().ok()?),
            _ => (rest, DEFAULT_PORT),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() || port == 0 || host.contains(['/', ' ']) {
            return None;
        }
        return Some(Target::Tcp { host: host.to_string(), port });
    }
    if let Some(path) = url.strip_prefix("file:") {
        let path = path.strip_prefix("//").unwrap_or(path);
        return (!path.is_empty()).then(|| Target::File(PathBuf::from(path)));
    }
    if let Some(name) = url.strip_prefix("lp:") {
        let ok = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.@".contains(c));
        return ok.then(|| Target::Lp(name.to_string()));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse;

    const BASE: &str = "[shop]\nname = \"Café\"\ncurrency = \"USD\"\nterminal = \"t1\"\n\n[providers.xpay]\nusername = \"shop@example.com\"\nsecret_key = \"s\"\n";

    #[test]
    fn printer_urls_name_a_network_printer_a_device_or_a_queue() {
        let tcp = |h: &str, p| Some(Target::Tcp { host: h.into(), port: p });
        assert_eq!(parse_url("tcp://192.168.1.50:9100"), tcp("192.168.1.50", 9100));
        assert_eq!(parse_url("tcp://printer.local"), tcp("printer.local", 9100));
        assert_eq!(parse_url("tcp://[::1]:9101"), tcp("::1", 9101));
        assert_eq!(parse_url("file:/dev/usb/lp0"), Some(Target::File("/dev/usb/lp0".into())));
        assert_eq!(parse_url("lp:front"), Some(Target::Lp("front".into())));
        for bad in ["", "http://x", "tcp://", "tcp://h:port", "lp:", "lp:a b", "file:"] {
            assert_eq!(parse_url(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_printer_section_is_read_with_its_defaults() {
        let none = |_: &str| None;
        let config = parse(BASE, "till.toml", &none).unwrap();
        assert_eq!(config.printer, None);
        let text = format!("{BASE}\n[printer]\nurl = \"file:/dev/usb/lp0\"\n");
        let p = parse(&text, "till.toml", &none).unwrap().printer.unwrap();
        assert_eq!((p.width, p.auto), (Width::Mm80, Auto::Off));
        let text = format!("{BASE}\n[printer]\nurl = \"lp:front\"\nwidth = 58\nauto = \"paid\"\n");
        let p = parse(&text, "till.toml", &none).unwrap().printer.unwrap();
        assert_eq!((p.width, p.auto), (Width::Mm58, Auto::Paid));
    }

    #[test]
    fn a_bad_printer_value_names_the_file_line_and_key() {
        let none = |_: &str| None;
        for (line, key) in [
            ("url = \"192.168.1.50\"", "printer.url"),
            ("url = \"lp:x\"\nwidth = 76", "printer.width"),
            ("url = \"lp:x\"\nauto = \"always\"", "printer.auto"),
        ] {
            let text = format!("{BASE}\n[printer]\n{line}\n");
            let e = parse(&text, "till.toml", &none).unwrap_err().to_string();
            let short = key.trim_start_matches("printer.");
            let n = text.lines().position(|l| l.starts_with(short)).unwrap() + 1;
            assert!(e.starts_with(&format!("till.toml:{n}: {key}: must be")), "{e}");
        }
    }
}
