//! The rules of the screen a person reads: `:messages`, and what it keeps.

use super::*;
use crate::app::help::help_lines;
use crate::app::update::{update, Back, Event};

fn note(s: &mut AppState, text: &str) {
    update(s, Event::Back(Back::Note(text.into())));
}

fn pager(s: &AppState) -> Vec<String> {
    help_lines(s).into_iter().map(|l| l.text).collect()
}

#[test]
fn messages_keeps_the_last_hundred_whole_with_their_time() {
    let mut s = state(3);
    update(
        &mut s,
        Event::Resize {
            width: 60,
            height: 20,
        },
    );
    s.now = 1_795_000_000; // 2026-11-18 11:06:40 UTC
    let long = format!(
        "cannot connect to imap.example.org:993: {}",
        "word ".repeat(30)
    );
    note(&mut s, &long);
    for i in 0..120 {
        note(&mut s, &format!("note {i}"));
    }
    // A completion hint while typing a command is not kept.
    update(
        &mut s,
        Event::Key(KeyEvent::new(KeyCode::Char(':'), KeyModifiers::NONE)),
    );
    typed(&mut s, "mo");
    key(&mut s, KeyCode::Tab);
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.said.len(), 100);
    assert_eq!(s.said.back().map(|(_, t)| t.as_str()), Some("note 119"));
    assert_eq!(s.said.front().map(|(_, t)| t.as_str()), Some("note 20"));
    s.act(Action::Messages);
    let lines = pager(&s);
    assert!(lines[0].starts_with("Messages"), "{lines:?}");
    assert!(
        lines.iter().any(|l| l == "  11:06:40 note 119"),
        "{lines:?}"
    );
    assert!(!lines.iter().any(|l| l.contains("note 19")), "{lines:?}");
    // Opened at the end: the newest is on screen.
    let shown = &lines[s.help_scroll..];
    assert!(shown.len() <= s.help_rows() && shown.iter().any(|l| l.contains("note 119")));
    s.act(Action::Quit);
    assert!(!s.help);
    // A long one is kept whole, wrapped to the screen instead of cut.
    let mut s = state(1);
    update(
        &mut s,
        Event::Resize {
            width: 60,
            height: 20,
        },
    );
    note(&mut s, &long);
    s.act(Action::Messages);
    let lines = pager(&s);
    let words: usize = lines.iter().map(|l| l.matches("word").count()).sum();
    assert_eq!(words, 30, "{lines:?}");
    assert!(lines.iter().all(|l| l.chars().count() <= 60), "{lines:?}");
}
