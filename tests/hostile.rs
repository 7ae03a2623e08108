//! Hostile and broken mail, opened one by one in the real client inside tmux, with the
//! raw bytes tern writes to the terminal captured (tmux pipe-pane) and searched for
//! anything the mail tried to slip through. Each message must open, show its readable
//! text, and leave tern running.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failure is its panic

mod support;
use std::time::{Duration, Instant};
use support::hostile::{corpus, FORBIDDEN};
use support::tmux::Tmux;
use support::*;
use tern_testkit::DovecotOptions;

/// The text each message must still show.
fn expected(marker: &str) -> &'static str {
    match marker {
        "esc-headers" => "body with",
        "esc-html" => "visible html text",
        "esc-attachment-name" => "see file",
        "encoded-words" => "body",
        "c1-and-nul" => "bytes",
        "huge-header" => "after the big header",
        "many-recipients" => "hello all",
        "deep-multipart" => "the deep text",
        "unterminated-multipart" => "never closed",
        "bad-encodings" => "broken",
        "big-attachment" => "big file below",
        "no-from-no-date" => "who sent this",
        "bad-date" => "when",
        "no-separator" => "no blank line",
        _ => "",
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn hostile_mail_never_reaches_the_terminal_raw() {
    let d = server(DovecotOptions::default());
    let mail = corpus();
    let start = chrono::Utc::now() - chrono::Duration::hours(1);
    for (i, (_, raw)) in mail.iter().enumerate() {
        d.deliver(
            &d.users()[0].0,
            "INBOX",
            raw,
            &[],
            start + chrono::Duration::minutes(i as i64),
        )
        .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(&d, dir.path());
    let t = Tmux::start_wide(&cfg, &dir.path().join("tern.log"), 200, 50);
    let raw_out = dir.path().join("terminal.raw");
    t.pipe_to(&raw_out);
    let n = mail.len();
    t.wait_for_all(&["| online", &format!("1/{n} |")]);
    let mut seen = Vec::new();
    for i in 0..n {
        t.keys(&["Enter"]);
        let screen = t.wait_for("Subject:");
        // The message may still be rendering: wait until its expected text shows.
        let marker = mail
            .iter()
            .map(|(m, _)| m.as_str())
            .find(|m| screen.contains(&format!("Subject: {m}")))
            .unwrap_or_else(|| panic!("message {i} shows no known subject:\n{screen}"))
            .to_string();
        let want = expected(&marker);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let s = t.screen();
            if s.contains(want) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{marker}: its text {want:?} never shown:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        seen.push(marker);
        t.keys(&["q"]);
        t.wait_for(&format!("{}/{n} |", i + 1));
        t.keys(&["j"]);
        if i + 1 < n {
            t.wait_for(&format!("{}/{n} |", i + 2));
        }
    }
    seen.sort();
    let mut all: Vec<String> = mail.iter().map(|(m, _)| m.clone()).collect();
    all.sort();
    assert_eq!(seen, all, "every message was opened");
    assert!(t.alive(), "tern is still running");
    t.stop_pipe(&raw_out);
    let bytes = std::fs::read(&raw_out).unwrap();
    // The capture holds what was drawn while the messages were open (a frame draws only
    // the cells that changed, so words may come in pieces: checked by size).
    eprintln!("captured {} bytes", bytes.len());
    assert!(bytes.len() > 20_000, "the capture holds the session");
    for bad in FORBIDDEN {
        if let Some(at) = find(&bytes, bad) {
            let from = at.saturating_sub(80);
            panic!(
                "{:?} reached the terminal: ...{}...",
                String::from_utf8_lossy(bad),
                String::from_utf8_lossy(&bytes[from..(at + 40).min(bytes.len())]).escape_debug()
            );
        }
    }
    t.keys(&["q"]);
}

#[test]
fn hostile_folder_names_are_drawn_clean() {
    let d = server(DovecotOptions::default());
    fill(&d, "INBOX", 2, 1);
    // Dovecot refuses control characters in names given to CREATE, so the escape one is
    // made on disk, as a hostile or broken server could hold it; the bidi one by CREATE
    // (modified UTF-7 for U+202E).
    let inbox_dir = d.maildir(&d.users()[0].0);
    let evil = inbox_dir.join(".Evil\u{1b}]0;pwned\u{7}");
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(evil.join(sub)).unwrap();
    }
    // Owned like the rest of the mail (the harness runs Dovecot as the mail user).
    let owner = std::fs::metadata(&inbox_dir).unwrap();
    for p in [
        evil.clone(),
        evil.join("cur"),
        evil.join("new"),
        evil.join("tmp"),
    ] {
        std::os::unix::fs::chown(
            &p,
            Some(std::os::unix::fs::MetadataExt::uid(&owner)),
            Some(std::os::unix::fs::MetadataExt::gid(&owner)),
        )
        .unwrap();
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let mut other = other_client(&d).await;
        other
            .exec("CREATE \"Flip&IC4-gpj\"", |_| false)
            .await
            .unwrap_or_else(|e| panic!("CREATE: {e}"));
    });
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(&d, dir.path());
    let t = Tmux::start_wide(&cfg, &dir.path().join("tern.log"), 120, 30);
    let raw_out = dir.path().join("terminal.raw");
    t.pipe_to(&raw_out);
    t.wait_for_all(&["| online", "Evil", "Flip"]);
    // Open each of them too (the status bar and the list name the folder).
    t.keys(&["c", "Evil", "Enter"]);
    t.wait_for("test Evil");
    t.keys(&["c", "Flip", "Enter"]);
    t.wait_for("test Flip");
    assert!(t.alive());
    t.stop_pipe(&raw_out);
    let bytes = std::fs::read(&raw_out).unwrap();
    for bad in FORBIDDEN {
        assert!(
            find(&bytes, bad).is_none(),
            "{:?} reached the terminal",
            String::from_utf8_lossy(bad)
        );
    }
    t.keys(&["q"]);
}
