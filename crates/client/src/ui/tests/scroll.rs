//! The list after far jumps and new mail while scrolled.

use super::*;

/// The subjects `Subject N` drawn in the list, top to bottom, as numbers.
fn drawn_subjects(t: &Terminal<TestBackend>) -> Vec<u32> {
    text_of(t)
        .lines()
        .filter_map(|l| {
            let at = l.find("Subject ")? + "Subject ".len();
            l[at..].split_whitespace().next()?.parse().ok()
        })
        .collect()
}

/// Far jumps and new mail while scrolled: every list row is drawn, in order, none stale.
#[test]
fn the_list_is_right_after_scrolling_far_and_after_new_mail_while_scrolled() {
    use crate::action::Action;
    use crate::app::update::{update, Event};
    let mail = |uids: std::ops::RangeInclusive<u32>| -> Vec<Row> {
        uids.rev()
            .map(|u| msg(u, &format!("Sender {u}"), &format!("Subject {u}"), 0, &[]))
            .map(|mut r| {
                r.date = NOW - i64::from(100_000 - r.uid);
                r
            })
            .collect()
    };
    let mut s = state();
    s.split = false;
    update(
        &mut s,
        Event::Resize {
            width: 80,
            height: 24,
        },
    );
    s.set_messages(mail(1..=50_000));
    let rows = s.rows;
    // A screen of consecutive messages, newest first, the cursor's among them.
    let check = |s: &AppState, what: &str| -> Vec<u32> {
        let shown = drawn_subjects(&draw(80, 24, s));
        assert_eq!(shown.len(), rows, "{what}: a full screen of rows");
        assert!(
            shown.windows(2).all(|w| w[0] == w[1] + 1),
            "{what}: {shown:?}"
        );
        let at = s.current().map(|m| m.uid).unwrap_or(0);
        assert!(
            shown.contains(&at),
            "{what}: the cursor's {at} in {shown:?}"
        );
        shown
    };
    s.act(Action::Last);
    assert_eq!(check(&s, "G").last(), Some(&1));
    for _ in 0..700 {
        s.act(Action::HalfPageUp);
    }
    check(&s, "700 half pages up");
    s.act(Action::First);
    assert_eq!(check(&s, "g g")[0], 50_000);
    for _ in 0..1_000 {
        s.act(Action::PageDown);
    }
    let before = check(&s, "1,000 pages down");
    let at = s.current().map(|m| m.uid);
    // New mail while scrolled: the same message under the cursor, the same rows around it.
    let mut more = mail(50_001..=50_003);
    more.extend(s.all.iter().cloned());
    s.set_messages(more);
    assert_eq!(s.current().map(|m| m.uid), at);
    assert_eq!(check(&s, "new mail while scrolled"), before);
    s.act(Action::First);
    assert_eq!(check(&s, "g g after new mail")[0], 50_003);
    // At the top, new mail shows at the top, the cursor still on its message.
    let mut more = mail(50_004..=50_004);
    more.extend(s.all.iter().cloned());
    s.set_messages(more);
    assert_eq!(check(&s, "new mail at the top")[0], 50_004);
    assert_eq!(s.current().map(|m| m.uid), Some(50_003));
}
