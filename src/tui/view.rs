//! One frame: its [`Scene`] is built once from the app (the [`View`] with the
//! time in it, the screen's body with the dashboard's rows computed once,
//! the footer's keys from the screen's table), then drawn. Drawing reads
//! only the scene: no I/O, no clock, never the `App`.

use super::app::{App, Screen};
use super::ctx::View;
use super::intent::Modal;
use super::keys::{self, Hint};
use super::screens::dashboard::{self, Dashboard, Listing};
use super::screens::history::{self, History};
use super::screens::invoice::{self, Shown};
use super::screens::picker::Picker;
use super::screens::sale::Amount;
use super::screens::tip::{self, Tip};
use super::screens::{creating, global, picker, sale};
use super::theme;
use crate::core::money::Money;
use crate::core::sale::Sale;
use crate::core::tax::Pricing;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// What one frame shows.
pub struct Scene<'a> {
    pub view: View<'a>,
    pub modal: Option<&'a Modal>,
    pub body: Body<'a>,
    /// The footer's keys, in order, before fitting the width.
    pub hints: Vec<Hint>,
    /// The `?` help of the screen on display (only while the help is up):
    /// every key that works on it, with the keys of every screen.
    pub help: Vec<(String, &'static str)>,
}

/// The screen under the header, with what it draws.
pub enum Body<'a> {
    Dashboard(&'a Dashboard, Listing),
    History(&'a History),
    Sale(&'a Amount),
    Tip(&'a Tip, &'a Pricing),
    Picker(&'a Picker, &'a Money),
    /// Creating the invoice, or its failure (as the sale says).
    Creating,
    Invoice(Shown<'a>),
    /// An invoice the desk no longer knows.
    Empty,
}

impl<'a> Scene<'a> {
    pub fn of(app: &'a App) -> Scene<'a> {
        let ctx = app.ctx();
        let setup = ctx.setup;
        let watches = &ctx.desk.watches;
        let n = app.methods.len();
        let (body, mut hints, mut help) = match app.screen() {
            Screen::Dashboard => {
                let listing = app.dashboard.listing(watches, ctx.now());
                let avail = |c| Dashboard::avail(c, &listing, watches);
                let (hints, help) =
                    (keys::hints(dashboard::KEYS, setup, avail), keys::help_now(dashboard::KEYS, setup, avail));
                (Body::Dashboard(&app.dashboard, listing), hints, help)
            }
            Screen::History => match &app.history {
                Some(h) => (
                    Body::History(h),
                    keys::hints(history::KEYS, setup, |c| h.avail(c)),
                    keys::help_now(history::KEYS, setup, |c| h.avail(c)),
                ),
                None => (Body::Empty, Vec::new(), Vec::new()),
            },
            Screen::Sale => (
                Body::Sale(&app.amount),
                keys::hints(sale::KEYS, setup, |c| app.amount.avail(c)),
                keys::help_now(sale::KEYS, setup, |c| app.amount.avail(c)),
            ),
            Screen::Tip => match &app.tip {
                Some(t) => (
                    Body::Tip(t, &app.pricing),
                    keys::hints(t.keys(), setup, |c| t.avail(c)),
                    keys::help_now(t.keys(), setup, |c| t.avail(c)),
                ),
                None => (Body::Empty, Vec::new(), Vec::new()),
            },
            Screen::Picker => {
                let hints = keys::hints(picker::KEYS, setup, |c| app.picker.avail(c, n));
                let help = keys::help_now(picker::KEYS, setup, |c| app.picker.avail(c, n));
                match &ctx.desk.sale {
                    Sale::Method { amount } => (Body::Picker(&app.picker, amount), hints, help),
                    _ => (Body::Empty, hints, help),
                }
            }
            Screen::Creating => (
                Body::Creating,
                keys::hints(creating::KEYS, setup, |c| creating::avail(c, &ctx)),
                keys::help_now(creating::KEYS, setup, |c| creating::avail(c, &ctx)),
            ),
            Screen::Invoice => {
                let shown = ctx.desk.current().map(|watch| {
                    let code = app.codes.get(&watch.invoice.reference);
                    Body::Invoice(Shown { watch, code, caps: &app.codes.caps })
                });
                let (hints, help) = match shown {
                    Some(_) => (
                        keys::hints(invoice::KEYS, setup, |c| invoice::avail(c, &ctx)),
                        keys::help_now(invoice::KEYS, setup, |c| invoice::avail(c, &ctx)),
                    ),
                    None => (Vec::new(), Vec::new()),
                };
                (shown.unwrap_or(Body::Empty), hints, help)
            }
        };
        let background = !app.dashboard.open && app.in_background();
        let global_avail = |c| global::avail(c, app.dashboard.open, background);
        hints.extend(keys::hints(global::KEYS, setup, global_avail));
        help.extend(keys::help_now(global::KEYS, setup, global_avail));
        let help = if matches!(app.modal, Some(Modal::Help)) { keys::help_lines(help) } else { Vec::new() };
        let view = View { now: ctx.now(), ctx, flash: app.flash.as_deref() };
        Scene { view, modal: app.modal.as_ref(), body, hints, help }
    }
}

/// Draws the app: its scene for this frame, then the frame from it.
pub fn draw(app: &App, frame: &mut Frame) {
    render(&Scene::of(app), frame);
    if app.codes.caps.no_color {
        theme::strip_colors(frame.buffer_mut());
    }
}

pub fn render(scene: &Scene, frame: &mut Frame) {
    let view = &scene.view;
    let [header, body, footer] =
        Layout::vertical([Constraint::Length(1), Constraint::Fill(1), Constraint::Length(1)]).areas(frame.area());
    draw_header(view, frame, header);
    match &scene.body {
        Body::Dashboard(d, listing) => dashboard::draw::draw(view, d, listing, frame, body),
        Body::History(h) => history::draw(view, h, frame, body),
        Body::Sale(amount) => sale::draw(view, amount, frame, body),
        Body::Tip(t, pricing) => {
            tip::draw(view, t, pricing, frame, body);
            draw_flash(view, frame, body);
        }
        Body::Picker(p, amount) => {
            picker::draw(view, p, amount, frame, body);
            draw_flash(view, frame, body);
        }
        Body::Creating => {
            creating::draw(view, frame, body);
            draw_flash(view, frame, body);
        }
        Body::Invoice(shown) => invoice::draw(view, shown, frame, body),
        Body::Empty => {}
    }
    frame.render_widget(Paragraph::new(keys::footer(&scene.hints, footer.width)), footer);
    if let Some(m) = scene.modal {
        m.draw(view, frame, &scene.help);
    }
}

/// News for screens that have no place of their own for it (the picker,
/// creating): the last line of the body.
fn draw_flash(view: &View, frame: &mut Frame, body: Rect) {
    if let Some(f) = view.flash
        && body.height > 0
    {
        let line = Rect { y: body.bottom() - 1, height: 1, ..body };
        frame.render_widget(Paragraph::new(Line::raw(format!(" {f}"))).centered(), line);
    }
}

fn draw_header(view: &View, frame: &mut Frame, area: Rect) {
    let shop = view.ctx.shop;
    let local = view.now.to_zoned(shop.timezone.clone());
    let clock = local.strftime("%H:%M:%S").to_string();
    let mut left = vec![
        Span::styled(format!(" {} ", shop.name), theme::title()),
        Span::styled(format!("· terminal {} ", shop.terminal), theme::dim()),
    ];
    if view.ctx.setup.demo {
        left.push(Span::styled(" DEMO MODE: sandbox gateway, no real money ", theme::demo_badge()));
    }
    let [l, r] = Layout::horizontal([Constraint::Fill(1), Constraint::Length(10)]).areas(area);
    frame.render_widget(Paragraph::new(Line::from(left)), l);
    frame.render_widget(Paragraph::new(Line::from(clock)).right_aligned(), r);
}
