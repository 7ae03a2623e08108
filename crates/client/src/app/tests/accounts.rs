//! Two accounts in one state: the sidebar and J/K across them, `:go ACCOUNT/FOLDER`,
//! `:account`, events for the account not shown, and moves between accounts (every
//! step, a refusal and undo).

use super::super::accounts::AccountParts;
use super::super::update::{update, Event};
use super::*;

/// Account "work" shown (INBOX with 3 messages), "home" beside it with INBOX and Lists.
pub(super) fn two() -> AppState {
    let mut s = AppState::new("work", "INBOX");
    s.set_accounts(&[
        AccountParts {
            name: "work".into(),
            ..AccountParts::default()
        },
        AccountParts {
            name: "home".into(),
            ..AccountParts::default()
        },
    ]);
    s.rows = 10;
    s.uidvalidity = 7;
    s.folders = vec![
        folder("INBOX", Some(SpecialUse::Inbox)),
        folder("Trash", Some(SpecialUse::Trash)),
    ];
    s.set_messages(
        (1..=3)
            .rev()
            .map(|uid| MessageSummary {
                uid,
                subject: format!("work {uid}"),
                ..MessageSummary::default()
            })
            .map(Row::from)
            .collect(),
    );
    on(
        &mut s,
        1,
        WorkerEvent::Folders(vec![
            folder("INBOX", Some(SpecialUse::Inbox)),
            folder("Lists", None),
        ]),
    );
    s
}

/// Applies a worker event of account `i` as the runner does.
pub(super) fn on(s: &mut AppState, i: usize, ev: WorkerEvent) -> Vec<Effect> {
    s.enter(i);
    let out = update(s, Event::Worker(ev));
    s.leave(i);
    out
}

pub(super) fn command(s: &mut AppState, line: &str) -> Vec<Effect> {
    s.act(Action::CommandLine);
    let mut out = typed(s, line);
    out.extend(s.prompt_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    out
}

#[test]
fn the_sidebar_and_j_k_go_on_into_the_next_account() {
    let mut s = two();
    let places: Vec<(usize, String)> = s
        .sidebar_places()
        .iter()
        .skip(1) // all inboxes (see merged.rs)
        .map(|(a, f)| (*a, f.name.clone()))
        .collect();
    assert_eq!(
        places,
        vec![
            (0, "INBOX".to_string()),
            (0, "Trash".to_string()),
            (1, "INBOX".to_string()),
            (1, "Lists".to_string()),
        ]
    );
    s.act(Action::NextFolder);
    assert_eq!((s.account.as_str(), s.folder.as_str()), ("work", "Trash"));
    // Past the last folder of "work": "home"'s INBOX, which its worker kept open.
    let effects = s.act(Action::NextFolder);
    assert_eq!((s.account.as_str(), s.folder.as_str()), ("home", "INBOX"));
    assert_eq!(s.active, 1);
    assert_eq!(effects, vec![Effect::ReloadFolder]);
    assert!(
        s.all.is_empty(),
        "home's rows are its own, read from its cache"
    );
    // Back: "work" kept its open folder and its folder list.
    let effects = s.act(Action::PreviousFolder);
    assert_eq!((s.account.as_str(), s.folder.as_str()), ("work", "Trash"));
    assert_eq!(effects, vec![Effect::ReloadFolder]);
    assert_eq!(s.folders.len(), 2);
    assert_eq!(s.folders_of(1)[1].name, "Lists");
}

#[test]
fn go_and_account_commands_open_another_accounts_folders() {
    let mut s = two();
    let effects = command(&mut s, "go home/Lists");
    assert_eq!((s.account.as_str(), s.folder.as_str()), ("home", "Lists"));
    assert_eq!(
        effects,
        vec![
            Effect::Send(WorkerCommand::OpenFolder {
                folder: "Lists".into()
            }),
            Effect::ReloadFolder
        ]
    );
    // From "home", "work"'s folders are the ones named with the account.
    assert!(s.completions("go w").contains(&"go work/INBOX".to_string()));
    command(&mut s, "account work");
    assert_eq!((s.account.as_str(), s.folder.as_str()), ("work", "INBOX"));
    command(&mut s, "account nowhere");
    assert_eq!(
        s.status.as_deref(),
        Some("no account named \"nowhere\" (accounts: work, home)")
    );
    assert_eq!(s.account, "work");
}

#[test]
fn events_of_the_account_not_shown_change_only_its_part() {
    let mut s = two();
    on(&mut s, 1, WorkerEvent::Online);
    on(
        &mut s,
        0,
        WorkerEvent::Offline {
            reason: "no route".into(),
            retry_in_secs: 5,
        },
    );
    assert_eq!(s.link_of(1), &super::super::state::Link::Online);
    assert!(matches!(s.link, super::super::state::Link::Offline { .. }));
    on(
        &mut s,
        1,
        WorkerEvent::NewMail {
            folder: "INBOX".into(),
            from: "Ann".into(),
            subject: "hi".into(),
        },
    );
    assert_eq!(
        s.status.as_deref(),
        Some("home: new mail in INBOX: Ann — hi")
    );
    // The shown account is untouched.
    assert_eq!((s.account.as_str(), s.shown_len()), ("work", 3));
}

#[test]
fn a_move_between_accounts_stores_the_copy_before_removing_and_undoes() {
    let mut s = two();
    s.cursor = 0; // "work 3"
    let effects = command(&mut s, "move home/Lists");
    assert_eq!(s.shown_len(), 2, "the row goes at once");
    let Some(Effect::SendTo {
        account: 0,
        command: WorkerCommand::FetchBody {
            id: fetch, uid: 3, ..
        },
    }) = effects.first().cloned()
    else {
        panic!("fetch from work first: {effects:?}")
    };
    let raw = b"Subject: work 3\r\n\r\nhello\r\n".to_vec();
    let effects = on(
        &mut s,
        0,
        WorkerEvent::Done {
            id: fetch,
            result: DoneResult::Body {
                folder: "INBOX".into(),
                uid: 3,
                raw: raw.clone(),
            },
        },
    );
    let Some(Effect::SendTo {
        account: 1,
        command:
            WorkerCommand::Append {
                id: append,
                folder,
                raw: sent,
                ..
            },
    }) = effects.first().cloned()
    else {
        panic!("append to home next: {effects:?}")
    };
    assert_eq!((folder.as_str(), sent), ("Lists", raw));
    let effects = on(
        &mut s,
        1,
        WorkerEvent::Done {
            id: append,
            result: DoneResult::Appended {
                uidvalidity: 99,
                uid: Some(40),
            },
        },
    );
    // Only now is the original removed from work.
    let Some(Effect::SendTo {
        account: 0,
        command: WorkerCommand::Expunge {
            id: removal,
            messages,
        },
    }) = effects.first().cloned()
    else {
        panic!("remove from work last: {effects:?}")
    };
    assert_eq!(messages.uids, vec![3]);
    on(
        &mut s,
        0,
        WorkerEvent::Done {
            id: removal,
            result: DoneResult::Ok,
        },
    );
    assert_eq!(
        s.status.as_deref(),
        Some("1 message moved to home/Lists (u undoes)")
    );
    // Undo carries the copy back: fetched from home by the UID it got there.
    let effects = s.act(Action::Undo);
    assert!(
        matches!(
            effects.first(),
            Some(Effect::SendTo {
                account: 1,
                command: WorkerCommand::FetchBody {
                    uid: 40,
                    uidvalidity: 99,
                    ..
                },
            })
        ),
        "{effects:?}"
    );
}

#[test]
fn a_refused_copy_puts_the_rows_back_and_keeps_the_original() {
    let mut s = two();
    s.cursor = 0;
    let effects = command(&mut s, "move home/Lists");
    let Some(Effect::SendTo {
        command: WorkerCommand::FetchBody { id: fetch, .. },
        ..
    }) = effects.first().cloned()
    else {
        panic!("{effects:?}")
    };
    let effects = on(
        &mut s,
        0,
        WorkerEvent::Done {
            id: fetch,
            result: DoneResult::Body {
                folder: "INBOX".into(),
                uid: 3,
                raw: b"x".to_vec(),
            },
        },
    );
    let Some(Effect::SendTo {
        command: WorkerCommand::Append { id: append, .. },
        ..
    }) = effects.first().cloned()
    else {
        panic!("{effects:?}")
    };
    let effects = on(
        &mut s,
        1,
        WorkerEvent::Failed {
            id: append,
            error: "NO over quota".into(),
        },
    );
    // No removal is ever asked; work is told its move was refused.
    assert!(!effects.iter().any(|e| matches!(
        e,
        Effect::SendTo {
            command: WorkerCommand::Expunge { .. },
            ..
        }
    )));
    let Some(Effect::Refused {
        account: 0,
        id,
        error,
    }) = effects.last().cloned()
    else {
        panic!("{effects:?}")
    };
    on(&mut s, 0, WorkerEvent::Failed { id, error });
    assert_eq!(s.shown_len(), 3, "the row is back");
    assert_eq!(
        s.status.as_deref(),
        Some("not moved to home/Lists (NO over quota)")
    );
}

#[test]
fn quit_asks_when_another_account_has_changes_waiting() {
    let mut s = two();
    on(
        &mut s,
        1,
        WorkerEvent::Queued {
            id: 999,
            waiting: 2,
            op: None,
        },
    );
    assert_eq!(s.act(Action::Quit), Vec::new(), "it asks first");
    let asked = s.prompt.as_ref().map(|p| p.label()).unwrap_or_default();
    assert!(
        asked.contains("2 changes made offline, kept for the server"),
        "{asked}"
    );
}

#[test]
fn a_copy_stored_after_a_refusal_is_removed_too() {
    let mut s = two();
    s.act(Action::SelectAll);
    let effects = command(&mut s, "move home/Lists");
    let fetches: Vec<(u64, u32)> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::SendTo {
                command: WorkerCommand::FetchBody { id, uid, .. },
                ..
            } => Some((*id, *uid)),
            _ => None,
        })
        .collect();
    assert_eq!(fetches.len(), 3);
    let mut appends = Vec::new();
    for (id, uid) in &fetches {
        let out = on(
            &mut s,
            0,
            WorkerEvent::Done {
                id: *id,
                result: DoneResult::Body {
                    folder: "INBOX".into(),
                    uid: *uid,
                    raw: b"x".to_vec(),
                },
            },
        );
        let Some(Effect::SendTo {
            command: WorkerCommand::Append { id, .. },
            ..
        }) = out.first()
        else {
            panic!("{out:?}")
        };
        appends.push(*id);
    }
    // The first append is refused while the others are still on their way.
    let out = on(
        &mut s,
        1,
        WorkerEvent::Failed {
            id: appends[0],
            error: "NO quota".into(),
        },
    );
    assert!(out
        .iter()
        .any(|e| matches!(e, Effect::Refused { account: 0, .. })));
    // The second is stored after all: that copy goes again, at once.
    let out = on(
        &mut s,
        1,
        WorkerEvent::Done {
            id: appends[1],
            result: DoneResult::Appended {
                uidvalidity: 9,
                uid: Some(77),
            },
        },
    );
    assert!(
        matches!(
            out.as_slice(),
            [Effect::SendTo { account: 1, command: WorkerCommand::Expunge { messages, .. } }]
                if messages.uids == vec![77] && messages.folder == "Lists"
        ),
        "{out:?}"
    );
    // The third is refused too: nothing more to do, and the transfer is forgotten.
    let out = on(
        &mut s,
        1,
        WorkerEvent::Failed {
            id: appends[2],
            error: "NO quota".into(),
        },
    );
    assert!(out.is_empty(), "{out:?}");
    assert!(s.transfers.is_empty());
}

#[test]
fn a_reply_whose_original_arrives_after_switching_account_is_not_started() {
    let mut s = two();
    let effects = s.act(Action::Reply);
    let Some(Effect::Send(WorkerCommand::FetchBody { id, uid, .. })) = effects.first().cloned()
    else {
        panic!("{effects:?}")
    };
    command(&mut s, "account home");
    on(
        &mut s,
        0,
        WorkerEvent::Done {
            id,
            result: DoneResult::Body {
                folder: "INBOX".into(),
                uid,
                raw: b"Subject: x\r\n\r\nhi\r\n".to_vec(),
            },
        },
    );
    assert!(s.compose.is_none(), "home's keys would send work's reply");
    assert!(
        s.status
            .as_deref()
            .is_some_and(|t| t.contains("not started")),
        "{:?}",
        s.status
    );
}
