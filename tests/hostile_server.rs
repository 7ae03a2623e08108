//! A hostile or broken server, one misbehaviour at a time, played by a scripted peer
//! (`support/scripted.rs`): every bound, deadline and sanity check of issue 15 says what
//! was wrong in one plain line, and nothing wrong reaches the cache.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failure is its panic

mod support;
use std::time::Duration;
use support::scripted::{plain_settings, scripted_server};
use support::*;

/// One untagged FETCH of a message's Subject header, as the header sync asks for it.
fn header_row(seq: u32, uid: u32, subject: &str) -> String {
    let head = format!("Subject: {subject}\r\n\r\n");
    format!(
        "* {seq} FETCH (UID {uid} FLAGS () INTERNALDATE \"01-Jan-2026 00:00:00 +0000\" RFC822.SIZE 10 BODY[HEADER.FIELDS (SUBJECT)] {{{}}}\r\n{head})\r\n",
        head.len()
    )
}

/// The rows the header fetch keeps of what the peer answers: (UID, subject).
async fn fetched(conn: &mut tern::imap::Conn, set: &str, by_uid: bool) -> Vec<(u32, String)> {
    let mut rows = Vec::new();
    tern::imap::sync::fetch_headers(conn, set, by_uid, &mut rows)
        .await
        .unwrap();
    rows.into_iter()
        .map(|f| f.finish())
        .map(|m| (m.uid, m.subject))
        .collect()
}

#[tokio::test]
async fn a_tagged_answer_to_a_command_never_sent_drops_the_connection_in_plain_words() {
    let (port, server) = scripted_server(|tag, cmd| {
        (cmd == "NOOP").then(|| format!("zz99 OK not an answer to anything\r\n{tag} OK done\r\n"))
    });
    let mut conn = tern::imap::connect(&plain_settings(port)).await.unwrap();
    let err = conn.exec("NOOP", |_| false).await.unwrap_err();
    assert!(err.is_connection_problem(), "{err}");
    assert_eq!(
        err.to_string(),
        "connection lost: the server answered a command tern did not send (tag zz99); starting a new connection"
    );
    drop(conn);
    server.join().unwrap();
}

#[tokio::test]
async fn more_messages_than_uidnext_allows_is_refused_in_plain_words_at_once() {
    let (port, server) = scripted_server(|tag, cmd| {
        (cmd == "SELECT").then(|| {
            format!(
                "* 4294967295 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n* OK [UIDNEXT 3] ok\r\n{tag} OK [READ-WRITE] done\r\n"
            )
        })
    });
    let mut conn = tern::imap::connect(&plain_settings(port)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cache = new_cache(dir.path());
    // Bounded: trusting the count would mean round trips without end.
    let mut progress = |_| {};
    let sync = tern::imap::sync::sync_folder(&mut conn, &cache, "INBOX", &mut progress);
    let err = tokio::time::timeout(Duration::from_secs(60), sync)
        .await
        .expect("refused, not looped on")
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "unexpected answer from the server: the server says INBOX holds 4294967295 messages, more than its next UID (3) allows; not synced"
    );
    assert!(
        cache.folder_state("INBOX").unwrap().is_none(),
        "nothing cached"
    );
    drop(conn);
    server.join().unwrap();
}

#[tokio::test]
async fn garbage_from_the_server_is_said_in_a_line_not_dumped() {
    let (port, server) = scripted_server(|tag, cmd| {
        (cmd == "NOOP").then(|| {
            let junk = "\u{1b}[2J{9223372036854775807} ".repeat(400);
            format!("* \u{0}\u{1}garbage {junk}\r\n{tag} OK done\r\n")
        })
    });
    let mut conn = tern::imap::connect(&plain_settings(port)).await.unwrap();
    let err = conn.exec("NOOP", |_| false).await.unwrap_err();
    let said = err.to_string();
    assert!(err.is_connection_problem(), "{said}");
    assert!(
        said.starts_with(
            "connection lost: the server sent something that is not IMAP (it began \""
        ),
        "{said}"
    );
    assert!(said.chars().count() < 200, "{said}");
    assert!(
        !said.contains('\u{1b}') && !said.contains('\u{0}'),
        "{said:?}"
    );
    drop(conn);
    server.join().unwrap();
}

#[tokio::test]
async fn a_huge_literal_deep_nesting_or_a_parser_trap_is_refused_before_it_costs_memory_stack_or_a_panic(
) {
    for (reply, said) in [
        (
            "* 1 FETCH (UID 1 BODY[] {500000000}\r\nslow",
            "connection lost: a literal of 500000000 bytes is larger than the 64 MiB limit for one message part",
        ),
        (
            "DEEP",
            "connection lost: the server sent a response nested more than 100 parentheses deep",
        ),
        // Two inputs the fuzz of the response reader found to panic the parser.
        (
            "* 1 FETCH (UID 1 INTERNALDATE NIL)\r\n",
            "connection lost: the server sent INTERNALDATE NIL, which the IMAP parser cannot read safely",
        ),
        (
            "* OK [ALERT]\u{e9}t\u{e9}\r\n",
            "connection lost: the server sent a non-ASCII byte right after `]`, which the IMAP parser cannot read safely",
        ),
    ] {
        static REPLY: std::sync::Mutex<String> = std::sync::Mutex::new(String::new());
        *REPLY.lock().unwrap() = if reply == "DEEP" {
            format!("* 1 FETCH {}\r\n", "(".repeat(100_000))
        } else {
            reply.to_string()
        };
        let (port, server) = scripted_server(|_, cmd| {
            (cmd == "NOOP").then(|| REPLY.lock().unwrap().clone())
        });
        let mut conn = tern::imap::connect(&plain_settings(port)).await.unwrap();
        let err = conn.exec("NOOP", |_| false).await.unwrap_err();
        assert_eq!(err.to_string(), said);
        assert!(err.is_connection_problem());
        drop(conn);
        server.join().unwrap();
    }
}

#[tokio::test]
async fn a_server_trickling_a_byte_a_second_is_dropped_past_the_deadline() {
    let (port, server) = scripted_server(|_, cmd| (cmd == "NOOP").then(|| "TRICKLE".to_string()));
    // The timeout is 5 s: a byte a second keeps it from firing; the deadline does not.
    let mut conn = tern::imap::connect(&plain_settings(port)).await.unwrap();
    let noop = conn.exec("NOOP", |_| false);
    let err = tokio::time::timeout(Duration::from_secs(60), noop)
        .await
        .expect("dropped, not waited on forever")
        .unwrap_err();
    let said = err.to_string();
    assert!(
        said.starts_with("connection lost: the server is sending too slowly ("),
        "{said}"
    );
    drop(conn);
    server.join().unwrap();
}

#[tokio::test]
async fn a_fetch_for_a_uid_not_asked_for_never_becomes_a_row() {
    let (port, server) = scripted_server(|tag, cmd| {
        (cmd == "UID").then(|| {
            format!(
                "{}{}{tag} OK done\r\n",
                header_row(2, 2, "injected"),
                header_row(5, 5, "asked for")
            )
        })
    });
    let mut conn = tern::imap::connect(&plain_settings(port)).await.unwrap();
    let got = fetched(&mut conn, "5:*", true).await;
    assert_eq!(got, vec![(5, "asked for".to_string())]);
    drop(conn);
    server.join().unwrap();
}

#[tokio::test]
async fn a_fetch_by_sequence_number_takes_only_the_numbers_asked_for_once() {
    let (port, server) = scripted_server(|tag, cmd| {
        (cmd == "FETCH").then(|| {
            let row = header_row;
            format!(
                "{}{}{}{}{tag} OK done\r\n",
                row(3, 30, "not asked for"),
                row(4, 40, "fourth"),
                row(4, 41, "fourth again, another UID"),
                row(5, 50, "fifth")
            )
        })
    });
    let mut conn = tern::imap::connect(&plain_settings(port)).await.unwrap();
    let got = fetched(&mut conn, "4:5", false).await;
    assert_eq!(
        got,
        vec![(40, "fourth".to_string()), (50, "fifth".to_string())]
    );
    drop(conn);
    server.join().unwrap();
}

/// The process's peak resident memory since the last `reset_peak`, in bytes.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/self/status");
    kb * 1024
}

fn reset_peak() {
    std::fs::write("/proc/self/clear_refs", "5").expect("reset the peak (/proc/self/clear_refs)");
}

#[tokio::test]
async fn a_big_message_comes_whole_through_a_file_and_an_announcement_costs_no_memory() {
    const BIG: usize = 3_000_000;
    fn body() -> String {
        (0..BIG).map(|i| (b'a' + (i % 26) as u8) as char).collect()
    }
    let (port, server) = scripted_server(|tag, cmd| match cmd {
        "UID" => Some(format!(
            "* 1 FETCH (UID 1 BODY[] {{{BIG}}}\r\n{})\r\n{tag} OK done\r\n",
            body()
        )),
        // 60 MB announced, 2 MB sent, then the line is cut.
        "NOOP" => Some(format!(
            "* 2 FETCH (UID 2 BODY[] {{60000000}}\r\n{}CLOSE",
            "x".repeat(2_000_000)
        )),
        _ => None,
    });
    let mut conn = tern::imap::connect(&plain_settings(port)).await.unwrap();
    let got = tern::imap::ops::fetch_body(&mut conn, 1).await.unwrap();
    assert_eq!(got.len(), BIG);
    assert!(got == body().into_bytes(), "the body came back changed");
    reset_peak();
    let before = peak_rss();
    let err = conn.exec("NOOP", |_| false).await.unwrap_err();
    let grew = peak_rss().saturating_sub(before);
    assert_eq!(
        err.to_string(),
        "connection lost: the server closed the connection"
    );
    // The old reader sized its buffer from the 60 MB announced.
    assert!(grew < 20 << 20, "the peak grew by {} MiB", grew >> 20);
    drop(conn);
    server.join().unwrap();
}

#[tokio::test]
async fn a_response_line_without_an_end_is_refused_at_one_mebibyte() {
    let (port, server) = scripted_server(|_, cmd| {
        (cmd == "NOOP").then(|| format!("* OK {}", "a".repeat(5_000_000)))
    });
    let mut conn = tern::imap::connect(&plain_settings(port)).await.unwrap();
    let err = tokio::time::timeout(Duration::from_secs(60), conn.exec("NOOP", |_| false))
        .await
        .expect("refused, not waited on")
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "connection lost: the server sent a response line longer than 1 MiB"
    );
    drop(conn);
    server.join().unwrap();
}

#[tokio::test]
async fn a_row_with_uid_0_fails_the_sync_instead_of_standing_for_a_message() {
    let (port, server) = scripted_server(|tag, cmd| {
        match cmd {
        "SELECT" => Some(format!(
            "* 2 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n* OK [UIDNEXT 3] ok\r\n{tag} OK [READ-WRITE] done\r\n"
        )),
        "FETCH" | "UID" => {
            Some(format!(
                "{}{}{tag} OK done\r\n",
                header_row(1, 0, "number 1"),
                header_row(2, 2, "number 2")
            ))
        }
        _ => None,
    }
    });
    let mut conn = tern::imap::connect(&plain_settings(port)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cache = new_cache(dir.path());
    let mut progress = |_| {};
    let sync = tern::imap::sync::sync_folder(&mut conn, &cache, "INBOX", &mut progress);
    let result = tokio::time::timeout(Duration::from_secs(60), sync)
        .await
        .expect("ended");
    let uids: Vec<u32> = cache
        .uid_flags("INBOX", 7)
        .unwrap()
        .into_iter()
        .map(|(u, _)| u)
        .collect();
    assert_eq!(
        result.unwrap_err().to_string(),
        "unexpected answer from the server: the server sent 1 message without a valid UID (UID 0 or none); not synced"
    );
    assert!(!uids.contains(&0), "{uids:?}");
    drop(conn);
    server.join().unwrap();
}

#[tokio::test]
async fn capabilities_are_the_ones_said_after_login_not_before() {
    // The login's answer promises MOVE and QRESYNC; asked afterwards, the server has
    // neither: tern goes by the later answer and enables nothing.
    let (port, server) = scripted_server(|tag, cmd| match cmd {
        "LOGIN" => Some(format!(
            "{tag} OK [CAPABILITY IMAP4rev1 MOVE ENABLE QRESYNC CONDSTORE] in\r\n"
        )),
        "ENABLE" => Some(format!("{tag} BAD not offered\r\n")),
        _ => None,
    });
    let conn = tern::imap::connect(&plain_settings(port)).await.unwrap();
    assert!(!conn.has_cap("MOVE") && !conn.has_cap("QRESYNC"));
    assert!(!conn.qresync_enabled());
    drop(conn);
    server.join().unwrap();
}

#[tokio::test]
async fn a_list_that_loops_or_names_dot_dot_is_read_once_per_name() {
    static STATUSES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let (port, server) = scripted_server(|tag, cmd| match cmd {
        "LIST" => {
            let once =
                "* LIST () \".\" INBOX\r\n* LIST () \".\" \"..\"\r\n* LIST () \".\" \"a/b\"\r\n";
            Some(format!("{}{tag} OK done\r\n", once.repeat(2000)))
        }
        "STATUS" => {
            STATUSES.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            None
        }
        _ => None,
    });
    let mut conn = tern::imap::connect(&plain_settings(port)).await.unwrap();
    let folders = tokio::time::timeout(
        Duration::from_secs(30),
        tern::imap::folders::list_folders(&mut conn),
    )
    .await
    .expect("not a round trip per repetition")
    .unwrap();
    let names: Vec<&str> = folders.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, vec!["INBOX", "..", "a/b"]);
    assert_eq!(STATUSES.load(std::sync::atomic::Ordering::SeqCst), 3);
    drop(conn);
    server.join().unwrap();
}
