//! Draws the whole screen from the app state. Reads only: no I/O, no clock.

use super::app::{App, Modal};
use super::screens;
use super::theme;
use super::widgets::{hint, modal};
use crate::core::sale::Sale;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(app: &App, frame: &mut Frame) {
    let [header, body, footer] =
        Layout::vertical([Constraint::Length(1), Constraint::Fill(1), Constraint::Length(1)]).areas(frame.area());
    draw_header(app, frame, header);
    let mut keys = if app.dashboard.open {
        screens::dashboard::draw(app, frame, body)
    } else if let Some(history) = &app.history {
        screens::history::draw(app, history, frame, body)
    } else {
        match &app.desk.sale {
            Sale::Amount => screens::sale::draw(app, frame, body),
            Sale::Method { amount } => {
                let keys = screens::picker::draw(app, amount, frame, body);
                draw_flash(app, frame, body);
                keys
            }
            Sale::Creating { .. } | Sale::Failed { .. } => {
                let keys = screens::creating::draw(app, frame, body);
                draw_flash(app, frame, body);
                keys
            }
            Sale::Open { reference } | Sale::Final { reference } => screens::invoice::draw(app, reference, frame, body),
        }
    };
    if !app.dashboard.open && in_background(app) {
        keys.push(("Tab", "all invoices"));
    }
    let mut spans: Vec<Span> = keys.iter().flat_map(|(k, w)| hint(k, w)).collect();
    spans.extend(hint("?", "keys"));
    spans.extend(hint("q", "quit"));
    frame.render_widget(Paragraph::new(Line::from(spans)), footer);
    match &app.modal {
        None => {}
        Some(Modal::Help) => screens::help::draw(app, frame),
        Some(Modal::ConfirmCancel(_)) => {
            let lines = vec![
                Line::raw(""),
                Line::raw(" Cancel this invoice at the gateway?"),
                Line::raw(" The customer must not pay it afterwards."),
                Line::raw(""),
                Line::from([hint("y", "yes, cancel"), hint("any other key", "no")].concat()),
            ];
            modal(frame, " Cancel invoice ", lines, 50);
        }
        Some(Modal::ConfirmQuit) => {
            let open = app.desk.open_count();
            let lines = vec![
                Line::raw(""),
                Line::raw(format!(" {open} invoice(s) still open. They stay in the journal")),
                Line::raw(" and are watched again when till starts next."),
                Line::raw(""),
                Line::from([hint("y", "quit anyway"), hint("any other key", "stay")].concat()),
            ];
            modal(frame, " Quit till? ", lines, 56);
        }
    }
}

/// News for screens that have no place of their own for it (the picker,
/// creating): the last line of the body.
fn draw_flash(app: &App, frame: &mut Frame, body: Rect) {
    if let Some(f) = &app.flash
        && body.height > 0
    {
        let line = Rect { y: body.bottom() - 1, height: 1, ..body };
        frame.render_widget(Paragraph::new(Line::raw(format!(" {f}"))).centered(), line);
    }
}

/// Invoices in the dashboard besides the one on screen.
fn in_background(app: &App) -> bool {
    let now = app.now();
    let current = app.desk.sale.reference();
    app.desk.watches.iter().any(|w| Some(&w.invoice.reference) != current && screens::dashboard::in_view(w, now))
}

fn draw_header(app: &App, frame: &mut Frame, area: Rect) {
    let local = app.now().to_zoned(app.shop.timezone.clone());
    let clock = local.strftime("%H:%M:%S").to_string();
    let mut left = vec![
        Span::styled(format!(" {} ", app.shop.name), theme::title()),
        Span::styled(format!("· terminal {} ", app.shop.terminal), theme::dim()),
    ];
    if app.demo {
        left.push(Span::styled(" DEMO MODE: sandbox gateway, no real money ", theme::demo_badge()));
    }
    let [l, r] = Layout::horizontal([Constraint::Fill(1), Constraint::Length(10)]).areas(area);
    frame.render_widget(Paragraph::new(Line::from(left)), l);
    frame.render_widget(Paragraph::new(Line::from(clock)).right_aligned(), r);
}
