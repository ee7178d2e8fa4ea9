//! The payment QR on a terminal, for every face that draws one (the invoice
//! screen, the customer display): the code's variants encoded once
//! ([`QrCode`]), what the terminal shows ([`Caps`], asked once at start by
//! [`detect`]), the choice of mode and size ([`choose`], pure) and the
//! drawing ([`text`] glyphs, [`graphics`] pictures). Always black modules
//! on white with a quiet zone, whatever the theme and with NO_COLOR.
//!
//! A face calls `QrCode::render(area, buf, caps)`: it draws the largest
//! code that fits, centred, or says the cells it needs.

pub mod choose;
pub mod detect;
pub mod graphics;
pub mod text;

use crate::qr::{QrMatrix, QrVariants};
use choose::{Glyphs, Modes, Placement, Render};
use qrcode::types::QrError;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui_image::picker::Picker;

/// What this terminal shows.
#[derive(Clone, Debug)]
pub struct Caps {
    /// The densest text glyphs it draws.
    pub text: Glyphs,
    /// Its graphics protocol and font size, when it has one.
    pub picker: Option<Picker>,
    /// `NO_COLOR` is set: nothing but the QR is coloured.
    pub no_color: bool,
}

impl Default for Caps {
    /// Half blocks: what every terminal draws.
    fn default() -> Caps {
        Caps::text(Glyphs::HalfBlocks)
    }
}

impl Caps {
    pub fn text(glyphs: Glyphs) -> Caps {
        Caps { text: glyphs, picker: None, no_color: false }
    }

    /// As the chooser sees it.
    pub fn modes(&self) -> Modes {
        let graphics = self.picker.as_ref().map(|p| (p.font_size().width.max(1), p.font_size().height.max(1)));
        Modes { text: self.text, graphics }
    }

    /// The best mode, in words.
    pub fn best(&self) -> &'static str {
        if self.picker.is_some() { "graphics" } else { self.text.name() }
    }
}

/// One payload's code: its matrix variants, and the picture last built for
/// a graphics terminal.
#[derive(Debug)]
pub struct QrCode {
    variants: QrVariants,
    sizes: Vec<usize>,
    picture: graphics::Cache,
}

impl QrCode {
    /// Encodes the payload's variants (a millisecond or two: once per invoice).
    pub fn encode(payload: &str) -> Result<QrCode, QrError> {
        let variants = QrVariants::encode(payload)?;
        let sizes = variants.sizes();
        Ok(QrCode { variants, sizes, picture: graphics::Cache::default() })
    }

    /// The picture cache's count of protocols built.
    pub fn pictures_built(&self) -> usize {
        self.picture.builds()
    }

    /// The picture last handed to a graphics terminal.
    pub fn last_picture(&self) -> Option<image::GrayImage> {
        self.picture.last_picture()
    }

    pub fn variants(&self) -> &QrVariants {
        &self.variants
    }

    /// The matrix a placement draws.
    pub fn matrix(&self, placement: &Placement) -> &QrMatrix {
        self.variants.all().get(placement.variant).unwrap_or(self.variants.first())
    }

    /// The rendering for `area` (columns, rows), not taller than `cap_rows`
    /// unless nothing smaller fits; `None` when nothing fits.
    pub fn place(&self, area: (u16, u16), cap_rows: u16, caps: &Caps) -> Option<Placement> {
        choose::choose(&self.sizes, area, cap_rows, caps.modes())
    }

    /// The cells (columns, rows) of the smallest code in the terminal's best
    /// mode: what to ask for when nothing fits.
    pub fn needed(&self, caps: &Caps) -> (u16, u16) {
        choose::needed(&self.sizes, caps.modes())
    }

    /// Draws a placement at the top-left of `at`. A picture that cannot be
    /// encoded falls back to the best text that fits.
    pub fn draw(&self, placement: &Placement, at: Rect, buf: &mut Buffer, caps: &Caps) {
        let m = self.matrix(placement);
        let cells = (placement.cols, placement.rows);
        match (placement.render, &caps.picker) {
            (Render::Text { glyphs, scale }, _) => text::draw(m, glyphs, scale, cells, at, buf),
            (Render::Graphics { px }, Some(picker)) => {
                if !self.picture.draw(picker, (placement.variant, m), px, cells, at, buf) {
                    let text = Caps { picker: None, ..caps.clone() };
                    if let Some(p) = self.place((at.width, at.height), u16::MAX, &text) {
                        self.draw(&p, at, buf, &text);
                    }
                }
            }
            (Render::Graphics { .. }, None) => {}
        }
    }

    /// Draws the largest code that fits `area`, centred, no taller than
    /// two thirds of the buffer: the cells drawn, or the cells needed.
    pub fn render(&self, area: Rect, buf: &mut Buffer, caps: &Caps) -> Result<Rect, (u16, u16)> {
        let cap = choose::cap_rows(buf.area.height);
        let Some(p) = self.place((area.width, area.height), cap, caps) else {
            return Err(self.needed(caps));
        };
        let at = Rect::new(area.x + (area.width - p.cols) / 2, area.y + (area.height - p.rows) / 2, p.cols, p.rows);
        self.draw(&p, at, buf, caps);
        Ok(at)
    }
}

#[cfg(test)]
mod tests;
