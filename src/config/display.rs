//! `[display]`: how the till draws on its terminal. For now one key, `qr`:
//! `auto` (ask the terminal) or a forced mode. Read here so `config.rs`
//! only hands the section over.

use crate::gateway::section::{ConfigError, Doc};
use serde::Deserialize;

/// How the payment QR is drawn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum QrMode {
    /// Graphics when the terminal answers with a protocol, else the densest
    /// text glyphs it is known to draw.
    #[default]
    Auto,
    /// Graphics (kitty, sixel, iTerm2) when the terminal has a protocol.
    Graphics,
    Octants,
    Sextants,
    HalfBlocks,
}

impl QrMode {
    pub const ALLOWED: &'static str = "\"auto\", \"graphics\", \"octants\", \"sextants\" or \"halfblocks\"";

    pub fn parse(s: &str) -> Option<QrMode> {
        Some(match s {
            "auto" => QrMode::Auto,
            "graphics" => QrMode::Graphics,
            "octants" => QrMode::Octants,
            "sextants" => QrMode::Sextants,
            "halfblocks" => QrMode::HalfBlocks,
            _ => return None,
        })
    }
}

/// `[display]`, resolved.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Display {
    pub qr: QrMode,
}

/// `[display]` as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDisplay {
    qr: Option<toml::Spanned<String>>,
}

/// Reads `[display]` (absent: the defaults).
pub fn read(doc: &Doc<'_>, raw: Option<RawDisplay>) -> Result<Display, ConfigError> {
    let Some(raw) = raw else { return Ok(Display::default()) };
    let qr = match raw.qr {
        None => QrMode::Auto,
        Some(v) => QrMode::parse(v.get_ref())
            .ok_or_else(|| doc.invalid(v.span(), "display.qr", format!("must be one of {}", QrMode::ALLOWED)))?,
    };
    Ok(Display { qr })
}

#[cfg(test)]
mod tests {
    use crate::config::display::QrMode;
    use crate::config::parse;

    const BASE: &str = "[shop]\nname = \"Café\"\ncurrency = \"USD\"\nterminal = \"t1\"\n\n[providers.xpay]\nusername = \"shop@example.com\"\nsecret_key = \"s\"\n";

    fn with(display: &str) -> String {
        format!("{BASE}\n[display]\n{display}\n")
    }

    #[test]
    fn display_qr_is_read_and_defaults_to_auto() {
        let none = |_: &str| None;
        let config = parse(BASE, "till.toml", &none).unwrap();
        assert_eq!(config.display.qr, QrMode::Auto);
        for (value, mode) in
            [("octants", QrMode::Octants), ("halfblocks", QrMode::HalfBlocks), ("graphics", QrMode::Graphics)]
        {
            let config = parse(&with(&format!("qr = \"{value}\"")), "till.toml", &none).unwrap();
            assert_eq!(config.display.qr, mode);
        }
    }

    #[test]
    fn a_bad_qr_mode_names_the_key_and_the_values() {
        let none = |_: &str| None;
        let text = with("qr = \"braille\"");
        let err = parse(&text, "till.toml", &none).unwrap_err().to_string();
        let line = text.lines().position(|l| l.starts_with("qr =")).unwrap() + 1;
        assert_eq!(
            err,
            format!(
                "till.toml:{line}: display.qr: must be one of \"auto\", \"graphics\", \"octants\", \"sextants\" or \"halfblocks\""
            )
        );
    }
}
