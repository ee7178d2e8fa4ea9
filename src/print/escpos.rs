//! A small ESC/POS document builder: the bytes a thermal printer takes
//! (init, alignment, bold, size, text lines, feeds, a model 2 QR, the cut).
//! Other documents (the day's close) build on it the same way the receipt
//! does: `Doc::new(width)`, a few calls, `finish()`.
//!
//! Why not the `escpos` crate (0.20.1)? It could serve: its `Driver`
//! trait is public and its `Printer` buffers the commands until `print()`,
//! so a driver collecting into a `Vec<u8>` would give one buffer to send
//! with tokio. It was not taken because it saves little and adds some:
//! - the QR (model 2, `codes_2d`, a default feature) and the cut are one
//!   call each here too; its raster (`graphics`, over `image` 0.25) takes a
//!   file path or encoded image bytes and does its own conversion, where we
//!   keep our own scaling and threshold of the logo;
//! - the paper status is ours either way: its `real_time_status` only
//!   queues the DLE EOT request, and the answers we need before and after
//!   the job (on the same connection, within timeouts) are read by our
//!   transport, not through its synchronous `Driver::read`;
//! - the tree cost is small (its `encoding_rs`, `hashbrown` and `log` are
//!   in our tree already; it adds itself and a second `spin`, 0.12 beside
//!   0.9), but its text goes through code-page encoding we do not use (we
//!   print ASCII, see `line`), and every command returns a `Result`.
//!
//! The handful of commands a receipt needs fit here, checked byte for byte
//! by the tests' parser, and the job is one `Vec<u8>` that the transports
//! send (or resend) whole.

/// ESC, GS, LF: the command prefixes.
const ESC: u8 = 0x1b;
const GS: u8 = 0x1d;
const LF: u8 = 0x0a;

/// The paper's width (from `[printer] width`).
pub use crate::config::printer::Width;

/// The QR's module size in dots (bigger on wide paper).
fn qr_module(width: Width) -> u8 {
    match width {
        Width::Mm58 => 5,
        Width::Mm80 => 6,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Left = 0,
    Center = 1,
    Right = 2,
}

/// A one-bit image: rows of `width_bytes` bytes, the leftmost dot in the
/// high bit, 1 for ink.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Raster {
    pub width_bytes: u16,
    pub height: u16,
    pub bits: Vec<u8>,
}

/// An ESC/POS document being built.
#[derive(Clone, Debug)]
pub struct Doc {
    bytes: Vec<u8>,
    width: Width,
}

impl Doc {
    /// A document for `width` paper, starting with the printer's reset (ESC @).
    pub fn new(width: Width) -> Doc {
        Doc { bytes: vec![ESC, b'@'], width }
    }

    pub fn width(&self) -> Width {
        self.width
    }

    /// The columns a line may use at normal size.
    pub fn columns(&self) -> usize {
        self.width.columns()
    }

    /// ESC a n.
    pub fn align(&mut self, align: Align) -> &mut Doc {
        self.bytes.extend([ESC, b'a', align as u8]);
        self
    }

    /// ESC E n.
    pub fn bold(&mut self, on: bool) -> &mut Doc {
        self.bytes.extend([ESC, b'E', u8::from(on)]);
        self
    }

    /// GS ! n: character width and height multipliers, 1 to 8.
    pub fn size(&mut self, w: u8, h: u8) -> &mut Doc {
        let (w, h) = (w.clamp(1, 8) - 1, h.clamp(1, 8) - 1);
        self.bytes.extend([GS, b'!', (w << 4) | h]);
        self
    }

    /// One line of text and a line feed. Characters outside ASCII are
    /// written as their plain letter where there is one (é as e), else `?`:
    /// code pages differ between printers, ASCII prints on all of them.
    pub fn line(&mut self, text: &str) -> &mut Doc {
        self.bytes.extend(text.chars().map(ascii));
        self.bytes.push(LF);
        self
    }

    /// ESC d n: feeds n lines.
    pub fn feed(&mut self, lines: u8) -> &mut Doc {
        self.bytes.extend([ESC, b'd', lines]);
        self
    }

    /// A model 2 QR of `data` (GS ( k: model, module size, error correction
    /// M, store, print). Data longer than the command allows is left out.
    pub fn qr(&mut self, data: &str) -> &mut Doc {
        let data = data.as_bytes();
        let Ok(len) = u16::try_from(data.len() + 3) else { return self };
        let [pl, ph] = len.to_le_bytes();
        // Function 165: model 2.
        self.bytes.extend([GS, b'(', b'k', 4, 0, 49, 65, 50, 0]);
        // Function 167: module size.
        self.bytes.extend([GS, b'(', b'k', 3, 0, 49, 67, qr_module(self.width)]);
        // Function 169: error correction level M.
        self.bytes.extend([GS, b'(', b'k', 3, 0, 49, 69, 49]);
        // Function 180: store the data.
        self.bytes.extend([GS, b'(', b'k', pl, ph, 49, 80, 48]);
        self.bytes.extend_from_slice(data);
        // Function 181: print it.
        self.bytes.extend([GS, b'(', b'k', 3, 0, 49, 81, 48]);
        self
    }

    /// GS v 0: a raster image, printed at normal density.
    pub fn raster(&mut self, image: &Raster) -> &mut Doc {
        let [xl, xh] = image.width_bytes.to_le_bytes();
        let [yl, yh] = image.height.to_le_bytes();
        self.bytes.extend([GS, b'v', b'0', 0, xl, xh, yl, yh]);
        self.bytes.extend_from_slice(&image.bits);
        self
    }

    /// GS V 66 n: feeds to the cutter and cuts (partial cut where the
    /// printer has one).
    pub fn cut(&mut self) -> &mut Doc {
        self.bytes.extend([GS, b'V', 66, 3]);
        self
    }

    /// The document's bytes, one job.
    pub fn finish(self) -> Vec<u8> {
        self.bytes
    }
}

/// A character as one ASCII byte.
fn ascii(c: char) -> u8 {
    if c.is_ascii() && !c.is_ascii_control() {
        return c as u8;
    }
    let plain = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
        'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => 'A',
        'ç' => 'c',
        'Ç' => 'C',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'È' | 'É' | 'Ê' | 'Ë' => 'E',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'Ì' | 'Í' | 'Î' | 'Ï' => 'I',
        'ñ' => 'n',
        'Ñ' => 'N',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
        'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => 'O',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'Ù' | 'Ú' | 'Û' | 'Ü' => 'U',
        'ý' | 'ÿ' => 'y',
        'ß' => 's',
        '–' | '—' | '·' => '-',
        '•' => '*',
        ' ' => ' ',
        _ => '?',
    };
    plain as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_qr_store_command_carries_the_data_and_its_length() {
        let mut doc = Doc::new(Width::Mm80);
        doc.qr("T1-0042");
        let bytes = doc.finish();
        let store = [GS, b'(', b'k', 10, 0, 49, 80, 48];
        let at = bytes.windows(store.len()).position(|w| w == store).unwrap();
        assert_eq!(&bytes[at + store.len()..at + store.len() + 7], b"T1-0042");
    }

    #[test]
    fn text_outside_ascii_prints_as_plain_letters() {
        let mut doc = Doc::new(Width::Mm58);
        doc.line("Café €");
        assert!(doc.finish().ends_with(b"Cafe ?\n"));
    }
}
