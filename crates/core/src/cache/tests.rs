use super::*;
use crate::mail::{Flag, Flags, MessageSummary};

fn msg(uid: u32, date: i64) -> MessageSummary {
    MessageSummary {
        uid,
        date: Some(date),
        internal_date: date,
        subject: format!("message {uid}"),
        flags: Flags::from_imap(["\\Seen"]),
        ..MessageSummary::default()
    }
}

#[test]
fn rows_round_trip_newest_first_and_flags_update() {
    let dir = tempfile::tempdir().unwrap();
    let (cache, notice) = open(dir.path(), "acct", 1 << 20).unwrap();
    assert!(notice.is_none());
    let state = FolderState {
        uidvalidity: 7,
        uidnext: 4,
        highest_modseq: 9,
        complete: true,
        messages: 3,
    };
    let batch = Batch {
        upserts: vec![msg(1, 100), msg(2, 300), msg(3, 200)],
        state: Some(state.clone()),
        ..Batch::default()
    };
    cache.apply("INBOX", 7, &batch).unwrap();
    assert_eq!(cache.count("INBOX", 7).unwrap(), 3);
    cache.apply("INBOX", 7, &batch).unwrap(); // the same rows again: no double count
    assert_eq!(cache.count("INBOX", 7).unwrap(), 3);
    let newest: Vec<u32> = cache
        .newest("INBOX", 0)
        .unwrap()
        .iter()
        .map(|m| m.uid)
        .collect();
    assert_eq!(newest, vec![2, 3, 1]);
    let b = Batch {
        flag_updates: vec![(3, Flags::from_imap(["\\Flagged"]), 10)],
        removals: vec![2],
        ..Batch::default()
    };
    cache.apply("INBOX", 7, &b).unwrap();
    let rows = cache.uid_flags("INBOX", 7).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(cache.count("INBOX", 7).unwrap(), 2);
    assert!(rows[1].1.has(Flag::Flagged) && !rows[1].1.has(Flag::Seen));
    assert_eq!(cache.folder_state("INBOX").unwrap(), Some(state));
    cache.reset_folder("INBOX").unwrap();
    assert!(cache.newest("INBOX", 0).unwrap().is_empty());
    assert_eq!(cache.count("INBOX", 7).unwrap(), 0);
}

#[test]
fn file_is_private_and_a_second_opener_is_told() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let (cache, _) = open(&dir.path().join("c"), "a", 0).unwrap();
    let mode = std::fs::metadata(cache.path())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let dmode = std::fs::metadata(dir.path().join("c"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(dmode & 0o777, 0o700);
    let err = open(&dir.path().join("c"), "a", 0)
        .err()
        .expect("second open refused");
    assert!(err.to_string().contains("in use by another tern"), "{err}");
}

#[test]
fn garbage_file_is_set_aside_and_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.redb"), vec![0x5au8; 10_000]).unwrap();
    let (cache, notice) = open(dir.path(), "a", 0).unwrap();
    let notice = notice.expect("user is told");
    assert!(notice.0.contains("damaged"), "{notice:?}");
    assert!(cache.folders().unwrap().is_empty());
    let kept = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(kept, 2, "the damaged file is kept beside the new one");
}

#[test]
fn a_truncated_file_is_set_aside_and_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (cache, _) = open(dir.path(), "a", 0).unwrap();
        let mut b = Batch::default();
        b.upserts.extend((1..=500).map(|u| msg(u, i64::from(u))));
        cache.apply("INBOX", 7, &b).unwrap();
    }
    let path = dir.path().join("a.redb");
    let len = std::fs::metadata(&path).unwrap().len();
    let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    f.set_len(len / 3).unwrap();
    drop(f);
    let (cache, notice) = open(dir.path(), "a", 0).unwrap();
    assert!(notice.expect("user is told").0.contains("damaged"));
    assert!(
        cache.folders().unwrap().is_empty(),
        "rebuilt empty, to be synced"
    );
}

#[test]
fn bodies_are_evicted_least_recently_used_first() {
    let dir = tempfile::tempdir().unwrap();
    let (cache, _) = open(dir.path(), "a", 250).unwrap();
    cache.put_body("INBOX", 1, 1, &[1; 100]).unwrap();
    cache.put_body("INBOX", 1, 2, &[2; 100]).unwrap();
    assert!(cache.body("INBOX", 1, 1).unwrap().is_some()); // 1 is now fresher than 2
    cache.put_body("INBOX", 1, 3, &[3; 100]).unwrap();
    assert!(cache.body("INBOX", 1, 2).unwrap().is_none());
    assert!(cache.body("INBOX", 1, 1).unwrap().is_some());
    assert!(cache.body("INBOX", 1, 3).unwrap().is_some());
}

#[test]
fn a_cache_of_another_schema_version_is_rebuilt_and_the_user_told() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (cache, _) = open(dir.path(), "a", 0).unwrap();
        cache
            .apply(
                "INBOX",
                1,
                &Batch {
                    upserts: vec![msg(1, 1)],
                    ..Batch::default()
                },
            )
            .unwrap();
        cache.set_schema_for_test(1);
    }
    let (cache, notice) = open(dir.path(), "a", 0).unwrap();
    assert!(notice.expect("told").0.contains("another version of tern"));
    assert_eq!(cache.count("INBOX", 1).unwrap(), 0);
}

#[test]
fn uids_in_wide_ranges_costs_only_what_is_cached() {
    let dir = tempfile::tempdir().unwrap();
    let (cache, _) = open(dir.path(), "a", 0).unwrap();
    let batch = Batch {
        upserts: vec![msg(3, 1), msg(7, 2), msg(4_000_000_000, 3)],
        ..Batch::default()
    };
    cache.apply("INBOX", 1, &batch).unwrap();
    assert_eq!(
        cache.uids_in("INBOX", 1, &[1..=u32::MAX]).unwrap(),
        vec![3, 7, 4_000_000_000]
    );
    assert_eq!(cache.uids_in("INBOX", 1, &[4..=7, 7..=7]).unwrap(), vec![7]);
    assert!(cache.uids_in("INBOX", 2, &[1..=10]).unwrap().is_empty());
}

#[test]
fn accounts_whose_names_differ_never_share_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let (a, _) = open(dir.path(), "work.mail", 0).unwrap();
    let (b, _) = open(dir.path(), "work_mail", 0).unwrap();
    let (c, _) = open(dir.path(), "work mail", 0).unwrap();
    assert_ne!(a.path(), b.path());
    assert_ne!(a.path(), c.path());
    assert_ne!(b.path(), c.path());
}

#[test]
fn whole_folder_rows_come_in_the_date_index_order() {
    let dir = tempfile::tempdir().unwrap();
    let (cache, _) = open(dir.path(), "acct", 1 << 20).unwrap();
    // Dates out of UID order, and ties broken by UID (newest UID first).
    let dates = [500, 100, 300, 300, 900, 100, 700, 300];
    let batch = Batch {
        upserts: (1..=8u32).map(|u| msg(u, dates[u as usize - 1])).collect(),
        state: Some(FolderState {
            uidvalidity: 7,
            uidnext: 9,
            highest_modseq: 1,
            complete: true,
            messages: 8,
        }),
        ..Batch::default()
    };
    cache.apply("INBOX", 7, &batch).unwrap();
    let by_index: Vec<u32> = cache
        .newest("INBOX", 0)
        .unwrap()
        .iter()
        .map(|m| m.uid)
        .collect();
    assert_eq!(by_index, vec![5, 7, 1, 8, 4, 3, 6, 2]);
    let whole: Vec<u32> = cache
        .newest_rows("INBOX", 0)
        .unwrap()
        .iter()
        .map(|r| r.uid)
        .collect();
    assert_eq!(whole, by_index);
    let head: Vec<u32> = cache
        .newest_rows("INBOX", 3)
        .unwrap()
        .iter()
        .map(|r| r.uid)
        .collect();
    assert_eq!(head, vec![5, 7, 1]);
}

#[test]
fn the_prefetch_windows_bodies_go_last_and_the_total_follows_every_change() {
    let dir = tempfile::tempdir().unwrap();
    let (cache, _) = open(dir.path(), "acct", 300).unwrap();
    let batch = Batch {
        upserts: vec![msg(1, 100), msg(2, 1_000), msg(3, 2_000), msg(4, 50)],
        ..Batch::default()
    };
    cache.apply("INBOX", 1, &batch).unwrap();
    // Messages dated 1,000 or later are the window's.
    cache.keep_bodies_since(1_000);
    cache.put_body("INBOX", 1, 2, &[2; 100]).unwrap();
    cache.put_body("INBOX", 1, 3, &[3; 100]).unwrap();
    cache.put_body("INBOX", 1, 1, &[1; 100]).unwrap();
    assert_eq!(cache.body_bytes().unwrap(), 300);
    // Over the budget: 1 goes (outside the window), though 2 and 3 were read less lately.
    cache.put_body("INBOX", 1, 4, &[4; 100]).unwrap();
    assert!(!cache.has_body("INBOX", 1, 1).unwrap());
    assert!(cache.has_body("INBOX", 1, 2).unwrap() && cache.has_body("INBOX", 1, 3).unwrap());
    assert_eq!(cache.body_bytes().unwrap(), 300);
    // When all are the window's, its least recently read goes.
    cache.keep_bodies_since(0);
    cache
        .put_bodies("INBOX", 1, &[(1, &[1; 100][..]), (4, &[4; 100][..])])
        .unwrap();
    assert!(
        !cache.has_body("INBOX", 1, 2).unwrap(),
        "the least recently read"
    );
    for uid in [1, 3, 4] {
        assert!(cache.has_body("INBOX", 1, uid).unwrap(), "{uid}");
    }
    assert_eq!(cache.body_bytes().unwrap(), 300);
    // Expunged and reset folders give their bytes back.
    cache
        .apply(
            "INBOX",
            1,
            &Batch {
                removals: vec![3],
                ..Batch::default()
            },
        )
        .unwrap();
    assert_eq!(cache.body_bytes().unwrap(), 200);
    cache.reset_folder("INBOX").unwrap();
    assert_eq!(cache.body_bytes().unwrap(), 0);
}

#[test]
fn missing_bodies_are_walked_newest_first_once() {
    let dir = tempfile::tempdir().unwrap();
    let (cache, _) = open(dir.path(), "acct", 1 << 20).unwrap();
    let batch = Batch {
        upserts: (1..=10)
            .map(|u| MessageSummary {
                size: 100,
                ..msg(u, i64::from(u) * 100)
            })
            .collect(),
        ..Batch::default()
    };
    cache.apply("INBOX", 1, &batch).unwrap();
    cache.put_body("INBOX", 1, 9, b"x").unwrap();
    // The window starts at date 300: messages 3..=10, of which 9 is cached.
    let first = cache
        .bodies_missing("INBOX", 1, 300, None, 3, u64::MAX)
        .unwrap();
    let uids: Vec<u32> = first.uids.iter().map(|u| u.0).collect();
    assert_eq!(uids, vec![10, 8, 7]);
    // At most 150 bytes: one message of 100 at a time.
    let one = cache
        .bodies_missing("INBOX", 1, 300, first.next, 100, 150)
        .unwrap();
    assert_eq!(one.uids.iter().map(|u| u.0).collect::<Vec<_>>(), vec![6]);
    let rest = cache
        .bodies_missing("INBOX", 1, 300, one.next, 100, u64::MAX)
        .unwrap();
    let uids: Vec<u32> = rest.uids.iter().map(|u| u.0).collect();
    assert_eq!(uids, vec![5, 4, 3]);
    assert_eq!(rest.next, None);
}

#[test]
fn a_cache_written_before_the_body_index_is_indexed_on_first_use() {
    let dir = tempfile::tempdir().unwrap();
    let (cache, _) = open(dir.path(), "acct", 250).unwrap();
    let batch = Batch {
        upserts: vec![msg(1, 100), msg(2, 200)],
        ..Batch::default()
    };
    cache.apply("INBOX", 1, &batch).unwrap();
    cache.put_body("INBOX", 1, 1, &[1; 100]).unwrap();
    cache.put_body("INBOX", 1, 2, &[2; 100]).unwrap();
    cache.forget_body_index_for_test();
    assert_eq!(
        cache.body_bytes().unwrap(),
        200,
        "rebuilt from the bodies kept"
    );
    // And eviction works on it: the least recently used (1) goes.
    cache.put_body("INBOX", 1, 3, &[3; 100]).unwrap();
    assert!(!cache.has_body("INBOX", 1, 1).unwrap());
    assert_eq!(cache.body_bytes().unwrap(), 200);
}
