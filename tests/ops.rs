//! Message operations through the worker against the real server: move with and without
//! MOVE (another \Deleted message survives), COPYUID, folders, search, body fetch without
//! \Seen, IDLE delivery, and reconnection after Dovecot restarts.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failure is its panic

mod support;
use std::time::Duration;
use support::harness::Harness;
use support::*;
use tern::imap::protocol::{
    DoneResult, Messages, SearchTerm, WorkerCommand as C, WorkerEvent as E,
};
use tern::imap::worker::{spawn, WorkerOptions};
use tern::mail::Flag;
use tern_testkit::DovecotOptions;
use tokio::sync::mpsc;

impl Harness {
    /// Waits for the start-up sync and the watcher's catch-up sync after its EXAMINE, so
    /// that what follows can only be seen through IDLE or polling.
    async fn watching(&mut self) {
        self.synced("INBOX").await;
        self.synced("INBOX").await;
    }

    /// Another client appends a message to INBOX; waits until a sync brings it into the
    /// cache (so it can only have come through IDLE or polling after `watching`).
    async fn sees_mail_from_another_client(
        &mut self,
        d: &tern_testkit::Dovecot,
        cache: &tern::cache::Cache,
        subject: &str,
    ) {
        let mut other = other_client(d).await;
        let raw = format!("From: Bob <bob@example.org>\r\nSubject: {subject}\r\n\r\nhello\r\n");
        tern::imap::ops::append(&mut other, "INBOX", &[], raw.as_bytes())
            .await
            .unwrap();
        self.wait(|e| match e {
            E::FolderSynced(r) if r.folder == "INBOX" && r.new == 1 => Some(()),
            _ => None,
        })
        .await;
        let all = cache.newest("INBOX", 0).unwrap();
        assert!(
            all.iter().any(|m| m.subject == subject),
            "{subject} not cached"
        );
    }
}

async fn move_keeps_other_deleted(opts: DovecotOptions) {
    let d = server(opts);
    fill(&d, "INBOX", 10, 1);
    let dir = tempfile::tempdir().unwrap();
    let cache = new_cache(dir.path());
    let mut other = other_client(&d).await;
    other.exec("SELECT INBOX", |_| false).await.unwrap();
    tern::imap::ops::store_flags(&mut other, &[2], &["\\Deleted".into()], true)
        .await
        .unwrap();
    let mut h = Harness::start(&d, cache.clone());
    h.synced("INBOX").await;
    h.worker.send(C::Move {
        id: 1,
        messages: inbox(&cache, vec![4, 5]),
        dest: "Archive".into(),
    });
    let DoneResult::Copied(r) = h.done(1).await else {
        panic!("no copy result")
    };
    assert_eq!(r.source, vec![4, 5]);
    assert_eq!(r.dest.len(), 2, "COPYUID reported: {r:?}");
    let inbox = server_state(&mut other, "INBOX").await;
    let uids: Vec<u32> = inbox.iter().map(|x| x.0).collect();
    assert_eq!(
        uids,
        vec![1, 2, 3, 6, 7, 8, 9, 10],
        "the other \\Deleted message survives"
    );
    assert!(inbox[1].1.has(Flag::Deleted));
    let archive = server_state(&mut other, "Archive").await;
    assert_eq!(archive.iter().map(|x| x.0).collect::<Vec<_>>(), r.dest);
    assert_eq!(cache_state(&cache, "INBOX"), inbox);
    h.worker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn move_with_move_capability() {
    move_keeps_other_deleted(DovecotOptions::default()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn move_without_move_capability_uses_uid_expunge() {
    move_keeps_other_deleted(DovecotOptions {
        disable_caps: vec!["MOVE".into()],
        ..DovecotOptions::default()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn move_and_flags_without_move_qresync_or_condstore() {
    let opts = DovecotOptions {
        disable_caps: vec!["MOVE".into(), "QRESYNC".into(), "CONDSTORE".into()],
        ..DovecotOptions::default()
    };
    move_keeps_other_deleted(opts.clone()).await;
    // Flag changes reach the cache from the server's replies (sequence numbers only).
    let d = server(opts);
    fill(&d, "INBOX", 5, 9);
    let dir = tempfile::tempdir().unwrap();
    let cache = new_cache(dir.path());
    let mut h = Harness::start(&d, cache.clone());
    h.synced("INBOX").await;
    h.worker.send(C::SetFlags {
        id: 1,
        messages: inbox(&cache, vec![2, 4]),
        flags: vec!["\\Flagged".into()],
        add: true,
    });
    h.done(1).await;
    let mut other = other_client(&d).await;
    let server_now = server_state(&mut other, "INBOX").await;
    assert!(server_now[1].1.has(Flag::Flagged) && server_now[3].1.has(Flag::Flagged));
    assert_eq!(cache_state(&cache, "INBOX"), server_now);
    h.worker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flags_search_body_and_folders() {
    let d = server(DovecotOptions::default());
    let msgs = fill(&d, "INBOX", 30, 2);
    let dir = tempfile::tempdir().unwrap();
    let cache = new_cache(dir.path());
    let mut h = Harness::start(&d, cache.clone());
    h.synced("INBOX").await;
    let mut other = other_client(&d).await;

    // Body fetch leaves \Seen alone.
    let unseen = server_state(&mut other, "INBOX")
        .await
        .into_iter()
        .find(|(_, f)| !f.has(Flag::Seen))
        .expect("an unseen message")
        .0;
    h.worker.send(C::FetchBody {
        id: 1,
        folder: "INBOX".into(),
        uidvalidity: inbox(&cache, vec![]).uidvalidity,
        uid: unseen,
    });
    let DoneResult::Body { raw, .. } = h.done(1).await else {
        panic!()
    };
    assert!(raw.windows(8).any(|w| w == b"Subject:"));
    let after = server_state(&mut other, "INBOX").await;
    assert!(!after
        .iter()
        .find(|x| x.0 == unseen)
        .unwrap()
        .1
        .has(Flag::Seen));

    // Flags.
    h.worker.send(C::SetFlags {
        id: 2,
        messages: inbox(&cache, vec![unseen]),
        flags: vec!["\\Seen".into(), "\\Flagged".into()],
        add: true,
    });
    h.done(2).await;
    let after = server_state(&mut other, "INBOX").await;
    let f = &after.iter().find(|x| x.0 == unseen).unwrap().1;
    assert!(f.has(Flag::Seen) && f.has(Flag::Flagged));
    assert_eq!(cache_state(&cache, "INBOX"), after);

    // Search by subject finds exactly the messages with that subject.
    let target = &msgs[3].subject;
    let word = target
        .split_whitespace()
        .find(|w| w.len() > 5 && w.is_ascii())
        .unwrap_or("Re:")
        .to_string();
    h.worker.send(C::Search {
        id: 3,
        folder: "INBOX".into(),
        terms: vec![SearchTerm::Subject(word.clone())],
    });
    let DoneResult::SearchHits(hits) = h.done(3).await else {
        panic!()
    };
    let expected = msgs
        .iter()
        .filter(|m| m.subject.to_lowercase().contains(&word.to_lowercase()))
        .count();
    assert_eq!(hits.len(), expected, "search {word:?}");
    // Not among some of them (the messages the local index has read): the others.
    assert!(hits.len() >= 2, "{hits:?}");
    let mut sorted = hits.clone();
    sorted.sort_unstable();
    h.worker.send(C::Search {
        id: 41,
        folder: "INBOX".into(),
        terms: vec![
            SearchTerm::Subject(word.clone()),
            SearchTerm::NotUids(sorted[..2].to_vec()),
        ],
    });
    let DoneResult::SearchHits(mut rest) = h.done(41).await else {
        panic!()
    };
    rest.sort_unstable();
    assert_eq!(rest, sorted[2..].to_vec());
    h.worker.send(C::Search {
        id: 4,
        folder: "INBOX".into(),
        terms: vec![SearchTerm::Flagged],
    });
    let DoneResult::SearchHits(hits) = h.done(4).await else {
        panic!()
    };
    let flagged: Vec<u32> = after
        .iter()
        .filter(|x| x.1.has(Flag::Flagged))
        .map(|x| x.0)
        .rev()
        .collect();
    assert_eq!(hits, flagged);

    // A non-ASCII search string goes as a literal with CHARSET UTF-8.
    let word = msgs
        .iter()
        .flat_map(|m| m.from.split_whitespace())
        .find(|w| !w.is_ascii() && !w.contains('<'))
        .expect("a non-ASCII sender")
        .to_string();
    h.worker.send(C::Search {
        id: 40,
        folder: "INBOX".into(),
        terms: vec![SearchTerm::From(word.clone())],
    });
    let DoneResult::SearchHits(hits) = h.done(40).await else {
        panic!()
    };
    let expected = msgs.iter().filter(|m| m.from.contains(&word)).count();
    assert!(expected > 0);
    assert_eq!(hits.len(), expected, "search from:{word}");

    // A bare word: the server's subject-or-sender search (`:search-all`) finds what
    // `/` finds in the cache, by the same rule.
    let cached = cache.newest("INBOX", 0).unwrap();
    let subject_word = msgs[5]
        .subject
        .split_whitespace()
        .find(|w| w.len() > 4 && w.is_ascii())
        .unwrap_or("Re:")
        .to_lowercase();
    for (id, w) in [(41, word.to_lowercase()), (42, subject_word)] {
        h.worker.send(C::Search {
            id,
            folder: "INBOX".into(),
            terms: vec![SearchTerm::SubjectOrFrom(w.clone())],
        });
        let DoneResult::SearchHits(mut hits) = h.done(id).await else {
            panic!()
        };
        hits.sort_unstable();
        let mut found: Vec<u32> = cached
            .iter()
            .filter(|m| tern::app::view::matches(&tern::mail::Row::of(m), std::slice::from_ref(&w)))
            .map(|m| m.uid)
            .collect();
        found.sort_unstable();
        assert!(!found.is_empty(), "{w}");
        assert_eq!(hits, found, "bare word {w:?}");
    }

    // Folders: create, rename, delete.
    h.worker.send(C::CreateFolder {
        id: 5,
        name: "Projects".into(),
    });
    h.done(5).await;
    h.worker.send(C::RenameFolder {
        id: 6,
        from: "Projects".into(),
        to: "Entwürfe 2026".into(),
    });
    h.done(6).await;
    // On the wire (and so on Dovecot's disk) the name is modified UTF-7.
    let on_disk: Vec<String> = std::fs::read_dir(d.maildir(&d.users()[0].0))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        on_disk.iter().any(|n| n.contains("Entw&APw-rfe 2026")),
        "{on_disk:?}"
    );
    let names = |l: Vec<tern::mail::FolderInfo>| l.into_iter().map(|f| f.name).collect::<Vec<_>>();
    let list = names(tern::imap::folders::list_folders(&mut other).await.unwrap());
    assert!(
        list.contains(&"Entwürfe 2026".to_string()) && !list.contains(&"Projects".to_string()),
        "{list:?}"
    );
    h.worker.send(C::DeleteFolder {
        id: 7,
        name: "Entwürfe 2026".into(),
    });
    h.done(7).await;
    let list = names(tern::imap::folders::list_folders(&mut other).await.unwrap());
    assert!(
        !list
            .iter()
            .any(|n| n.starts_with("Projects") || n.starts_with("Entw")),
        "{list:?}"
    );
    h.worker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_delivers_another_connections_append() {
    let d = server(DovecotOptions::default());
    fill(&d, "INBOX", 5, 3);
    let dir = tempfile::tempdir().unwrap();
    let cache = new_cache(dir.path());
    let mut h = Harness::start(&d, cache.clone());
    h.watching().await;
    h.sees_mail_from_another_client(&d, &cache, "arrives by IDLE")
        .await;
    assert_eq!(
        cache
            .count("INBOX", inbox(&cache, vec![]).uidvalidity)
            .unwrap(),
        6
    );
    h.worker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worker_reconnects_after_dovecot_restarts() {
    let mut d = server(DovecotOptions::default());
    fill(&d, "INBOX", 5, 4);
    let dir = tempfile::tempdir().unwrap();
    let cache = new_cache(dir.path());
    let mut h = Harness::start(&d, cache.clone());
    h.synced("INBOX").await;
    d.stop();
    h.wait(|e| matches!(e, E::Offline { .. }).then_some(()))
        .await;
    d.restart().expect("restart");
    fill(&d, "INBOX", 2, 40);
    h.wait(|e| matches!(e, E::Online).then_some(())).await;
    h.wait(|e| match e {
        E::FolderSynced(r) if r.folder == "INBOX" && r.messages == 7 => Some(()),
        _ => None,
    })
    .await;
    let mut other = other_client(&d).await;
    assert_eq!(
        cache_state(&cache, "INBOX"),
        server_state(&mut other, "INBOX").await
    );
    h.worker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_idle_new_mail_arrives_by_polling() {
    let d = server(DovecotOptions {
        disable_caps: vec!["IDLE".into()],
        ..DovecotOptions::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let cache = new_cache(dir.path());
    let opts = WorkerOptions {
        idle: tern::imap::idle::IdleTimings {
            poll: Duration::from_millis(200),
            ..Default::default()
        },
        ..WorkerOptions::default()
    };
    let mut h = Harness::with(&d, cache.clone(), opts);
    h.watching().await;
    h.sees_mail_from_another_client(&d, &cache, "polled").await;
    h.worker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_folders_counts_refresh_on_a_timer() {
    let d = server(DovecotOptions::default());
    let dir = tempfile::tempdir().unwrap();
    let cache = new_cache(dir.path());
    let opts = WorkerOptions {
        status_every: Duration::from_millis(200),
        ..WorkerOptions::default()
    };
    let mut h = Harness::with(&d, cache, opts);
    h.synced("INBOX").await;
    fill(&d, "Archive", 3, 5);
    h.wait(|e| match e {
        E::Folders(list) => list
            .iter()
            .find(|f| f.name == "Archive")
            .and_then(|f| f.status.as_ref())
            .filter(|s| s.messages == 3)
            .map(|_| ()),
        _ => None,
    })
    .await;
    h.worker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_uidvalidity_and_bad_input_are_refused_and_nothing_changes() {
    let d = server(DovecotOptions::default());
    fill(&d, "INBOX", 3, 6);
    let dir = tempfile::tempdir().unwrap();
    let cache = new_cache(dir.path());
    let mut h = Harness::start(&d, cache.clone());
    h.synced("INBOX").await;
    let mut other = other_client(&d).await;
    let before = server_state(&mut other, "INBOX").await;

    let mut stale = inbox(&cache, vec![1, 2]);
    stale.uidvalidity += 1;
    h.worker.send(C::Move {
        id: 1,
        messages: stale,
        dest: "Trash".into(),
    });
    assert!(h.failed(1).await.contains("UIDVALIDITY changed"));

    h.worker.send(C::SetFlags {
        id: 2,
        messages: inbox(&cache, vec![1]),
        flags: vec!["\\Seen) (\\Deleted".into()],
        add: true,
    });
    assert!(h.failed(2).await.contains("not a valid IMAP flag"));

    h.worker.send(C::Move {
        id: 3,
        messages: inbox(&cache, vec![]),
        dest: "Archive".into(),
    });
    assert!(h.failed(3).await.contains("no messages given"));

    assert_eq!(server_state(&mut other, "INBOX").await, before);
    h.worker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_login_waits_for_the_user_and_rereads_the_password() {
    let d = server(DovecotOptions::default());
    let dir = tempfile::tempdir().unwrap();
    let pass_file = dir.path().join("pass");
    std::fs::write(&pass_file, "wrong\n").unwrap();
    let mut s = settings(&d);
    s.login.secret = tern::secrets::Secret::new("wrong");
    s.login.password_command = Some(format!("cat '{}'", pass_file.display()));
    let (tx, events) = mpsc::unbounded_channel();
    let worker = spawn(s, new_cache(dir.path()), WorkerOptions::default(), tx);
    let mut h = Harness { events, worker };
    let words = h
        .wait(|e| match e {
            E::LoginRefused(w) => Some(w.clone()),
            E::Online => panic!("logged in with a wrong password"),
            _ => None,
        })
        .await;
    assert!(words.to_lowercase().contains("auth"), "{words}");
    // Fixed where the command reads it; tern tries again when asked, and gets in.
    std::fs::write(&pass_file, format!("{}\n", d.users()[0].1)).unwrap();
    h.worker.send(C::Sync {
        id: 1,
        folders: vec![],
    });
    h.wait(|e| match e {
        E::Online => Some(()),
        E::LoginRefused(w) => panic!("refused again: {w}"),
        _ => None,
    })
    .await;
    h.synced("INBOX").await;
    h.worker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renaming_a_folder_drops_the_cache_of_it_and_its_children() {
    let d = server(DovecotOptions::default());
    fill(&d, "Projects/Q1", 4, 3);
    let dir = tempfile::tempdir().unwrap();
    let cache = new_cache(dir.path());
    let mut h = Harness::start(&d, cache.clone());
    h.synced("INBOX").await;
    h.worker.send(C::Sync {
        id: 1,
        folders: vec!["Projects/Q1".into()],
    });
    h.done(1).await;
    assert_eq!(cache_state(&cache, "Projects/Q1").len(), 4);
    h.worker.send(C::RenameFolder {
        id: 2,
        from: "Projects".into(),
        to: "Done".into(),
    });
    h.done(2).await;
    assert!(cache.folder_state("Projects/Q1").unwrap().is_none());
    h.worker.send(C::Sync {
        id: 3,
        folders: vec!["Done/Q1".into()],
    });
    h.done(3).await;
    let mut other = other_client(&d).await;
    assert_eq!(
        cache_state(&cache, "Done/Q1"),
        server_state(&mut other, "Done/Q1").await
    );
    h.worker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_operations_on_scattered_uids_split_long_sets_and_undo_by_copyuid() {
    let d = server(DovecotOptions::default());
    fill(&d, "INBOX", 4000, 9);
    let dir = tempfile::tempdir().unwrap();
    let cache = new_cache(dir.path());
    let mut h = Harness::start(&d, cache.clone());
    h.synced("INBOX").await;
    // Every other UID: as one set this is ~10 KB, longer than one command may be.
    let odd: Vec<u32> = (1..=4000).step_by(2).collect();
    h.worker.send(C::SetFlags {
        id: 1,
        messages: inbox(&cache, odd.clone()),
        flags: vec!["\\Flagged".into()],
        add: true,
    });
    h.done(1).await;
    h.worker.send(C::Move {
        id: 2,
        messages: inbox(&cache, odd.clone()),
        dest: "Archive".into(),
    });
    let DoneResult::Copied(r) = h.done(2).await else {
        panic!("no copy result")
    };
    assert_eq!(r.source.len(), 2000);
    assert_eq!(r.dest.len(), 2000, "every part's COPYUID is kept");
    let mut other = other_client(&d).await;
    let archive = server_state(&mut other, "Archive").await;
    assert_eq!(archive.len(), 2000);
    assert!(archive.iter().all(|(_, f)| f.has(Flag::Flagged)));
    let inbox_now = server_state(&mut other, "INBOX").await;
    assert_eq!(inbox_now.len(), 2000);
    assert!(inbox_now.iter().all(|(u, _)| u % 2 == 0));
    // Undo: the destination UIDs move them back.
    let archive_uidv = r.dest_uidvalidity;
    h.worker.send(C::Move {
        id: 3,
        messages: Messages {
            folder: "Archive".into(),
            uidvalidity: archive_uidv,
            uids: r.dest.clone(),
        },
        dest: "INBOX".into(),
    });
    h.done(3).await;
    assert_eq!(server_state(&mut other, "INBOX").await.len(), 4000);
    assert!(server_state(&mut other, "Archive").await.is_empty());
    h.worker.shutdown().await;
}
