//! The shop's logo (`[printer] logo`, a PNG) as a raster for the receipt's
//! head: scaled to fit the paper (at most half its width, 160 dots high),
//! transparent parts white, then black where darker than mid-grey. Read
//! each time a receipt is printed (by the print task, on the blocking
//! pool, never on the till's loop), so a new logo needs no restart; one
//! that cannot be read is left out (and logged), never a reason not to print.

use super::escpos::{Raster, Width};
use std::path::Path;

/// The tallest logo, in dots (8 dots a mm).
const MAX_HEIGHT: u32 = 160;

/// The logo at `path` for `width` paper, or `None` (logged) when it cannot be read.
pub fn load(path: &Path, width: Width) -> Option<Raster> {
    let image = match image::open(path) {
        Ok(i) => i,
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "the logo could not be read: printing without it");
            return None;
        }
    };
    Some(raster(&image, width))
}

/// `image` as a one-bit raster for `width` paper.
pub fn raster(image: &image::DynamicImage, width: Width) -> Raster {
    let max_w = width.dots() / 2;
    let (w, h) = (image.width().max(1), image.height().max(1));
    let scale = f64::min(1.0, f64::min(f64::from(max_w) / f64::from(w), f64::from(MAX_HEIGHT) / f64::from(h)));
    // Scaling factors are pixel counts, not money: f64 is right here.
    let (tw, th) = (((f64::from(w) * scale) as u32).max(1), ((f64::from(h) * scale) as u32).max(1));
    let small = image.resize_exact(tw, th, image::imageops::FilterType::Triangle).to_rgba8();
    let width_bytes = tw.div_ceil(8);
    let mut bits = vec![0u8; (width_bytes * th) as usize];
    for (x, y, p) in small.enumerate_pixels() {
        let [r, g, b, a] = p.0;
        let luma = (u32::from(r) * 299 + u32::from(g) * 587 + u32::from(b) * 114) / 1000;
        // Transparent is paper.
        let ink = u32::from(a) >= 128 && luma < 128;
        if ink && let Some(byte) = bits.get_mut((y * width_bytes + x / 8) as usize) {
            *byte |= 0x80 >> (x % 8);
        }
    }
    Raster { width_bytes: width_bytes as u16, height: th as u16, bits }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wide_logo_is_scaled_to_half_the_paper_and_keeps_its_dark_half() {
        // 800 × 100: left half black, right half white.
        let img = image::RgbaImage::from_fn(800, 100, |x, _| {
            if x < 400 { image::Rgba([0, 0, 0, 255]) } else { image::Rgba([255, 255, 255, 255]) }
        });
        let r = raster(&image::DynamicImage::ImageRgba8(img), Width::Mm58);
        assert_eq!((r.width_bytes, r.height), (24, 24), "192 dots wide, the aspect kept");
        let row: Vec<u8> = r.bits[..24].to_vec();
        assert!(row[..11].iter().all(|b| *b == 0xff) && row[13..].iter().all(|b| *b == 0), "{row:?}");
    }
}
