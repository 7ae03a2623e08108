use super::*;
use crate::cache::{open, Batch, Cache, FolderState};
use crate::imap::protocol::SearchTerm;
use crate::mail::{Address, MessageSummary};
use std::sync::Arc;

fn msg(uid: u32, date: i64, subject: &str, from: &str) -> MessageSummary {
    MessageSummary {
        uid,
        date: Some(date),
        internal_date: date,
        subject: subject.into(),
        from: vec![Address {
            name: Some("Sender Name".into()),
            email: from.into(),
        }],
        ..MessageSummary::default()
    }
}

fn body(text: &str) -> Vec<u8> {
    format!(
        "From: a@example.com\r\nSubject: s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n"
    )
    .into_bytes()
}

fn state(uidv: u32) -> Option<FolderState> {
    Some(FolderState {
        uidvalidity: uidv,
        uidnext: 100,
        complete: true,
        ..FolderState::default()
    })
}

fn setup() -> (tempfile::TempDir, Arc<Cache>) {
    let dir = tempfile::tempdir().unwrap();
    let (cache, _) = open(dir.path(), "acct", 1 << 30).unwrap();
    let cache = Arc::new(cache);
    let batch = Batch {
        upserts: vec![
            msg(1, 100, "Quarterly report", "alice@example.com"),
            msg(2, 300, "Lunch on Friday", "bob@example.org"),
            msg(3, 200, "Café order", "carol@example.net"),
        ],
        state: state(7),
        ..Batch::default()
    };
    cache.apply("INBOX", 7, &batch).unwrap();
    cache
        .put_body("INBOX", 7, 2, &body("the zanzibar plan is on"))
        .unwrap();
    (dir, cache)
}

fn uids(r: &mut Reader, words: &[&str], terms: &[SearchTerm]) -> Vec<u32> {
    let words: Vec<String> = words.iter().map(|s| s.to_string()).collect();
    r.search(&words, terms, None)
        .unwrap()
        .hits
        .iter()
        .map(|h| h.uid)
        .collect()
}

#[test]
fn words_headers_bodies_and_prefixes_are_found_newest_first() {
    let (_dir, cache) = setup();
    catch_up(cache.clone()).unwrap();
    let mut r = Reader::new(cache.path());
    assert_eq!(uids(&mut r, &["zanzibar"], &[]), vec![2]);
    assert_eq!(uids(&mut r, &["quart"], &[]), vec![1], "a prefix");
    assert_eq!(uids(&mut r, &["cafe"], &[]), vec![3], "accents folded");
    assert_eq!(uids(&mut r, &["example"], &[]), vec![2, 3, 1], "by date");
    assert_eq!(uids(&mut r, &["example", "lunch"], &[]), vec![2]);
    let from = [SearchTerm::From("carol".into())];
    assert_eq!(uids(&mut r, &[], &from), vec![3]);
    let body = [SearchTerm::Body("report".into())];
    assert!(uids(&mut r, &[], &body).is_empty(), "report is in no body");
    let since = [SearchTerm::Since(
        chrono::DateTime::from_timestamp(150, 0)
            .unwrap()
            .date_naive(),
    )];
    // Day granularity: the whole of 1970-01-01 is on or after its start.
    assert_eq!(uids(&mut r, &["example"], &since), vec![2, 3, 1]);
    assert!(uids(&mut r, &["nothing-like-this"], &[]).is_empty());
    let s = r.search(&[], &[], Some("INBOX")).unwrap();
    assert!(s.complete);
    assert_eq!(s.hits.len(), 3);
    assert_eq!(r.bodies_in("INBOX", 7).unwrap(), [2].into_iter().collect());
    assert_eq!(r.bodies_in_count("INBOX", 7).unwrap(), 1);
    assert_eq!(
        r.bodies_in_count("INBOX", 8).unwrap(),
        0,
        "another UIDVALIDITY"
    );
}

#[test]
fn changes_reach_the_index_through_the_notes() {
    let (_dir, cache) = setup();
    catch_up(cache.clone()).unwrap();
    let mut r = Reader::new(cache.path());
    // A body cached later, an expunge, and new mail.
    cache
        .put_body("INBOX", 7, 3, &body("a marmalade recipe"))
        .unwrap();
    let b = Batch {
        upserts: vec![msg(4, 400, "New one", "dave@example.com")],
        removals: vec![1],
        ..Batch::default()
    };
    cache.apply("INBOX", 7, &b).unwrap();
    catch_up(cache.clone()).unwrap();
    assert_eq!(uids(&mut r, &["marmalade"], &[]), vec![3]);
    assert!(uids(&mut r, &["quarterly"], &[]).is_empty(), "expunged");
    assert_eq!(uids(&mut r, &["dave"], &[]), vec![4]);
    assert_eq!(cache.index_todo_len().unwrap(), 0);
    // A new UIDVALIDITY: the folder's old messages go, the new ones come.
    cache.reset_folder("INBOX").unwrap();
    let b = Batch {
        upserts: vec![msg(1, 500, "Reborn", "erin@example.com")],
        state: state(8),
        ..Batch::default()
    };
    cache.apply("INBOX", 8, &b).unwrap();
    catch_up(cache.clone()).unwrap();
    assert!(uids(&mut r, &["marmalade"], &[]).is_empty());
    let s = r.search(&["reborn".into()], &[], None).unwrap();
    assert_eq!((s.hits[0].uidvalidity, s.hits.len()), (8, 1));
}

#[test]
fn a_damaged_index_is_built_again_from_the_cache_with_a_note() {
    let (_dir, cache) = setup();
    catch_up(cache.clone()).unwrap();
    let dir = index_dir(cache.path());
    std::fs::write(dir.join("meta.json"), b"{ not json").unwrap();
    let note = catch_up(cache.clone()).unwrap();
    assert!(
        note.as_deref()
            .is_some_and(|n| n.contains("building it again")),
        "{note:?}"
    );
    let mut r = Reader::new(cache.path());
    assert_eq!(uids(&mut r, &["zanzibar"], &[]), vec![2]);
}

#[test]
fn a_build_cut_short_goes_on_where_it_stopped() {
    let (_dir, cache) = setup();
    let more: Vec<MessageSummary> = (10..3_010)
        .map(|u| msg(u, i64::from(u) * 10, &format!("bulk {u}"), "x@example.com"))
        .collect();
    cache
        .apply(
            "Archive",
            9,
            &Batch {
                upserts: more,
                state: state(9),
                ..Batch::default()
            },
        )
        .unwrap();
    // Stopped after its first window's commit.
    {
        let (mut w, _) = indexer::Work::open(cache.clone(), None).unwrap();
        let stop = std::sync::atomic::AtomicBool::new(true);
        w.step(&stop).unwrap();
        assert!(w.building());
    }
    let mut r = Reader::new(cache.path());
    let partial = r.search(&["bulk".into()], &[], None).unwrap();
    assert!(!partial.complete);
    assert!(partial.hits.len() < 3_000);
    let note = catch_up(cache.clone()).unwrap();
    assert!(note.is_some_and(|n| n.contains("unfinished")));
    let all = r.search(&["bulk".into()], &[], None).unwrap();
    assert!(all.complete);
    assert_eq!(all.hits.len(), 3_000);
}
