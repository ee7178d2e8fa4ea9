//! How this terminal can show a QR: asked once at start. Graphics when the
//! terminal answers `ratatui-image`'s query with a protocol (kitty, sixel,
//! or iTerm2 by its environment); otherwise text glyphs from the table in
//! [`text_glyphs`]. `[display] qr` and `$TILL_QR` override.

use super::Caps;
use super::choose::Glyphs;
use crate::config::display::QrMode;
use ratatui_image::picker::{Picker, ProtocolType};

/// Which glyphs a terminal without graphics gets, from its environment
/// (`get` reads a variable). The one table of terminals:
///
/// | Terminal | Seen as | Glyphs |
/// |---|---|---|
/// | Linux console | `TERM=linux` | half blocks |
/// | Konsole (does not draw sextants itself: the font decides) | `KONSOLE_VERSION` | half blocks |
/// | tmux, screen (the outer terminal's widths may lag Unicode 16) | `TERM=tmux*`/`screen*`, `$TMUX` | sextants |
/// | kitty 0.40+ | `TERM=xterm-kitty` | octants |
/// | ghostty 1.2+ | `TERM_PROGRAM=ghostty`, `TERM_PROGRAM_VERSION` | octants |
/// | foot 1.20+ | `TERM=foot*` | octants |
/// | VTE 0.78+ (GNOME Terminal, Tilix, …) | `VTE_VERSION` ≥ 7800 | octants |
/// | anything else (xterm, Alacritty, WezTerm, Windows Terminal, iTerm2, …) | | sextants |
///
/// Octants only where the terminal draws them itself, whatever the font
/// (each one's release notes or source); sextants are Unicode 13 and drawn
/// by the others or their fonts. A terminal that draws neither is told with
/// `[display] qr = "halfblocks"`.
pub fn text_glyphs(get: &dyn Fn(&str) -> Option<String>) -> Glyphs {
    let term = get("TERM").unwrap_or_default();
    let program = get("TERM_PROGRAM").unwrap_or_default().to_ascii_lowercase();
    let version = |v: Option<String>| -> Vec<u32> {
        v.unwrap_or_default().split(|c: char| !c.is_ascii_digit()).filter_map(|n| n.parse().ok()).collect()
    };
    if term == "linux" || get("KONSOLE_VERSION").is_some_and(|v| !v.is_empty()) {
        return Glyphs::HalfBlocks;
    }
    if term.starts_with("tmux") || term.starts_with("screen") || get("TMUX").is_some_and(|v| !v.is_empty()) {
        return Glyphs::Sextants;
    }
    let octants = term == "xterm-kitty"
        || term.starts_with("foot")
        || (program == "ghostty" && version(get("TERM_PROGRAM_VERSION"))[..] >= [1, 2][..])
        || version(get("VTE_VERSION")).first().is_some_and(|v| *v >= 7800);
    if octants { Glyphs::Octants } else { Glyphs::Sextants }
}

/// The forced mode: `$TILL_QR` when set to a mode, else the config's.
pub fn setting(config: QrMode, get: &dyn Fn(&str) -> Option<String>) -> QrMode {
    match get("TILL_QR").map(|v| QrMode::parse(&v)) {
        Some(Some(mode)) => mode,
        Some(None) => {
            tracing::warn!("TILL_QR is not one of {}: ignored", QrMode::ALLOWED);
            config
        }
        None => config,
    }
}

/// Asks the terminal (raw mode on, before anything reads keys) and the
/// environment what it shows. Never fails: without an answer, text.
/// Whether a terminal's cell size (pixels wide, high) is one a real font
/// has: 4–64 wide, 8–128 high.
pub fn plausible_cell(font: ratatui_image::FontSize) -> bool {
    (4..=64).contains(&font.width) && (8..=128).contains(&font.height)
}

pub fn detect(config: QrMode, no_color: bool) -> Caps {
    let get = |name: &str| std::env::var(name).ok();
    let mode = setting(config, &get);
    let text = match mode {
        QrMode::HalfBlocks => Glyphs::HalfBlocks,
        QrMode::Sextants => Glyphs::Sextants,
        QrMode::Octants => Glyphs::Octants,
        QrMode::Auto | QrMode::Graphics => text_glyphs(&get),
    };
    // The query reads the answers from stdin: only on a terminal. (One that
    // answers nothing, not even the status report every terminal answers,
    // leaves ratatui-image's reader waiting on stdin, where it would take
    // keys: force a text mode there with `[display] qr`.)
    use std::io::IsTerminal;
    let tty = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    let wants_graphics = tty
        && match mode {
            QrMode::Graphics => true,
            // The Linux console has no protocol to ask about.
            QrMode::Auto => !matches!(get("TERM").as_deref(), Some("linux" | "dumb")),
            _ => false,
        };
    let picker = wants_graphics.then(Picker::from_query_stdio).and_then(|p| match p {
        Ok(p) if p.protocol_type() != ProtocolType::Halfblocks && plausible_cell(p.font_size()) => {
            tracing::info!(protocol = ?p.protocol_type(), font = ?p.font_size(), "QR: graphics");
            Some(p)
        }
        Ok(p) if p.protocol_type() != ProtocolType::Halfblocks => {
            // The cell size is the terminal's answer: a bogus one would make
            // a picture of gigabytes, or none at all.
            tracing::warn!(font = ?p.font_size(), glyphs = text.name(), "QR: implausible cell size; text");
            None
        }
        Ok(_) => {
            tracing::info!(glyphs = text.name(), "QR: the terminal has no graphics protocol; text");
            None
        }
        Err(e) => {
            tracing::info!(error = %e, glyphs = text.name(), "QR: the terminal did not answer; text");
            None
        }
    });
    Caps { text, picker, no_color }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    #[test]
    fn a_bogus_cell_size_from_the_terminal_is_not_trusted() {
        use ratatui_image::FontSize;
        assert!(plausible_cell(FontSize::new(10, 20)));
        assert!(plausible_cell(FontSize::new(8, 16)));
        for bogus in [(60000, 60000), (0, 0), (1, 2), (10, 1000), (200, 20)] {
            assert!(!plausible_cell(FontSize::new(bogus.0, bogus.1)), "{bogus:?}");
        }
    }

    #[test]
    fn the_table_of_terminals() {
        let cases: &[(&[(&str, &str)], Glyphs)] = &[
            (&[("TERM", "linux")], Glyphs::HalfBlocks),
            (&[("TERM", "xterm-256color"), ("KONSOLE_VERSION", "230805")], Glyphs::HalfBlocks),
            (&[("TERM", "xterm-256color")], Glyphs::Sextants),
            (&[], Glyphs::Sextants),
            (&[("TERM", "xterm-kitty")], Glyphs::Octants),
            (&[("TERM", "foot-extra")], Glyphs::Octants),
            (
                &[("TERM", "xterm-ghostty"), ("TERM_PROGRAM", "ghostty"), ("TERM_PROGRAM_VERSION", "1.2.3")],
                Glyphs::Octants,
            ),
            (
                &[("TERM", "xterm-ghostty"), ("TERM_PROGRAM", "ghostty"), ("TERM_PROGRAM_VERSION", "1.1.0")],
                Glyphs::Sextants,
            ),
            (&[("TERM", "xterm-256color"), ("VTE_VERSION", "7802")], Glyphs::Octants),
            (&[("TERM", "xterm-256color"), ("VTE_VERSION", "7600")], Glyphs::Sextants),
            (&[("TERM", "tmux-256color"), ("VTE_VERSION", "8000")], Glyphs::Sextants),
            (&[("TERM", "xterm-kitty"), ("TMUX", "/tmp/tmux-1000/default,1,0")], Glyphs::Sextants),
        ];
        for (vars, want) in cases {
            assert_eq!(text_glyphs(&env(vars)), *want, "{vars:?}");
        }
    }

    #[test]
    fn till_qr_overrides_the_config_and_a_bad_value_is_ignored() {
        assert_eq!(setting(QrMode::Auto, &env(&[("TILL_QR", "halfblocks")])), QrMode::HalfBlocks);
        assert_eq!(setting(QrMode::Octants, &env(&[("TILL_QR", "nonsense")])), QrMode::Octants);
        assert_eq!(setting(QrMode::Sextants, &env(&[])), QrMode::Sextants);
    }
}
