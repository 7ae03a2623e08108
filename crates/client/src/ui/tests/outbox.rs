//! The Outbox in the sidebar and in place of the list.

use super::*;

/// Mail waiting to be sent shows as the account's Outbox in the sidebar; Enter there
/// lists it in place of the messages (with where each stands), and Enter on one takes it
/// out to edit.
#[test]
fn the_outbox_is_a_sidebar_entry_whose_messages_open_for_editing() {
    use crate::action::Action;
    use crate::app::state::{Effect, Focus};
    use tern_core::compose::outbox::{OutState, Queued};
    let mut s = state();
    s.resize(200, 50);
    s.now = 1_000;
    let queued = |id: &str, subject: &str, state: OutState, reason: &str| Queued {
        id: id.into(),
        message_id: format!("<{id}@x>"),
        from: "me@example.org".into(),
        recipients: vec!["carol@example.org".into()],
        subject: subject.into(),
        state,
        tries: 1,
        next_try: 1_030,
        reason: reason.into(),
    };
    s.outbox = vec![
        queued(
            "a",
            "Written on the train",
            OutState::Waiting,
            "cannot connect",
        ),
        queued(
            "b",
            "To nobody \u{1b}[2J",
            OutState::Refused,
            "550 5.1.1 no such user",
        ),
    ];
    let places = s.sidebar_places();
    let at = places
        .iter()
        .position(|(_, f)| f.name == crate::app::outbox::OUTBOX_KEY)
        .expect("an Outbox entry");
    let text = text_of(&draw(200, 50, &s));
    assert!(text.contains(" Outbox "), "{text}");
    s.focus = Focus::Sidebar;
    s.sidebar_cursor = at;
    s.act(Action::Open);
    assert!(s.outbox_view.is_some());
    let text = text_of(&draw(200, 50, &s));
    assert!(text.contains("Outbox of personal: 2 waiting"), "{text}");
    assert!(
        text.contains(
            "1. Written on the train to carol@example.org | try 2 in 30s: cannot connect"
        ),
        "{text}"
    );
    assert!(
        text.contains("2. To nobody [2J to carol@example.org | refused: 550 5.1.1"),
        "{text}"
    );
    assert!(!text.contains('\u{1b}'));
    assert!(
        s.act(Action::SyncNow).contains(&Effect::KickOutbox),
        "$ tries them now"
    );
    s.act(Action::Down);
    assert_eq!(s.act(Action::Open), vec![Effect::ReopenQueued("b".into())]);
    assert!(s.outbox_view.is_none(), "the list is back");
}
