//! Searches of the server run on a connection of their own (`imap/searcher.rs`): a long
//! one does not hold up the user's changes, and a server that refuses one more
//! connection still answers them, on the command connection. Real Dovecot; the fault
//! proxy holds the search where the client sends it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failure is its panic

mod support;
use std::time::Duration;
use support::harness::Harness;
use support::*;
use tern::imap::protocol::{DoneResult, SearchTerm, WorkerCommand as C, WorkerEvent as E};
use tern_testkit::proxy::Proxy;
use tern_testkit::DovecotOptions;

/// A search the server takes long over (held here by the proxy where the client sends
/// it, on a plain port) runs on a connection of its own: a flag set meanwhile reaches
/// the server at once, and the search's hits still come when the server answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_search_does_not_hold_up_the_users_changes() {
    use tern::imap::protocol::Messages;
    use tern::mail::Flag;
    let d = server(DovecotOptions::default());
    fill(&d, "INBOX", 6, 3);
    let proxy = Proxy::start(d.plain_port()).expect("the fault proxy listens");
    let dir = tempfile::tempdir().unwrap();
    let cache = new_cache(dir.path());
    let mut s = settings(&d);
    s.login.security = tern::config::Security::Plain;
    s.login.port = proxy.port();
    let mut h = Harness::spawn(s, cache.clone(), Harness::quick());
    h.synced("INBOX").await;
    let uidvalidity = cache.folder_state("INBOX").unwrap().unwrap().uidvalidity;

    proxy.hold_at(b"UID SEARCH");
    h.worker.send(C::Search {
        id: 1,
        folder: "INBOX".into(),
        terms: vec![SearchTerm::Text("message".into())],
    });
    assert!(
        proxy.wait_held(1, Duration::from_secs(30)),
        "the search never reached the server"
    );
    h.worker.send(C::SetFlags {
        id: 2,
        messages: Messages {
            folder: "INBOX".into(),
            uidvalidity,
            uids: vec![2],
        },
        flags: vec!["\\Flagged".into()],
        add: true,
    });
    // The search is still held: the change's answer comes first, as itself (not kept
    // for later because its connection seemed dead).
    let first = h
        .wait(|e| match e {
            E::Done { .. } | E::Failed { .. } | E::Queued { .. } => Some(e.clone()),
            _ => None,
        })
        .await;
    assert!(
        matches!(first, E::Done { id: 2, .. }),
        "the flag waited behind the search: {first:?}"
    );
    let mut other = other_client(&d).await;
    let on_server = server_state(&mut other, "INBOX").await;
    let flagged: Vec<u32> = on_server
        .iter()
        .filter(|m| m.1.has(Flag::Flagged))
        .map(|m| m.0)
        .collect();
    assert_eq!(flagged, vec![2], "the server holds the flag");

    proxy.pass();
    let Ok(DoneResult::SearchHits(mut hits)) = h.answer(1).await else {
        panic!("the search was not answered")
    };
    hits.sort_unstable();
    let all: Vec<u32> = on_server.iter().map(|m| m.0).collect();
    assert_eq!(hits, all, "every generated message says 'message'");
    h.worker.shutdown().await;
}

/// A server that allows the account only the connections it has (command and IDLE):
/// the search connection is refused, and the search is run on the command connection,
/// with its hits, the link staying up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_refuses_one_more_connection_still_answers_searches() {
    let d = server(DovecotOptions {
        max_connections: Some(2),
        ..DovecotOptions::default()
    });
    fill(&d, "INBOX", 6, 5);
    let dir = tempfile::tempdir().unwrap();
    let cache = new_cache(dir.path());
    let mut h = Harness::start(&d, cache.clone());
    h.synced("INBOX").await;
    // New mail reported by the IDLE connection: both allowed connections are in use.
    fill(&d, "INBOX", 1, 6);
    h.wait(|e| matches!(e, E::FolderSynced(r) if r.messages == 7).then_some(()))
        .await;
    for id in [1, 2] {
        h.worker.send(C::Search {
            id,
            folder: "INBOX".into(),
            terms: vec![SearchTerm::Text("message".into())],
        });
        let mut offline = false;
        let answer = h
            .wait(|e| match e {
                E::Offline { .. } => {
                    offline = true;
                    None
                }
                E::Done { id: i, result } if *i == id => Some(Ok(result.clone())),
                E::Failed { id: i, error } if *i == id => Some(Err(error.clone())),
                _ => None,
            })
            .await;
        let Ok(DoneResult::SearchHits(mut hits)) = answer else {
            panic!("search {id} not answered with hits: {answer:?}")
        };
        hits.sort_unstable();
        assert_eq!(hits, (1..=7).collect::<Vec<u32>>(), "search {id}");
        assert!(!offline, "the refused connection took the account offline");
    }
    h.worker.shutdown().await;
}
