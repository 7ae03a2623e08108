//! What the list reads from the cache, and when: a folder shown from its first screens
//! only (read while a sync ran) is read whole after the sync, whatever it changed.

use super::*;
use crate::app::update::{update, Event};
use tern_core::imap::sync::SyncReport;

#[test]
fn a_sync_that_changed_nothing_reads_the_whole_folder_when_only_its_head_is_held() {
    let mut s = state(0);
    // The first screens of a folder of 1,000 (a head read, made while a sync ran).
    s.total = 1_000;
    s.set_messages(super::truth::cache_read(300));
    let synced = || {
        Event::Worker(WorkerEvent::FolderSynced(SyncReport {
            folder: "INBOX".into(),
            messages: 1_000,
            ..SyncReport::default()
        }))
    };
    assert_eq!(update(&mut s, synced()), vec![Effect::ReloadFolder]);
    // Held whole, the same report reads nothing.
    s.total = 300;
    assert!(update(&mut s, synced()).is_empty());
}
