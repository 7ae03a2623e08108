//! What the list reads from the cache, and when: a folder shown from its first screens
//! only (read while a sync ran) is read whole after the sync, whatever it changed.

use super::*;
use crate::app::update::{update, Event};
use tern_core::imap::sync::SyncReport;
use tern_core::mail::Flags;

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

#[test]
fn g_pressed_before_the_whole_folder_is_read_lands_on_its_last_row() {
    let mut s = state(0);
    s.total = 1_000;
    s.set_messages(super::truth::cache_read(300));
    s.act(Action::Last);
    assert_eq!(s.cursor, 299);
    // The whole folder arrives: the cursor goes on to the last of it.
    s.set_messages(super::truth::cache_read(1_000));
    assert_eq!(s.cursor, 999);
    assert_eq!(s.current().map(|m| m.uid), Some(1));
    // Once there, new reads keep the cursor on its message as usual.
    s.set_messages(super::truth::cache_read(1_001)); // UID 1,001 new, first

    assert_eq!(s.current().map(|m| m.uid), Some(1));
    // A key that moves in between cancels it.
    s.total = 2_000;
    s.set_messages(super::truth::cache_read(300));
    s.act(Action::Last);
    s.act(Action::Up);
    s.set_messages(super::truth::cache_read(2_000));
    assert_eq!(s.current().map(|m| m.uid), Some(2));
}

#[test]
fn a_sync_that_changed_nothing_while_the_whole_folder_is_on_its_way_reads_nothing_more() {
    use crate::app::update::Loaded;
    let mut s = state(0);
    let head = Loaded {
        folder: "INBOX".into(),
        uidvalidity: 7,
        list: super::truth::cache_read(300),
        done: false,
        total: 1_000,
        newer_than: None,
    };
    update(&mut s, Event::Loaded(head));
    let synced = |new: u64| {
        Event::Worker(WorkerEvent::FolderSynced(SyncReport {
            folder: "INBOX".into(),
            messages: 1_000 + new,
            new,
            ..SyncReport::default()
        }))
    };
    assert!(
        update(&mut s, synced(0)).is_empty(),
        "the read on its way is right"
    );
    // New mail may be missing from the read on its way: read again after it.
    assert_eq!(update(&mut s, synced(1)), vec![Effect::ReloadFolder]);
}

#[test]
fn each_account_knows_whether_its_own_whole_folder_is_on_its_way() {
    use super::accounts::{on, two};
    use crate::app::update::Loaded;
    let mut s = two();
    let read = |done: bool, n: u32| Loaded {
        folder: "INBOX".into(),
        uidvalidity: 9,
        list: super::truth::cache_read(n),
        done,
        total: 1_000,
        newer_than: None,
    };
    // home's first screens, then work (shown) reads a folder whole.
    s.enter(1);
    update(&mut s, Event::Loaded(read(false, 300)));
    s.leave(1);
    update(
        &mut s,
        Event::Loaded(Loaded {
            uidvalidity: 7,
            total: 3,
            ..read(true, 3)
        }),
    );
    let synced = WorkerEvent::FolderSynced(SyncReport {
        folder: "INBOX".into(),
        messages: 1_000,
        ..SyncReport::default()
    });
    assert!(
        on(&mut s, 1, synced).is_empty(),
        "home's whole read is on its way"
    );
}

#[test]
fn what_a_sync_lists_while_the_whole_folder_is_on_its_way_is_laid_on_it_when_it_comes() {
    use crate::app::update::Loaded;
    let mut s = state(0);
    // The newest n of the folder's 1,000.
    let read = |done: bool, n: usize| Loaded {
        folder: "INBOX".into(),
        uidvalidity: 7,
        list: super::truth::cache_read(1_000)
            .into_iter()
            .take(n)
            .collect(),
        done,
        total: 1_000,
        newer_than: None,
    };
    update(&mut s, Event::Loaded(read(false, 300)));
    // Another client read message 5 and deleted 900; one new message came.
    let report = SyncReport {
        folder: "INBOX".into(),
        messages: 1_000,
        new: 1,
        appended: true,
        changed: 1,
        removed: 1,
        flags: vec![(5, Flags::from_imap(["\\Seen"]))],
        removed_uids: vec![900],
        ..SyncReport::default()
    };
    let effects = update(&mut s, Event::Worker(WorkerEvent::FolderSynced(report)));
    assert!(
        effects.is_empty(),
        "the read on its way is not doubled: {effects:?}"
    );
    // The whole read comes (made before the sync): the listed changes are laid on it,
    // and only the new mail is read besides.
    let effects = update(&mut s, Event::Loaded(read(true, 1_000)));
    assert_eq!(effects, vec![Effect::ReloadNewer(1_000)]);
    let row = |uid: Uid| s.all.iter().find(|m| m.uid == uid);
    assert!(row(5).is_some_and(|m| m.has(Flag::Seen)));
    assert!(row(900).is_none());
    assert_eq!(s.all.len(), 999);
}
