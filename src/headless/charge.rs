//! `till charge`: one sale to its first final state, as a face on the drive loop.

use super::face::{Headless, Story, Turn};
use super::{ChargeArgs, EXIT_ERROR, exit_code, fail, print_created, print_status, usage, warn_conflict};
use crate::core::desk::{Desk, Event, Notice};
use crate::core::invoice::Reference;
use crate::core::method::PaymentMethod;
use crate::core::money::{AmountError, Money, parse_amount};
use crate::core::tax::Breakdown;
use crate::runtime::Runtime;
use crate::runtime::drive::{Drive, Face, Input};
use tokio::sync::mpsc;

struct Charge {
    json: bool,
    ansi: bool,
}

impl Story for Charge {
    fn notices(&mut self, desk: &Desk, notices: Vec<Notice>, turn: &mut Turn) {
        for notice in notices {
            // After the first final state only a failure to store it counts.
            if turn.done.is_some() && !matches!(notice, Notice::CreateFailed(_)) {
                continue;
            }
            // Invoices of other terminals, taken over on a shared store, are not this sale.
            let other = |r: &Reference| desk.sale.reference().is_some_and(|mine| mine != r);
            match notice {
                Notice::Created(reference) if other(&reference) => {}
                Notice::Status { reference, .. } if other(&reference) => {}
                Notice::Conflict { ref reference, .. } if other(reference) => {}
                Notice::Created(reference) => {
                    if let Some(w) = desk.watch(&reference) {
                        print_created(&mut turn.lines, &w.invoice, self.json, self.ansi);
                        print_status(&mut turn.lines, w.status(), None, self.json);
                        turn.done = exit_code(w.status());
                    }
                }
                Notice::Status { change, .. } => {
                    print_status(&mut turn.lines, &change.to, change.note.as_deref(), self.json);
                    turn.done = exit_code(&change.to);
                }
                Notice::CreateFailed(problem) | Notice::CancelFailed { problem, .. } => turn.fail(&problem.message),
                Notice::Switched(_) => {}
                Notice::Conflict { reference, recorded, reported } => warn_conflict(&reference, &recorded, &reported),
            }
        }
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
        Err(e) => return usage(&format!("the amount {:?} is refused: {e}", args.amount)),
    };
    let breakdown = match priced(&args, &amount) {
        Ok(b) => b,
        Err(e) => return usage(&e),
    };
    let (tx, rx) = mpsc::unbounded_channel();
    let runtime = runtime_for(tx);
    let configured = runtime.registry().methods();
    let offered = configured.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
    let method: PaymentMethod = match args.method.parse() {
        Ok(m) if configured.contains(&m) => m,
        Ok(m) => return usage(&format!("{m} is not configured on this till: it offers {offered}")),
        Err(e) => {
            tracing::debug!(method = args.method, error = %e, "unknown method");
            return usage(&format!("{:?} is not a method this till offers: use one of {offered}", args.method));
        }
    };
    let story = Charge { json: args.json, ansi: std::io::IsTerminal::is_terminal(&std::io::stdout()) };
    let mut face = Headless::new(crate::runtime::lease::desk(&runtime, args.policy, clock.now()), story);
    let mut start = face.update(Input::Core(Event::Priced(breakdown)));
    start.extend(face.update(Input::Core(Event::MethodChosen(method, Reference::random()))));
    match Drive::new(runtime, rx).run(&mut face, start).await {
        Ok(code) => code.unwrap_or(EXIT_ERROR),
        Err(e) => fail(&format!("the output failed: {e}")),
    }
}

/// The sale's breakdown: `--tip` on top (not taxed; `--tip 0` is no tip),
/// at the `--tax` rate (by name; required when several are configured, as
/// the cashier picks one per sale), else the only rate, else no tax. Its
/// total (tax on top and tip included) must be within `max_amount`.
fn priced(args: &ChargeArgs<'_>, amount: &Money) -> Result<Breakdown, String> {
    let zero = Money::new(rust_decimal::Decimal::ZERO, amount.currency.clone());
    let tip = match args.tip {
        None => zero,
        Some(t) => match parse_amount(t, &args.currency, args.max_amount) {
            Ok(tip) => tip,
            Err(AmountError::Zero) => zero,
            Err(e) => return Err(format!("the tip {t:?} is refused: {e}")),
        },
    };
    let rates = &args.taxes.rates;
    let names = || rates.iter().map(|r| r.name.as_str()).collect::<Vec<_>>().join(", ");
    let rate = match args.tax {
        None if rates.len() > 1 => {
            return Err(format!(
                "this till has several tax rates: pick one with --tax NAME (the rates are {})",
                names()
            ));
        }
        None => rates.first(),
        Some(name) => {
            let found = rates.iter().find(|r| r.name.eq_ignore_ascii_case(name.trim()));
            if found.is_none() {
                return Err(if rates.is_empty() {
                    format!("--tax {name}: no [tax] rate is configured on this till")
                } else {
                    format!("--tax {name}: not a configured rate (the rates are {})", names())
                });
            }
            found
        }
    };
    let breakdown = Breakdown::compute(amount, rate, args.taxes.included, &tip);
    breakdown.within(args.max_amount)?;
    Ok(breakdown)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::money::Currency;
    use crate::core::tax::{TaxRate, TaxSetting};
    use rust_decimal::Decimal;

    fn args<'a>(tip: Option<&'a str>, tax: Option<&'a str>, rates: &[(&str, &str)], included: bool) -> ChargeArgs<'a> {
        ChargeArgs {
            amount: "",
            method: "",
            json: false,
            currency: Currency::from_code("USD").unwrap(),
            max_amount: Decimal::from(100),
            policy: Default::default(),
            tip,
            tax,
            taxes: TaxSetting {
                rates: rates.iter().map(|(n, r)| TaxRate { name: (*n).into(), rate: r.parse().unwrap() }).collect(),
                included,
            },
        }
    }

    fn usd(a: &str) -> Money {
        Money::new(a.parse().unwrap(), Currency::from_code("USD").unwrap())
    }

    #[test]
    fn the_amount_and_the_tip_together_are_held_to_the_maximum() {
        // `--amount 100 --tip 100` with a max of 100: each fits, the sum does not.
        let e = priced(&args(Some("100"), None, &[], true), &usd("100")).unwrap_err();
        assert_eq!(e, "The sale comes to 200.00 USD with the tip, above 100.00 USD, the largest allowed.");
        // Tax on top counts too.
        let e = priced(&args(None, None, &[("sales", "10")], false), &usd("95")).unwrap_err();
        assert_eq!(e, "The sale comes to 104.50 USD with the tax, above 100.00 USD, the largest allowed.");
        assert!(priced(&args(Some("10"), None, &[], true), &usd("90")).is_ok());
    }

    #[test]
    fn with_several_rates_tax_must_be_named() {
        let rates = [("food", "7"), ("drinks", "19")];
        let e = priced(&args(None, None, &rates, true), &usd("10")).unwrap_err();
        assert_eq!(e, "this till has several tax rates: pick one with --tax NAME (the rates are food, drinks)");
        let b = priced(&args(None, Some("drinks"), &rates, true), &usd("11.90")).unwrap();
        assert_eq!(b.tax.amount_text(), "1.90");
        // One rate: it is the sale's without asking.
        let b = priced(&args(None, None, &rates[..1], true), &usd("10.70")).unwrap();
        assert_eq!(b.tax.amount_text(), "0.70");
    }

    #[test]
    fn a_zero_tip_is_no_tip() {
        for zero in ["0", "0.00"] {
            let b = priced(&args(Some(zero), None, &[], true), &usd("12.50")).unwrap();
            assert!(!b.has_tip());
            assert_eq!(b.total, usd("12.50"));
        }
        assert!(priced(&args(Some("-1"), None, &[], true), &usd("12.50")).is_err(), "a negative tip is still refused");
    }
}
