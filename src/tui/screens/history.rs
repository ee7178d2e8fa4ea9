//! The history screen (`h`): today's sales, newest first, filterable; its
//! state and keys.

use super::global::{BACK, RECEIPT, SALES};
use crate::core::record::{RecordState, SaleRecord};
use crate::core::status::Status;
use crate::tui::action::Effect;
use crate::tui::ctx::Ctx;
use crate::tui::ctx::View;
use crate::tui::intent::Intent;
use crate::tui::keys::{Avail, Binding, DOWN, ENTER, ESC, Press, UP};
use crate::tui::theme;
use crossterm::event::KeyCode;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

/// Which sales the history shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HistoryFilter {
    All,
    Open,
    Paid,
    Expired,
    Canceled,
    NotCreated,
}

impl HistoryFilter {
    const ORDER: [HistoryFilter; 6] = [
        HistoryFilter::All,
        HistoryFilter::Open,
        HistoryFilter::Paid,
        HistoryFilter::Expired,
        HistoryFilter::Canceled,
        HistoryFilter::NotCreated,
    ];

    pub fn label(self) -> &'static str {
        match self {
            HistoryFilter::All => "all",
            HistoryFilter::Open => "open",
            HistoryFilter::Paid => "paid",
            HistoryFilter::Expired => "expired",
            HistoryFilter::Canceled => "canceled",
            HistoryFilter::NotCreated => "not created",
        }
    }

    fn next(self) -> HistoryFilter {
        let i = Self::ORDER.iter().position(|f| *f == self).unwrap_or(0);
        Self::ORDER[(i + 1) % Self::ORDER.len()]
    }

    pub fn keeps(self, r: &SaleRecord) -> bool {
        let created = r.state == RecordState::Created;
        match self {
            HistoryFilter::All => true,
            HistoryFilter::Open => created && !r.status.is_final(),
            HistoryFilter::Paid => created && r.status == Status::Paid,
            HistoryFilter::Expired => created && matches!(r.status, Status::Expired | Status::ExpiredUnderpaid),
            HistoryFilter::Canceled => created && r.status == Status::Canceled,
            HistoryFilter::NotCreated => !created,
        }
    }
}

/// The history screen's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct History {
    pub records: Vec<SaleRecord>,
    pub filter: HistoryFilter,
    pub selected: usize,
    pub error: Option<String>,
}

impl History {
    /// The records the filter keeps, newest first.
    pub fn shown(&self) -> Vec<&SaleRecord> {
        self.records.iter().filter(|r| self.filter.keeps(r)).collect()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmd {
    Move,
    Open,
    Filter,
    Back,
    /// Reprint (and rewrite) the selected paid sale's receipt.
    Receipt,
}

/// `h` on the sale and invoice screens explains `f` and `Enter` here.
pub const KEYS: &[Binding<Cmd>] = &[
    Binding::new(&[UP, DOWN], "↑↓", "move", Some(&SALES), 40, Cmd::Move),
    Binding::new(&[ENTER], "Enter", "open", Some(&SALES), 60, Cmd::Open),
    Binding::new(&[Press::ch('f')], "f", "filter", Some(&SALES), 50, Cmd::Filter),
    Binding::new(&[ESC, Press::ch('h')], "Esc", "back", Some(&BACK), 70, Cmd::Back),
    Binding::new(&[Press::ch('r')], "r", "receipt", Some(&RECEIPT), 45, Cmd::Receipt),
];

impl History {
    /// A history waiting for the journal's answer.
    pub fn loading(filter: HistoryFilter) -> History {
        History { records: Vec::new(), filter, selected: 0, error: None }
    }

    /// When the journal could not be read, only going back is offered.
    pub fn avail(&self, cmd: Cmd) -> Avail {
        match cmd {
            Cmd::Back => Avail::shown_if(true),
            Cmd::Receipt => Avail::shown_if(
                self.error.is_none() && self.shown().get(self.selected).is_some_and(|r| r.status == Status::Paid),
            ),
            _ => Avail::shown_if(self.error.is_none()),
        }
    }

    pub fn run(&mut self, cmd: Cmd, code: KeyCode, _ctx: &Ctx) -> Intent {
        let n = self.shown().len();
        match cmd {
            Cmd::Move if code == KeyCode::Up => self.selected = self.selected.saturating_sub(1),
            Cmd::Move => self.selected = (self.selected + 1).min(n.saturating_sub(1)),
            Cmd::Filter => {
                self.filter = self.filter.next();
                self.selected = 0;
            }
            Cmd::Back => return Intent::Leave,
            Cmd::Open => {
                if let Some(record) = self.shown().get(self.selected) {
                    return Intent::Reopen(Box::new((*record).clone()));
                }
            }
            Cmd::Receipt => {
                if let Some(record) = self.shown().get(self.selected)
                    && record.status == Status::Paid
                {
                    return Intent::Effect(Effect::WriteReceipt(record.reference.clone()));
                }
                return Intent::Flash("Receipts are for paid sales only.".into());
            }
        }
        Intent::Nothing
    }
}

pub fn draw(view: &View, history: &History, frame: &mut Frame, area: Rect) {
    let [title, table_area, flash] =
        Layout::vertical([Constraint::Length(2), Constraint::Fill(1), Constraint::Length(1)]).areas(area);
    let shown = history.shown();
    let heading = Line::from(vec![
        Span::styled(" Today's sales ", theme::title()),
        Span::styled(
            format!("· showing {} ({} of {}) ", history.filter.label(), shown.len(), history.records.len()),
            theme::dim(),
        ),
    ]);
    frame.render_widget(Paragraph::new(heading), title);
    if let Some(e) = &history.error {
        frame.render_widget(Paragraph::new(Line::styled(format!(" {e}"), theme::error())), table_area);
        return;
    }
    let tz = &view.ctx.shop.timezone;
    let rows: Vec<Row> = shown
        .iter()
        .map(|r| {
            let time = r.started_at.to_zoned(tz.clone()).strftime("%H:%M:%S").to_string();
            let status = Cell::from(Span::styled(format!(" {} ", r.status_label()), theme::status_badge(&r.status)));
            Row::new(vec![
                Cell::from(time),
                Cell::from(Line::from(r.fiat.to_string()).right_aligned()),
                Cell::from(r.method.label()),
                status,
                Cell::from(r.received.as_ref().map(ToString::to_string).unwrap_or_default()),
            ])
        })
        .collect();
    let header = Row::new(["Time", "Amount", "Method", "Status", "Received"]).style(theme::dim());
    let table = Table::new(
        rows,
        [
            Constraint::Length(9),
            Constraint::Length(14),
            Constraint::Length(28),
            Constraint::Length(24),
            Constraint::Fill(1),
        ],
    )
    .header(header)
    .column_spacing(2)
    .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED))
    .highlight_symbol("▶ ");
    let mut state = TableState::default().with_selected((!shown.is_empty()).then_some(history.selected));
    frame.render_stateful_widget(table, table_area, &mut state);
    if shown.is_empty() {
        let [_, msg] = Layout::vertical([Constraint::Length(2), Constraint::Length(1)]).areas(table_area);
        frame.render_widget(Paragraph::new(Line::styled("   No sales here yet today.", theme::dim())), msg);
    }
    if let Some(f) = view.flash {
        frame.render_widget(Paragraph::new(format!(" {f}")), flash);
    }
}
