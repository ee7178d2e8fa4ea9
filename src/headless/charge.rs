//! `till charge`: one sale to its first final state, as a face on the drive loop.

use super::{ChargeArgs, EXIT_ERROR, exit_code, fail, flush, print_created, print_status, warn_conflict};
use crate::core::desk::{Desk, Event, Notice};
use crate::core::invoice::Reference;
use crate::core::method::PaymentMethod;
use crate::core::money::parse_amount;
use crate::runtime::Runtime;
use crate::runtime::drive::{Drive, Effect, Face, Input, run_all};
use tokio::sync::mpsc;

struct Charge {
    desk: Desk,
    json: bool,
    ansi: bool,
    /// What this turn prints, once the journal has it.
    lines: Vec<String>,
    done: Option<i32>,
}

impl Charge {
    fn feed(&mut self, event: Event) -> Vec<Effect> {
        let outcome = self.desk.update(event);
        for notice in outcome.notices {
            // After the first final state only a failure to store it counts.
            if self.done.is_some() && !matches!(notice, Notice::CreateFailed(_)) {
                continue;
            }
            match notice {
                Notice::Created(reference) => {
                    if let Some(w) = self.desk.watch(&reference) {
                        print_created(&mut self.lines, &w.invoice, self.json, self.ansi);
                        print_status(&mut self.lines, w.status(), None, self.json);
                        self.done = exit_code(w.status());
                    }
                }
                Notice::Status { change, .. } => {
                    print_status(&mut self.lines, &change.to, change.note.as_deref(), self.json);
                    self.done = exit_code(&change.to);
                }
                Notice::CreateFailed(problem) | Notice::CancelFailed { problem, .. } => {
                    // Nothing unstored is printed: what this turn had queued goes.
                    self.lines.clear();
                    self.done = Some(fail(&problem.message));
                }
                Notice::Switched(_) => {}
                Notice::Conflict { reference, recorded, reported } => warn_conflict(&reference, &recorded, &reported),
            }
        }
        run_all(outcome.commands)
    }
}

impl Face for Charge {
    type Key = ();

    fn update(&mut self, input: Input<()>) -> Vec<Effect> {
        match input {
            Input::Core(event) => self.feed(event),
            Input::Tick(now) => self.feed(Event::Tick(now)),
            Input::JournalFailed(message) => {
                self.lines.clear();
                self.done = Some(fail(&message));
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn desk(&self) -> &Desk {
        &self.desk
    }

    fn render(&mut self) -> std::io::Result<()> {
        flush(&mut self.lines);
        Ok(())
    }

    fn finished(&self) -> Option<i32> {
        self.done
    }
}

/// Runs the sale to its first final state and returns the exit code.
pub async fn charge(
    args: ChargeArgs<'_>,
    runtime_for: impl FnOnce(mpsc::UnboundedSender<Event>) -> Runtime,
    clock: crate::clock::SharedClock,
) -> i32 {
    let amount = match parse_amount(args.amount, &args.currency, args.max_amount) {
        Ok(a) => a,
        Err(e) => return fail(&format!("the amount {:?} is refused: {e}", args.amount)),
    };
    let method: PaymentMethod = match args.method.parse() {
        Ok(m) => m,
        Err(e) => return fail(&e.to_string()),
    };
    let (tx, rx) = mpsc::unbounded_channel();
    let runtime = runtime_for(tx);
    if !runtime.registry().methods().contains(&method) {
        let offered: Vec<String> = runtime.registry().methods().iter().map(ToString::to_string).collect();
        return fail(&format!("{method} is not configured on this till (offered: {})", offered.join(", ")));
    }
    let mut face = Charge {
        desk: Desk::new(args.policy, clock.now()),
        json: args.json,
        ansi: std::io::IsTerminal::is_terminal(&std::io::stdout()),
        lines: Vec::new(),
        done: None,
    };
    let mut start = face.update(Input::Core(Event::AmountEntered(amount)));
    start.extend(face.update(Input::Core(Event::MethodChosen(method, Reference::random()))));
    match Drive::new(runtime, rx).run(&mut face, start).await {
        Ok(code) => code.unwrap_or(EXIT_ERROR),
        Err(e) => fail(&format!("the output failed: {e}")),
    }
}
