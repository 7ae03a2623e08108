//! Sync: a cold sync equals the server; resync after another client's changes equals the
//! server (with QRESYNC and without); a changed UIDVALIDITY refills the folder; a killed
//! `tern sync` leaves a cache the next run opens.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failure is its panic

mod support;
use support::scenarios::{resync_after_other_client_changes, sync_once};
use support::*;
use tern::imap::{connect, sync::sync_folder};
use tern_testkit::DovecotOptions;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cold_sync_of_1000_equals_the_server_newest_first() {
    let d = server(DovecotOptions::default());
    let msgs = fill(&d, "INBOX", 1000, 7);
    let dir = tempfile::tempdir().unwrap();
    let cache = new_cache(dir.path());
    let mut conn = connect(&settings(&d)).await.unwrap();
    conn.enable_extensions().await.unwrap();
    let mut batches = Vec::new();
    let mut progress = |p: tern::imap::sync::SyncProgress| batches.push((p.done, p.total));
    let r = sync_folder(&mut conn, &cache, "INBOX", &mut progress)
        .await
        .unwrap();
    assert_eq!(r.messages, 1000);
    assert_eq!(
        batches.first(),
        Some(&(200, 1000)),
        "a screenful arrives first"
    );
    assert_eq!(batches.last(), Some(&(1000, 1000)));
    let mut other = other_client(&d).await;
    assert_eq!(
        cache_state(&cache, "INBOX"),
        server_state(&mut other, "INBOX").await
    );
    // The newest message by date is first, with its decoded subject and sender.
    let newest = &cache.newest("INBOX", 1).unwrap()[0];
    let latest = msgs.iter().max_by_key(|m| m.date).unwrap();
    assert_eq!(newest.subject, latest.subject);
    assert_eq!(newest.sort_date(), latest.date.timestamp());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resync_with_qresync_equals_the_server() {
    resync_after_other_client_changes(&server(DovecotOptions::default()), true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resync_with_condstore_only_equals_the_server() {
    let opts = DovecotOptions {
        disable_caps: vec!["QRESYNC".into()],
        ..DovecotOptions::default()
    };
    resync_after_other_client_changes(&server(opts), false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resync_without_qresync_or_condstore_equals_the_server() {
    let opts = DovecotOptions {
        disable_caps: vec!["QRESYNC".into(), "CONDSTORE".into()],
        ..DovecotOptions::default()
    };
    resync_after_other_client_changes(&server(opts), false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changed_uidvalidity_drops_old_rows() {
    let d = server(DovecotOptions::default());
    let mut other = other_client(&d).await;
    tern::imap::folders::create(&mut other, "Lists")
        .await
        .unwrap();
    fill(&d, "Lists", 20, 3);
    let dir = tempfile::tempdir().unwrap();
    let cache = new_cache(dir.path());
    sync_once(&d, &cache, "Lists").await;
    let old = cache.folder_state("Lists").unwrap().unwrap().uidvalidity;
    // Delete and re-create the folder with other mail: a new UIDVALIDITY.
    tern::imap::folders::delete(&mut other, "Lists")
        .await
        .unwrap();
    tern::imap::folders::create(&mut other, "Lists")
        .await
        .unwrap();
    let fresh = fill(&d, "Lists", 5, 99);
    let r = sync_once(&d, &cache, "Lists").await;
    assert!(r.reset);
    let st = cache.folder_state("Lists").unwrap().unwrap();
    assert_ne!(st.uidvalidity, old);
    assert_eq!(cache.count("Lists", old).unwrap(), 0, "old rows are gone");
    let subjects: std::collections::BTreeSet<_> = cache
        .newest("Lists", 0)
        .unwrap()
        .into_iter()
        .map(|m| m.subject)
        .collect();
    let expected: std::collections::BTreeSet<_> = fresh.into_iter().map(|m| m.subject).collect();
    assert_eq!(subjects, expected);
    assert_eq!(
        cache_state(&cache, "Lists"),
        server_state(&mut other, "Lists").await
    );
}
