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

/// Answers the worker's fetch of a message with this raw text.
fn body_arrives(s: &mut AppState, effects: Vec<Effect>, raw: &[u8]) -> Vec<Effect> {
    let WorkerCommand::FetchBody { id, uid, .. } = command(effects) else {
        panic!("no fetch")
    };
    s.on_worker(WorkerEvent::Done {
        id,
        result: DoneResult::Body {
            folder: "INBOX".into(),
            uid,
            raw: raw.to_vec(),
        },
    })
}

const ORIGINAL: &[u8] =
    b"From: bob@example.org\r\nTo: me@example.org\r\nSubject: plans\r\n\r\nsee you\r\n";

#[test]
fn forward_asks_for_to_first_and_an_empty_subject_asks_before_sending() {
    let mut s = state(2);
    assert_eq!(s.act(Action::Forward), vec![Effect::LoadAddressBook]);
    assert!(s.prompt.as_ref().is_some_and(|p| p.label() == "To: "));
    typed(&mut s, "erin@example.org");
    let fetch = key(&mut s, KeyCode::Enter);
    let effects = body_arrives(&mut s, fetch, ORIGINAL);
    let Some(Effect::Edit { stored, .. }) =
        effects.iter().find(|e| matches!(e, Effect::Edit { .. }))
    else {
        panic!("{effects:?}")
    };
    assert_eq!(stored.draft.to, "erin@example.org");
    assert_eq!(stored.draft.subject, "Fwd: plans");
    // Sending without a subject asks; n keeps the review, y sends.
    if let Some(c) = s.compose.as_mut() {
        c.draft.subject = "  ".into();
    }
    update(
        &mut s,
        Event::Key(KeyEvent::new(KeyCode::Char('y'), KeyModifiers::NONE)),
    );
    assert!(s
        .prompt
        .as_ref()
        .is_some_and(|p| p.label().contains("the subject is empty")));
    assert!(key(&mut s, KeyCode::Char('n')).is_empty());
    assert!(s.compose.as_ref().is_some_and(|c| !c.busy));
    update(
        &mut s,
        Event::Key(KeyEvent::new(KeyCode::Char('y'), KeyModifiers::NONE)),
    );
    let sent = key(&mut s, KeyCode::Char('y'));
    assert!(
        matches!(sent.first(), Some(Effect::SendMail(_))),
        "{sent:?}"
    );
}

#[test]
fn q_quits_at_once_unless_something_is_not_done_then_it_asks() {
    let mut s = state(3);
    assert_eq!(s.act(Action::Quit), vec![Effect::Quit]);
    // A change the server has not confirmed yet.
    command(s.act(Action::Archive));
    assert!(s.act(Action::Quit).is_empty());
    let asked = s.prompt.as_ref().map(|p| p.label()).unwrap_or_default();
    assert!(
        asked.contains("1 change not yet confirmed by the server"),
        "{asked}"
    );
    assert!(key(&mut s, KeyCode::Char('n')).is_empty());
    assert!(s.prompt.is_none());
    s.act(Action::CommandLine);
    typed(&mut s, "quit");
    assert!(key(&mut s, KeyCode::Enter).is_empty());
    assert_eq!(key(&mut s, KeyCode::Char('y')), vec![Effect::Quit]);
    // Changes kept offline are said too.
    let mut s = state(3);
    s.queued = 2;
    s.act(Action::Quit);
    let asked = s.prompt.as_ref().map(|p| p.label()).unwrap_or_default();
    assert!(
        asked.contains("2 changes made offline, kept for the server"),
        "{asked}"
    );
}

#[test]
fn y_without_osc52_shows_the_link_whole_and_says_what_copying_needs() {
    let mut s = state(1);
    update(
        &mut s,
        Event::Resize {
            width: 40,
            height: 20,
        },
    );
    let raw = b"Subject: l\r\n\r\nsee https://example.org/a/very/long/link/that/wraps/past/forty/columns\r\n";
    s.act(Action::Open);
    let fetch = s.fetch_due().into_iter().take(1).collect(); // the fetch, not the read flag
    let effects = body_arrives(&mut s, fetch, raw);
    assert!(matches!(
        effects.first(),
        Some(Effect::Render { html: false, .. })
    ));
    s.set_rendered(1, tern_core::mail::render_message(raw, 40));
    assert!(s.act(Action::CopyLink).is_empty());
    let lines = pager(&s);
    assert!(
        lines
            .iter()
            .any(|l| l.contains("copying needs osc52 = true")),
        "{lines:?}"
    );
    let url: String = lines
        .iter()
        .skip_while(|l| !l.starts_with("https://"))
        .take_while(|l| !l.is_empty())
        .map(String::as_str)
        .collect();
    assert_eq!(
        url,
        "https://example.org/a/very/long/link/that/wraps/past/forty/columns"
    );
    s.act(Action::Quit);
    s.osc52 = true;
    assert_eq!(s.act(Action::CopyLink), vec![Effect::CopyText(url)]);
}

#[test]
fn the_address_book_is_read_when_to_opens_and_again_only_once_it_is_old() {
    let mut s = state(1);
    s.now = 1_000;
    assert_eq!(s.act(Action::Compose), vec![Effect::LoadAddressBook]);
    key(&mut s, KeyCode::Esc);
    // Still reading: not asked twice.
    assert!(s.act(Action::Compose).is_empty());
    key(&mut s, KeyCode::Esc);
    update(&mut s, Event::Back(Back::AddressBook(Vec::new())));
    s.now = 1_200;
    assert!(s.act(Action::Compose).is_empty(), "read 200 s ago");
    key(&mut s, KeyCode::Esc);
    s.now = 1_400;
    assert_eq!(s.act(Action::Compose), vec![Effect::LoadAddressBook]);
}

#[test]
fn tab_pressed_before_the_address_book_is_read_completes_when_it_comes() {
    let mut s = state(1);
    assert_eq!(s.act(Action::Compose), vec![Effect::LoadAddressBook]);
    for c in "caro".chars() {
        key(&mut s, KeyCode::Char(c));
    }
    key(&mut s, KeyCode::Tab);
    assert_eq!(s.status.as_deref(), Some("reading the known addresses…"));
    let carol = tern_core::addressbook::Known {
        email: "carol@example.org".into(),
        name: Some("Carol".into()),
        score: 1.0,
    };
    update(&mut s, Event::Back(Back::AddressBook(vec![carol])));
    let typed = s
        .prompt
        .as_ref()
        .map(|p| p.text.clone())
        .unwrap_or_default();
    assert!(typed.contains("carol@example.org"), "{typed}");
}

#[test]
fn what_is_typed_while_a_path_completes_is_kept_after_the_completion() {
    let mut s = state(1);
    s.ask(crate::app::prompt::PromptKind::SavePath);
    for c in "/tmp/downl".chars() {
        key(&mut s, KeyCode::Char(c));
    }
    assert_eq!(
        key(&mut s, KeyCode::Tab),
        vec![Effect::CompletePath("/tmp/downl".into())]
    );
    for c in "mine.txt".chars() {
        key(&mut s, KeyCode::Char(c));
    }
    update(
        &mut s,
        Event::Back(Back::Completed(
            "/tmp/downl".into(),
            "/tmp/downloads/".into(),
        )),
    );
    let text = |s: &AppState| s.prompt.as_ref().map(|p| p.text.clone());
    assert_eq!(text(&s).as_deref(), Some("/tmp/downloads/mine.txt"));
    // Text changed before the answer came is left alone.
    key(&mut s, KeyCode::Tab);
    for _ in 0.."downloads/mine.txt".len() {
        key(&mut s, KeyCode::Backspace);
    }
    update(
        &mut s,
        Event::Back(Back::Completed(
            "/tmp/downloads/mine.txt".into(),
            "/tmp/downloads/mine.txt.bak".into(),
        )),
    );
    assert_eq!(text(&s).as_deref(), Some("/tmp/"));
}
