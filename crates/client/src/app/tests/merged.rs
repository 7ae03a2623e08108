//! All inboxes: every account's INBOX in one list, newest first; actions on a row are
//! its account's.

use super::super::update::{update, Event, Loaded};
use super::accounts::{command, on, two};
use super::*;

/// "work" (shown) has messages dated 10, 20, 30; "home" 15 and 25, read from its cache.
fn both_with_mail() -> AppState {
    let mut s = two();
    for (i, m) in s.all.iter_mut().enumerate() {
        m.date = 30 - 10 * i as i64; // UIDs 3, 2, 1 newest first
    }
    s.enter(1);
    update(
        &mut s,
        Event::Loaded(Loaded {
            folder: "INBOX".into(),
            uidvalidity: 9,
            list: [(2, 25), (1, 15)]
                .into_iter()
                .map(|(uid, date)| MessageSummary {
                    uid,
                    date: Some(date),
                    subject: format!("home {uid}"),
                    ..MessageSummary::default()
                })
                .map(Row::from)
                .collect(),
            done: true,
            total: 2,
            newer_than: None,
        }),
    );
    s.leave(1);
    s
}

/// An action as a key press applies it: the merged list is ordered again after it.
fn act(s: &mut AppState, action: Action) -> Vec<Effect> {
    let out = s.act(action);
    s.rebuild_merged();
    out
}

fn merged_subjects(s: &AppState) -> Vec<String> {
    (0..s.merged.as_ref().map_or(0, |m| m.rows.len()))
        .filter_map(|i| s.merged_row(i).map(|(_, m)| m.subject().to_string()))
        .collect()
}

#[test]
fn all_inboxes_is_first_in_the_sidebar_and_merges_newest_first() {
    let mut s = both_with_mail();
    assert_eq!(s.sidebar_places()[0].1.name, "All inboxes");
    let effects = command(&mut s, "go All inboxes");
    assert!(
        effects.is_empty(),
        "both INBOXes are open already: {effects:?}"
    );
    assert_eq!(
        merged_subjects(&s),
        vec!["work 3", "home 2", "work 2", "home 1", "work 1"]
    );
    assert_eq!(s.merged.as_ref().map(|m| m.cursor), Some(0));
    act(&mut s, Action::Down);
    act(&mut s, Action::Down);
    assert_eq!(s.merged.as_ref().map(|m| m.cursor), Some(2));
    // `/` keeps the rows whose subject or sender has the words, in every account.
    act(&mut s, Action::Search);
    typed(&mut s, "home");
    s.prompt_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    s.rebuild_merged();
    assert_eq!(merged_subjects(&s), vec!["home 2", "home 1"]);
    act(&mut s, Action::ClearSearch);
    assert_eq!(merged_subjects(&s).len(), 5);
    // J leaves it for the first account's first folder.
    act(&mut s, Action::NextFolder);
    assert!(s.merged.is_none());
    assert_eq!((s.account.as_str(), s.folder.as_str()), ("work", "INBOX"));
}

#[test]
fn an_action_on_a_row_is_done_by_its_account() {
    let mut s = both_with_mail();
    command(&mut s, "go All inboxes");
    act(&mut s, Action::Down); // "home 2"
    let effects = act(&mut s, Action::ToggleFlagged);
    assert_eq!(s.account, "home", "the row's account is the one shown now");
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::Send(WorkerCommand::SetFlags { messages, .. })]
                if messages.uids == vec![2] && messages.uidvalidity == 9
        ),
        "{effects:?}"
    );
    assert!(s.merged_row(1).unwrap().1.has(Flag::Flagged));
    // Archive it: it leaves the merged list; the cursor stays at its place.
    on(
        &mut s,
        1,
        WorkerEvent::Folders(vec![
            folder("INBOX", None),
            folder("Archive", Some(SpecialUse::Archive)),
        ]),
    );
    let archived = act(&mut s, Action::Archive);
    assert!(
        matches!(
            archived.as_slice(),
            [Effect::Send(WorkerCommand::Move { dest, .. })] if dest == "Archive"
        ),
        "{archived:?}"
    );
    assert_eq!(
        merged_subjects(&s),
        vec!["work 3", "work 2", "home 1", "work 1"]
    );
    assert_eq!(s.merged.as_ref().unwrap().cursor, 1);
    // Opening a row shows it in its account's reader; q comes back to all inboxes.
    act(&mut s, Action::Down); // "home 1"
    act(&mut s, Action::Open);
    assert_eq!(s.reader.as_ref().map(|r| r.uid), Some(1));
    assert_eq!(s.account, "home");
    act(&mut s, Action::Quit);
    assert!(s.reader.is_none());
    assert_eq!(
        s.merged.as_ref().map(|m| (m.cursor, m.rows.len())),
        Some((2, 4))
    );
    // The server agrees to the archive: `u` on a row of work undoes it all the same
    // (the last change made, in whichever account).
    let Some(Effect::Send(WorkerCommand::Move { id, .. })) = archived.first().cloned() else {
        panic!("{archived:?}")
    };
    on(
        &mut s,
        1,
        WorkerEvent::Done {
            id,
            result: DoneResult::Copied(CopyResult {
                dest_uidvalidity: 5,
                source: vec![2],
                dest: vec![70],
            }),
        },
    );
    act(&mut s, Action::First);
    act(&mut s, Action::Open);
    act(&mut s, Action::Quit);
    assert_eq!(s.account, "work");
    let effects = act(&mut s, Action::Undo);
    assert_eq!(s.account, "home");
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::Send(WorkerCommand::Move { messages, dest, .. })]
                if dest == "INBOX" && messages.uids == vec![70]
        ),
        "{effects:?}"
    );
}

/// Flags the row under the merged cursor and lets its account's server agree.
fn flag_agreed(s: &mut AppState) {
    let effects = act(s, Action::ToggleFlagged);
    let Some(Effect::Send(WorkerCommand::SetFlags { id, .. })) = effects.first().cloned() else {
        panic!("{effects:?}")
    };
    s.on_worker(WorkerEvent::Done {
        id,
        result: DoneResult::Ok,
    });
}

#[test]
fn u_in_all_inboxes_undoes_the_latest_change_left_after_an_undo_in_one_account() {
    let mut s = both_with_mail();
    command(&mut s, "go All inboxes");
    flag_agreed(&mut s); // work 3
    act(&mut s, Action::Down);
    flag_agreed(&mut s); // home 2
    act(&mut s, Action::Down);
    flag_agreed(&mut s); // work 2
                         // work's last change is undone in work's own INBOX...
    command(&mut s, "account work");
    let effects = act(&mut s, Action::Undo);
    assert!(
        matches!(effects.as_slice(), [Effect::Send(WorkerCommand::SetFlags { messages, add: false, .. })] if messages.uids == vec![2]),
        "{effects:?}"
    );
    // ...so in all inboxes the latest change left is home's, not work's first one.
    command(&mut s, "go All inboxes");
    let effects = act(&mut s, Action::Undo);
    assert_eq!(s.account, "home");
    assert!(
        matches!(effects.as_slice(), [Effect::Send(WorkerCommand::SetFlags { messages, add: false, .. })] if messages.uids == vec![2] && messages.uidvalidity == 9),
        "{effects:?}"
    );
}

#[test]
fn an_account_searched_before_all_inboxes_opened_acts_on_the_row_under_the_cursor() {
    let mut s = both_with_mail();
    // work's own list shows only "work 3" (a search made there).
    act(&mut s, Action::Search);
    typed(&mut s, "work 3");
    let effects = s.prompt_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    let Some(Effect::Find { id, .. }) = effects.first() else {
        panic!("{effects:?}")
    };
    // The index not built yet: the words are looked for in subjects and senders.
    s.found_here(crate::app::search::Found {
        id: *id,
        ..Default::default()
    });
    assert_eq!(s.shown_len(), 1);
    command(&mut s, "go All inboxes");
    act(&mut s, Action::Down);
    act(&mut s, Action::Down); // "work 2", hidden by work's search
    let effects = act(&mut s, Action::ToggleFlagged);
    assert!(
        matches!(effects.as_slice(), [Effect::Send(WorkerCommand::SetFlags { messages, .. })] if messages.uids == vec![2]),
        "{effects:?}"
    );
}

#[test]
fn a_selection_across_accounts_is_acted_on_by_each_account() {
    let mut s = both_with_mail();
    s.folders.push(folder("Archive", Some(SpecialUse::Archive)));
    on(
        &mut s,
        1,
        WorkerEvent::Folders(vec![
            folder("INBOX", Some(SpecialUse::Inbox)),
            folder("Archive", Some(SpecialUse::Archive)),
        ]),
    );
    command(&mut s, "go All inboxes");
    act(&mut s, Action::Select); // work 3
    act(&mut s, Action::Down);
    act(&mut s, Action::Select); // home 2
    act(&mut s, Action::Down); // the cursor on work 2, not selected
    let flagged = act(&mut s, Action::ToggleFlagged);
    let sets: Vec<(usize, Vec<u32>)> = flagged
        .iter()
        .filter_map(|e| match e {
            Effect::SendTo {
                account,
                command: WorkerCommand::SetFlags { messages, .. },
            } => Some((*account, messages.uids.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(sets, vec![(1, vec![2]), (0, vec![3])], "{flagged:?}");
    let flagged_rows: Vec<String> = (0..5)
        .filter_map(|i| s.merged_row(i))
        .filter(|(_, m)| m.has(Flag::Flagged))
        .map(|(_, m)| m.subject().to_string())
        .collect();
    assert_eq!(flagged_rows, vec!["work 3", "home 2"]);
    // A flag ends the selection, as in one account; select again and archive: both
    // rows leave, each to its own account's Archive.
    act(&mut s, Action::First);
    act(&mut s, Action::Select);
    act(&mut s, Action::Down);
    act(&mut s, Action::Select);
    act(&mut s, Action::Down);
    let archived = act(&mut s, Action::Archive);
    let moves: Vec<(usize, Vec<u32>, String)> = archived
        .iter()
        .filter_map(|e| match e {
            Effect::SendTo {
                account,
                command: WorkerCommand::Move { messages, dest, .. },
            } => Some((*account, messages.uids.clone(), dest.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        moves,
        vec![
            (1, vec![2], "Archive".into()),
            (0, vec![3], "Archive".into())
        ],
        "{archived:?}"
    );
    assert_eq!(merged_subjects(&s), vec!["work 2", "home 1", "work 1"]);
    // The servers agree; `u` undoes the parts, the latest (work's) first.
    for (account, id, source, dest) in [(1, 2, 2, 80), (0, 3, 3, 90)] {
        let Some(Effect::SendTo {
            command: WorkerCommand::Move { id: request, .. },
            ..
        }) = archived.iter().find(|e| {
            matches!(e, Effect::SendTo { account: a, command: WorkerCommand::Move { messages, .. } }
                if *a == account && messages.uids == vec![id])
        })
        else {
            panic!("{archived:?}")
        };
        on(
            &mut s,
            account,
            WorkerEvent::Done {
                id: *request,
                result: DoneResult::Copied(CopyResult {
                    dest_uidvalidity: 5,
                    source: vec![source],
                    dest: vec![dest],
                }),
            },
        );
    }
    for (account, uid) in [("work", 90), ("home", 80)] {
        let undone = act(&mut s, Action::Undo);
        assert_eq!(s.account, account);
        assert!(
            matches!(undone.as_slice(), [Effect::Send(WorkerCommand::Move { dest, messages, .. })]
                if dest == "INBOX" && messages.uids == vec![uid]),
            "{undone:?}"
        );
    }
}

#[test]
fn a_search_with_terms_asks_every_accounts_server_and_shows_what_each_found() {
    let mut s = both_with_mail();
    command(&mut s, "go All inboxes");
    act(&mut s, Action::Search);
    typed(&mut s, "from:bob");
    let asked = s.prompt_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    let searches: Vec<(usize, u64)> = asked
        .iter()
        .filter_map(|e| match e {
            Effect::SendTo {
                account,
                command: WorkerCommand::Search { id, folder, terms },
            } if folder == "INBOX" && terms == &vec![SearchTerm::From("bob".into())] => {
                Some((*account, *id))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        searches.iter().map(|p| p.0).collect::<Vec<_>>(),
        vec![0, 1],
        "{asked:?}"
    );
    s.rebuild_merged();
    assert!(
        merged_subjects(&s).is_empty(),
        "nothing shows before the servers answer"
    );
    // home's server answers first, then work's.
    on(
        &mut s,
        1,
        WorkerEvent::Done {
            id: searches[1].1,
            result: DoneResult::SearchHits(vec![2]),
        },
    );
    s.rebuild_merged();
    assert_eq!(merged_subjects(&s), vec!["home 2"]);
    assert!(
        s.status.as_deref().unwrap_or("").contains("1 to go"),
        "{:?}",
        s.status
    );
    on(
        &mut s,
        0,
        WorkerEvent::Done {
            id: searches[0].1,
            result: DoneResult::SearchHits(vec![1, 3]),
        },
    );
    s.rebuild_merged();
    assert_eq!(merged_subjects(&s), vec!["work 3", "home 2", "work 1"]);
    assert_eq!(s.status.as_deref(), Some("3 found on the servers"));
    // A server that cannot search (offline): its rows stay out, and the status says so.
    act(&mut s, Action::Search);
    typed(&mut s, "is:flagged");
    let asked = s.prompt_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    let ids: Vec<u64> = asked
        .iter()
        .filter_map(|e| match e {
            Effect::SendTo {
                command: WorkerCommand::Search { id, .. },
                ..
            } => Some(*id),
            _ => None,
        })
        .collect();
    on(
        &mut s,
        1,
        WorkerEvent::Failed {
            id: ids[1],
            error: "offline".into(),
        },
    );
    on(
        &mut s,
        0,
        WorkerEvent::Done {
            id: ids[0],
            result: DoneResult::SearchHits(vec![2]),
        },
    );
    s.rebuild_merged();
    assert_eq!(merged_subjects(&s), vec!["work 2"]);
    assert_eq!(
        s.status.as_deref(),
        Some("1 found on the servers; not searched: home: offline")
    );
    // Esc shows every row again.
    act(&mut s, Action::ClearSearch);
    assert_eq!(merged_subjects(&s).len(), 5);
}

#[test]
fn a_selection_across_accounts_moves_to_one_folder_each_part_its_own_way() {
    let mut s = both_with_mail();
    command(&mut s, "go All inboxes");
    act(&mut s, Action::Select); // work 3
    act(&mut s, Action::Down);
    act(&mut s, Action::Select); // home 2
                                 // (home, the last row's account, is the one shown: its folders go by their names.)
    assert_eq!(s.account, "home");
    let effects = command(&mut s, "move Lists");
    s.rebuild_merged();
    // home's part moves within home; work's goes across: fetched from work first.
    assert!(
        effects.iter().any(|e| matches!(e,
            Effect::SendTo { account: 1, command: WorkerCommand::Move { messages, dest, .. } }
                if messages.uids == vec![2] && dest == "Lists")),
        "{effects:?}"
    );
    assert!(
        effects.iter().any(|e| matches!(
            e,
            Effect::SendTo {
                account: 0,
                command: WorkerCommand::FetchBody { uid: 3, .. }
            }
        )),
        "{effects:?}"
    );
    assert_eq!(merged_subjects(&s), vec!["work 2", "home 1", "work 1"]);
    // M with such a selection asks for the folder rather than refusing.
    let mut s = both_with_mail();
    command(&mut s, "go All inboxes");
    act(&mut s, Action::Select);
    act(&mut s, Action::Down);
    act(&mut s, Action::Select);
    act(&mut s, Action::MoveTo);
    assert!(s.prompt.is_some(), "{:?}", s.status);
}
