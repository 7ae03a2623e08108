//! The real binary in a terminal (tmux) against the test Dovecot: it opens on the newest
//! message, moves with keys, shows new mail delivered by IDLE, and quits cleanly.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failure is its panic

mod support;
use std::time::{Duration, Instant};
use support::tmux::Tmux;
use support::*;
use tern_testkit::DovecotOptions;

#[test]
fn opens_moves_shows_new_mail_and_quits() {
    let d = server(DovecotOptions::default());
    let msgs = fill(&d, "INBOX", 30, 12);
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(&d, dir.path());
    // new-mail-command gets the details in its environment, never in its text.
    let notify = dir.path().join("notify.sh");
    let notified = dir.path().join("notified");
    std::fs::write(
        &notify,
        format!(
            "printf '%s\\n%s\\n%s\\n' \"$TERN_FOLDER\" \"$TERN_FROM\" \"$TERN_SUBJECT\" > '{}'\n",
            notified.display()
        ),
    )
    .unwrap();
    let text = std::fs::read_to_string(&cfg).unwrap().replace(
        "[general]\n",
        &format!(
            "[general]\nnew-mail-command = \"sh '{}'\"\n",
            notify.display()
        ),
    );
    std::fs::write(&cfg, text).unwrap();
    let t = Tmux::start(&cfg, &dir.path().join("tern.log"));
    let newest = msgs.iter().max_by_key(|m| m.date).unwrap();
    let screen = t.wait_for("| online");
    let screen = if screen.contains("1/30") {
        screen
    } else {
        t.wait_for("1/30")
    };
    let first_subject: String = newest.subject.chars().take(20).collect();
    assert!(
        screen.lines().next().unwrap_or("").contains(&first_subject),
        "{screen}"
    );
    t.keys(&["j", "j", "G"]);
    t.wait_for("30/30");
    t.keys(&["g", "g"]);
    t.wait_for("1/30");
    // New mail from another client appears by itself (IDLE), at the top.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let mut other = other_client(&d).await;
        let date = chrono::Utc::now().to_rfc2822();
        let raw = format!("From: Newcomer <new@example.org>\r\nDate: {date}\r\nSubject: fresh from IDLE $(touch pwned)\r\n\r\nhi\r\n");
        tern::imap::ops::append(&mut other, "INBOX", &[], raw.as_bytes())
            .await
            .unwrap();
    });
    t.wait_for_all(&["fresh from IDLE", "/31"]);
    wait_until(|| std::fs::read_to_string(&notified).is_ok_and(|t| t.lines().count() == 3));
    assert_eq!(
        std::fs::read_to_string(&notified).unwrap(),
        "INBOX\nNewcomer\nfresh from IDLE $(touch pwned)\n"
    );
    assert!(!dir.path().join("pwned").exists() && !std::path::Path::new("pwned").exists());
    // Enter opens the message under the cursor; the server then holds it as \Seen.
    t.keys(&["g", "g"]);
    t.wait_for("1/31");
    t.keys(&["Enter"]);
    let screen = t.wait_for("Subject: fresh from IDLE");
    assert!(
        screen.contains("From: Newcomer <new@example.org>"),
        "{screen}"
    );
    assert!(screen.contains("hi"), "{screen}");
    let seen = rt.block_on(async {
        let mut other = other_client(&d).await;
        let start = Instant::now();
        loop {
            let state = server_state(&mut other, "INBOX").await;
            if state
                .last()
                .is_some_and(|(_, f)| f.has(tern::mail::Flag::Seen))
            {
                return true;
            }
            if start.elapsed() > Duration::from_secs(30) {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    assert!(
        seen,
        "opening the message did not mark it \\Seen on the server"
    );
    t.keys(&["q"]);
    t.wait_for("1/31");
    t.keys(&["q"]);
    let start = Instant::now();
    while t.alive() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "tern did not quit"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn flag_delete_and_archive_reach_the_server() {
    let d = server(DovecotOptions::default());
    fill(&d, "INBOX", 6, 21);
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(&d, dir.path());
    let t = Tmux::start(&cfg, &dir.path().join("tern.log"));
    t.wait_for_all(&["| online", "1/6"]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = |folder: &'static str| {
        rt.block_on(async {
            let mut other = other_client(&d).await;
            server_state(&mut other, folder).await
        })
    };
    let newest_uid = 6; // delivered oldest first, so the newest has the highest UID
                        // F flags the message under the cursor.
    t.keys(&["F"]);
    wait_until(|| {
        server("INBOX")
            .iter()
            .any(|(u, f)| *u == newest_uid && f.has(tern::mail::Flag::Flagged))
    });
    // d moves it to Trash; a moves the next one to Archive.
    t.keys(&["d"]);
    t.wait_for("1/5");
    wait_until(|| server("Trash").len() == 1);
    t.keys(&["a"]);
    t.wait_for("1/4");
    wait_until(|| server("Archive").len() == 1);
    assert_eq!(server("INBOX").len(), 4);
    assert!(!server("INBOX").iter().any(|(u, _)| *u == newest_uid));
    // J walks the sidebar (INBOX, Drafts, Sent, Archive): the archived message is there.
    t.keys(&["J", "J", "J"]);
    t.wait_for("test Archive | 1/1");
    t.keys(&["K", "K", "K"]);
    t.wait_for("test INBOX | 1/4");
    // `/` filters from the cache; Esc shows everything again.
    t.keys(&["/", "zzz-no-such-thing", "Enter"]);
    t.wait_for_all(&["0/0", "search: zzz-no-such-thing"]);
    t.keys(&["Escape"]);
    t.wait_for("test INBOX | 1/4");
    // Resizing at any time: the sidebar folds away at 80 columns and comes back wide.
    t.resize(80, 24);
    wait_until(|| {
        let s = t.screen();
        s.lines().count() == 24 && !s.lines().any(|l| l.starts_with(" Drafts"))
    });
    t.resize(300, 80);
    wait_until(|| {
        let s = t.screen();
        s.lines().count() == 80 && s.lines().any(|l| l.starts_with(" Drafts"))
    });
    t.wait_for("test INBOX | 1/4");
}

#[test]
fn undo_picker_selection_command_line_and_server_search() {
    let d = server(DovecotOptions::default());
    fill(&d, "INBOX", 8, 5);
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(&d, dir.path());
    let t = Tmux::start(&cfg, &dir.path().join("tern.log"));
    t.wait_for_all(&["| online", "1/8"]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let count = |folder: &'static str| {
        rt.block_on(async {
            let mut other = other_client(&d).await;
            server_state(&mut other, folder).await.len()
        })
    };
    // Archive, then undo: the message is back in INBOX on the server and on screen.
    t.keys(&["a"]);
    t.wait_for("1/7");
    wait_until(|| count("Archive") == 1);
    t.wait_for("moved to Archive");
    t.keys(&["u"]);
    wait_until(|| count("INBOX") == 8 && count("Archive") == 0);
    t.wait_for_all(&["1/8", "undone"]);
    // Select two with Space and archive both at once.
    t.keys(&["Space", "Space"]);
    t.wait_for("2 selected");
    t.keys(&["a"]);
    t.wait_for("/6 |");
    wait_until(|| count("Archive") == 2);
    // M opens the folder picker; typing narrows it; Enter moves there.
    t.keys(&["M"]);
    t.wait_for("move to:");
    t.keys(&["tra"]);
    t.wait_for("move to: tra");
    t.keys(&["Enter"]);
    t.wait_for("/5 |");
    wait_until(|| count("Trash") == 1);
    // The command line, with Tab completing the folder name.
    t.keys(&[":", "move Arch", "Tab"]);
    t.wait_for(":move Archive");
    t.keys(&["Enter"]);
    t.wait_for("/4 |");
    wait_until(|| count("Archive") == 3);
    // A server search: flag one, then is:flagged finds just it.
    t.keys(&["j", "F"]);
    wait_until(|| {
        rt.block_on(async {
            let mut other = other_client(&d).await;
            server_state(&mut other, "INBOX")
                .await
                .iter()
                .any(|(_, f)| f.has(tern::mail::Flag::Flagged))
        })
    });
    t.keys(&["/", "is:flagged", "Enter"]);
    t.wait_for_all(&["1/1", "search: is:flagged"]);
    t.keys(&["Escape"]);
    t.wait_for("1/4 |");
    t.keys(&["q"]);
}

#[test]
fn reader_saves_attachments_safely_opens_links_and_shows_all_headers() {
    let d = server(DovecotOptions::default());
    let raw = "From: Ann <ann@example.org>\r\nTo: me@example.org\r\nSubject: files for you\r\n\
Date: Thu, 26 Nov 2026 10:00:00 +0000\r\nMessage-ID: <files-1@example.org>\r\nX-Mailer: hostile-mailer\r\n\
MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe report: https://example.org/report?id=7 thanks\r\n\
--b\r\nContent-Type: text/plain; name=\"../../evil.txt\"\r\nContent-Disposition: attachment; filename=\"../../evil.txt\"\r\n\r\n\
escaped?\r\n--b\r\nContent-Type: application/octet-stream; name=\".bashrc\"\r\nContent-Disposition: attachment; filename=\".bashrc\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\nAAEC/w==\r\n--b--\r\n";
    d.deliver(
        &d.users()[0].0,
        "INBOX",
        raw.as_bytes(),
        &[],
        chrono::Utc::now(),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let downloads = dir.path().join("downloads");
    let cfg = write_config(&d, dir.path());
    let text = std::fs::read_to_string(&cfg).unwrap().replace(
        "[general]\n",
        &format!("[general]\ndownload-dir = '{}'\n", downloads.display()),
    );
    std::fs::write(&cfg, text).unwrap();
    // The "browser" writes what it was given, one argument per line.
    let browser = dir.path().join("browser.sh");
    let opened = dir.path().join("opened");
    std::fs::write(
        &browser,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{}'\n",
            opened.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(
        &browser,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let t = Tmux::start_with(
        &cfg,
        &dir.path().join("tern.log"),
        &format!("BROWSER='{}'", browser.display()),
    );
    t.wait_for_all(&["| online", "1/1"]);
    t.keys(&["Enter"]);
    t.wait_for_all(&[
        "Subject: files for you",
        "[1] https://example.org/report?id=7",
        "evil.txt",
    ]);
    // s asks which (two attachments), then where (the download folder typed); a saves
    // all, inside the folder only.
    t.keys(&["s"]);
    t.wait_for("save attachment number");
    t.keys(&["a", "Enter"]);
    t.wait_for(&format!("save in: {}/", downloads.display()));
    t.keys(&["Enter"]);
    t.wait_for("saved 2 attachments");
    let mut names: Vec<String> = std::fs::read_dir(&downloads)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, vec!["bashrc".to_string(), "evil.txt".to_string()]);
    assert_eq!(
        std::fs::read(downloads.join("evil.txt")).unwrap(),
        b"escaped?"
    );
    assert_eq!(
        std::fs::read(downloads.join("bashrc")).unwrap(),
        [0u8, 1, 2, 255]
    );
    assert!(!dir.path().join("evil.txt").exists());
    // Saving the first again never overwrites: a numbered name.
    t.keys(&["s", "1", "Enter"]);
    t.wait_for("save in: ");
    t.keys(&["Enter"]);
    t.wait_for("evil (1).txt");
    // A name of the user's own, in a folder reached with Tab.
    t.keys(&["s", "1", "Enter"]);
    t.wait_for("save in: ");
    // The prompt opened with the download folder in it: wait until it shows the typed
    // text instead, or the Tab's answer could be taken for the text shown before.
    let typed = format!("save in: {}/downl", dir.path().display());
    t.keys(&["C-u", &format!("{}/downl", dir.path().display())]);
    wait_until(|| {
        let screen = t.screen();
        screen.contains(&typed) && !screen.contains(&format!("{typed}oads"))
    });
    t.keys(&["Tab"]);
    t.wait_for(&format!("save in: {}/", downloads.display()));
    t.keys(&["mine.txt", "Enter"]);
    // The typed name is on screen before Enter lands: wait for the file itself.
    wait_until(|| std::fs::read(downloads.join("mine.txt")).is_ok_and(|b| !b.is_empty()));
    assert_eq!(
        std::fs::read(downloads.join("mine.txt")).unwrap(),
        b"escaped?"
    );
    // l with one link opens it at once, the URL one argument, no shell.
    t.keys(&["l"]);
    wait_until(|| std::fs::read_to_string(&opened).is_ok_and(|s| !s.is_empty()));
    assert_eq!(
        std::fs::read_to_string(&opened).unwrap(),
        "https://example.org/report?id=7\n"
    );
    // h shows every header, h again the main ones.
    t.keys(&["h"]);
    t.wait_for("X-Mailer: hostile-mailer");
    t.keys(&["h"]);
    wait_until(|| !t.screen().contains("X-Mailer"));
    t.keys(&["q", "q"]);
}

/// Waits (up to 30 s) until the server shows what `check` wants.
fn wait_until(mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the server never showed it"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn ctrl_z_gives_the_shell_back_and_fg_resumes() {
    let d = server(DovecotOptions::default());
    fill(&d, "INBOX", 3, 2);
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(&d, dir.path());
    let t = Tmux::start_shell();
    t.keys(&[
        &format!(
            "TERN_LOG='{}' '{}' --config '{}'",
            dir.path().join("tern.log").display(),
            env!("CARGO_BIN_EXE_tern"),
            cfg.display()
        ),
        "Enter",
    ]);
    t.wait_for_all(&["| online", "1/3"]);
    t.keys(&["C-z"]);
    t.wait_for("Stopped");
    t.keys(&["fg", "Enter"]);
    t.wait_for_all(&["| online", "1/3"]);
    t.keys(&["q"]);
}
