//! Key tables: each screen lists its keys once (what to press, the words
//! for the footer, its line in the `?` help, how much it matters), and that
//! one table drives the key handler, the footer and the help, so the three
//! cannot disagree.

use super::theme;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::text::{Line, Span};

/// A key press a binding answers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Press {
    /// This key (with or without modifiers).
    Key(KeyCode),
    /// This letter with Ctrl.
    Ctrl(char),
    /// Any of 0–9.
    Digit,
    /// Any character (after every other binding of the table).
    Char,
    /// Anything (after every other binding of the table).
    Any,
}

/// Keys the tables name often.
pub const ENTER: Press = Press::Key(KeyCode::Enter);
pub const ESC: Press = Press::Key(KeyCode::Esc);
pub const TAB: Press = Press::Key(KeyCode::Tab);
pub const UP: Press = Press::Key(KeyCode::Up);
pub const DOWN: Press = Press::Key(KeyCode::Down);
pub const BACKSPACE: Press = Press::Key(KeyCode::Backspace);

impl Press {
    /// This character.
    pub const fn ch(c: char) -> Press {
        Press::Key(KeyCode::Char(c))
    }

    fn exact(self) -> bool {
        matches!(self, Press::Key(_) | Press::Ctrl(_))
    }

    fn matches(self, key: &KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match self {
            Press::Key(code) => key.code == code,
            Press::Ctrl(c) => ctrl && key.code == KeyCode::Char(c),
            Press::Digit => matches!(key.code, KeyCode::Char('0'..='9')),
            Press::Char => matches!(key.code, KeyCode::Char(_)),
            Press::Any => true,
        }
    }
}

/// A line of the `?` help. Bindings that share one are listed on it
/// together (`q Ctrl-C`); lines come in `order`.
#[derive(Debug, PartialEq, Eq)]
pub struct Help {
    pub order: u8,
    pub text: &'static str,
}

/// What a binding needs from the till's set-up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Needs {
    Always,
    /// A journal (history, receipts).
    Journal,
    /// Demo mode.
    Demo,
}

/// Whether a binding works now, and whether the footer says so.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Avail {
    Shown,
    /// Works, but not worth a place in the footer now.
    Quiet,
    Off,
}

impl Avail {
    pub fn shown_if(shown: bool) -> Avail {
        if shown { Avail::Shown } else { Avail::Quiet }
    }

    pub fn on_if(on: bool) -> Avail {
        if on { Avail::Shown } else { Avail::Off }
    }
}

/// One entry of a screen's key table.
pub struct Binding<C> {
    pub press: &'static [Press],
    /// The key as the footer and the help write it.
    pub key: &'static str,
    /// The footer's words; empty: never in the footer.
    pub hint: &'static str,
    /// Its line in the help; `None` for a key that another line explains.
    pub help: Option<&'static Help>,
    /// In a narrow footer, the least important hints give way first.
    pub priority: u8,
    pub needs: Needs,
    pub cmd: C,
}

impl<C> Binding<C> {
    /// A binding every set-up has.
    pub const fn new(
        press: &'static [Press],
        key: &'static str,
        hint: &'static str,
        help: Option<&'static Help>,
        priority: u8,
        cmd: C,
    ) -> Binding<C> {
        Binding { press, key, hint, help, priority, needs: Needs::Always, cmd }
    }

    /// Only with this set-up.
    pub const fn needs(mut self, needs: Needs) -> Binding<C> {
        self.needs = needs;
        self
    }
}

/// The set-up bindings depend on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Setup {
    pub demo: bool,
    pub journaled: bool,
}

impl Setup {
    fn has(self, needs: Needs) -> bool {
        match needs {
            Needs::Always => true,
            Needs::Journal => self.journaled,
            Needs::Demo => self.demo,
        }
    }
}

/// The command bound to `key`, if it works now: exact keys first, then
/// the catch-alls.
pub fn find<C: Copy>(table: &[Binding<C>], key: &KeyEvent, setup: Setup, avail: impl Fn(C) -> Avail) -> Option<C> {
    let live = |b: &&Binding<C>| setup.has(b.needs) && avail(b.cmd) != Avail::Off;
    [true, false].into_iter().find_map(|exact| {
        table.iter().filter(live).find(|b| b.press.iter().any(|p| p.exact() == exact && p.matches(key))).map(|b| b.cmd)
    })
}

/// A footer hint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hint {
    pub key: &'static str,
    pub what: &'static str,
    pub priority: u8,
}

/// The footer hints of a table, in its order.
pub fn hints<C: Copy>(table: &[Binding<C>], setup: Setup, avail: impl Fn(C) -> Avail) -> Vec<Hint> {
    table
        .iter()
        .filter(|b| !b.hint.is_empty() && setup.has(b.needs) && avail(b.cmd) == Avail::Shown)
        .map(|b| Hint { key: b.key, what: b.hint, priority: b.priority })
        .collect()
}

/// `Enter` in key style, then the action's words.
pub fn hint<'a>(key: &'a str, what: &'a str) -> Vec<Span<'a>> {
    vec![Span::styled(format!(" {key} "), theme::key()), Span::raw(format!(" {what}  "))]
}

fn width(h: &Hint) -> usize {
    hint(h.key, h.what).iter().map(Span::width).sum()
}

/// The hints that fit in `columns`, in their order: the least important
/// give way first (the later of equals first).
pub fn fit(hints: &[Hint], columns: u16) -> Vec<Hint> {
    let mut kept: Vec<Hint> = hints.to_vec();
    // The last hint's trailing spaces may fall off the edge.
    let total = |k: &[Hint]| k.iter().map(width).sum::<usize>().saturating_sub(2);
    while total(&kept) > usize::from(columns) && !kept.is_empty() {
        let least = kept.iter().enumerate().rev().min_by_key(|(_, h)| h.priority).map_or(0, |(i, _)| i);
        kept.remove(least);
    }
    kept
}

/// The footer line: the hints that fit in `columns`.
pub fn footer(hints: &[Hint], columns: u16) -> Line<'static> {
    let spans: Vec<Span<'static>> = fit(hints, columns).into_iter().flat_map(|h| hint(h.key, h.what)).collect();
    Line::from(spans)
}

/// One table's contribution to the help: (key, line) for each binding the
/// set-up has.
pub fn help_of<C>(table: &[Binding<C>], setup: Setup) -> Vec<(&'static str, &'static Help)> {
    table.iter().filter(|b| setup.has(b.needs)).filter_map(|b| b.help.map(|h| (b.key, h))).collect()
}

/// The help of a screen as it is now: (key, line) for each binding that
/// works now (not `Off`) with this set-up, whether or not the footer shows it.
pub fn help_now<C: Copy>(
    table: &[Binding<C>],
    setup: Setup,
    avail: impl Fn(C) -> Avail,
) -> Vec<(&'static str, &'static Help)> {
    table
        .iter()
        .filter(|b| setup.has(b.needs) && avail(b.cmd) != Avail::Off)
        .filter_map(|b| b.help.map(|h| (b.key, h)))
        .collect()
}

/// The help's lines: each line's keys (in the order met, once each), the
/// lines by their order.
pub fn help_lines(entries: impl IntoIterator<Item = (&'static str, &'static Help)>) -> Vec<(String, &'static str)> {
    let mut lines: Vec<(&'static Help, Vec<&'static str>)> = Vec::new();
    for (key, help) in entries {
        match lines.iter_mut().find(|(h, _)| std::ptr::eq(*h, help)) {
            Some((_, keys)) if keys.contains(&key) => {}
            Some((_, keys)) => keys.push(key),
            None => lines.push((help, vec![key])),
        }
    }
    lines.sort_by_key(|(h, _)| h.order);
    lines.into_iter().map(|(h, keys)| (keys.join(" "), h.text)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    static A: Help = Help { order: 2, text: "a" };
    static B: Help = Help { order: 1, text: "b" };

    const TABLE: &[Binding<u8>] = &[
        Binding::new(&[Press::ch('x')], "x", "ex", Some(&A), 50, 1),
        Binding::new(&[Press::Char], "0-9", "", Some(&B), 10, 2),
        Binding::new(&[Press::ch('y'), Press::Ctrl('c')], "y", "why", Some(&A), 90, 3).needs(Needs::Demo),
    ];

    fn key(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    #[test]
    fn exact_keys_come_before_catch_alls_and_off_keys_do_nothing() {
        let plain = Setup { demo: false, journaled: false };
        let demo = Setup { demo: true, journaled: false };
        assert_eq!(find(TABLE, &key('x'), plain, |_| Avail::Shown), Some(1));
        assert_eq!(find(TABLE, &key('x'), plain, |c| if c == 1 { Avail::Off } else { Avail::Shown }), Some(2));
        assert_eq!(find(TABLE, &key('y'), plain, |_| Avail::Shown), Some(2), "y needs the demo");
        assert_eq!(find(TABLE, &key('y'), demo, |_| Avail::Quiet), Some(3));
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(find(TABLE, &ctrl_c, demo, |_| Avail::Shown), Some(3));
        assert_eq!(hints(TABLE, demo, |c| if c == 1 { Avail::Quiet } else { Avail::Shown }).len(), 1);
    }

    #[test]
    fn help_lines_gather_their_keys_in_order() {
        let lines = help_lines(help_of(TABLE, Setup { demo: true, journaled: false }));
        assert_eq!(lines, [("0-9".to_string(), "b"), ("x y".to_string(), "a")]);
    }

    #[test]
    fn a_narrow_footer_drops_the_least_important_first_and_keeps_the_order() {
        let h = |key, priority| Hint { key, what: "word", priority };
        let all = [h("a", 5), h("b", 1), h("c", 9), h("d", 1)];
        // Each hint is 3 + 7 columns.
        assert_eq!(fit(&all, 38), all);
        assert_eq!(fit(&all, 37), [h("a", 5), h("b", 1), h("c", 9)]);
        assert_eq!(fit(&all, 20), [h("a", 5), h("c", 9)]);
        assert_eq!(fit(&all, 8), [h("c", 9)]);
    }
}
