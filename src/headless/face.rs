//! The face both headless commands share: the desk, the lines this turn
//! prints (printed when it renders, so after the journal has them) and the
//! exit code. What each command says about its notices is its `Story`.

use super::{fail, flush};
use crate::core::desk::{Desk, Event, Notice};
use crate::runtime::drive::{Effect, Face, Input, run_all};

/// What this turn prints, and how the command ends.
#[derive(Default)]
pub(crate) struct Turn {
    pub lines: Vec<String>,
    pub done: Option<i32>,
}

impl Turn {
    /// Ends with an error: nothing this turn queued is printed (it may not
    /// be stored).
    pub fn fail(&mut self, message: &str) {
        self.lines.clear();
        self.done = Some(fail(message));
    }
}

/// What one headless command makes of the desk's news.
pub(crate) trait Story {
    /// Sees each event before the desk takes it.
    fn event(&mut self, _event: &Event, _turn: &mut Turn) {}
    /// The desk's notices from one event.
    fn notices(&mut self, desk: &Desk, notices: Vec<Notice>, turn: &mut Turn);
    /// The exit code once the command's work is done, without a failure.
    fn settled(&self, _desk: &Desk) -> Option<i32> {
        None
    }
}

pub(crate) struct Headless<S> {
    pub desk: Desk,
    pub turn: Turn,
    pub story: S,
}

impl<S: Story> Headless<S> {
    pub fn new(desk: Desk, story: S) -> Headless<S> {
        Headless { desk, turn: Turn::default(), story }
    }

    fn feed(&mut self, event: Event) -> Vec<Effect> {
        self.story.event(&event, &mut self.turn);
        let outcome = self.desk.update(event);
        self.story.notices(&self.desk, outcome.notices, &mut self.turn);
        run_all(outcome.commands)
    }
}

impl<S: Story> Face for Headless<S> {
    type Key = ();

    fn update(&mut self, input: Input<()>) -> Vec<Effect> {
        match input {
            Input::Core(event) => self.feed(event),
            Input::Tick(now) => self.feed(Event::Tick(now)),
            Input::JournalFailed(message) => {
                self.turn.fail(&message);
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn desk(&self) -> &Desk {
        &self.desk
    }

    fn render(&mut self) -> std::io::Result<()> {
        flush(&mut self.turn.lines);
        Ok(())
    }

    fn finished(&self) -> Option<i32> {
        self.turn.done.or_else(|| self.story.settled(&self.desk))
    }
}
