//! One truth on screen, end to end: the real binary in tmux against the real Dovecot.
//! What the screen shows is the cache with the pending changes on top: the folder list
//! and the changes kept offline survive a restart without the server, the sidebar's
//! counts move with an action, and the cursor stays on its message after a bulk action.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failure is its panic

mod support;
use support::tmux::Tmux;
use support::*;
use tern_testkit::DovecotOptions;

/// The sidebar's count for `folder` ("" when it shows none), read off the screen.
fn sidebar_count(screen: &str, folder: &str) -> Option<String> {
    screen.lines().find_map(|l| {
        let side: String = l.chars().take(26).collect();
        let mut words = side.split_whitespace();
        (words.next() == Some(folder)).then(|| words.last().unwrap_or("").to_string())
    })
}

/// Waits until the sidebar shows `want` as the count of `folder`.
fn wait_count(t: &Tmux, folder: &str, want: &str) -> String {
    let start = std::time::Instant::now();
    loop {
        let s = t.screen();
        if sidebar_count(&s, folder).as_deref() == Some(want) {
            return s;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "{folder} never showed {want}:\n{s}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// The marker columns (selected, unread, flagged, answered, attachment) of the row
/// showing `subject`.
fn markers(screen: &str, subject: &str) -> String {
    let line = screen
        .lines()
        .find(|l| l.contains(subject))
        .unwrap_or_else(|| panic!("{subject:?} not on screen:\n{screen}"));
    line.chars().skip(27).take(5).collect()
}

fn shell_command(d: &impl TestServer, dir: &std::path::Path) -> String {
    let cfg = write_config(d, dir);
    format!(
        "TERN_LOG='{}' '{}' --config '{}'",
        dir.join("tern.log").display(),
        env!("CARGO_BIN_EXE_tern"),
        cfg.display()
    )
}

#[test]
fn offline_start_shows_the_cached_folders_and_the_changes_kept_for_the_server() {
    let mut d = server(DovecotOptions::default());
    let inbox = fill(&d, "INBOX", 3, 21);
    let archive = fill(&d, "Archive", 4, 22);
    let dir = tempfile::tempdir().unwrap();
    let run = shell_command(&d, dir.path());
    let newest = |m: &[tern_testkit::GeneratedMessage]| {
        let s = &m.iter().max_by_key(|m| m.date).unwrap().subject;
        s.chars().take(20).collect::<String>()
    };
    let t = Tmux::start_shell();
    t.keys(&[&run, "Enter"]);
    t.wait_for_all(&["| online", "1/3 |"]);
    // Every folder is listed (and so synced once by opening it).
    t.wait_for("Archive");
    t.keys(&[":", "go Archive", "Enter"]);
    t.wait_for_all(&["test Archive | 1/4 |", &newest(&archive)]);
    t.keys(&[":", "go INBOX", "Enter"]);
    t.wait_for_all(&["test INBOX | 1/3 |", &newest(&inbox)]);
    d.stop();
    t.wait_for("offline");
    assert!(!markers(&t.screen(), &newest(&inbox)).contains('!'));
    t.keys(&["F"]);
    t.wait_for("1 queued");
    t.keys(&["q"]);
    t.wait_for("quit anyway? (y/n)");
    t.keys(&["y"]);
    t.wait_for("change(s) made offline are kept");
    // Started again without the server: the folders and the kept change are there.
    t.keys(&["clear", "Enter"]);
    t.keys(&[&run, "Enter"]);
    let screen = t.wait_for_all(&["offline", "1 queued", &newest(&inbox)]);
    for f in ["INBOX", "Archive", "Trash", "Sent", "Drafts"] {
        assert!(
            sidebar_count(&screen, f).is_some(),
            "{f} missing:\n{screen}"
        );
    }
    let archive_total = sidebar_count(&screen, "Archive").unwrap_or_default();
    assert_eq!(archive_total.rsplit('/').next(), Some("4"), "{screen}");
    let shown = t.wait_for("1/3 |");
    assert!(
        markers(&shown, &newest(&inbox)).contains('!'),
        "the flag kept for the server is shown:\n{shown}"
    );
    // J, c and :go find the folders from the cache.
    t.keys(&[":", "go Archive", "Enter"]);
    t.wait_for_all(&["test Archive | 1/4 |", &newest(&archive)]);
    t.keys(&["J"]);
    t.wait_for("test Junk |");
    t.keys(&["c"]);
    // The picker itself, not the sidebar's Trash: Escape must reach an open prompt.
    t.wait_for_all(&["go to folder", "Trash"]);
    t.keys(&["Escape"]);
    wait_gone(&t, "go to folder");
    t.keys(&["q"]);
    t.wait_for("quit anyway? (y/n)");
    t.keys(&["y"]);
    t.wait_for("change(s) made offline are kept");
}

#[test]
fn after_tern_sync_alone_an_offline_start_lists_every_folder() {
    let mut d = server(DovecotOptions::default());
    fill(&d, "INBOX", 2, 23);
    let archive = fill(&d, "Archive", 3, 24);
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(&d, dir.path());
    let synced = std::process::Command::new(env!("CARGO_BIN_EXE_tern"))
        .args(["--config", &cfg.display().to_string(), "sync"])
        .env("TERN_LOG", dir.path().join("sync.log"))
        .output()
        .unwrap();
    assert!(synced.status.success(), "{synced:?}");
    d.stop();
    let t = Tmux::start(&cfg, &dir.path().join("tern.log"));
    let screen = t.wait_for_all(&["offline", "1/2 |", "Archive"]);
    let total = sidebar_count(&screen, "Archive").unwrap_or_default();
    assert_eq!(total.rsplit('/').next(), Some("3"), "{screen}");
    let newest = archive.iter().max_by_key(|m| m.date).unwrap();
    let subject: String = newest.subject.chars().take(20).collect();
    t.keys(&[":", "go Archive", "Enter"]);
    t.wait_for_all(&["test Archive | 1/3 |", &subject]);
    t.keys(&["q"]);
}

#[test]
fn counts_move_with_archive_and_delete_at_once() {
    let d = server(DovecotOptions::default());
    fill(&d, "INBOX", 6, 31);
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(&d, dir.path());
    let t = Tmux::start(&cfg, &dir.path().join("tern.log"));
    let screen = t.wait_for_all(&["| online", "1/6 |", "Archive"]);
    let inbox_total = |s: &str| {
        sidebar_count(s, "INBOX")
            .and_then(|c| c.rsplit('/').next().map(String::from))
            .unwrap_or_default()
    };
    assert_eq!(inbox_total(&screen), "6");
    let screen = wait_count(&t, "Archive", "0");
    assert_eq!(sidebar_count(&screen, "Trash").as_deref(), Some("0"));
    t.keys(&["U"]); // read or unread, the counts must follow either way
    t.keys(&["a"]);
    let screen = t.wait_for("1/5 |");
    assert_eq!(inbox_total(&screen), "5");
    let archived = sidebar_count(&screen, "Archive").unwrap();
    assert!(archived == "1" || archived == "1/1", "{screen}");
    t.keys(&["d"]);
    let screen = t.wait_for("1/4 |");
    assert_eq!(inbox_total(&screen), "4");
    let trashed = sidebar_count(&screen, "Trash").unwrap();
    assert!(trashed == "1" || trashed == "1/1", "{screen}");
    // And they settle to the server's numbers, which say the same (the screen showed
    // the changes at once; the server has them when the worker's turn comes).
    let rt = tokio::runtime::Runtime::new().unwrap();
    let on_server = || {
        rt.block_on(async {
            let mut other = other_client(&d).await;
            (
                server_state(&mut other, "Archive").await.len(),
                server_state(&mut other, "Trash").await.len(),
            )
        })
    };
    let start = std::time::Instant::now();
    while on_server() != (1, 1) {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(30),
            "{:?}",
            on_server()
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    t.keys(&["$"]);
    let screen = t.wait_for("| online");
    assert_eq!(
        sidebar_count(&screen, "Archive").as_deref(),
        Some(&*archived)
    );
    assert_eq!(sidebar_count(&screen, "Trash").as_deref(), Some(&*trashed));
    t.keys(&["q"]);
}

#[test]
fn after_archiving_a_selection_the_cursor_stays_on_its_message() {
    let d = server(DovecotOptions::default());
    let msgs = fill(&d, "INBOX", 10, 41);
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(&d, dir.path());
    let t = Tmux::start(&cfg, &dir.path().join("tern.log"));
    t.wait_for_all(&["| online", "1/10 |"]);
    let mut by_date = msgs.clone();
    by_date.sort_by_key(|m| std::cmp::Reverse(m.date));
    let row4: String = by_date[3].subject.chars().take(20).collect();
    t.keys(&["Space", "Space", "Space"]);
    t.wait_for_all(&["4/10 |", "3 selected"]);
    t.keys(&["a"]);
    let screen = t.wait_for("1/7 |");
    let first = screen.lines().next().unwrap_or("");
    assert!(
        first.contains(&row4),
        "row 4's message is under the cursor:\n{screen}"
    );
    t.keys(&["q"]);
}

/// Waits until the screen no longer shows `what`.
fn wait_gone(t: &Tmux, what: &str) {
    let start = std::time::Instant::now();
    while t.screen().contains(what) {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(30),
            "{what} stayed"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
