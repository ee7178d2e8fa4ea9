//! While the invoice is being created, and when that failed; its keys.

use super::global::{BACK, CONTINUE};
use crate::core::desk::Event;
use crate::core::sale::Sale;
use crate::tui::ctx::Ctx;
use crate::tui::ctx::View;
use crate::tui::intent::Intent;
use crate::tui::keys::{Avail, Binding, ENTER, ESC, Press};
use crate::tui::theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmd {
    Retry,
    NewSale,
}

pub const KEYS: &[Binding<Cmd>] = &[
    Binding::new(&[ENTER, Press::ch('r')], "Enter", "try again", Some(&CONTINUE), 80, Cmd::Retry),
    Binding::new(&[ESC, ENTER, Press::ch('n')], "Esc", "new sale", Some(&BACK), 60, Cmd::NewSale),
];

/// Nothing to press while the gateway answers; after a failure, a new
/// sale, or the same again when that is safe.
pub fn avail(cmd: Cmd, ctx: &Ctx) -> Avail {
    let sale = &ctx.desk.sale;
    match cmd {
        Cmd::Retry => Avail::on_if(sale.can_retry()),
        Cmd::NewSale => Avail::on_if(matches!(sale, Sale::Failed { .. })),
    }
}

pub fn run(cmd: Cmd) -> Intent {
    match cmd {
        Cmd::Retry => Intent::Core(Event::Retry),
        Cmd::NewSale => Intent::NewSale,
    }
}

pub fn draw(view: &View, frame: &mut Frame, area: Rect) {
    let [_, mid, _] = Layout::vertical([Constraint::Fill(1), Constraint::Length(8), Constraint::Fill(1)])
        .flex(Flex::Center)
        .areas(area);
    let [mid] = Layout::horizontal([Constraint::Max(72)]).flex(Flex::Center).areas(mid);
    match &view.ctx.desk.sale {
        Sale::Creating { amount, method, .. } => {
            let lines = vec![
                Line::styled(format!("Creating the invoice at {}…", method.provider.name()), theme::title()),
                Line::raw(""),
                Line::raw(format!("{amount} · {}", method.method.label())),
            ];
            frame.render_widget(Paragraph::new(lines).centered(), mid);
        }
        Sale::Failed { amount, method, problem, .. } => {
            let lines = vec![
                Line::styled("The invoice could not be created", theme::error()),
                Line::raw(""),
                Line::raw(problem.message.clone()),
                Line::raw(""),
                Line::styled(format!("{amount} · {}", method.label()), theme::dim()),
            ];
            frame.render_widget(Paragraph::new(lines).centered().wrap(Wrap { trim: true }), mid);
        }
        _ => {}
    }
}
