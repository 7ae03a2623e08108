//! The core IMAP checks against a second real server, Cyrus IMAP 3.6 (Debian's), started
//! privately per test like the Dovecot ones: login over TLS (and a wrong password refused),
//! special-use folders and the `/` separator, a cold sync and a QRESYNC resync equal to the
//! server, a changed UIDVALIDITY, move with MOVE and COPYUID, search, folder management,
//! IDLE, and reconnection after a restart.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failure is its panic

mod support;
use support::harness::Harness;
use support::scenarios::{resync_after_other_client_changes, sync_once};
use support::*;
use tern::imap::protocol::{
    DoneResult, Messages, SearchTerm, WorkerCommand as C, WorkerEvent as E,
};
use tern::imap::{connect, ops, sync::sync_folder, ImapError};
use tern::mail::{Flag, SpecialUse};
use tern_testkit::CyrusOptions;

/// Messages of a folder by UID, with the UIDVALIDITY the cache has for it.
fn messages(cache: &tern::cache::Cache, folder: &str, uids: Vec<u32>) -> Messages {
    let uidvalidity = cache
        .folder_state(folder)
        .unwrap()
        .expect("synced")
        .uidvalidity;
    Messages {
        folder: folder.into(),
        uidvalidity,
        uids,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_over_tls_special_use_folders_and_a_wrong_password_refused() {
    let d = cyrus(CyrusOptions::default());
    let mut conn = connect(&settings(&d)).await.expect("login over TLS");
    for cap in [
        "MOVE",
        "UIDPLUS",
        "QRESYNC",
        "CONDSTORE",
        "SPECIAL-USE",
        "IDLE",
    ] {
        assert!(conn.has_cap(cap), "Cyrus offers {cap}");
    }
    conn.enable_extensions().await.unwrap();
    assert!(conn.qresync_enabled(), "ENABLE QRESYNC took");
    let folders = tern::imap::folders::list_folders(&mut conn).await.unwrap();
    let special = |s: SpecialUse| {
        folders
            .iter()
            .find(|f| f.special == Some(s))
            .map(|f| f.name.clone())
    };
    assert_eq!(special(SpecialUse::Inbox).as_deref(), Some("INBOX"));
    for (s, name) in [
        (SpecialUse::Archive, "Archive"),
        (SpecialUse::Trash, "Trash"),
        (SpecialUse::Sent, "Sent"),
        (SpecialUse::Drafts, "Drafts"),
        (SpecialUse::Junk, "Junk"),
    ] {
        assert_eq!(special(s).as_deref(), Some(name), "{folders:?}");
    }
    assert!(folders
        .iter()
        .all(|f| f.delimiter.as_deref() == Some("/") && f.selectable && f.status.is_some()));
    conn.logout().await;

    let mut wrong = settings(&d);
    wrong.login.secret = tern::secrets::Secret::new("not the password");
    match connect(&wrong).await {
        Err(ImapError::Auth(words)) => assert!(!words.is_empty()),
        Err(e) => panic!("refused, but not as a login failure: {e}"),
        Ok(_) => panic!("logged in with a wrong password"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cold_sync_of_300_equals_the_server_newest_first() {
    let d = cyrus(CyrusOptions::default());
    let msgs = fill(&d, "INBOX", 300, 7);
    let dir = tempfile::tempdir().unwrap();
    let cache = new_cache(dir.path());
    let mut conn = connect(&settings(&d)).await.unwrap();
    conn.enable_extensions().await.unwrap();
    let mut batches = Vec::new();
    let mut progress = |p: tern::imap::sync::SyncProgress| batches.push((p.done, p.total));
    let r = sync_folder(&mut conn, &cache, "INBOX", &mut progress)
        .await
        .unwrap();
    assert_eq!(r.messages, 300);
    assert_eq!(batches.first(), Some(&(200, 300)), "a screenful first");
    assert_eq!(batches.last(), Some(&(300, 300)));
    let mut other = other_client(&d).await;
    let server = server_state(&mut other, "INBOX").await;
    assert_eq!(server.len(), 300);
    assert_eq!(cache_state(&cache, "INBOX"), server);
    // The delivered flags arrived (some messages are unread, some read).
    let seen = server.iter().filter(|(_, f)| f.has(Flag::Seen)).count();
    let expected = msgs.iter().filter(|m| m.flags.contains(&"\\Seen")).count();
    assert_eq!(seen, expected);
    let newest = &cache.newest("INBOX", 1).unwrap()[0];
    let latest = msgs.iter().max_by_key(|m| m.date).unwrap();
    assert_eq!(newest.subject, latest.subject);
    assert_eq!(newest.sort_date(), latest.date.timestamp());
}

/// Another client changes flags, expunges and appends; the next sync brings the cache to
/// equal the server, and the one after that has nothing to do.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resync_with_qresync_equals_the_server() {
    resync_after_other_client_changes(&cyrus(CyrusOptions::default()), true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resync_with_condstore_only_equals_the_server() {
    let opts = CyrusOptions {
        disable_caps: vec!["QRESYNC".into()],
        ..CyrusOptions::default()
    };
    resync_after_other_client_changes(&cyrus(opts), false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resync_without_qresync_or_condstore_equals_the_server() {
    let opts = CyrusOptions {
        disable_caps: vec!["QRESYNC".into(), "CONDSTORE".into()],
        ..CyrusOptions::default()
    };
    resync_after_other_client_changes(&cyrus(opts), false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_and_recreated_folder_is_refilled() {
    let d = cyrus(CyrusOptions::default());
    fill(&d, "Lists", 20, 3);
    let dir = tempfile::tempdir().unwrap();
    let cache = new_cache(dir.path());
    sync_once(&d, &cache, "Lists").await;
    let old = cache.folder_state("Lists").unwrap().unwrap().uidvalidity;
    let mut other = other_client(&d).await;
    tern::imap::folders::delete(&mut other, "Lists")
        .await
        .unwrap();
    tern::imap::folders::create(&mut other, "Lists")
        .await
        .unwrap();
    fill(&d, "Lists", 5, 99);
    let r = sync_once(&d, &cache, "Lists").await;
    assert!(r.reset, "{r:?}");
    assert_ne!(
        cache.folder_state("Lists").unwrap().unwrap().uidvalidity,
        old
    );
    assert_eq!(cache.count("Lists", old).unwrap(), 0, "old rows are gone");
    assert_eq!(
        cache_state(&cache, "Lists"),
        server_state(&mut other, "Lists").await
    );
}

/// Moves two messages to Archive while another is marked \Deleted (it must survive),
/// then moves them back by their COPYUID destination UIDs (undo).
async fn move_keeps_other_deleted_and_undoes(opts: CyrusOptions) {
    let d = cyrus(opts);
    fill(&d, "INBOX", 10, 1);
    let dir = tempfile::tempdir().unwrap();
    let cache = new_cache(dir.path());
    let mut other = other_client(&d).await;
    other.exec("SELECT INBOX", |_| false).await.unwrap();
    ops::store_flags(&mut other, &[2], &["\\Deleted".into()], true)
        .await
        .unwrap();
    let mut h = Harness::start(&d, cache.clone());
    h.synced("INBOX").await;
    h.worker.send(C::Move {
        id: 1,
        messages: messages(&cache, "INBOX", vec![4, 5]),
        dest: "Archive".into(),
    });
    let DoneResult::Copied(r) = h.done(1).await else {
        panic!("no copy result")
    };
    assert_eq!(r.source, vec![4, 5]);
    assert_eq!(r.dest.len(), 2, "COPYUID reported: {r:?}");
    let inbox = server_state(&mut other, "INBOX").await;
    let uids: Vec<u32> = inbox.iter().map(|x| x.0).collect();
    assert_eq!(uids, vec![1, 2, 3, 6, 7, 8, 9, 10], "\\Deleted 2 survives");
    assert!(inbox[1].1.has(Flag::Deleted));
    let archive = server_state(&mut other, "Archive").await;
    assert_eq!(archive.iter().map(|x| x.0).collect::<Vec<_>>(), r.dest);
    assert_eq!(cache_state(&cache, "INBOX"), inbox);
    // Undo by the destination UIDs: back to INBOX, and the caches follow.
    h.worker.send(C::Move {
        id: 2,
        messages: Messages {
            folder: "Archive".into(),
            uidvalidity: r.dest_uidvalidity,
            uids: r.dest.clone(),
        },
        dest: "INBOX".into(),
    });
    h.done(2).await;
    assert!(server_state(&mut other, "Archive").await.is_empty());
    h.worker.send(C::Sync {
        id: 3,
        folders: vec!["INBOX".into()],
    });
    h.done(3).await;
    let inbox = server_state(&mut other, "INBOX").await;
    assert_eq!(inbox.len(), 10);
    assert_eq!(cache_state(&cache, "INBOX"), inbox);
    h.worker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn move_with_move_returns_copyuid_and_the_cache_equals_the_server() {
    move_keeps_other_deleted_and_undoes(CyrusOptions::default()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn move_without_move_copies_and_expunges_only_these_uids() {
    let opts = CyrusOptions {
        disable_caps: vec!["MOVE".into()],
        ..CyrusOptions::default()
    };
    move_keeps_other_deleted_and_undoes(opts).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_to_trash_then_for_good_append_and_body_without_seen() {
    let d = cyrus(CyrusOptions::default());
    fill(&d, "INBOX", 30, 2);
    let dir = tempfile::tempdir().unwrap();
    let cache = new_cache(dir.path());
    let mut h = Harness::start(&d, cache.clone());
    h.synced("INBOX").await;
    let mut other = other_client(&d).await;

    // The body comes without setting \Seen.
    let unseen = server_state(&mut other, "INBOX")
        .await
        .into_iter()
        .find(|(_, f)| !f.has(Flag::Seen))
        .expect("an unseen message")
        .0;
    h.worker.send(C::FetchBody {
        id: 1,
        folder: "INBOX".into(),
        uidvalidity: messages(&cache, "INBOX", vec![]).uidvalidity,
        uid: unseen,
    });
    let DoneResult::Body { raw, .. } = h.done(1).await else {
        panic!("no body")
    };
    assert!(raw.windows(8).any(|w| w == b"Subject:"));
    let now = server_state(&mut other, "INBOX").await;
    assert!(!now
        .iter()
        .find(|x| x.0 == unseen)
        .unwrap()
        .1
        .has(Flag::Seen));

    // Delete, as the client sends it: a move to Trash, then inside Trash for good.
    h.worker.send(C::Move {
        id: 2,
        messages: messages(&cache, "INBOX", vec![unseen]),
        dest: "Trash".into(),
    });
    h.done(2).await;
    let trash = server_state(&mut other, "Trash").await;
    assert_eq!(trash.len(), 1);
    assert_eq!(
        cache_state(&cache, "INBOX"),
        server_state(&mut other, "INBOX").await
    );
    h.worker.send(C::Sync {
        id: 3,
        folders: vec!["Trash".into()],
    });
    h.done(3).await;
    h.worker.send(C::Expunge {
        id: 4,
        messages: messages(&cache, "Trash", vec![trash[0].0]),
    });
    h.done(4).await;
    assert!(server_state(&mut other, "Trash").await.is_empty());
    assert!(cache_state(&cache, "Trash").is_empty());

    // APPEND reports APPENDUID, and the message is there with its flag.
    let raw = b"From: Me <alice@example.org>\r\nSubject: kept\r\n\r\ndraft\r\n".to_vec();
    h.worker.send(C::Append {
        id: 5,
        folder: "Drafts".into(),
        flags: vec!["\\Draft".into()],
        raw,
    });
    let DoneResult::Appended { uid, uidvalidity } = h.done(5).await else {
        panic!("no append result")
    };
    let drafts = server_state(&mut other, "Drafts").await;
    assert_eq!(
        drafts.iter().map(|x| x.0).collect::<Vec<_>>(),
        vec![uid.expect("APPENDUID")]
    );
    assert!(drafts[0].1.has(Flag::Draft));
    assert_ne!(uidvalidity, 0);
    h.worker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_by_subject_flag_and_non_ascii_sender() {
    let d = cyrus(CyrusOptions::default());
    let msgs = fill(&d, "INBOX", 30, 2);
    let dir = tempfile::tempdir().unwrap();
    let cache = new_cache(dir.path());
    let mut h = Harness::start(&d, cache.clone());
    h.synced("INBOX").await;
    let mut other = other_client(&d).await;

    let target = &msgs[3].subject;
    let word = target
        .split_whitespace()
        .find(|w| w.len() > 5 && w.is_ascii())
        .unwrap_or("Re:")
        .to_string();
    h.worker.send(C::Search {
        id: 1,
        folder: "INBOX".into(),
        terms: vec![SearchTerm::Subject(word.clone())],
    });
    let DoneResult::SearchHits(hits) = h.done(1).await else {
        panic!()
    };
    let expected = msgs
        .iter()
        .filter(|m| m.subject.to_lowercase().contains(&word.to_lowercase()))
        .count();
    assert_eq!(hits.len(), expected, "search {word:?}");

    h.worker.send(C::SetFlags {
        id: 2,
        messages: messages(&cache, "INBOX", vec![3, 17]),
        flags: vec!["\\Flagged".into()],
        add: true,
    });
    h.done(2).await;
    h.worker.send(C::Search {
        id: 3,
        folder: "INBOX".into(),
        terms: vec![SearchTerm::Flagged],
    });
    let DoneResult::SearchHits(hits) = h.done(3).await else {
        panic!()
    };
    let flagged: Vec<u32> = server_state(&mut other, "INBOX")
        .await
        .iter()
        .filter(|x| x.1.has(Flag::Flagged))
        .map(|x| x.0)
        .rev()
        .collect();
    assert!(flagged.contains(&3) && flagged.contains(&17));
    assert_eq!(hits, flagged);

    // A non-ASCII search string goes as a literal with CHARSET UTF-8.
    let word = msgs
        .iter()
        .flat_map(|m| m.from.split_whitespace())
        .find(|w| !w.is_ascii() && !w.contains('<'))
        .expect("a non-ASCII sender")
        .to_string();
    h.worker.send(C::Search {
        id: 4,
        folder: "INBOX".into(),
        terms: vec![SearchTerm::From(word.clone())],
    });
    let DoneResult::SearchHits(hits) = h.done(4).await else {
        panic!()
    };
    let expected = msgs.iter().filter(|m| m.from.contains(&word)).count();
    assert!(expected > 0);
    assert_eq!(hits.len(), expected, "search from:{word}");
    h.worker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn folders_create_rename_with_children_and_delete() {
    let d = cyrus(CyrusOptions::default());
    fill(&d, "Projects/Q1", 4, 3);
    fill(&d, "INBOX/Sub", 3, 4);
    let dir = tempfile::tempdir().unwrap();
    let cache = new_cache(dir.path());
    let mut h = Harness::start(&d, cache.clone());
    h.synced("INBOX").await;
    let mut other = other_client(&d).await;
    let names = |l: Vec<tern::mail::FolderInfo>| l.into_iter().map(|f| f.name).collect::<Vec<_>>();

    h.worker.send(C::CreateFolder {
        id: 1,
        name: "Ideas".into(),
    });
    h.done(1).await;
    h.worker.send(C::RenameFolder {
        id: 2,
        from: "Ideas".into(),
        to: "Entwürfe 2026".into(),
    });
    h.done(2).await;
    let list = names(tern::imap::folders::list_folders(&mut other).await.unwrap());
    assert!(
        list.contains(&"Entwürfe 2026".to_string()) && !list.contains(&"Ideas".to_string()),
        "{list:?}"
    );
    h.worker.send(C::DeleteFolder {
        id: 3,
        name: "Entwürfe 2026".into(),
    });
    h.done(3).await;
    let list = names(tern::imap::folders::list_folders(&mut other).await.unwrap());
    assert!(!list.iter().any(|n| n.starts_with("Entw")), "{list:?}");

    // A parent renamed with its child: the child's cache goes, its mail is found anew.
    h.worker.send(C::Sync {
        id: 4,
        folders: vec!["Projects/Q1".into()],
    });
    h.done(4).await;
    assert_eq!(cache_state(&cache, "Projects/Q1").len(), 4);
    h.worker.send(C::RenameFolder {
        id: 5,
        from: "Projects".into(),
        to: "Done".into(),
    });
    h.done(5).await;
    assert!(cache.folder_state("Projects/Q1").unwrap().is_none());
    h.worker.send(C::Sync {
        id: 6,
        folders: vec!["Done/Q1".into()],
    });
    h.done(6).await;
    assert_eq!(
        cache_state(&cache, "Done/Q1"),
        server_state(&mut other, "Done/Q1").await
    );
    assert_eq!(cache_state(&cache, "Done/Q1").len(), 4);

    // A child of INBOX (the alternate namespace allows both INBOX/Sub and top level).
    h.worker.send(C::Sync {
        id: 7,
        folders: vec!["INBOX/Sub".into()],
    });
    h.done(7).await;
    let sub = server_state(&mut other, "INBOX/Sub").await;
    assert_eq!(sub.len(), 3);
    assert_eq!(cache_state(&cache, "INBOX/Sub"), sub);
    h.worker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_brings_another_clients_append_and_a_restart_is_survived() {
    let mut d = cyrus(CyrusOptions::default());
    fill(&d, "INBOX", 5, 3);
    let dir = tempfile::tempdir().unwrap();
    let cache = new_cache(dir.path());
    let mut h = Harness::start(&d, cache.clone());
    // The start-up sync, then the watcher's catch-up sync after its EXAMINE: what follows
    // can only come through IDLE.
    h.synced("INBOX").await;
    h.synced("INBOX").await;
    let mut other = other_client(&d).await;
    let raw = b"From: Bob <bob@example.org>\r\nSubject: arrives by IDLE\r\n\r\nhello\r\n";
    ops::append(&mut other, "INBOX", &[], raw).await.unwrap();
    other.logout().await;
    h.wait(|e| match e {
        E::FolderSynced(r) if r.folder == "INBOX" && r.new == 1 => Some(()),
        _ => None,
    })
    .await;
    assert!(cache
        .newest("INBOX", 0)
        .unwrap()
        .iter()
        .any(|m| m.subject == "arrives by IDLE"));

    d.stop();
    h.wait(|e| matches!(e, E::Offline { .. }).then_some(()))
        .await;
    d.restart().expect("restart");
    fill(&d, "INBOX", 2, 40);
    h.wait(|e| matches!(e, E::Online).then_some(())).await;
    h.wait(|e| match e {
        E::FolderSynced(r) if r.folder == "INBOX" && r.messages == 8 => Some(()),
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
