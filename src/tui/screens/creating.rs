//! While the invoice is being created, and when that failed.

use super::Keys;
use crate::core::sale::Sale;
use crate::tui::app::App;
use crate::tui::theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

pub fn draw(app: &App, frame: &mut Frame, area: Rect) -> Keys {
    let [_, mid, _] = Layout::vertical([Constraint::Fill(1), Constraint::Length(8), Constraint::Fill(1)])
        .flex(Flex::Center)
        .areas(area);
    let [mid] = Layout::horizontal([Constraint::Max(72)]).flex(Flex::Center).areas(mid);
    match &app.desk.sale {
        Sale::Creating { amount, method, .. } => {
            let lines = vec![
                Line::styled(format!("Creating the invoice at {}…", method.provider.name()), theme::title()),
                Line::raw(""),
                Line::raw(format!("{amount} · {}", method.method.label())),
            ];
            frame.render_widget(Paragraph::new(lines).centered(), mid);
            vec![]
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
            if app.desk.sale.can_retry() {
                vec![("Enter", "try again"), ("Esc", "new sale")]
            } else {
                vec![("Esc", "new sale")]
            }
        }
        _ => vec![],
    }
}
