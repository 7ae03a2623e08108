//! `/` and `:search-all`: the index first, the server only for what it lacks.

use super::super::search::Found;
use super::super::state::{AppState, Effect, Link};
use super::{command, key, state, typed, uid_at};
use crate::action::Action;
use crossterm::event::KeyCode;
use tern_core::imap::protocol::{DoneResult, SearchTerm, WorkerCommand, WorkerEvent};
use tern_core::mail::{Address, Flags, MessageSummary, Row, Uid};

/// The only `Find` among the effects: (id, folder, words, terms).
fn find(effects: &[Effect]) -> (u64, String, Vec<String>, Vec<SearchTerm>) {
    let finds: Vec<_> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Find {
                id,
                folder,
                words,
                terms,
            } => Some((*id, folder.clone(), words.clone(), terms.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(finds.len(), 1, "{effects:?}");
    finds.into_iter().next().unwrap()
}

fn shown_uids(s: &AppState) -> Vec<Uid> {
    (0..s.shown_len()).map(|i| uid_at(s, i)).collect()
}

#[test]
fn search_words_show_at_once_then_the_index_then_the_server_for_the_rest() {
    let mut s = state(6);
    s.link = Link::Online;
    let mut all: Vec<MessageSummary> = (0..6)
        .map(|i| MessageSummary {
            uid: 6 - i,
            subject: format!("message {}", 6 - i),
            ..MessageSummary::default()
        })
        .collect();
    all[0].subject = "Quarterly report".into();
    all[1].from = vec![Address {
        name: Some("José Müller".into()),
        email: "j@x.de".into(),
    }];
    all[2].subject = "Report draft".into();
    all[3].flags = Flags::from_imap(["\\Seen"]);
    s.set_messages(all.into_iter().map(Row::from).collect());
    s.act(Action::Search);
    typed(&mut s, "müller");
    let effects = key(&mut s, KeyCode::Enter);
    let (id, folder, words, terms) = find(&effects);
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::Send(_))),
        "the index first"
    );
    assert_eq!(
        (folder.as_str(), words, terms),
        ("INBOX", vec!["müller".to_string()], vec![])
    );
    assert_eq!(s.shown_len(), 6, "the list stays until the index answers");
    // The index has it in the sender of 5 and the body of 2; every text is indexed.
    let more = s.found_here(Found {
        id,
        uids: vec![5, 2],
        complete: true,
        ..Found::default()
    });
    assert!(more.is_empty(), "nothing left for the server");
    assert_eq!(shown_uids(&s), vec![5, 2]);
    assert_eq!(s.status.as_deref(), Some("2 found"));
    // A reload from the cache keeps the search.
    let again = s.all.clone();
    s.set_messages(again);
    assert_eq!(s.shown_len(), 2);
    s.act(Action::ClearSearch);
    assert_eq!(s.shown_len(), 6);

    // While the index is being built, bare words also match inside subjects and senders;
    // new mail meanwhile is read too (what they matched is remembered per row, and made
    // again when the rows change).
    s.act(Action::Search);
    typed(&mut s, "ller");
    let (id, ..) = find(&key(&mut s, KeyCode::Enter));
    s.found_here(Found {
        id,
        uids: vec![2],
        complete: false,
        ..Found::default()
    });
    assert_eq!(shown_uids(&s), vec![5, 2]);
    assert!(s.status.as_deref().unwrap().contains("still being built"));
    s.add_messages(vec![Row::from(MessageSummary {
        uid: 7,
        date: Some(10),
        from: vec![Address {
            name: Some("Anna Müller".into()),
            email: "anna@x.de".into(),
        }],
        ..MessageSummary::default()
    })]);
    assert_eq!(shown_uids(&s), vec![7, 5, 2]);
    s.act(Action::ClearSearch);
    assert_eq!(s.shown_len(), 7);

    // Terms: nothing at once; the index's hits, then the server asked only about the
    // messages whose text the index lacks, the flags checked on the rows.
    s.act(Action::Search);
    typed(&mut s, "report from:bob since:2026-01-01 is:unread");
    let (id, _, _, terms) = find(&key(&mut s, KeyCode::Enter));
    let since = SearchTerm::Since(chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap());
    assert_eq!(terms, vec![SearchTerm::From("bob".into()), since.clone()]);
    assert_eq!(s.shown_len(), 7, "the list stays until the index answers");
    let asked = s.found_here(Found {
        id,
        uids: vec![6, 3],
        unindexed: 2,
        indexed: vec![2, 3, 5, 6, 7],
        complete: true,
        ..Found::default()
    });
    assert_eq!(
        shown_uids(&s),
        vec![6],
        "3 is read: is:unread leaves it out"
    );
    assert!(s
        .status
        .as_deref()
        .unwrap()
        .starts_with("1 found; asking the server about 2"));
    let WorkerCommand::Search { id, folder, terms } = command(asked) else {
        panic!()
    };
    assert_eq!(folder, "INBOX");
    assert_eq!(
        terms,
        vec![
            SearchTerm::Text("report".into()),
            SearchTerm::From("bob".into()),
            since,
            SearchTerm::Unseen,
            SearchTerm::NotUids(vec![2, 3, 5, 6, 7]),
        ]
    );
    s.on_worker(WorkerEvent::Done {
        id,
        result: DoneResult::SearchHits(vec![4]),
    });
    assert_eq!(shown_uids(&s), vec![6, 4], "merged, each once");
    assert_eq!(
        s.status.as_deref(),
        Some("2 found (1 more from the server)")
    );
    s.act(Action::NextHit);
    assert_eq!(s.cursor, 1);

    // Offline: the index's hits, and a word on what could not be searched.
    s.link = Link::Offline {
        reason: "down".into(),
        retry_at: 0,
    };
    s.act(Action::Search);
    typed(&mut s, "report");
    let (id, ..) = find(&key(&mut s, KeyCode::Enter));
    let asked = s.found_here(Found {
        id,
        uids: vec![1],
        unindexed: 1,
        complete: true,
        ..Found::default()
    });
    assert!(asked.is_empty());
    assert_eq!(shown_uids(&s), vec![1], "the index's hit");
    let said = s.status.clone().unwrap();
    assert!(
        said.starts_with("1 found;") && said.contains("offline"),
        "{said}"
    );
}

#[test]
fn search_all_lists_index_hits_then_asks_the_server_about_folders_never_synced() {
    let mut s = state(3);
    s.link = Link::Online;
    s.act(Action::CommandLine);
    typed(&mut s, "search-all invoice");
    let effects = key(&mut s, KeyCode::Enter);
    let [Effect::FindEverywhere {
        id, words, folders, ..
    }] = &effects[..]
    else {
        panic!("{effects:?}")
    };
    assert_eq!(words, &vec!["invoice".to_string()]);
    assert_eq!(folders[0].1.len(), 5, "every folder of the account");
    let row = |uid| {
        Row::of(&MessageSummary {
            uid,
            ..MessageSummary::default()
        })
    };
    let asked = s.found_everywhere(Found {
        id: *id,
        rows: vec![(0, "Archive".into(), row(9))],
        unsynced: vec![(0, "Lists/rust".into())],
        complete: true,
        ..Found::default()
    });
    let [Effect::SendTo {
        account: 0,
        command: WorkerCommand::Search { id, folder, terms },
    }] = &asked[..]
    else {
        panic!("{asked:?}")
    };
    assert_eq!(folder, "Lists/rust");
    assert_eq!(terms, &vec![SearchTerm::Text("invoice".into())]);
    let load = s.on_worker(WorkerEvent::Done {
        id: *id,
        result: DoneResult::SearchHits(vec![5, 7]),
    });
    assert_eq!(
        load,
        vec![Effect::LoadHits {
            folder: "Lists/rust".into(),
            uids: vec![7, 5]
        }]
    );
    s.add_hits("Lists/rust", vec![row(7)]);
    let hits = &s.results.as_ref().unwrap().hits;
    assert_eq!(hits.len(), 2);
    assert_eq!(
        (hits[1].folder.as_str(), hits[1].row.uid),
        ("Lists/rust", 7)
    );
    let effects = s.act(Action::Open);
    assert_eq!(s.folder, "Archive");
    assert_eq!(s.jump_to, Some(9));
    assert!(s.results.is_none());
    assert!(effects.contains(&Effect::ReloadFolder));
    s.set_messages(vec![
        Row::of(&MessageSummary {
            uid: 10,
            ..MessageSummary::default()
        }),
        Row::of(&MessageSummary {
            uid: 9,
            ..MessageSummary::default()
        }),
    ]);
    assert_eq!(s.cursor, 1, "the cursor lands on the hit");
    assert_eq!(
        s.reader.as_ref().map(|r| r.uid),
        Some(9),
        "and the reader opens it"
    );
}
