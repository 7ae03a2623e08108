//! Tests of `row.rs`: rows made alone, from the cache's bytes, and together in chunks.
use super::*;
use crate::mail::Address;

#[test]
fn a_row_keeps_what_the_list_draws_and_threads_by() {
    let m = MessageSummary {
        uid: 9,
        subject: "Ünïcode subject".into(),
        from: vec![Address {
            name: Some("Ada".into()),
            email: "ada@example.org".into(),
        }],
        to: vec![Address {
            name: None,
            email: "bob@example.org".into(),
        }],
        date: Some(50),
        internal_date: 10,
        message_id: Some("<m@x>".into()),
        in_reply_to: Some("<p@x>".into()),
        references: vec!["<r@x>".into(), "<p@x>".into()],
        ..Default::default()
    };
    let r = Row::of(&m);
    assert_eq!(r.subject(), "Ünïcode subject");
    assert_eq!(
        (r.sender_name(), r.sender_email()),
        ("Ada", "ada@example.org")
    );
    assert_eq!((r.sender(), r.recipient()), ("Ada", "bob@example.org"));
    assert_eq!(r.date, 50);
    assert!(r.has_id("m@x") && !r.has_id("p@x"));
    assert_eq!(
        r.parents().collect::<Vec<_>>(),
        [message_key("p@x"), message_key("r@x")]
    );
    assert_eq!(message_key("p@x"), message_key("<p@x>"));
    for key in [1, u64::MAX, 0x0123_4567_89ab_cdef] {
        let mut t = String::new();
        push_key(&mut t, key);
        assert_eq!((t.len(), key_of(t.as_bytes())), (KEY_LEN, key));
    }
    let long = Row::of(&MessageSummary {
        subject: "é".repeat(5000),
        ..m.clone()
    });
    assert_eq!(long.subject(), "é".repeat(1024));
    assert_eq!(long.sender(), "Ada");
    let empty = Row::of(&MessageSummary::default());
    assert_eq!(
        (empty.subject(), empty.sender(), empty.recipient()),
        ("", "", "")
    );
    assert!(!empty.has_id(""));
}

#[test]
fn a_row_read_from_the_cache_bytes_is_the_row_of_the_message() {
    let ada = |name: Option<&str>, email: &str| Address {
        name: name.map(String::from),
        email: email.into(),
    };
    let full = MessageSummary {
        uid: 77,
        flags: Flags::from_imap(["\\Seen", "$Label1", "work"]),
        internal_date: 5,
        date: None,
        size: 1234,
        subject: "Grüße, and more".into(),
        from: vec![ada(Some("Ada L."), "ada@x"), ada(None, "b@x")],
        to: vec![ada(Some(" "), "bob@x"), ada(Some("C"), "c@x")],
        cc: vec![ada(Some("D"), "d@x")],
        reply_to: vec![ada(None, "r@x")],
        message_id: Some("<id@x>".into()),
        in_reply_to: Some("<p@x>".into()),
        references: (0..40)
            .map(|i| format!("<r{i}@x>"))
            .chain(["<p@x>".into()])
            .collect(),
        has_attachments: true,
        modseq: 99,
    };
    let bare = MessageSummary {
        uid: 3,
        date: Some(-4),
        ..Default::default()
    };
    let hostile = MessageSummary {
        subject: "\u{1b}[2J".repeat(2000),
        from: vec![ada(Some(&"é".repeat(600)), "x@y")],
        ..full.clone()
    };
    for m in [full, bare, hostile] {
        let bytes = postcard::to_allocvec(&m).unwrap();
        let read: SummaryRef = postcard::from_bytes(&bytes).unwrap();
        let mut b = RowBuilder::with_capacity(1);
        b.push_ref(read);
        let row = b.finish().remove(0);
        assert_eq!(row, Row::of(&m));
        assert_eq!(row.subject(), cut(&m.subject, SUBJECT_MAX));
        assert_eq!(row.parents().count(), m.references.len().min(PARENTS_MAX));
    }
}

#[test]
fn rows_read_together_share_their_people_and_only_the_same_ones() {
    let from = |name: &str, email: &str, to: &str| MessageSummary {
        from: vec![Address {
            name: Some(name.into()),
            email: email.into(),
        }],
        to: vec![Address {
            name: None,
            email: to.into(),
        }],
        subject: "s".into(),
        ..Default::default()
    };
    let mut built = RowBuilder::with_capacity(4);
    built.push(&from("Ann", "a@x", "me@x"));
    built.push(&from("Ann", "a@x", "me@x"));
    // The same text cut in other places is other people.
    built.push(&from("Ann", "a@xme", "@x"));
    built.push(&from("Ann", "a@x", "you@x"));
    let [a, b, c, d] = <[Row; 4]>::try_from(built.finish()).unwrap();
    let same = |x: &Row, y: &Row| std::ptr::eq(x.people().unwrap(), y.people().unwrap());
    assert!(same(&a, &b) && a.people_at == b.people_at);
    assert!(!same(&a, &c) && !same(&a, &d));
    assert_eq!((c.sender_email(), c.recipient()), ("a@xme", "@x"));
    assert_eq!((d.sender(), d.recipient()), ("Ann", "you@x"));
    assert_eq!(a, b);
    // Rows made apart hold equal people, not shared.
    let e = Row::of(&from("Ann", "a@x", "me@x"));
    assert!(e == a && !same(&a, &e));
}

#[test]
fn rows_built_together_keep_each_its_own_text_across_chunks() {
    // Long subjects and many parents, so the rows fill several chunks and some end
    // right at a chunk's end.
    let made: Vec<MessageSummary> = (0..3000u32)
        .map(|i| MessageSummary {
            uid: i + 1,
            subject: format!("{i} {}", "ü".repeat((i % 700) as usize)),
            message_id: (i % 5 != 0).then(|| format!("<{i}@x>")),
            references: (0..i % 40).map(|r| format!("<{i}.{r}@x>")).collect(),
            ..Default::default()
        })
        .collect();
    let mut b = RowBuilder::with_capacity(10);
    for m in &made {
        b.push(m);
    }
    let rows = b.finish();
    let chunks: std::collections::HashSet<*const Chunk> = rows
        .iter()
        .map(|r| Arc::as_ptr(r.chunk.as_ref().unwrap()))
        .collect();
    assert!(chunks.len() > 10, "{} chunks", chunks.len());
    assert_eq!(rows.len(), made.len());
    for (row, m) in rows.iter().zip(&made) {
        let alone = Row::of(m);
        assert_eq!(row, &alone);
        assert_eq!(row.subject(), cut(&m.subject, SUBJECT_MAX));
        assert_eq!(
            row.has_id(&format!("{}@x", m.uid - 1)),
            m.message_id.is_some()
        );
        assert_eq!(row.parents().count(), m.references.len().min(PARENTS_MAX));
    }
    // A row changed or dropped leaves the others' text as it was.
    let mut rows = rows;
    rows[7].set_flag(Flag::Seen, true);
    rows.truncate(5);
    assert_eq!(rows[4].subject(), made[4].subject);
}
