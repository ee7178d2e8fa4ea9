use super::choose::{self, Glyphs, Modes, Placement, Render};
use super::*;
use crate::qr::Ec;
use ratatui::layout::Rect;

pub fn lightning() -> String {
    let bolt11 = include_str!("../../../tests/fixtures/xpay/create_lightning.json")
        .split('"')
        .find(|s| s.starts_with("lnbc"))
        .unwrap()
        .to_ascii_uppercase();
    format!("LIGHTNING:{bolt11}")
}

pub const TRON: &str = "TDtSWK3dsSRJyZH4qNVzsoPsdrZz6k8B3Q";
pub const XAIGATE: &str = "https://wallet.xaigate.com/pay/INV2167234232?lang=en";
pub const BIP21: &str = "bitcoin:bc1qd9hs6dal8k2x0l8zhsgywqyvn9tpj3mrkk430t?amount=0.00018186";

fn payloads() -> Vec<String> {
    vec![lightning(), TRON.into(), XAIGATE.into(), BIP21.into()]
}

/// Decodes a grid of dark sub-cells, each `w` × `h` pixels: the payload and
/// the EC level's format bits.
fn decode(grid: &[Vec<bool>], w: usize, h: usize) -> (String, u16) {
    let (rows, cols) = (grid.len(), grid[0].len());
    let mut img =
        rqrr::PreparedImage::prepare_from_greyscale(
            cols * w,
            rows * h,
            |x, y| {
                if grid[y / h][x / w] { 0 } else { 255 }
            },
        );
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one code");
    let (meta, text) = grids[0].decode().unwrap();
    (text, meta.ecc_level)
}

#[test]
fn every_text_mode_and_scale_scans_back_black_on_white() {
    for payload in payloads() {
        let code = QrCode::encode(&payload).unwrap();
        let last = code.variants().all().len() - 1;
        for glyphs in Glyphs::ALL {
            for scale in 1..=3 {
                for variant in [0, last] {
                    let m = &code.variants().all()[variant];
                    let render = Render::Text { glyphs, scale };
                    let (cols, rows) = choose::cells(m.size(), render, (1, 1));
                    let p = Placement { variant, render, cols, rows };
                    let area = Rect::new(2, 1, cols, rows);
                    let mut buf = Buffer::empty(Rect::new(0, 0, cols + 4, rows + 2));
                    code.draw(&p, area, &mut buf, &Caps::text(glyphs));
                    assert_eq!(text::find(&buf), Some(area), "the code and nothing else is black on white");
                    let grid = text::read_back(&buf, area, glyphs).expect("glyphs drawn black on white");
                    // A cell 12 × 24 pixels, as a terminal font's 1:2.
                    let (gx, gy) = glyphs.grid();
                    let (text, ecc) = decode(&grid, 12 / gx, 24 / gy);
                    assert_eq!(text, payload, "{glyphs:?} ×{scale} variant {variant}");
                    let want = if m.ec() == Ec::M { 0 } else { 1 };
                    assert_eq!(ecc, want, "level M's format bits are 00, L's 01");
                }
            }
        }
    }
}

#[test]
fn a_code_that_would_be_clipped_is_not_drawn() {
    let code = QrCode::encode(TRON).unwrap();
    let p = code.place((80, 40), 40, &Caps::text(Glyphs::Octants)).unwrap();
    let mut buf = Buffer::empty(Rect::new(0, 0, 10, 5));
    code.draw(&p, Rect::new(0, 0, 80, 40), &mut buf, &Caps::text(Glyphs::Octants));
    assert_eq!(buf, Buffer::empty(Rect::new(0, 0, 10, 5)));
}

#[test]
fn the_picture_handed_to_the_terminal_scans_with_its_quiet_zone() {
    let long = format!("LIGHTNING:{}", "LNBC1".repeat(78));
    let ln = lightning();
    for (payload, variant, px, font) in [
        (long.as_str(), 0, 2, (8, 16)),
        (ln.as_str(), 0, 3, (10, 20)),
        (ln.as_str(), 5, 4, (9, 19)),
        (TRON, 2, 2, (7, 15)),
        (XAIGATE, 0, 3, (8, 16)),
        (BIP21, 0, 2, (8, 16)),
    ] {
        let code = QrCode::encode(payload).unwrap();
        let m = &code.variants().all()[variant];
        let cells = choose::cells(m.size(), Render::Graphics { px }, font);
        let img = graphics::picture(m, px, cells, font);
        assert_eq!(img.dimensions(), (u32::from(cells.0 * font.0), u32::from(cells.1 * font.1)));
        let side = m.size() * usize::from(px);
        let (w, h) = (img.width() as usize, img.height() as usize);
        let (left, top) = ((w - side) / 2, (h - side) / 2);
        // The quiet zone is white all round: the first dark pixel is the
        // finder's corner, `quiet` modules in.
        let first = (0..h * w).find(|i| img.as_raw()[*i] == 0).unwrap();
        let q = m.quiet() * usize::from(px);
        assert_eq!((first % w, first / w), (left + q, top + q));
        let mut prepared =
            rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| img.get_pixel(x as u32, y as u32).0[0]);
        let grids = prepared.detect_grids();
        assert_eq!(grids[0].decode().unwrap().1, payload);
    }
}

#[test]
#[allow(deprecated)]
fn a_graphics_terminal_gets_the_picture_built_once_per_size() {
    let mut picker = ratatui_image::picker::Picker::from_fontsize((8, 16).into());
    picker.set_protocol_type(ratatui_image::picker::ProtocolType::Kitty);
    let caps = Caps { text: Glyphs::Octants, picker: Some(picker), no_color: false };
    let code = QrCode::encode(&lightning()).unwrap();
    let area = Rect::new(0, 0, 120, 38);
    let p = code.place((120, 38), 24, &caps).unwrap();
    // 69 modules at 5 pixels: 345 pixels, 44 × 22 cells of 8 × 16.
    assert_eq!(p, Placement { variant: 0, render: Render::Graphics { px: 5 }, cols: 44, rows: 22 });
    let mut buf = Buffer::empty(area);
    code.draw(&p, area, &mut buf, &caps);
    let first = buf[(0, 0)].symbol().to_string();
    assert!(first.starts_with('\u{1b}') || buf.content.iter().any(|c| c.symbol().contains('\u{10EEEE}')), "kitty data");
    code.draw(&p, area, &mut buf, &caps);
    assert_eq!(code.pictures_built(), 1, "the second frame draws the cached picture");
    let smaller = code.place((60, 15), 24, &caps).unwrap();
    code.draw(&smaller, area, &mut buf, &caps);
    assert_eq!(code.pictures_built(), 2, "a new size, a new picture");
    // Halfblocks protocol (what ratatui-image falls back to) draws cells.
    let halfblocks = Caps { picker: Some(ratatui_image::picker::Picker::halfblocks()), ..caps };
    let p = code.place((120, 38), 24, &halfblocks).unwrap();
    let mut buf = Buffer::empty(area);
    code.draw(&p, area, &mut buf, &halfblocks);
    assert!(buf.content.iter().any(|c| c.symbol() == "▀" || c.symbol() == "▄"));
}

/// The invoice screen's first try: the code beside a 30-column details
/// column, under the header and above the footer.
fn beside(w: u16, h: u16) -> ((u16, u16), u16) {
    ((w - 31, h - 2), choose::cap_rows(h))
}

fn text_modes(g: Glyphs) -> Modes {
    Modes { text: g, graphics: None }
}

/// (variant, glyphs, scale, cols, rows) or None.
type Row = Option<(usize, Glyphs, u16, u16, u16)>;

fn pick(payload: &str, screen: (u16, u16), g: Glyphs) -> Row {
    let code = QrCode::encode(payload).unwrap();
    let (area, cap) = beside(screen.0, screen.1);
    choose::choose(&code.sizes, area, cap, text_modes(g)).map(|p| match p.render {
        Render::Text { glyphs, scale } => (p.variant, glyphs, scale, p.cols, p.rows),
        Render::Graphics { .. } => unreachable!(),
    })
}

#[test]
fn the_choice_for_each_payload_screen_and_mode() {
    use Glyphs::{HalfBlocks as H, Octants as O, Sextants as S};
    let ln = lightning();
    let cases: &[(&str, (u16, u16), Glyphs, Row)] = &[
        // Lightning: M with 4 modules of margin (69) where it fits; at
        // 80×24 sextants need a 2-module margin; half blocks do not fit
        // beside the details below 120×40.
        (&ln, (80, 24), O, Some((0, O, 1, 35, 18))),
        (&ln, (80, 24), S, Some((2, S, 1, 33, 22))),
        (&ln, (80, 24), H, None),
        (&ln, (100, 30), O, Some((0, O, 1, 35, 18))),
        (&ln, (100, 30), S, Some((0, S, 1, 35, 23))),
        (&ln, (100, 30), H, None),
        (&ln, (120, 40), O, Some((0, S, 1, 35, 23))),
        (&ln, (120, 40), H, Some((0, H, 1, 69, 35))),
        (&ln, (200, 60), O, Some((0, H, 1, 69, 35))),
        (&ln, (200, 60), S, Some((0, H, 1, 69, 35))),
        (&ln, (200, 60), H, Some((0, H, 1, 69, 35))),
        // USDT on TRON: 37 modules.
        (TRON, (80, 24), H, Some((0, H, 1, 37, 19))),
        (TRON, (80, 24), O, Some((0, S, 1, 19, 13))),
        (TRON, (120, 40), O, Some((0, S, 2, 37, 25))),
        (TRON, (120, 40), H, Some((0, H, 1, 37, 19))),
        (TRON, (200, 60), O, Some((0, H, 2, 74, 37))),
        (TRON, (200, 60), H, Some((0, H, 2, 74, 37))),
        // XaiGate's page: 41 modules.
        (XAIGATE, (80, 24), H, Some((0, H, 1, 41, 21))),
        (XAIGATE, (200, 60), S, Some((0, S, 2, 41, 28))),
        // Bitsby's BIP 21: 45 modules at M; a 3-module margin at 80×24.
        (BIP21, (80, 24), H, Some((1, H, 1, 43, 22))),
        (BIP21, (80, 24), S, Some((0, S, 1, 23, 15))),
        (BIP21, (200, 60), O, Some((0, O, 3, 68, 34))),
    ];
    let mut failures = Vec::new();
    for (payload, screen, g, want) in cases {
        let got = pick(payload, *screen, *g);
        if got != *want {
            failures.push(format!("{}… at {screen:?} in {g:?}: got {got:?}, want {want:?}", &payload[..12]));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_code_grows_from_120x40_to_200x60_in_every_dense_mode() {
    let ln = lightning();
    for g in [Glyphs::Sextants, Glyphs::Octants] {
        let small = pick(&ln, (120, 40), g).unwrap();
        let big = pick(&ln, (200, 60), g).unwrap();
        assert!(big.3 > small.3 && big.4 > small.4, "{g:?}: {small:?} → {big:?}");
    }
}

#[test]
fn nothing_fits_names_the_cells_of_the_smallest_code_in_the_best_mode() {
    let code = QrCode::encode(&lightning()).unwrap();
    // Level L, 2 modules of margin: 57 modules.
    assert_eq!(code.needed(&Caps::text(Glyphs::HalfBlocks)), (57, 29));
    assert_eq!(code.needed(&Caps::text(Glyphs::Sextants)), (29, 19));
    assert_eq!(code.needed(&Caps::text(Glyphs::Octants)), (29, 15));
    let mut buf = Buffer::empty(Rect::new(0, 0, 80, 24));
    assert_eq!(code.render(Rect::new(0, 0, 60, 22), &mut buf, &Caps::default()), Err((57, 29)));
    assert_eq!(buf, Buffer::empty(Rect::new(0, 0, 80, 24)), "nothing drawn");
}

#[test]
fn render_centres_the_code_and_says_where() {
    let code = QrCode::encode(TRON).unwrap();
    let mut buf = Buffer::empty(Rect::new(0, 0, 100, 30));
    let at = code.render(Rect::new(0, 1, 100, 28), &mut buf, &Caps::text(Glyphs::Octants)).unwrap();
    assert_eq!(text::find(&buf), Some(at));
    assert_eq!((at.x, at.y), ((100 - at.width) / 2, 1 + (28 - at.height) / 2));
}

#[test]
fn graphics_grow_with_the_screen_in_whole_pixels_per_module() {
    // A font of 8 × 16 pixels: Lightning's 69 modules at M with 4 of margin.
    let modes = Modes { text: Glyphs::HalfBlocks, graphics: Some((8, 16)) };
    let sizes = QrCode::encode(&lightning()).unwrap().sizes;
    let cases = [
        // 80×24: two thirds of 24 rows is 16: 3 pixels a module, 207 pixels.
        ((80, 24), (0, 3, 26, 13)),
        ((100, 30), (0, 4, 35, 18)),
        ((120, 40), (0, 6, 52, 26)),
        ((200, 60), (0, 9, 78, 39)),
    ];
    for (screen, want) in cases {
        let (area, cap) = beside(screen.0, screen.1);
        let p = choose::choose(&sizes, area, cap, modes).unwrap();
        let Render::Graphics { px } = p.render else { panic!("graphics") };
        assert_eq!((p.variant, px, p.cols, p.rows), want, "at {screen:?}");
    }
    // Too small only when 2 pixels a module do not fit.
    assert_eq!(choose::choose(&sizes, (14, 7), 8, modes), None);
    assert_eq!(choose::needed(&sizes, modes), (15, 8), "57 modules at 2 pixels: 114 pixels");
}
