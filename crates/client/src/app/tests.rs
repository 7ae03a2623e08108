//! The app driven headless by actions and keys: the worker commands it emits and the
//! state after worker events.

use super::state::{AppState, Effect};
use crate::action::Action;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tern_core::imap::protocol::{
    CopyResult, DoneResult, Messages, SearchTerm, WorkerCommand, WorkerEvent,
};
use tern_core::mail::{Address, Flag, FolderInfo, MessageSummary, Row, SpecialUse, Uid};

mod accounts;
mod merged;
mod offline;
mod reads;
mod screen;
mod search;
mod truth;

fn folder(name: &str, special: Option<SpecialUse>) -> FolderInfo {
    FolderInfo {
        name: name.into(),
        delimiter: Some("/".into()),
        special,
        selectable: true,
        status: None,
    }
}

/// A state with `n` messages, UIDs n..1 newest first, in INBOX (UIDVALIDITY 7).
fn state(n: u32) -> AppState {
    let mut s = AppState::new("acct", "INBOX");
    s.rows = 10;
    s.uidvalidity = 7;
    s.folders = vec![
        folder("INBOX", Some(SpecialUse::Inbox)),
        folder("Archive", Some(SpecialUse::Archive)),
        folder("Archive/2026", None),
        folder("Trash", Some(SpecialUse::Trash)),
        folder("Lists/rust", None),
    ];
    s.set_messages(
        (0..n)
            .map(|i| MessageSummary {
                uid: n - i,
                subject: format!("message {}", n - i),
                ..MessageSummary::default()
            })
            .map(Row::from)
            .collect(),
    );
    s
}

fn uid_at(s: &AppState, row: usize) -> Uid {
    s.shown(row).map(|m| m.uid).unwrap_or(0)
}

fn typed(s: &mut AppState, text: &str) -> Vec<Effect> {
    let mut out = Vec::new();
    for c in text.chars() {
        out.extend(s.prompt_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)));
    }
    out
}

fn key(s: &mut AppState, code: KeyCode) -> Vec<Effect> {
    s.prompt_key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// The only worker command among the effects.
fn command(effects: Vec<Effect>) -> WorkerCommand {
    let cmds: Vec<WorkerCommand> = effects
        .into_iter()
        .filter_map(|e| match e {
            Effect::Send(c) => Some(c),
            _ => None,
        })
        .collect();
    assert_eq!(cmds.len(), 1, "{cmds:?}");
    cmds.into_iter().next().unwrap()
}

fn msgs(folder: &str, uidvalidity: u32, uids: Vec<Uid>) -> Messages {
    Messages {
        folder: folder.into(),
        uidvalidity,
        uids,
    }
}

#[test]
fn cursor_moves_and_scrolls_within_bounds() {
    let mut s = state(100);
    s.act(Action::Up);
    assert_eq!((s.cursor, s.top), (0, 0));
    for _ in 0..12 {
        s.act(Action::Down);
    }
    // Leaving the screen jumps half a page (one-row scrolls rewrite every row).
    assert_eq!((s.cursor, s.top), (12, 6));
    s.act(Action::Down);
    assert_eq!(
        (s.cursor, s.top),
        (13, 6),
        "inside the page the list stays put"
    );
    s.act(Action::Last);
    assert_eq!((s.cursor, s.top), (99, 90));
    s.act(Action::HalfPageUp);
    assert_eq!(s.cursor, 94);
    s.act(Action::First);
    assert_eq!((s.cursor, s.top), (0, 0));
    assert_eq!(s.act(Action::Quit), vec![Effect::Quit]);
}

#[test]
fn reload_keeps_the_cursor_on_its_message_and_reports_new_mail() {
    let mut s = state(50);
    s.act(Action::PageDown);
    let uid = uid_at(&s, s.cursor);
    let mut more: Vec<Row> = (51..=53)
        .rev()
        .map(|u| MessageSummary {
            uid: u,
            subject: format!("new {u}"),
            from: vec![Address {
                name: Some("Bob".into()),
                email: "bob@example.org".into(),
            }],
            ..MessageSummary::default()
        })
        .map(Row::from)
        .collect();
    more.extend(s.all.clone());
    let effects = s.set_messages(more);
    assert_eq!(uid_at(&s, s.cursor), uid);
    assert_eq!(effects.len(), 3);
    assert_eq!(
        effects[0],
        Effect::NewMail {
            folder: "INBOX".into(),
            from: "Bob".into(),
            subject: "new 53".into()
        }
    );
}

#[test]
fn open_fetches_once_keys_settle_and_marks_seen() {
    let mut s = state(5);
    let uid = uid_at(&s, 0);
    assert!(
        s.act(Action::Open).is_empty(),
        "nothing before the keys settle"
    );
    assert!(s.wants_body());
    let effects = s.fetch_due();
    assert_eq!(effects.len(), 2);
    let Effect::Send(WorkerCommand::FetchBody {
        uid: fetched,
        uidvalidity: 7,
        ..
    }) = &effects[0]
    else {
        panic!("{effects:?}")
    };
    assert_eq!(*fetched, uid);
    assert!(matches!(
        &effects[1],
        Effect::Send(WorkerCommand::SetFlags { add: true, flags, .. }) if flags == &vec!["\\Seen".to_string()]
    ));
    assert!(s.shown(0).unwrap().has(Flag::Seen));
    assert!(s.fetch_due().is_empty(), "fetched once");
    // Holding J: the reader follows, but only the message it stops on is fetched.
    for _ in 0..3 {
        assert!(s.act(Action::NextMessage).is_empty());
    }
    assert_eq!(s.cursor, 3);
    let effects = s.fetch_due();
    assert!(
        matches!(&effects[0], Effect::Send(WorkerCommand::FetchBody { uid, .. }) if *uid == uid_at(&s, 3))
    );
    assert!(!s.shown(1).unwrap().has(Flag::Seen), "skipped, not read");
    // q closes the reader, and only then quits.
    assert!(s.act(Action::Quit).is_empty());
    assert!(s.reader.is_none());
    // The read flag is not confirmed by the server yet: q asks first.
    assert!(s.act(Action::Quit).is_empty());
    assert_eq!(key(&mut s, KeyCode::Char('y')), vec![Effect::Quit]);
}

#[test]
fn refused_changes_roll_back_with_the_reason() {
    let mut s = state(5);
    let WorkerCommand::SetFlags { id, add: true, .. } = command(s.act(Action::ToggleFlagged))
    else {
        panic!()
    };
    assert!(s.shown(0).unwrap().has(Flag::Flagged));
    s.on_worker(WorkerEvent::Failed {
        id,
        error: "NO [READ-ONLY]".into(),
    });
    assert!(!s.shown(0).unwrap().has(Flag::Flagged), "rolled back");
    assert_eq!(s.status.as_deref(), Some("NO [READ-ONLY]"));
    assert!(s.undo.is_empty(), "a refused change is not undoable");

    s.act(Action::Down);
    let gone = uid_at(&s, 1);
    let WorkerCommand::Move { id, messages, dest } = command(s.act(Action::Archive)) else {
        panic!()
    };
    assert_eq!(dest, "Archive");
    assert_eq!(messages, msgs("INBOX", 7, vec![gone]));
    assert_eq!(s.shown_len(), 4);
    s.on_worker(WorkerEvent::Failed {
        id,
        error: "no such folder".into(),
    });
    assert_eq!(uid_at(&s, 1), gone, "back where it was");
}

#[test]
fn undo_moves_back_with_the_destination_uids_and_reverts_flags() {
    let mut s = state(5);
    let first = uid_at(&s, 0);
    let WorkerCommand::Move { id, .. } = command(s.act(Action::Archive)) else {
        panic!()
    };
    s.on_worker(WorkerEvent::Done {
        id,
        result: DoneResult::Copied(CopyResult {
            dest_uidvalidity: 99,
            source: vec![first],
            dest: vec![1234],
        }),
    });
    assert_eq!(
        s.status.as_deref(),
        Some("1 message moved to Archive (u undoes)")
    );
    let WorkerCommand::SetFlags { id, .. } = command(s.act(Action::ToggleFlagged)) else {
        panic!()
    };
    let flagged = uid_at(&s, 0);
    s.on_worker(WorkerEvent::Done {
        id,
        result: DoneResult::Ok,
    });
    // The last change first: the flag.
    assert_eq!(
        command(s.act(Action::Undo)),
        WorkerCommand::SetFlags {
            id: 3,
            messages: msgs("INBOX", 7, vec![flagged]),
            flags: vec!["\\Flagged".into()],
            add: false
        }
    );
    assert!(!s.shown(0).unwrap().has(Flag::Flagged));
    // Then the archive: moved back from Archive by the UIDs it got there.
    let WorkerCommand::Move { id, messages, dest } = command(s.act(Action::Undo)) else {
        panic!()
    };
    assert_eq!(messages, msgs("Archive", 99, vec![1234]));
    assert_eq!(dest, "INBOX");
    // Done: the open folder is synced so the message shows again.
    let after = s.on_worker(WorkerEvent::Done {
        id,
        result: DoneResult::Copied(CopyResult::default()),
    });
    assert!(matches!(command(after), WorkerCommand::Sync { .. }));
    assert!(s.act(Action::Undo).is_empty());
    assert_eq!(s.status.as_deref(), Some("nothing to undo"));
}

#[test]
fn selection_space_range_and_all_then_one_bulk_request() {
    let mut s = state(10);
    s.act(Action::Select); // row 0, cursor to 1
    s.act(Action::Down); // row 2
    s.act(Action::SelectRange);
    s.act(Action::Down);
    s.act(Action::Down); // rows 2..=4 in the range
    assert!(s.is_selected(3) && !s.is_selected(1));
    let WorkerCommand::Move { messages, dest, .. } = command(s.act(Action::Archive)) else {
        panic!()
    };
    assert_eq!(dest, "Archive");
    assert_eq!(messages.uids, vec![10, 8, 7, 6]);
    assert!(s.selected.is_empty() && s.visual.is_none());
    assert_eq!(s.shown_len(), 6);
    // * selects everything shown; again selects nothing.
    s.act(Action::SelectAll);
    assert_eq!(s.selected.len(), 6);
    let WorkerCommand::SetFlags { messages, add, .. } = command(s.act(Action::ToggleUnread)) else {
        panic!()
    };
    assert_eq!((messages.uids.len(), add), (6, true));
    s.act(Action::SelectAll);
    s.act(Action::SelectAll);
    assert!(s.selected.is_empty());
    // Esc clears a selection before it clears a search.
    s.act(Action::Select);
    s.act(Action::ClearSearch);
    assert!(s.selected.is_empty());
}

#[test]
fn delete_in_trash_asks_first_and_is_not_undoable() {
    let mut s = state(3);
    s.folder = "Trash".into();
    assert!(s.act(Action::Delete).is_empty());
    assert!(s.prompt.is_some());
    assert!(key(&mut s, KeyCode::Char('n')).is_empty());
    assert_eq!(s.shown_len(), 3, "n keeps it");
    s.act(Action::Delete);
    // The app decides: inside Trash the worker is told to remove them for good.
    let WorkerCommand::Expunge { id, messages } = command(key(&mut s, KeyCode::Char('y'))) else {
        panic!()
    };
    assert_eq!(messages.uids, vec![3]);
    s.on_worker(WorkerEvent::Done {
        id,
        result: DoneResult::Ok,
    });
    assert!(s.undo.is_empty());
    assert_eq!(s.status.as_deref(), Some("1 message deleted for good"));
}

#[test]
fn command_line_runs_and_completes() {
    let mut s = state(4);
    s.act(Action::CommandLine);
    typed(&mut s, "cre");
    key(&mut s, KeyCode::Tab);
    assert_eq!(s.prompt.as_ref().unwrap().text, "create-folder ");
    key(&mut s, KeyCode::Esc);
    s.act(Action::CommandLine);
    typed(&mut s, "move arch");
    key(&mut s, KeyCode::Tab);
    assert_eq!(s.prompt.as_ref().unwrap().text, "move Archive");
    key(&mut s, KeyCode::Tab);
    assert_eq!(s.prompt.as_ref().unwrap().text, "move Archive/2026");
    let WorkerCommand::Move { dest, messages, .. } = command(key(&mut s, KeyCode::Enter)) else {
        panic!()
    };
    assert_eq!((dest.as_str(), messages.uids), ("Archive/2026", vec![4]));

    s.act(Action::CommandLine);
    typed(&mut s, "create-folder Lists/new");
    assert!(matches!(
        command(key(&mut s, KeyCode::Enter)),
        WorkerCommand::CreateFolder { name, .. } if name == "Lists/new"
    ));
    s.act(Action::CommandLine);
    typed(&mut s, "delete-folder Lists/rust");
    assert!(key(&mut s, KeyCode::Enter).is_empty(), "asks first");
    assert!(matches!(
        command(key(&mut s, KeyCode::Char('y'))),
        WorkerCommand::DeleteFolder { name, .. } if name == "Lists/rust"
    ));
    s.act(Action::CommandLine);
    typed(&mut s, "toggle-threads");
    key(&mut s, KeyCode::Enter);
    assert!(s.threads);
    s.act(Action::CommandLine);
    typed(&mut s, "frobnicate");
    key(&mut s, KeyCode::Enter);
    assert!(s
        .status
        .as_deref()
        .unwrap()
        .contains("no command :frobnicate"));
    s.act(Action::CommandLine);
    typed(&mut s, "quit");
    s.in_flight.clear(); // the server answered what was asked above
    assert_eq!(key(&mut s, KeyCode::Enter), vec![Effect::Quit]);
}

#[test]
fn pickers_move_copy_and_go() {
    let mut s = state(4);
    s.act(Action::MoveTo);
    typed(&mut s, "rust");
    let WorkerCommand::Move { dest, .. } = command(key(&mut s, KeyCode::Enter)) else {
        panic!()
    };
    assert_eq!(dest, "Lists/rust");
    s.act(Action::CopyTo);
    typed(&mut s, "arc");
    key(&mut s, KeyCode::Down);
    let WorkerCommand::Copy { dest, .. } = command(key(&mut s, KeyCode::Enter)) else {
        panic!()
    };
    assert_eq!(dest, "Archive/2026");
    assert_eq!(s.shown_len(), 3, "a copy leaves the list alone");
    s.act(Action::GoToFolder);
    typed(&mut s, "tra");
    let effects = key(&mut s, KeyCode::Enter);
    assert_eq!(s.folder, "Trash");
    assert!(effects.contains(&Effect::ReloadFolder));
}

#[test]
fn threads_and_sort_keep_the_cursor_on_its_message() {
    let mut s = state(5);
    s.act(Action::Down);
    s.act(Action::Down);
    let uid = uid_at(&s, s.cursor);
    s.act(Action::ToggleSort);
    assert_eq!(uid_at(&s, 0), 1, "oldest first");
    assert_eq!(uid_at(&s, s.cursor), uid);
    s.act(Action::ToggleThreads);
    assert_eq!(uid_at(&s, s.cursor), uid);
}

#[test]
fn folders_cycle_in_sidebar_order() {
    let mut s = state(3);
    let effects = s.act(Action::NextFolder);
    assert_eq!(
        effects,
        vec![
            Effect::Send(WorkerCommand::OpenFolder {
                folder: "Archive".into()
            }),
            Effect::ReloadFolder
        ]
    );
    assert_eq!(s.shown_len(), 0);
    s.act(Action::NextFolder);
    assert_eq!(s.folder, "Trash");
    s.act(Action::PreviousFolder);
    s.act(Action::PreviousFolder);
    assert_eq!(s.folder, "INBOX");
}

#[test]
fn empty_folder_is_fine() {
    let mut s = state(0);
    for a in [
        Action::Down,
        Action::Last,
        Action::PageUp,
        Action::First,
        Action::Select,
        Action::SelectAll,
        Action::Archive,
        Action::ToggleFlagged,
        Action::Open,
        Action::Undo,
        Action::ToggleThreads,
    ] {
        s.act(a);
    }
    assert_eq!(s.cursor, 0);
}

#[test]
fn enter_in_drafts_fetches_then_opens_the_editor_on_it() {
    let mut s = state(2);
    s.folders.push(folder("Drafts", Some(SpecialUse::Drafts)));
    s.open_folder_for_test("Drafts");
    s.uidvalidity = 9;
    s.set_messages(vec![Row::of(&MessageSummary {
        uid: 4,
        ..MessageSummary::default()
    })]);
    let WorkerCommand::FetchBody { id, uid, .. } = command(s.act(Action::Open)) else {
        panic!()
    };
    assert_eq!(uid, 4);
    let effects = s.on_worker(WorkerEvent::Done {
        id,
        result: DoneResult::Body {
            folder: "Drafts".into(),
            uid: 4,
            raw: b"From: me@example.org\r\nTo: bob@example.org\r\nSubject: later\r\n\r\nhalf done\r\n".to_vec(),
        },
    });
    let Some(Effect::Edit { stored, .. }) = effects.first() else {
        panic!("{effects:?}")
    };
    assert_eq!(stored.draft.subject, "later");
    assert_eq!(stored.draft.replaces, Some(("Drafts".into(), 9, 4)));
}
