//! Scenarios run the same way against each real server (Dovecot and Cyrus).

use super::{cache_state, fill, new_cache, other_client, server_state, settings, TestServer};
use tern::imap::{connect, ops, sync::sync_folder};

/// One sync of `folder` over a fresh connection.
pub async fn sync_once(
    d: &impl TestServer,
    cache: &std::sync::Arc<tern::cache::Cache>,
    folder: &str,
) -> tern::imap::sync::SyncReport {
    let mut conn = connect(&settings(d)).await.unwrap();
    conn.enable_extensions().await.unwrap();
    let mut progress = |_: tern::imap::sync::SyncProgress| {};
    let r = sync_folder(&mut conn, cache, folder, &mut progress)
        .await
        .unwrap();
    conn.logout().await;
    r
}

/// Another client flags, unflags, expunges and appends; the next sync brings the cache
/// equal to the server, and the one after has nothing to do.
pub async fn resync_after_other_client_changes(d: &impl TestServer, expect_qresync: bool) {
    fill(d, "INBOX", 300, 11);
    let dir = tempfile::tempdir().unwrap();
    let cache = new_cache(dir.path());
    sync_once(d, &cache, "INBOX").await;
    let mut other = other_client(d).await;
    assert_eq!(other.qresync_enabled(), expect_qresync);
    other.exec("SELECT INBOX", |_| false).await.unwrap();
    ops::store_flags(&mut other, &[5, 6, 7], &["\\Flagged".into()], true)
        .await
        .unwrap();
    ops::store_flags(&mut other, &[8], &["\\Seen".into()], false)
        .await
        .unwrap();
    ops::store_flags(&mut other, &[9], &["\\Seen".into()], true)
        .await
        .unwrap();
    ops::expunge_uids(&mut other, &[10, 11, 200]).await.unwrap();
    let raw = b"From: A <a@example.org>\r\nSubject: appended\r\nDate: Mon, 2 Nov 2026 10:00:00 +0000\r\n\r\nhi\r\n";
    ops::append(&mut other, "INBOX", &[], raw).await.unwrap();
    let r = sync_once(d, &cache, "INBOX").await;
    assert_eq!((r.new, r.removed), (1, 3), "{r:?}");
    assert!(r.changed >= 4, "{r:?}");
    assert_eq!(r.messages, 298);
    assert_eq!(
        cache_state(&cache, "INBOX"),
        server_state(&mut other, "INBOX").await
    );
    // Nothing changed: nothing to do.
    let r = sync_once(d, &cache, "INBOX").await;
    assert_eq!((r.new, r.changed, r.removed), (0, 0, 0));
}
