//! The rules of "one truth on screen": rows, flags and counts all come from the cache
//! with the pending changes laid on top, and an action keeps the cursor where it was.

use super::*;
use tern_core::imap::protocol::QueuedOp;
use tern_core::mail::{Flags, FolderStatus};

fn with_counts(s: &mut AppState, name: &str, unseen: u32, messages: u32) {
    if let Some(f) = s.folders.iter_mut().find(|f| f.name == name) {
        f.status = Some(FolderStatus {
            messages,
            unseen,
            ..FolderStatus::default()
        });
    }
}

fn counts(s: &AppState, name: &str) -> Option<(usize, usize)> {
    let f = s.folders.iter().find(|f| f.name == name).cloned()?;
    s.counts(&f)
}

/// A cache read of `n` messages (UIDs n..1, all unread), as the loader delivers it.
pub(super) fn cache_read(n: u32) -> Vec<Row> {
    (0..n)
        .map(|i| MessageSummary {
            uid: n - i,
            subject: format!("message {}", n - i),
            ..MessageSummary::default()
        })
        .map(Row::from)
        .collect()
}

#[test]
fn an_action_on_a_selection_leaves_the_cursor_on_its_message() {
    let mut s = state(10);
    s.act(Action::Select);
    s.act(Action::Select);
    s.act(Action::Select);
    let on = uid_at(&s, s.cursor);
    assert_eq!(on, 7, "row 4 is UID 7");
    command(s.act(Action::Archive));
    assert_eq!(uid_at(&s, s.cursor), 7, "still on row 4's message");
    assert_eq!(s.cursor, 0);
    // Acting on the cursor's own message goes to the next remaining one.
    s.act(Action::Down);
    command(s.act(Action::Archive));
    assert_eq!(uid_at(&s, s.cursor), 5);
    // At the end of the list it goes to the one before.
    s.act(Action::Last);
    command(s.act(Action::Archive));
    assert_eq!(uid_at(&s, s.cursor), 2);
}

#[test]
fn kept_changes_are_laid_over_every_cache_read_at_start() {
    let mut s = AppState::new("acct", "INBOX");
    s.uidvalidity = 7;
    s.folders = state(0).folders;
    // The cache read may come before the worker tells what it keeps.
    s.total = 5;
    s.set_messages(cache_read(5));
    let kept = vec![
        QueuedOp::SetFlags {
            messages: msgs("INBOX", 7, vec![5]),
            flags: vec!["\\Flagged".into()],
            add: true,
        },
        QueuedOp::Move {
            messages: msgs("INBOX", 7, vec![4]),
            dest: "Archive".into(),
        },
        // Made for another incarnation of the folder: not this folder's UID 3.
        QueuedOp::Delete {
            messages: msgs("INBOX", 8, vec![3]),
        },
    ];
    let effects = s.on_worker(WorkerEvent::Pending(kept.clone()));
    assert_eq!(effects, vec![Effect::ReloadFolder], "read again, laid over");
    assert_eq!(s.queued, 3);
    s.total = 5;
    s.set_messages(cache_read(5));
    assert!(s.shown(0).unwrap().has(Flag::Flagged));
    let uids: Vec<Uid> = (0..s.shown_len()).map(|i| uid_at(&s, i)).collect();
    assert_eq!(uids, vec![5, 3, 2, 1]);
    assert_eq!(counts(&s, "INBOX"), Some((4, 4)));
    with_counts(&mut s, "Archive", 0, 10);
    assert_eq!(
        counts(&s, "Archive"),
        Some((0, 11)),
        "the move shows there too"
    );
    // One more kept change extends the list: no read needed.
    let mut more = kept.clone();
    more.push(QueuedOp::SetFlags {
        messages: msgs("INBOX", 7, vec![2]),
        flags: vec!["\\Seen".into()],
        add: true,
    });
    assert!(s.on_worker(WorkerEvent::Pending(more)).is_empty());
    // Sent: the list goes, and the cache (now equal to the server) is read again.
    assert_eq!(
        s.on_worker(WorkerEvent::Pending(Vec::new())),
        vec![Effect::ReloadFolder]
    );
    assert_eq!(s.queued, 0);
}

#[test]
fn counts_change_with_the_action_then_settle_to_the_servers() {
    let mut s = state(0);
    s.total = 10;
    s.set_messages(cache_read(10));
    with_counts(&mut s, "INBOX", 10, 10);
    with_counts(&mut s, "Archive", 1, 20);
    with_counts(&mut s, "Trash", 0, 3);
    assert_eq!(counts(&s, "INBOX"), Some((10, 10)));
    let WorkerCommand::Move { id, .. } = command(s.act(Action::Archive)) else {
        panic!()
    };
    assert_eq!(counts(&s, "INBOX"), Some((9, 9)));
    assert_eq!(
        counts(&s, "Archive"),
        Some((2, 21)),
        "at once, not a minute later"
    );
    let WorkerCommand::Move { id: del, dest, .. } = command(s.act(Action::Delete)) else {
        panic!()
    };
    assert_eq!(dest, "Trash", "the app decides: a move to Trash");
    assert_eq!(counts(&s, "Trash"), Some((1, 4)));
    // The worker sends the server's counts, then the answer, in one batch.
    let mut folders = s.folders.clone();
    for f in &mut folders {
        let (unseen, messages) = match f.name.as_str() {
            "Archive" => (2, 21),
            "Trash" => (1, 4),
            _ => continue,
        };
        f.status = Some(FolderStatus {
            messages,
            unseen,
            ..FolderStatus::default()
        });
    }
    s.on_worker(WorkerEvent::Folders(folders));
    for id in [id, del] {
        s.on_worker(WorkerEvent::Done {
            id,
            result: DoneResult::Copied(CopyResult {
                dest_uidvalidity: 1,
                source: vec![1],
                dest: vec![1],
            }),
        });
    }
    assert_eq!(counts(&s, "Archive"), Some((2, 21)), "not counted twice");
    assert_eq!(counts(&s, "Trash"), Some((1, 4)));
    assert_eq!(counts(&s, "INBOX"), Some((8, 8)));
}

#[test]
fn a_refused_move_puts_the_counts_back() {
    let mut s = state(0);
    s.total = 4;
    s.set_messages(cache_read(4));
    with_counts(&mut s, "Archive", 0, 2);
    let WorkerCommand::Move { id, .. } = command(s.act(Action::Archive)) else {
        panic!()
    };
    assert_eq!(counts(&s, "Archive"), Some((1, 3)));
    s.on_worker(WorkerEvent::Failed {
        id,
        error: "NO [TRYCREATE] no such folder".into(),
    });
    assert_eq!(counts(&s, "Archive"), Some((0, 2)));
    assert_eq!(counts(&s, "INBOX"), Some((4, 4)));
}

#[test]
fn a_resumed_reply_marks_what_it_answers_when_sent() {
    let mut s = state(3);
    s.folders.push(folder("Drafts", Some(SpecialUse::Drafts)));
    s.compose = Some(crate::app::compose::Compose {
        id: "d1".into(),
        draft: tern_core::compose::Draft {
            in_reply_to: Some("<orig@example.org>".into()),
            ..tern_core::compose::Draft::default()
        },
        error: None,
        busy: true,
        text_ok: true,
        started: tern_core::compose::Draft::default(),
        request: None,
    });
    // The cache keeps Message-IDs without their angle brackets.
    s.all[1] = Row::of(&MessageSummary {
        uid: s.all[1].uid,
        message_id: Some("orig@example.org".into()),
        ..MessageSummary::default()
    });
    let effects = s.mail_result(crate::app::compose::MailResult::Sent {
        id: "d1".into(),
        copy: b"x".to_vec(),
    });
    let marks: Vec<_> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send(WorkerCommand::MarkAnswered {
                message_id,
                folders,
                ..
            }) => Some((message_id.clone(), folders.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        marks,
        vec![(
            "<orig@example.org>".to_string(),
            vec!["INBOX".to_string(), "Archive".to_string()]
        )]
    );
    assert!(s.all[1].has(Flag::Answered), "shown at once");
    let _ = Flags::default();
}

#[test]
fn a_change_kept_offline_keeps_its_unread_count_until_it_is_sent() {
    let mut s = state(0);
    s.total = 3;
    s.set_messages(cache_read(3));
    with_counts(&mut s, "Archive", 0, 5);
    let WorkerCommand::Move { id, messages, dest } = command(s.act(Action::Archive)) else {
        panic!()
    };
    assert_eq!(counts(&s, "Archive"), Some((1, 6)));
    // Offline: the worker keeps it; the kept change moves the total, and the unread
    // part stays from what the request knew.
    s.on_worker(WorkerEvent::Pending(vec![QueuedOp::Move {
        messages,
        dest,
    }]));
    s.on_worker(WorkerEvent::Queued {
        id,
        waiting: 1,
        op: None,
    });
    assert_eq!(counts(&s, "Archive"), Some((1, 6)), "not lost, not doubled");
    // Sent: the server's numbers take over.
    with_counts(&mut s, "Archive", 1, 6);
    s.on_worker(WorkerEvent::Pending(Vec::new()));
    assert_eq!(counts(&s, "Archive"), Some((1, 6)));
}

#[test]
fn reading_a_message_moves_its_folders_unread_count_when_another_is_open() {
    let mut s = state(0);
    s.total = 4;
    s.set_messages(cache_read(4));
    with_counts(&mut s, "INBOX", 4, 4);
    command(s.act(Action::ToggleUnread));
    assert_eq!(counts(&s, "INBOX"), Some((3, 4)), "from the list");
    s.open_folder_for_test("Archive");
    assert_eq!(
        counts(&s, "INBOX"),
        Some((3, 4)),
        "from the server's numbers and the change"
    );
}

#[test]
fn archive_and_delete_wait_for_the_folder_list() {
    let mut s = state(3);
    s.folders.clear();
    assert!(s.act(Action::Delete).is_empty());
    assert!(s.act(Action::Archive).is_empty());
    assert_eq!(s.shown_len(), 3, "nothing moved to a guessed folder");
    assert!(s
        .status
        .as_deref()
        .is_some_and(|t| t.contains("not known yet")));
    // A name from the config is enough.
    s.names.trash = Some("Deleted Items".into());
    let WorkerCommand::Move { dest, .. } = command(s.act(Action::Delete)) else {
        panic!()
    };
    assert_eq!(dest, "Deleted Items");
}

#[test]
fn a_cache_read_of_another_folder_is_not_laid_over_with_this_ones_changes() {
    let mut s = state(5);
    command(s.act(Action::Delete)); // UID 5 of INBOX, in flight
    s.open_folder_for_test("Archive");
    s.total = 5;
    s.set_messages(cache_read(5)); // Archive's own UIDs 5..1
    assert_eq!(s.shown_len(), 5, "Archive's UID 5 is another message");
}

/// A flag change the server agreed to (so it can be undone).
fn flag_change_agreed(s: &mut AppState, action: Action) {
    let WorkerCommand::SetFlags { id, .. } = command(s.act(action)) else {
        panic!("{action:?} sent no flag change")
    };
    s.on_worker(WorkerEvent::Done {
        id,
        result: DoneResult::Ok,
    });
}

#[test]
fn undo_says_what_it_did_in_plain_words() {
    let mut s = state(3);
    flag_change_agreed(&mut s, Action::ToggleUnread);
    command(s.act(Action::Undo));
    assert_eq!(
        s.status.as_deref(),
        Some("undone: marked unread again (1 message)")
    );
    flag_change_agreed(&mut s, Action::ToggleFlagged);
    command(s.act(Action::Undo));
    assert_eq!(
        s.status.as_deref(),
        Some("undone: unflagged again (1 message)")
    );
}

#[test]
fn a_message_goes_on_the_next_key_that_acts_or_after_ten_seconds() {
    use crate::app::update::{update, Event};
    use crossterm::event::KeyEvent;
    let press = |c| Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    let mut s = state(5);
    s.now = 1000;
    update(&mut s, Event::Worker(WorkerEvent::Notice("3 new".into())));
    assert_eq!(s.status_at, 1000);
    update(&mut s, Event::Tick { now: 1009 });
    assert_eq!(s.status.as_deref(), Some("3 new"), "still read");
    update(&mut s, Event::Tick { now: 1010 });
    assert_eq!(s.status, None, "gone after 10 s");
    update(&mut s, Event::Worker(WorkerEvent::Notice("again".into())));
    update(&mut s, press('g')); // half of `g g`: nothing done yet
    assert_eq!(s.status.as_deref(), Some("again"));
    update(&mut s, press('j')); // `g j` is no binding: dropped, nothing done
    assert_eq!(s.status.as_deref(), Some("again"));
    update(&mut s, press('j'));
    assert_eq!(s.status, None, "a key that acts clears it");
}

#[test]
fn move_and_copy_pickers_leave_out_the_folder_the_messages_are_in() {
    let mut s = state(3);
    s.act(Action::MoveTo);
    let offered = s.pick_candidates("");
    assert!(!offered.contains(&"INBOX".to_string()), "{offered:?}");
    assert!(offered.contains(&"Archive".to_string()));
    key(&mut s, KeyCode::Esc);
    s.act(Action::CopyTo);
    assert!(!s.pick_candidates("inb").contains(&"INBOX".to_string()));
    key(&mut s, KeyCode::Esc);
    s.act(Action::GoToFolder);
    assert!(
        s.pick_candidates("").contains(&"INBOX".to_string()),
        "go offers every folder"
    );
}

#[test]
fn the_help_pages_with_the_readers_keys_and_only_q_esc_or_question_close_it() {
    use crate::app::update::{update, Event};
    use crossterm::event::KeyEvent;
    let press = |c| Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    let mut s = state(3);
    s.keys_help = vec![
        (
            "Message list",
            crate::app::keymap::Keymap::list_defaults().describe(),
        ),
        (
            "Reader",
            crate::app::keymap::Keymap::reader_defaults().describe(),
        ),
    ];
    update(
        &mut s,
        Event::Resize {
            width: 80,
            height: 24,
        },
    );
    update(&mut s, press('?'));
    assert!(s.help);
    update(&mut s, press(' '));
    assert_eq!(s.help_scroll, 23, "Space: a page down");
    update(&mut s, press('b'));
    assert_eq!(s.help_scroll, 0, "b: a page up");
    update(&mut s, press('G'));
    assert!(s.help_scroll > 0);
    update(&mut s, press('a'));
    assert!(s.help, "a key that means nothing here does not close it");
    update(&mut s, press('q'));
    assert!(!s.help);
    assert_eq!(s.shown_len(), 3, "and q closed only the help");
    update(&mut s, press('?'));
    update(&mut s, press('?'));
    assert!(!s.help, "? closes it too");
}

#[test]
fn prompts_start_clean_and_their_hints_and_a_searchs_words_go_with_them() {
    let mut s = state(3);
    s.status = Some("1 message moved to Archive (u undoes)".into());
    s.act(Action::CommandLine);
    assert_eq!(s.status, None, "no old message inside a prompt");
    typed(&mut s, "go ");
    key(&mut s, KeyCode::Tab);
    key(&mut s, KeyCode::Esc);
    assert_eq!(
        s.status, None,
        "a completion hint goes when the prompt closes"
    );
    // A search says how many it found; clearing the search clears that too.
    s.act(Action::Search);
    typed(&mut s, "from:bob");
    let effects = key(&mut s, KeyCode::Enter);
    let Some(Effect::Find { id, .. }) = effects.first() else {
        panic!("{effects:?}")
    };
    s.found_here(crate::app::search::Found {
        id: *id,
        uids: vec![2],
        complete: true,
        ..Default::default()
    });
    assert_eq!(s.status.as_deref(), Some("1 found"));
    s.act(Action::ClearSearch);
    assert_eq!(s.status, None);
}

/// A sync that changed only a few flags (a message read in another client, or here) is
/// laid on the rows as they are, under the changes still on their way: no read of the
/// whole folder.
#[test]
fn flags_a_sync_lists_are_laid_on_the_rows_without_a_reload() {
    use crate::app::update::{update, Event};
    use tern_core::imap::sync::SyncReport;
    let mut s = state(5);
    let synced = |flags: Vec<(Uid, Flags)>, changed: u64| {
        Event::Worker(WorkerEvent::FolderSynced(SyncReport {
            folder: "INBOX".into(),
            messages: 5,
            changed,
            flags,
            ..SyncReport::default()
        }))
    };
    let seen = |uid: Uid, s: &AppState| {
        s.all
            .iter()
            .find(|m| m.uid == uid)
            .is_some_and(|m| m.has(Flag::Seen))
    };
    let unread = s.unread;
    // Read in another client: the row and the count change, and nothing is read again.
    let effects = update(&mut s, synced(vec![(4, Flags::from_imap(["\\Seen"]))], 1));
    assert!(effects.is_empty(), "{effects:?}");
    assert!(seen(4, &s));
    assert_eq!(s.unread, unread - 1);
    // A change of ours on its way wins over what the server said before it.
    s.act(Action::First);
    let _ = command(s.act(Action::ToggleUnread));
    let mine = seen(5, &s);
    update(
        &mut s,
        synced(vec![(5, Flags::from_imap(["\\Seen"; 0]))], 1),
    );
    assert_eq!(seen(5, &s), mine);
    // Nothing changed: nothing to do. More changes than listed: the folder is read.
    assert!(update(&mut s, synced(Vec::new(), 0)).is_empty());
    assert_eq!(
        update(&mut s, synced(Vec::new(), 2_000)),
        vec![Effect::ReloadFolder]
    );
}

/// New mail in the open folder, all above its UIDs, is read alone and added in date
/// order: the whole folder is not read again (it would be held twice for a moment).
#[test]
fn new_mail_is_read_alone_and_added_in_date_order() {
    use crate::app::update::{update, Event, Loaded};
    use tern_core::imap::sync::SyncReport;
    let mut s = state(5);
    s.total = 5; // as a read of the cache says
    s.act(Action::Down);
    let on = uid_at(&s, s.cursor);
    let synced = |appended: bool| {
        Event::Worker(WorkerEvent::FolderSynced(SyncReport {
            folder: "INBOX".into(),
            messages: 7,
            new: 2,
            appended,
            ..SyncReport::default()
        }))
    };
    // Found by a full comparison (UIDs may lie anywhere): the folder is read again.
    assert_eq!(update(&mut s, synced(false)), vec![Effect::ReloadFolder]);
    assert_eq!(update(&mut s, synced(true)), vec![Effect::ReloadNewer(5)]);
    let row = |uid: Uid, date: i64| {
        Row::of(&MessageSummary {
            uid,
            date: Some(date),
            subject: format!("new {uid}"),
            ..MessageSummary::default()
        })
    };
    // One newest of all, one dated among the others (a late delivery).
    let effects = update(
        &mut s,
        Event::Loaded(Loaded {
            folder: "INBOX".into(),
            uidvalidity: 7,
            list: vec![row(7, 100), row(6, -1)],
            done: true,
            total: 7,
            newer_than: Some(5),
        }),
    );
    let uids: Vec<Uid> = (0..s.shown_len()).map(|i| uid_at(&s, i)).collect();
    assert_eq!(uids, vec![7, 5, 4, 3, 2, 1, 6]);
    assert_eq!(uid_at(&s, s.cursor), on, "the cursor stays on its message");
    assert_eq!((s.total, s.max_uid), (7, 7));
    assert_eq!(
        effects
            .iter()
            .filter(|e| matches!(e, Effect::NewMail { .. }))
            .count(),
        2
    );
    // The same read again adds nothing twice.
    update(
        &mut s,
        Event::Loaded(Loaded {
            folder: "INBOX".into(),
            uidvalidity: 7,
            list: vec![row(7, 100)],
            done: true,
            total: 7,
            newer_than: Some(5),
        }),
    );
    assert_eq!((s.shown_len(), s.total), (7, 7));
}

/// Messages a sync removed (expunged here or by another client) leave the rows without
/// a read of the whole folder; too many to list, and the folder is read again.
#[test]
fn removals_a_sync_lists_leave_the_rows_without_a_reload() {
    use crate::app::update::{update, Event};
    use tern_core::imap::sync::SyncReport;
    let mut s = state(5);
    s.total = 5;
    s.act(Action::Down);
    s.act(Action::Select);
    let removed = |uids: Vec<Uid>, removed: u64| {
        Event::Worker(WorkerEvent::FolderSynced(SyncReport {
            folder: "INBOX".into(),
            messages: 4,
            removed,
            removed_uids: uids,
            ..SyncReport::default()
        }))
    };
    assert!(update(&mut s, removed(vec![4], 1)).is_empty());
    let uids: Vec<Uid> = (0..s.shown_len()).map(|i| uid_at(&s, i)).collect();
    assert_eq!(uids, vec![5, 3, 2, 1]);
    assert_eq!(s.total, 4);
    assert!(
        s.selected.is_empty(),
        "the selected message went with its row"
    );
    assert_eq!(
        update(&mut s, removed(Vec::new(), 5_000)),
        vec![Effect::ReloadFolder]
    );
}
