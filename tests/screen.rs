//! What a person reads on small and plain terminals, end to end in tmux against the real
//! Dovecot: the sidebar toggled at any width and remembered.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failure is its panic

mod support;
use support::tmux::Tmux;
use support::*;
use tern_testkit::DovecotOptions;

#[test]
fn the_sidebar_is_toggled_at_80_columns_and_remembered() {
    let d = server(DovecotOptions::default());
    fill(&d, "INBOX", 3, 61);
    fill(&d, "Archive", 1, 62);
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(&d, dir.path());
    let log = dir.path().join("tern.log");
    let t = Tmux::start_wide(&cfg, &log, 80, 24);
    let first = t.wait_for_all(&["| online", "1/3 |"]);
    assert!(!first.contains("Archive"), "hidden at 80 columns:\n{first}");
    t.keys(&["B"]);
    t.wait_for_all(&["sidebar shown", "Archive", "INBOX"]);
    file_says(&cfg, "sidebar = true");
    t.keys(&["q"]);
    t.wait_ended();
    // Remembered: the next start at 80 columns shows it, and `:toggle-sidebar` hides it.
    let t = Tmux::start_wide(&cfg, &log, 80, 24);
    t.wait_for_all(&["| online", "Archive"]);
    t.keys(&[":", "toggle-sidebar", "Enter"]);
    let s = t.wait_for("sidebar hidden");
    assert!(!s.contains("Archive"), "{s}");
    file_says(&cfg, "sidebar = false");
    t.keys(&["q"]);
}

/// Waits (up to 10 s) until the file holds `what` (tern writes it in the background).
fn file_says(path: &std::path::Path, what: &str) {
    let start = std::time::Instant::now();
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if text.contains(what) {
            return;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(10),
            "{what:?} not in {}:\n{text}",
            path.display()
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn messages_shows_what_the_status_line_said_with_its_time_and_the_log_has_it() {
    let d = server(DovecotOptions::default());
    fill(&d, "INBOX", 3, 63);
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(&d, dir.path());
    let log = dir.path().join("tern.log");
    let t = Tmux::start_wide(&cfg, &log, 80, 24);
    t.wait_for_all(&["| online", "1/3 |"]);
    t.keys(&["a"]);
    t.wait_for("moved to Archive");
    t.keys(&["u"]);
    t.wait_for("undone");
    t.keys(&[":", "messages", "Enter"]);
    let s = t.wait_for_all(&["Messages (the last 100", "messages: j k"]);
    let said: Vec<&str> = s
        .lines()
        .filter(|l| l.contains("moved to Archive"))
        .collect();
    assert_eq!(said.len(), 1, "{s}");
    // "  HH:MM:SS moved to Archive"
    let time = said[0].trim_start().split(' ').next().unwrap();
    assert!(
        time.len() == 8 && time.chars().filter(|c| *c == ':').count() == 2,
        "{s}"
    );
    assert!(s.lines().any(|l| l.contains("undone")), "{s}");
    t.keys(&["q"]);
    t.wait_for("1/3 |");
    t.keys(&["q"]);
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("moved to Archive"), "{text}");
}

#[test]
fn the_reader_shows_either_part_and_a_link_it_cannot_open_whole_and_copies_it() {
    let d = server(DovecotOptions::default());
    let url = format!(
        "https://example.org/very/long/path/{}?id=7",
        "segment/".repeat(14)
    );
    let raw = format!(
        "From: Bob <bob@example.org>\r\nTo: test@example.org\r\nSubject: two parts\r\n\
Date: Thu, 19 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n\
the plain words\r\n--b\r\nContent-Type: text/html\r\n\r\n\
<p>the <b>rich</b> words, <a href=\"{url}\">the report</a></p>\r\n--b--\r\n"
    );
    d.deliver(
        &d.users()[0].0,
        "INBOX",
        raw.as_bytes(),
        &[],
        chrono::Utc::now(),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(&d, dir.path());
    let text = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace("[general]\n", "[general]\nosc52 = true\n");
    std::fs::write(&cfg, text).unwrap();
    // No browser and no desktop: the normal case over SSH.
    let t = Tmux::start_with(
        &cfg,
        &dir.path().join("tern.log"),
        "BROWSER='' DISPLAY='' WAYLAND_DISPLAY=''",
    );
    t.wait_for_all(&["| online", "1/1"]);
    t.keys(&["Enter"]);
    t.wait_for("the plain words");
    // H: the HTML part, and back.
    t.keys(&["H"]);
    let s = t.wait_for_all(&["rich", "the HTML part (H: the text)"]);
    assert!(!s.contains("the plain words"), "{s}");
    t.keys(&["l"]);
    // The link alone on its lines from the first column: joined, it is the URL.
    let s = t.wait_for_all(&["Link 1", "Not opened: no browser here"]);
    let joined: String = s
        .lines()
        .skip_while(|l| !l.starts_with("https://"))
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim_end)
        .collect();
    assert_eq!(joined, url, "{s}");
    t.keys(&["q"]);
    t.wait_for("the report");
    // y copies it with OSC 52: the bytes tern wrote hold it.
    let raw_out = dir.path().join("pane.out");
    t.pipe_to(&raw_out);
    t.keys(&["y"]);
    t.wait_for("link 1 copied to the clipboard");
    t.stop_pipe(&raw_out);
    use base64::Engine;
    let want = format!(
        "\x1b]52;c;{}\x07",
        base64::engine::general_purpose::STANDARD.encode(&url)
    );
    let written = String::from_utf8_lossy(&std::fs::read(&raw_out).unwrap()).into_owned();
    assert!(written.contains(&want), "{written:?}");
    t.keys(&["H"]);
    t.wait_for_all(&["the plain words", "the text part (H: the HTML)"]);
    t.keys(&["q", "q"]);
}

#[test]
fn offline_a_message_not_in_the_cache_shows_its_headers_and_comes_when_online() {
    let mut d = server(DovecotOptions::default());
    let msgs = fill(&d, "INBOX", 2, 64);
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(&d, dir.path());
    // No bodies ahead of time: the newest must not be in the cache.
    set_prefetch(&cfg, "none");
    let log = dir.path().join("tern.log");
    let t = Tmux::start(&cfg, &log);
    t.wait_for_all(&["| online", "1/2 |"]);
    d.stop();
    t.wait_for("offline");
    // The newest is first in the list; its text was never fetched.
    let mut newest = msgs.clone();
    newest.sort_by_key(|m| std::cmp::Reverse(m.date));
    let m = &newest[0];
    t.keys(&["Enter"]);
    let subject: String = m.subject.chars().take(30).collect();
    let s = t.wait_for_all(&[
        &format!("Subject: {subject}"),
        "not in the cache yet: its text is fetched when tern is back online",
    ]);
    assert!(s.contains("From: "), "{s}");
    // Back online, the text comes by itself.
    d.restart().unwrap();
    t.keys(&["$"]);
    let first = first_words(&m.raw, 98);
    let s = t.wait_for_all(&["| online", &first]);
    assert!(!s.contains("not in the cache yet"), "{s}");
    t.keys(&["q", "q"]);
}

#[test]
fn a_mistyped_password_from_the_prompt_is_asked_again_inside_tern() {
    let d = server(DovecotOptions::default());
    fill(&d, "INBOX", 2, 65);
    let (_, pass) = d.users()[0].clone();
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(&d, dir.path());
    let text = std::fs::read_to_string(&cfg).unwrap();
    let text: String = text
        .lines()
        .filter(|l| !l.starts_with("password-command"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&cfg, text).unwrap();
    let t = Tmux::start(&cfg, &dir.path().join("tern.log"));
    // Asked on the terminal before the screen is taken; a wrong one is typed.
    t.wait_for("Password for ");
    t.keys(&["not-the-password", "Enter"]);
    t.wait_for("login refused ($ types the password again)");
    t.keys(&["$"]);
    t.wait_for("password (the server refused the last one):");
    t.keys(&[&pass]);
    let s = t.wait_for(&format!(
        "password (the server refused the last one): {}",
        "*".repeat(pass.chars().count())
    ));
    assert!(!s.contains(&pass), "{s}");
    t.keys(&["Enter"]);
    let s = t.wait_for_all(&["| online", "1/2 |"]);
    assert!(!s.contains(&pass), "{s}");
    t.keys(&["q"]);
    let log = std::fs::read_to_string(dir.path().join("tern.log")).unwrap();
    assert!(
        !log.contains(&pass) && !log.contains("not-the-password"),
        "{log}"
    );
}

/// New mail in Archive (watched, not open) is announced: by NOTIFY at once when the
/// server offers it (the poll then every 10 minutes, too late for this test), else by the
/// poll (every second here).
fn watched_folder_news(notify: bool) {
    let d = server(DovecotOptions {
        disable_caps: if notify {
            Vec::new()
        } else {
            vec!["NOTIFY".into()]
        },
        ..DovecotOptions::default()
    });
    let poll = if notify { 600 } else { 1 };
    fill(&d, "INBOX", 2, 91);
    fill(&d, "Archive", 1, 92);
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(&d, dir.path());
    let heard = dir.path().join("heard");
    let text = std::fs::read_to_string(&cfg).unwrap().replace(
        "[accounts.test.imap]",
        &format!("watch = [\"INBOX\", \"Archive\"]\npoll-seconds = {poll}\n\n[accounts.test.imap]"),
    );
    let text = text.replace(
        "[general]\n",
        &format!(
            "[general]\nnew-mail-command = \"printf '%s|%s|%s|%s\\\\n' \\\"$TERN_ACCOUNT\\\" \\\"$TERN_FOLDER\\\" \\\"$TERN_FROM\\\" \\\"$TERN_SUBJECT\\\" >> '{}'\"\n",
            heard.display()
        ),
    );
    std::fs::write(&cfg, text).unwrap();
    let t = Tmux::start(&cfg, &dir.path().join("tern.log"));
    t.wait_for_all(&["| online", "1/2 |", "Archive"]);
    // The counts are in (the sidebar says Archive holds 1): where the folder stood is
    // known, so what comes now is new.
    let start = std::time::Instant::now();
    while !t.screen().lines().any(|l| {
        let mut w = l.split_whitespace();
        w.next() == Some("Archive") && w.next() == Some("1")
    }) {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(30),
            "{}",
            t.screen()
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // A message in Archive, which is watched but not open.
    let raw = b"From: Wanda Watch <wanda@example.org>\r\nTo: test@example.org\r\n\
Subject: Watched folder news\r\nDate: Thu, 26 Nov 2026 10:00:00 +0000\r\n\r\nhi\r\n";
    // Stored as mail arrives, through the server (another client's APPEND), so the
    // server knows of it and NOTIFY can tell.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let mut other = other_client(&d).await;
        tern::imap::ops::append(&mut other, "Archive", &[], raw)
            .await
            .unwrap();
    });
    t.wait_for("new mail in Archive: Wanda Watch — Watched folder news");
    file_says(&heard, "test|Archive|Wanda Watch|Watched folder news");
    t.keys(&["q"]);
}

#[test]
fn new_mail_in_a_watched_folder_comes_at_once_with_notify() {
    watched_folder_news(true);
}

#[test]
fn new_mail_in_a_watched_folder_comes_with_the_poll_without_notify() {
    watched_folder_news(false);
}
