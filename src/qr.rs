//! The payment QR as a module matrix, for any face: encoded once when the
//! invoice arrives, with a 4-module quiet zone, and read two module rows at a
//! time as Unicode half blocks (the TUI draws them into cells, `till charge`
//! prints them). No terminal types here.

use qrcode::canvas::{Canvas, MaskPattern};
use qrcode::types::QrError;
use qrcode::{EcLevel, bits, ec};

/// Modules of light margin on each side.
pub const QUIET_ZONE: usize = 4;

/// The eight QR mask patterns, in the order of their 3-bit references (000–111),
/// which is also the order `qrcode` tries them in.
const MASKS: [MaskPattern; 8] = [
    MaskPattern::Checkerboard,
    MaskPattern::HorizontalLines,
    MaskPattern::VerticalLines,
    MaskPattern::DiagonalLines,
    MaskPattern::LargeCheckerboard,
    MaskPattern::Fields,
    MaskPattern::Diamonds,
    MaskPattern::Meadow,
];

/// Half-block glyphs indexed by `2 × top dark + bottom dark`.
pub const GLYPHS: [&str; 4] = [" ", "▄", "▀", "█"];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QrMatrix {
    /// Modules per side, quiet zone included.
    size: usize,
    dark: Vec<bool>,
}

impl QrMatrix {
    /// Encodes the payload (EC level M; the encoder picks the segments, so an
    /// upper-case BOLT11 becomes one alphanumeric segment).
    ///
    /// This is `QrCode::with_error_correction_level` step by step, with one
    /// change: the library scores the eight masked candidates with a penalty
    /// routine that boxes a closure per module and position (~1.8 ms of the
    /// ~1.9 ms for a 400-character payload). `Penalty` computes the same scores
    /// on bitsets, so the same mask wins and the code is module for module the
    /// one the library makes (tested below). The library still segments,
    /// adds Reed-Solomon, places the modules, and masks and writes the format
    /// information of every candidate.
    pub fn encode(payload: &str) -> Result<QrMatrix, QrError> {
        let level = EcLevel::M;
        let bits = bits::encode_auto(payload.as_bytes(), level)?;
        let version = bits.version();
        let (data, ec) = ec::construct_codewords(&bits.into_bytes(), version, level)?;
        let mut canvas = Canvas::new(version, level);
        canvas.draw_all_functional_patterns();
        canvas.draw_data(&data, &ec);

        let width = usize::try_from(version.width()).map_err(|_| QrError::InvalidVersion)?;
        // The first mask with the lowest penalty, as `Canvas::apply_best_mask`.
        let mut penalty = Penalty::new(width)?;
        let mut best: Option<(u32, Vec<qrcode::Color>)> = None;
        for pattern in MASKS {
            let mut masked = canvas.clone();
            // Also draws the format information for this mask.
            masked.apply_mask(pattern);
            let colors = masked.into_colors();
            let score = penalty.score(&colors);
            if best.as_ref().is_none_or(|(lowest, _)| score < *lowest) {
                best = Some((score, colors));
            }
        }
        let (_, colors) = best.ok_or(QrError::InvalidVersion)?;

        let size = width + 2 * QUIET_ZONE;
        let mut dark = vec![false; size * size];
        for (y, line) in colors.chunks_exact(width).enumerate() {
            let start = (y + QUIET_ZONE) * size + QUIET_ZONE;
            for (d, c) in dark[start..start + width].iter_mut().zip(line) {
                *d = *c == qrcode::Color::Dark;
            }
        }
        Ok(QrMatrix { size, dark })
    }

    /// Modules per side, quiet zone included.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Terminal columns needed.
    pub fn cols(&self) -> u16 {
        u16::try_from(self.size).unwrap_or(u16::MAX)
    }

    /// Terminal rows needed (two modules per row).
    pub fn rows(&self) -> u16 {
        u16::try_from(self.size.div_ceil(2)).unwrap_or(u16::MAX)
    }

    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.size && y < self.size && self.dark[y * self.size + x]
    }

    /// The half-block glyphs of cell row `row` (modules rows 2r and 2r+1; the
    /// row below the last module row is light), left to right, as indices
    /// into [`GLYPHS`].
    pub fn glyph_ids(&self, row: usize) -> impl Iterator<Item = usize> + '_ {
        let top = &self.dark[2 * row * self.size..][..self.size];
        let bottom = self.dark.get((2 * row + 1) * self.size..(2 * row + 2) * self.size);
        top.iter().enumerate().map(move |(x, &t)| {
            let b = bottom.is_some_and(|bottom| bottom[x]);
            usize::from(t) * 2 + usize::from(b)
        })
    }

    /// Plain text lines for `till charge`: `ansi` wraps each line in black on
    /// white so the code scans on a dark terminal too.
    pub fn text_lines(&self, ansi: bool) -> Vec<String> {
        (0..self.size.div_ceil(2))
            .map(|row| {
                let cells: String = self.glyph_ids(row).map(|g| GLYPHS[g]).collect();
                if ansi { format!("\x1b[30;47m{cells}\x1b[0m") } else { cells }
            })
            .collect()
    }
}

/// The mask penalty of ISO/IEC 18004 §7.8.3 as `qrcode` 0.14 computes it for a
/// normal QR code (`Canvas::compute_total_penalty_scores`), less its constant
/// −720 for the three finder patterns, which does not change which mask wins:
/// N1 runs of five or more (3 + extra), N2 2×2 blocks (3 each), N3 1:1:3:1:1
/// with four light modules on either side (40 each, the symbol edge counting as
/// light), N4 the dark ratio (|dark × 200 / total − 100|, unrounded).
///
/// Rows are bitsets, so each rule is a few word operations per row (columns
/// are done on all of them at once, row against row) instead of a
/// data-dependent branch per module.
struct Penalty {
    width: usize,
    rows: Vec<Line>,
}

impl Penalty {
    fn new(width: usize) -> Result<Penalty, QrError> {
        if width > Line::BITS {
            return Err(QrError::InvalidVersion);
        }
        Ok(Penalty { width, rows: vec![Line::default(); width] })
    }

    /// The penalty of a masked symbol, `colors` row by row.
    fn score(&mut self, colors: &[qrcode::Color]) -> u32 {
        let w = self.width;
        for (row, modules) in self.rows.iter_mut().zip(colors.chunks_exact(w)) {
            *row = Line::from_modules(modules);
        }
        let pairs = Line::first(w - 1);
        let mut score = self.columns();
        let mut dark_modules = 0;
        for row in &self.rows {
            score += row.runs_and_finders(w);
            dark_modules += row.count();
        }
        for (upper, lower) in self.rows.iter().zip(&self.rows[1..]) {
            let (u, l) = (*upper, *lower);
            // (x, y) starts a 2×2 block: both rows agree at x, and each with itself at x + 1.
            score += 3 * (!(u ^ l) & !(u ^ u.shr(1)) & !(l ^ l.shr(1)) & pairs).count();
        }
        let ratio = dark_modules as usize * 200 / (w * w);
        score + u32::try_from(ratio.abs_diff(100)).unwrap_or(u32::MAX)
    }

    /// N1 and N3 down the columns, all columns at once: bit x of row y is
    /// module (x, y), so comparing a module with the one below it is comparing
    /// row y with row y + 1. Rows past either edge are light.
    fn columns(&self) -> u32 {
        let w = self.width;
        let row = |y: usize| self.rows.get(y).copied().unwrap_or_default();
        let all = Line::first(w);
        // Bit x: (x, y) and (x, y + 1) have the same color.
        let same = |y: usize| if y + 1 < w { !(row(y) ^ row(y + 1)) & all } else { Line::default() };
        let mut score = 0;
        let mut above = Line::default();
        for y in 0..w {
            // As in `runs_and_finders`: runs of 5+ modules starting at y or going on from y − 1.
            let long = same(y) & same(y + 1) & same(y + 2) & same(y + 3);
            score += long.count() + 2 * (long & !above).count();
            above = long;
            let finder = row(y) & !row(y + 1) & row(y + 2) & row(y + 3) & row(y + 4) & !row(y + 5) & row(y + 6);
            let dark_before = (1..=4).filter_map(|d| y.checked_sub(d)).fold(Line::default(), |a, k| a | row(k));
            let dark_after = row(y + 7) | row(y + 8) | row(y + 9) | row(y + 10);
            score += 40 * (finder & (!dark_before | !dark_after)).count();
        }
        score
    }
}

/// A row of modules: bit k is module k, set when dark (version 40 is 177
/// modules wide). Bits past the symbol are light.
#[derive(Clone, Copy, Default)]
struct Line([u64; 3]);

impl Line {
    const BITS: usize = 192;

    /// Bits 0..n set.
    fn first(n: usize) -> Line {
        Line(std::array::from_fn(|i| match n.saturating_sub(64 * i) {
            0 => 0,
            r if r >= 64 => u64::MAX,
            r => (1 << r) - 1,
        }))
    }

    fn from_modules(modules: &[qrcode::Color]) -> Line {
        let mut words = [0; 3];
        for (word, chunk) in words.iter_mut().zip(modules.chunks(64)) {
            *word = chunk.iter().enumerate().fold(0, |w, (i, c)| w | u64::from(*c == qrcode::Color::Dark) << i);
        }
        Line(words)
    }

    fn count(self) -> u32 {
        self.0.iter().map(|w| w.count_ones()).sum()
    }

    /// Module k + s seen from k (0 < s < 64); light past the end.
    fn shr(self, s: u32) -> Line {
        let [a, b, c] = self.0;
        Line([a >> s | b << (64 - s), b >> s | c << (64 - s), c >> s])
    }

    /// Module k − s seen from k (0 < s < 64); light before module 0.
    fn shl(self, s: u32) -> Line {
        let [a, b, c] = self.0;
        Line([a << s, b << s | a >> (64 - s), c << s | b >> (64 - s)])
    }

    /// N1 and N3 of this line, `width` modules long.
    fn runs_and_finders(self, width: usize) -> u32 {
        let m = self;
        // N1. same: module k matches k + 1. A run of n modules is n − 1 such
        // bits; four in a row start at n − 4 places, and n − 2 = (n − 4) + 2.
        let same = !(m ^ m.shr(1)) & Line::first(width - 1);
        let long = same & same.shr(1) & same.shr(2) & same.shr(3);
        let run_starts = long & !long.shl(1);
        let runs = long.count() + 2 * run_starts.count();
        // N3. dark-light-dark-dark-dark-light-dark from k, then four light
        // modules before k or after k + 6 (past either end counts as light).
        let finder = m & !m.shr(1) & m.shr(2) & m.shr(3) & m.shr(4) & !m.shr(5) & m.shr(6);
        // Bit k: any of modules k − 3..=k dark, and any of k..=k + 3 dark.
        let dark_back = m | m.shl(1) | m.shl(2) | m.shl(3);
        let dark_ahead = m | m.shr(1) | m.shr(2) | m.shr(3);
        let finders = (finder & (!dark_back.shl(1) | !dark_ahead.shr(7))).count();
        runs + 40 * finders
    }
}

impl std::ops::BitAnd for Line {
    type Output = Line;
    fn bitand(self, o: Line) -> Line {
        Line(std::array::from_fn(|i| self.0[i] & o.0[i]))
    }
}

impl std::ops::BitOr for Line {
    type Output = Line;
    fn bitor(self, o: Line) -> Line {
        Line(std::array::from_fn(|i| self.0[i] | o.0[i]))
    }
}

impl std::ops::BitXor for Line {
    type Output = Line;
    fn bitxor(self, o: Line) -> Line {
        Line(std::array::from_fn(|i| self.0[i] ^ o.0[i]))
    }
}

impl std::ops::Not for Line {
    type Output = Line;
    fn not(self) -> Line {
        Line(self.0.map(|w| !w))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upper_case_bolt11_payload_gives_the_documented_size() {
        // xPay's 320-character sample: version 11 at EC level M, 61 modules,
        // 69 columns × 35 rows with the quiet zone (providers README § QR).
        let bolt11 = include_str!("../tests/fixtures/xpay/create_lightning.json")
            .split('"')
            .find(|s| s.starts_with("lnbc"))
            .unwrap()
            .to_ascii_uppercase();
        let m = QrMatrix::encode(&format!("LIGHTNING:{bolt11}")).unwrap();
        assert_eq!((m.cols(), m.rows()), (69, 35));
    }

    /// The library's own encoder, padded with the quiet zone: `encode` must
    /// give the same modules (same segments, codewords and winning mask).
    fn reference(payload: &str) -> QrMatrix {
        let code = qrcode::QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M).unwrap();
        let width = code.width();
        let size = width + 2 * QUIET_ZONE;
        let mut dark = vec![false; size * size];
        for (i, color) in code.to_colors().into_iter().enumerate() {
            let (x, y) = (i % width, i / width);
            dark[(y + QUIET_ZONE) * size + x + QUIET_ZONE] = color == qrcode::Color::Dark;
        }
        QrMatrix { size, dark }
    }

    #[test]
    fn the_code_is_the_one_qrcode_makes() {
        let mut payloads: Vec<String> = vec![
            "A".into(),
            "0123456789".into(),
            "TDtSWK3dsSRJyZH4qNVzsoPsdrZz6k8B3Q".into(),
            "bitcoin:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq?amount=0.00012345".into(),
            format!("LIGHTNING:{}", "LNBC1".repeat(78)),
            "ethereum:0xdAC17F958D2ee523a2206206994597C13D831ec7/transfer?address=0x1234&uint256=1e6".into(),
        ];
        // Pseudo-random payloads of many lengths (so many versions, all eight
        // masks and every segment mode come up).
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let alphabet = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:abcdefxyz?&=_";
        for len in (1..2300).step_by(37) {
            let text: String = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    let span = if len % 2 == 0 { 45 } else { alphabet.len() };
                    char::from(alphabet[usize::try_from(seed % span as u64).unwrap()])
                })
                .collect();
            payloads.push(text);
        }
        for payload in &payloads {
            assert!(QrMatrix::encode(payload).unwrap() == reference(payload), "{payload}");
        }
    }

    /// N1 + N3 of one line the plain way, as `qrcode` counts them.
    fn line_reference(line: &[bool]) -> u32 {
        let mut score = 0;
        let mut k = 0;
        while k < line.len() {
            let run = line[k..].iter().take_while(|d| **d == line[k]).count();
            if run >= 5 {
                score += u32::try_from(run).unwrap() - 2;
            }
            k += run;
        }
        let dark = |k: usize| line.get(k).copied().unwrap_or(false);
        for j in 0..line.len().saturating_sub(6) {
            if line[j..j + 7] == [true, false, true, true, true, false, true] {
                let light_before = (j.saturating_sub(4)..j).all(|k| !dark(k));
                let light_after = (j + 7..j + 11).all(|k| !dark(k));
                if light_before || light_after {
                    score += 40;
                }
            }
        }
        score
    }

    #[test]
    fn the_bitset_line_penalty_counts_as_the_plain_one() {
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let fixed: [&[bool]; 3] = [
            &[true, false, true, true, true, false, true, false, false, false, false],
            &[false, false, false, false, true, false, true, true, true, false, true],
            &[true; 30],
        ];
        let mut lines: Vec<Vec<bool>> = fixed.iter().map(|l| l.to_vec()).collect();
        for width in (21..=177).step_by(4) {
            for _ in 0..50 {
                // Mostly noise, with long runs and finder-like stretches now and then.
                let mut line: Vec<bool> = (0..width).map(|_| next() % 2 == 0).collect();
                let at = usize::try_from(next() % width as u64).unwrap();
                let motif: &[bool] = match next() % 3 {
                    0 => &[false, false, false, false, true, false, true, true, true, false, true, false, false, false],
                    1 => &[true; 9],
                    _ => &[false; 7],
                };
                for (d, m) in line[at..].iter_mut().zip(motif) {
                    *d = *m;
                }
                lines.push(line);
            }
        }
        for line in &lines {
            let modules: Vec<qrcode::Color> = line.iter().map(|d| color(*d)).collect();
            assert_eq!(Line::from_modules(&modules).runs_and_finders(line.len()), line_reference(line), "{line:?}");
        }
    }

    fn color(dark: bool) -> qrcode::Color {
        if dark { qrcode::Color::Dark } else { qrcode::Color::Light }
    }

    /// The whole penalty the plain way.
    fn penalty_reference(dark: &[bool], w: usize) -> u32 {
        let mut score = 0;
        for i in 0..w {
            score += line_reference(&dark[i * w..(i + 1) * w]);
            score += line_reference(&(0..w).map(|k| dark[k * w + i]).collect::<Vec<_>>());
        }
        for y in 0..w - 1 {
            for x in 0..w - 1 {
                let c = dark[y * w + x];
                if dark[y * w + x + 1] == c && dark[(y + 1) * w + x] == c && dark[(y + 1) * w + x + 1] == c {
                    score += 3;
                }
            }
        }
        let ratio = dark.iter().filter(|d| **d).count() * 200 / (w * w);
        score + u32::try_from(ratio.abs_diff(100)).unwrap()
    }

    #[test]
    fn the_bitset_penalty_counts_as_the_plain_one() {
        let mut seed = 0x0123_4567_89ab_cdef_u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for w in [21, 25, 45, 63, 64, 65, 77, 127, 128, 129, 133, 177] {
            for density in [2, 3, 7] {
                // Sparse or dense noise (long runs, blocks), with finder-like
                // stripes across and down.
                let mut dark: Vec<bool> = (0..w * w).map(|_| next() % density == 0).collect();
                let finder = [true, false, true, true, true, false, true, false, false, false, false];
                for _ in 0..w / 4 {
                    let (x, y) =
                        (usize::try_from(next() % w as u64).unwrap(), usize::try_from(next() % w as u64).unwrap());
                    for (k, d) in finder.iter().enumerate() {
                        if next() % 2 == 0 && x + k < w {
                            dark[y * w + x + k] = *d;
                        } else if y + k < w {
                            dark[(y + k) * w + x] = *d;
                        }
                    }
                }
                let colors: Vec<qrcode::Color> = dark.iter().map(|d| color(*d)).collect();
                let score = Penalty::new(w).unwrap().score(&colors);
                assert_eq!(score, penalty_reference(&dark, w), "width {w}, density 1/{density}");
            }
        }
    }

    #[test]
    fn the_quiet_zone_is_light() {
        let m = QrMatrix::encode("TDtSWK3dsSRJyZH4qNVzsoPsdrZz6k8B3Q").unwrap();
        for i in 0..m.size() {
            for q in 0..QUIET_ZONE {
                assert!(!m.is_dark(i, q) && !m.is_dark(q, i));
                assert!(!m.is_dark(i, m.size() - 1 - q) && !m.is_dark(m.size() - 1 - q, i));
            }
        }
        assert!(m.is_dark(QUIET_ZONE, QUIET_ZONE), "finder pattern corner");
    }
}
