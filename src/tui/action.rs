//! What goes into the terminal face (actions) and what it asks of the drive
//! loop (effects): the runtime's own input and effect types, with the
//! terminal's keys as the face's input.

use crossterm::event::KeyEvent;

pub use crate::runtime::drive::Effect;

/// Input to the terminal face: the drive loop's, with the terminal's keys.
pub type Action = crate::runtime::drive::Input<KeyEvent>;
