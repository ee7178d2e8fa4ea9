//! Which rendering of a QR to draw in an area: the one place that decides.
//! Pure arithmetic on sizes (no terminal, no buffer), so it is tested as a
//! table.
//!
//! The rule: the first matrix variant (M with a 4-module quiet zone, then
//! thinner margins, then level L) that fits at all wins; within it, the
//! largest rendering whose height stays within the cap (a phone at arm's
//! length reads it; bigger helps nobody), or, when even the smallest is over
//! the cap, the smallest that fits. With graphics, real pixels: the largest
//! whole number of pixels per module. Without, text glyphs at whole scales;
//! of two with the same module size the simpler glyphs win.

/// Text glyphs, from the most widely drawn to the densest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Glyphs {
    /// ▀▄█: 1×2 modules a cell; every terminal, the Linux console too.
    HalfBlocks,
    /// U+1FB00: 2×3 modules a cell (Unicode 13).
    Sextants,
    /// U+1CD00: 2×4 modules a cell (Unicode 16).
    Octants,
}

impl Glyphs {
    pub const ALL: [Glyphs; 3] = [Glyphs::HalfBlocks, Glyphs::Sextants, Glyphs::Octants];

    /// Modules across and down one cell at scale 1.
    pub const fn grid(self) -> (usize, usize) {
        match self {
            Glyphs::HalfBlocks => (1, 2),
            Glyphs::Sextants => (2, 3),
            Glyphs::Octants => (2, 4),
        }
    }

    pub const fn name(self) -> &'static str {
        match self {
            Glyphs::HalfBlocks => "half blocks",
            Glyphs::Sextants => "sextants",
            Glyphs::Octants => "octants",
        }
    }
}

/// What a terminal can draw, as the chooser sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Modes {
    /// The densest glyphs it draws (and every simpler one).
    pub text: Glyphs,
    /// Pixels per cell (width, height) when it shows images.
    pub graphics: Option<(u16, u16)>,
}

/// How one code is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Render {
    /// Each module `scale` × `scale` sub-cells of the glyphs.
    Text { glyphs: Glyphs, scale: u16 },
    /// Each module `px` × `px` pixels.
    Graphics { px: u16 },
}

/// A chosen rendering: which variant, how, and the cells it takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Placement {
    /// Index into the variants.
    pub variant: usize,
    pub render: Render,
    pub cols: u16,
    pub rows: u16,
}

/// The fewest pixels per module drawn as graphics.
pub const MIN_PX: u16 = 2;
/// The largest text scale tried.
const MAX_SCALE: u16 = 12;

/// The cells `modules` take at `render`, given the font's pixels.
pub fn cells(modules: usize, render: Render, font: (u16, u16)) -> (u16, u16) {
    let (w, h) = match render {
        Render::Text { glyphs, scale } => {
            let (gx, gy) = glyphs.grid();
            let sub = modules * usize::from(scale);
            (sub.div_ceil(gx), sub.div_ceil(gy))
        }
        Render::Graphics { px } => {
            let side = modules * usize::from(px);
            (side.div_ceil(usize::from(font.0.max(1))), side.div_ceil(usize::from(font.1.max(1))))
        }
    };
    (u16::try_from(w).unwrap_or(u16::MAX), u16::try_from(h).unwrap_or(u16::MAX))
}

/// How big a module looks, for ordering: (its smaller side, its area) in
/// twelfths of a column, a row being two columns tall; graphics by pixels.
/// Simpler glyphs sort first on a tie (the last key).
fn looks(render: Render) -> (usize, usize, i8) {
    match render {
        Render::Text { glyphs, scale } => {
            let (gx, gy) = glyphs.grid();
            let s = usize::from(scale);
            let (w, h) = (12 * s / gx, 24 * s / gy);
            (w.min(h), w * h, glyphs as i8)
        }
        Render::Graphics { px } => (usize::from(px), usize::from(px) * usize::from(px), 0),
    }
}

/// Every rendering this terminal has for a code of `modules`, smallest
/// first, up to what could fit `limit` (columns, rows).
fn renders(modules: usize, modes: Modes, limit: (u16, u16)) -> Vec<Render> {
    let font = modes.graphics.unwrap_or((1, 1));
    let fits = |r: Render| {
        let (c, h) = cells(modules, r, font);
        c <= limit.0 && h <= limit.1
    };
    let mut out = Vec::new();
    if modes.graphics.is_some() {
        let mut px = MIN_PX;
        while fits(Render::Graphics { px }) && px < 256 {
            out.push(Render::Graphics { px });
            px += 1;
        }
    } else {
        for glyphs in Glyphs::ALL.into_iter().filter(|g| *g <= modes.text) {
            for scale in 1..=MAX_SCALE {
                let r = Render::Text { glyphs, scale };
                if !fits(r) {
                    break;
                }
                out.push(r);
            }
        }
    }
    out.sort_by_key(|r| looks(*r));
    // The same module size in two glyph sets: keep the simpler.
    out.dedup_by_key(|r| {
        let (a, b, _) = looks(*r);
        (a, b)
    });
    out
}

/// The rendering to draw: `sizes` are the variants' modules per side, most
/// preferred first; `area` the cells free for the code; `cap_rows` the
/// height it need not exceed. `None` when nothing fits.
pub fn choose(sizes: &[usize], area: (u16, u16), cap_rows: u16, modes: Modes) -> Option<Placement> {
    let font = modes.graphics.unwrap_or((1, 1));
    for (variant, &modules) in sizes.iter().enumerate() {
        let fitting = renders(modules, modes, area);
        let within = fitting.iter().rev().find(|r| cells(modules, **r, font).1 <= cap_rows);
        if let Some(&render) = within.or(fitting.first()) {
            let (cols, rows) = cells(modules, render, font);
            return Some(Placement { variant, render, cols, rows });
        }
    }
    None
}

/// The cells the smallest variant takes in this terminal's best mode at its
/// smallest: what to ask for when nothing fits.
pub fn needed(sizes: &[usize], modes: Modes) -> (u16, u16) {
    let modules = sizes.iter().copied().min().unwrap_or(0);
    match modes.graphics {
        Some(font) => cells(modules, Render::Graphics { px: MIN_PX }, font),
        None => cells(modules, Render::Text { glyphs: modes.text, scale: 1 }, (1, 1)),
    }
}

/// The height a code need not exceed on a screen `rows` tall: two thirds
/// of it (a phone at arm's length reads it; the details keep their room).
pub fn cap_rows(screen_rows: u16) -> u16 {
    screen_rows.saturating_mul(2) / 3
}
