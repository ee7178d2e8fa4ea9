//! The code as a picture for terminals with a graphics protocol (kitty,
//! sixel, iTerm2, through `ratatui-image`): whole pixels per module, black
//! on white, padded with white to whole cells so nothing is resampled. The
//! encoded protocol is cached per (variant, size): building it takes
//! milliseconds, drawing it from the cache none.

use crate::qr::QrMatrix;
use image::{DynamicImage, GrayImage, Luma};
use ratatui::buffer::Buffer;
use ratatui::layout::{Rect, Size};
use ratatui_image::picker::Picker;
use ratatui_image::protocol::Protocol;
use ratatui_image::{Image, Resize};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The picture of `m` at `px` pixels per module, on a white canvas of
/// `cells` at `font` pixels per cell, the code centred on it.
pub fn picture(m: &QrMatrix, px: u16, cells: (u16, u16), font: (u16, u16)) -> GrayImage {
    let width = u32::from(cells.0) * u32::from(font.0);
    let height = u32::from(cells.1) * u32::from(font.1);
    let px = u32::from(px.max(1));
    let side = u32::try_from(m.size()).unwrap_or(u32::MAX).saturating_mul(px);
    let (left, top) = (width.saturating_sub(side) / 2, height.saturating_sub(side) / 2);
    GrayImage::from_fn(width, height, |x, y| {
        let (Some(mx), Some(my)) = (x.checked_sub(left), y.checked_sub(top)) else {
            return Luma([255]);
        };
        let (mx, my) = ((mx / px) as usize, (my / px) as usize);
        if m.is_dark(mx, my) { Luma([0]) } else { Luma([255]) }
    })
}

/// What a cached protocol was built for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Key {
    variant: usize,
    px: u16,
    cells: (u16, u16),
}

/// The last picture built for one code: its key, the picture handed to
/// the terminal, and its protocol (`None`: it could not be encoded, and is
/// not tried again for the same key).
struct Built {
    key: Key,
    image: GrayImage,
    protocol: Option<Protocol>,
}

/// The last protocol built for one code.
#[derive(Default)]
pub struct Cache {
    last: Mutex<Option<Built>>,
    /// Protocols built so far.
    builds: AtomicUsize,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cache")
    }
}

impl Cache {
    /// How many protocols were built (once per variant and size).
    pub fn builds(&self) -> usize {
        self.builds.load(Ordering::Relaxed)
    }

    /// The picture last handed to the terminal (what a phone would scan).
    pub fn last_picture(&self) -> Option<GrayImage> {
        self.last.lock().ok()?.as_ref().map(|b| b.image.clone())
    }

    /// Draws the picture at the top-left of `area`, building its protocol
    /// only when the variant or size changed. False when the protocol could
    /// not be built (the caller draws text instead).
    pub fn draw(
        &self,
        picker: &Picker,
        (variant, m): (usize, &QrMatrix),
        px: u16,
        cells: (u16, u16),
        area: Rect,
        buf: &mut Buffer,
    ) -> bool {
        let key = Key { variant, px, cells };
        let Ok(mut slot) = self.last.lock() else {
            return false;
        };
        if slot.as_ref().is_none_or(|b| b.key != key) {
            self.builds.fetch_add(1, Ordering::Relaxed);
            let font = picker.font_size();
            let image = picture(m, px, cells, (font.width, font.height));
            let encoded = picker.new_protocol(
                DynamicImage::ImageLuma8(image.clone()),
                Size::new(cells.0, cells.1),
                Resize::Fit(None),
            );
            let protocol = encoded
                .map_err(|e| tracing::warn!(error = %e, "the QR picture could not be encoded; drawing text"))
                .ok();
            *slot = Some(Built { key, image, protocol });
        }
        // A picture that could not be encoded is not tried again every frame.
        let Some(protocol) = slot.as_ref().and_then(|b| b.protocol.as_ref()) else {
            return false;
        };
        let at = Rect::new(area.x, area.y, cells.0, cells.1).intersection(area);
        if (at.width, at.height) != cells {
            return false;
        }
        buf.set_style(at, ratatui::style::Style::new().fg(super::text::FG).bg(super::text::BG));
        ratatui::widgets::Widget::render(Image::new(protocol), at, buf);
        true
    }
}
