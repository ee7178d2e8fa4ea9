//! The time slots of a gateway account shared by many tills, at the gate:
//! explicit instants, no desk.

use super::*;
use crate::core::schedule::Rate;

fn policy() -> PollPolicy {
    let limits = Limits { gateway: Rate::per_second(5), per_invoice: None, batch: false };
    PollPolicy::with_limits(BTreeMap::from([(ProviderId::Xpay, limits)]))
}

fn at(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(1_767_268_800_000 + ms).unwrap()
}

fn gate(p: &mut Poller) -> &mut Gate {
    p.gates.get_mut(&ProviderId::Xpay).unwrap()
}

#[test]
fn a_request_sent_late_in_its_slot_moves_the_next_to_the_next_slot_start_so_the_phase_never_drifts() {
    // 5 a second: a spacing of 220 ms; 3 tills: a period of 660 ms; rank 1.
    let mut p = Poller::default();
    p.share(ProviderId::Xpay, 3, 1, &policy());
    let g = gate(&mut p);
    let first = g.earliest(at(0));
    assert_eq!(first.as_millisecond().rem_euclid(660), 220, "rank 1 starts 220 ms into each period");
    let mut slot = first;
    for _ in 0..1000 {
        assert!(g.may_send(slot));
        // Sent 10 ms late (within the slot's window): no drift.
        g.charge(slot + SignedDuration::from_millis(10));
        g.answered(None, slot, &policy());
        let next = g.earliest(slot + SignedDuration::from_millis(10));
        assert_eq!(next.duration_since(slot), SignedDuration::from_millis(660));
        slot = next;
    }
    // Too late for a slot (past its window): nothing till the next one.
    assert!(!g.may_send(slot + SignedDuration::from_millis(50)));
    assert_eq!(g.earliest(slot + SignedDuration::from_millis(50)), slot + SignedDuration::from_millis(660));
}

#[test]
fn when_the_share_changes_the_next_request_goes_in_the_next_own_slot_under_the_new_period() {
    let mut p = Poller::default();
    p.share(ProviderId::Xpay, 2, 0, &policy());
    let g = gate(&mut p);
    let t = g.earliest(at(0));
    g.charge(t);
    assert_eq!(g.earliest(t).duration_since(t), SignedDuration::from_millis(440));
    p.share(ProviderId::Xpay, 4, 3, &policy());
    let next = gate(&mut p).earliest(t);
    assert!(next >= t + SignedDuration::from_millis(440), "never sooner than the old slot");
    assert_eq!(next.as_millisecond().rem_euclid(880), 660, "rank 3 of 4");
    let share = Share { provider: ProviderId::Xpay, tills: 4, rank: 3 };
    assert_eq!(slot_at_or_after(&share, &policy(), t + SignedDuration::from_millis(440)), next);
}
