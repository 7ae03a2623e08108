//! Every account in one client, end to end in tmux against two real Dovecots: both in
//! the sidebar, new mail in the account not shown, moving between them (what each server
//! holds, and undo), and one server gone while the other keeps working.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failure is its panic

mod support;
use support::tmux::Tmux;
use support::*;
use tern_testkit::{Dovecot, DovecotOptions};

/// Both accounts in the client at 200x50 (`test` the default, `work` beside it).
fn both(d1: &impl TestServer, d2: &impl TestServer) -> (Tmux, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = two_accounts(d1, d2, dir.path());
    let log = dir.path().join("tern.log");
    (Tmux::start_wide(&cfg, &log, 200, 50), dir)
}

/// The first characters of a subject, as the list shows them whole at 200 columns.
fn head(subject: &str) -> String {
    subject.chars().take(16).collect()
}

/// The subjects a folder of the server's Maildir holds (what the server has stored).
fn stored_subjects(d: &Dovecot, folder: &str) -> Vec<String> {
    let root = d.maildir(&d.users()[0].0);
    let dir = if folder == "INBOX" {
        root
    } else {
        root.join(format!(".{}", folder.replace('/', ".")))
    };
    let mut out = Vec::new();
    for sub in ["cur", "new"] {
        for e in std::fs::read_dir(dir.join(sub))
            .into_iter()
            .flatten()
            .flatten()
        {
            let text = std::fs::read(e.path()).unwrap_or_default();
            let text = String::from_utf8_lossy(&text);
            if let Some(l) = text.lines().find(|l| l.starts_with("Subject: ")) {
                out.push(l["Subject: ".len()..].trim().to_string());
            }
        }
    }
    out.sort();
    out
}

/// Waits (up to 10 s) until the folder's stored subjects satisfy `ok`.
fn wait_stored(d: &Dovecot, folder: &str, ok: impl Fn(&[String]) -> bool) -> Vec<String> {
    let start = std::time::Instant::now();
    loop {
        let now = stored_subjects(d, folder);
        if ok(&now) {
            return now;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(10),
            "{folder} holds {now:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Waits until the sidebar shows `count` messages (unread or not) beside `folder` under
/// account `heading`.
fn wait_count(t: &Tmux, heading: &str, folder: &str, count: &str) {
    let start = std::time::Instant::now();
    loop {
        let s = t.screen();
        let shown = s
            .lines()
            .skip_while(|l| l.split_whitespace().next() != Some(heading))
            .skip(1)
            .find(|l| l.split_whitespace().next() == Some(folder))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|c| c.rsplit('/').next().map(String::from));
        if shown.as_deref() == Some(count) {
            return;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(10),
            "{heading}/{folder} never showed {count}:\n{s}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn both_accounts_are_in_the_sidebar_and_new_mail_in_the_other_shows_at_once() {
    let d1 = server(DovecotOptions::default());
    let d2 = server(DovecotOptions::default());
    fill(&d1, "INBOX", 3, 91);
    fill(&d2, "INBOX", 2, 92);
    let lists = fill(&d2, "Lists", 1, 93);
    let (t, _dir) = both(&d1, &d2);
    // The default account is shown; both have their heading and folders, with counts.
    let s = t.wait_for_all(&["test INBOX", "1/3 |", "work", "Lists", "| online"]);
    let heading = |name: &str| s.lines().any(|l| l.trim_start().starts_with(name));
    assert!(heading("test") && heading("work"), "{s}");
    // Mail for "work" arrives while "test" is shown: NOTIFY brings it within moments.
    wait_count(&t, "work", "INBOX", "2");
    let new = tern_testkit::generate(1, 94, chrono::Utc::now())
        .next()
        .unwrap();
    d2.deliver(&d2.users()[0].0, "INBOX", &new.raw, &[], new.date)
        .unwrap();
    let s = t.wait_for("work: new mail in INBOX");
    assert!(s.contains("test INBOX"), "still on test:\n{s}");
    wait_count(&t, "work", "INBOX", "3");
    // J goes on past test's last folder into work; :go and :account name either.
    t.keys(&[":", "go work/Lists", "Enter"]);
    t.wait_for_all(&["work Lists", &head(&lists[0].subject)]);
    // J from the last folder wraps to all inboxes at the top, then test's INBOX.
    t.keys(&["J"]);
    t.wait_for("All inboxes | 1/6 |");
    t.keys(&["J"]);
    t.wait_for("test INBOX");
    t.keys(&[":", "account work", "Enter"]);
    let s = t.wait_for_all(&["work INBOX", "1/3 |"]);
    assert!(s.contains(&head(&new.subject)), "{s}");
    t.keys(&["q", "y"]);
    t.wait_ended();
}

#[test]
fn a_move_to_the_other_account_is_stored_there_before_it_leaves_and_undo_brings_it_back() {
    let d1 = server(DovecotOptions::default());
    let d2 = server(DovecotOptions::default());
    let mine = fill(&d1, "INBOX", 2, 95);
    fill(&d2, "Lists", 1, 96);
    let (t, _dir) = both(&d1, &d2);
    t.wait_for_all(&["test INBOX", "1/2 |", "Lists", "| online"]);
    // The newest message is under the cursor.
    let moved = mine.iter().max_by_key(|m| m.date).unwrap().subject.clone();
    let before = stored_subjects(&d1, "INBOX");
    assert_eq!(before.len(), 2);
    t.keys(&["M"]);
    t.wait_for("move to:");
    t.keys(&["work/Lists", "Enter"]);
    t.wait_for("1 message moved to work/Lists (u undoes)");
    let there = wait_stored(&d2, "Lists", |s| s.len() == 2);
    assert!(there.contains(&moved), "{there:?}");
    let here = wait_stored(&d1, "INBOX", |s| s.len() == 1);
    assert!(!here.contains(&moved), "{here:?}");
    t.keys(&["u"]);
    t.wait_for("undone: 1 message back in test/INBOX");
    assert_eq!(wait_stored(&d1, "INBOX", |s| s.len() == 2), before);
    wait_stored(&d2, "Lists", |s| s.len() == 1 && !s.contains(&moved));
    // The message is back in the list, from the server, under the cursor.
    t.wait_for_all(&["1/2 |", &head(&moved)]);
    t.keys(&["q", "y"]);
    t.wait_ended();
}

#[test]
fn one_server_gone_leaves_the_other_account_working() {
    let d1 = server(DovecotOptions::default());
    let mut d2 = server(DovecotOptions::default());
    fill(&d1, "INBOX", 2, 97);
    fill(&d1, "Archive", 1, 98);
    fill(&d2, "INBOX", 1, 99);
    let (t, _dir) = both(&d1, &d2);
    t.wait_for_all(&["test INBOX", "1/2 |", "| online"]);
    d2.stop();
    // work says it is offline (sidebar and status bar); test archives as before.
    t.wait_for_all(&["work (offline)", "work offline"]);
    t.keys(&["a"]);
    t.wait_for("1 message moved to Archive");
    wait_stored(&d1, "Archive", |s| s.len() == 2);
    t.keys(&["q", "y"]);
    t.wait_ended();
}

#[test]
fn a_cyrus_account_beside_a_dovecot_one_takes_a_move_and_shows_it() {
    let d1 = server(DovecotOptions::default());
    let c = cyrus(tern_testkit::CyrusOptions::default());
    let mine = fill(&d1, "INBOX", 2, 101);
    fill(&c, "INBOX", 1, 102);
    let (t, _dir) = both(&d1, &c);
    t.wait_for_all(&["test INBOX", "1/2 |", "| online"]);
    wait_count(&t, "work", "INBOX", "1");
    let moved = mine.iter().max_by_key(|m| m.date).unwrap().subject.clone();
    t.keys(&[":", "move work/INBOX", "Enter"]);
    t.wait_for("1 message moved to work/INBOX (u undoes)");
    wait_stored(&d1, "INBOX", |s| s.len() == 1 && !s.contains(&moved));
    // Cyrus has it: its count says so, and its list shows it once opened.
    wait_count(&t, "work", "INBOX", "2");
    t.keys(&[":", "account work", "Enter"]);
    t.wait_for_all(&["work INBOX", "/2 |", &head(&moved)]);
    t.keys(&["q", "y"]);
    t.wait_ended();
}

#[test]
fn all_inboxes_merges_both_and_a_flag_set_there_reaches_that_accounts_server() {
    let d1 = server(DovecotOptions::default());
    let d2 = server(DovecotOptions::default());
    let mine = fill(&d1, "INBOX", 2, 103);
    let theirs = fill(&d2, "INBOX", 2, 104);
    let (t, _dir) = both(&d1, &d2);
    t.wait_for_all(&["test INBOX", "1/2 |", "| online"]);
    wait_count(&t, "work", "INBOX", "2");
    t.keys(&[":", "go All inboxes", "Enter"]);
    let s = t.wait_for("All inboxes | 1/4 |");
    // Every message, newest first, each with its account's name.
    let mut all: Vec<(&str, &tern_testkit::GeneratedMessage)> = mine
        .iter()
        .map(|m| ("test", m))
        .chain(theirs.iter().map(|m| ("work", m)))
        .collect();
    all.sort_by_key(|(_, m)| std::cmp::Reverse(m.date));
    let rows: Vec<&str> = s
        .lines()
        .filter(|l| l.contains("test ") || l.contains("work "))
        .collect();
    for (account, m) in &all {
        let subject = head(&m.subject);
        assert!(
            rows.iter()
                .any(|l| l.contains(&subject) && l.contains(&format!("{account} "))),
            "{account}: {subject} not in:\n{s}"
        );
    }
    // Flag the newest of work's: its server has the flag; the list stays merged.
    let target = all.iter().position(|(a, _)| *a == "work").unwrap();
    for _ in 0..target {
        t.keys(&["j"]);
    }
    t.wait_for(&format!("All inboxes | {}/4 |", target + 1));
    t.keys(&["F"]);
    let subject = all[target].1.subject.clone();
    let start = std::time::Instant::now();
    while !stored_flags(&d2, "INBOX", &subject).contains('F') {
        assert!(start.elapsed() < std::time::Duration::from_secs(10));
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(!stored_flags(&d1, "INBOX", &mine[0].subject).contains('F'));
    t.wait_for("All inboxes |");
    // `/` keeps the rows with the words, from both accounts; Esc brings all four back.
    let word = head(&subject);
    t.keys(&["/"]);
    t.keys(&[&word, "Enter"]);
    let s = t.wait_for(&format!("search: {word} (Esc clears)"));
    assert!(s.contains(&word) && !s.contains("/4 |"), "{s}");
    t.keys(&["Escape"]);
    t.wait_for("All inboxes | 1/4 |");
    t.keys(&["q", "y"]);
    t.wait_ended();
}

/// The Maildir flags (the letters after `:2,`) of the message with this subject.
fn stored_flags(d: &Dovecot, folder: &str, subject: &str) -> String {
    let root = d.maildir(&d.users()[0].0);
    let dir = if folder == "INBOX" {
        root
    } else {
        root.join(format!(".{folder}"))
    };
    for sub in ["cur", "new"] {
        for e in std::fs::read_dir(dir.join(sub))
            .into_iter()
            .flatten()
            .flatten()
        {
            let text = std::fs::read(e.path()).unwrap_or_default();
            if String::from_utf8_lossy(&text).contains(&format!("Subject: {subject}")) {
                let name = e.file_name().to_string_lossy().into_owned();
                return name
                    .split_once(":2,")
                    .map(|(_, f)| f.to_string())
                    .unwrap_or_default();
            }
        }
    }
    String::new()
}

#[test]
fn to_completes_from_the_other_accounts_cache() {
    let d1 = server(DovecotOptions::default());
    let d2 = server(DovecotOptions::default());
    fill(&d1, "INBOX", 1, 105);
    let quincy = "From: Quincy Other <quincy@other.example>\r\nTo: someone@example.org\r\n\
Subject: Only in work\r\nDate: Thu, 26 Nov 2026 10:00:00 +0000\r\n\r\nHello\r\n";
    d2.deliver(
        &d2.users()[0].0,
        "INBOX",
        quincy.as_bytes(),
        &[],
        chrono::Utc::now(),
    )
    .unwrap();
    let (t, _dir) = both(&d1, &d2);
    t.wait_for_all(&["test INBOX", "1/1 |", "| online"]);
    wait_count(&t, "work", "INBOX", "1");
    t.keys(&["m"]);
    t.wait_for("To:");
    t.keys(&["quin", "Tab"]);
    t.wait_for("To: Quincy Other <quincy@other.example>");
    t.keys(&["Escape"]);
}

#[test]
fn account_opens_only_that_one_and_a_watched_folder_of_the_other_is_announced() {
    let d1 = server(DovecotOptions::default());
    let d2 = server(DovecotOptions::default());
    fill(&d1, "INBOX", 1, 106);
    fill(&d2, "INBOX", 1, 107);
    fill(&d2, "Lists", 1, 108);
    let dir = tempfile::tempdir().unwrap();
    let cfg = two_accounts(&d1, &d2, dir.path());
    // work watches Lists too.
    let text = std::fs::read_to_string(&cfg).unwrap().replace(
        "[accounts.work]\n",
        "[accounts.work]\nwatch = [\"INBOX\", \"Lists\"]\n",
    );
    std::fs::write(&cfg, text).unwrap();
    let log = dir.path().join("tern.log");
    // --account work: that account alone, no heading of the other, no all inboxes.
    let t = Tmux::start_args(&cfg, &log, &["--account", "work"]);
    let s = t.wait_for_all(&["work INBOX", "1/1 |", "| online", "Lists"]);
    assert!(!s.contains("All inboxes"), "{s}");
    assert!(
        !s.lines()
            .any(|l| l.split_whitespace().next() == Some("test")),
        "{s}"
    );
    t.keys(&["q"]);
    t.wait_ended();
    // Both: mail delivered to work's Lists (watched, not open) is announced with the
    // account's name while test is shown.
    let t = Tmux::start_wide(&cfg, &log, 200, 50);
    t.wait_for_all(&["test INBOX", "1/1 |", "| online"]);
    wait_count(&t, "work", "Lists", "1");
    // Through the server (another client's APPEND), so that NOTIFY can tell.
    let new = tern_testkit::generate(1, 109, chrono::Utc::now())
        .next()
        .unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let mut other = other_client(&d2).await;
        tern::imap::ops::append(&mut other, "Lists", &[], &new.raw)
            .await
            .unwrap();
    });
    t.wait_for("work: new mail in Lists");
    wait_count(&t, "work", "Lists", "2");
    t.keys(&["q"]);
    t.wait_ended();
}

/// `tern addresses TEXT`: every account's cached addresses, as `address<TAB>name` lines
/// for an editor's To:/Cc:, from the caches, and from the running client that holds them.
#[test]
fn addresses_answers_from_every_accounts_cache_and_from_the_running_client() {
    let d1 = server(DovecotOptions::default());
    let d2 = server(DovecotOptions::default());
    let mail = |d: &Dovecot, from: &str| {
        let raw = format!(
            "From: {from}\r\nTo: me@example.org\r\nSubject: hello\r\nDate: Thu, 26 Nov 2026 10:00:00 +0000\r\n\r\nhi\r\n"
        );
        d.deliver(
            &d.users()[0].0,
            "INBOX",
            raw.as_bytes(),
            &[],
            chrono::Utc::now(),
        )
        .unwrap();
    };
    mail(&d1, "Zelda One <zelda@one.example>");
    mail(&d2, "Zed Remote <zed@remote.example>");
    mail(&d2, "Amy Else <amy@else.example>");
    let dir = tempfile::tempdir().unwrap();
    let cfg = two_accounts(&d1, &d2, dir.path());
    // work also asks an address book of the user's own.
    let book = dir.path().join("book.sh");
    std::fs::write(
        &book,
        "#!/bin/sh\necho 'searching'\ncase \"$*\" in *[zZ][eE]*) printf 'zebra@book.example\\tZebra Book\\n';; esac\n",
    )
    .unwrap();
    std::fs::set_permissions(&book, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let text = std::fs::read_to_string(&cfg).unwrap().replace(
        "[accounts.work]\n",
        &format!(
            "[accounts.work]\naddress-book-command = \"{}\"\n",
            book.display()
        ),
    );
    std::fs::write(&cfg, text).unwrap();
    let tern = |args: &[&str]| -> String {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_tern"))
            .env("TERN_LOG", dir.path().join("tern.log"))
            .arg("--config")
            .arg(&cfg)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    tern(&["sync"]);
    let mut want = vec![
        "zed@remote.example\tZed Remote",
        "zelda@one.example\tZelda One",
    ];
    want.sort();
    // The caches' addresses (in rank order, sorted here), then the address book's.
    let answer = |out: String| -> Vec<String> {
        let mut lines: Vec<String> = out.lines().map(String::from).collect();
        let last = lines.pop().unwrap_or_default();
        assert_eq!(last, "zebra@book.example\tZebra Book", "{out}");
        lines.sort();
        lines
    };
    assert_eq!(answer(tern(&["addresses", "ZE"])), want);
    // While the client runs it holds the caches, and answers the same.
    let t = Tmux::start_wide(&cfg, &dir.path().join("tern.log"), 200, 50);
    t.wait_for_all(&["test INBOX", "| online"]);
    assert_eq!(answer(tern(&["addresses", "ze"])), want);
    assert_eq!(tern(&["addresses", "nobody-at-all"]), "");
    // Writing (as when the editor asks): the book the client read for its To: answers.
    t.keys(&["m"]);
    t.wait_for("To:");
    t.keys(&["zel", "Tab"]);
    t.wait_for("To: Zelda One <zelda@one.example>");
    assert_eq!(answer(tern(&["addresses", "ze"])), want);
    t.keys(&["Escape"]);
    t.keys(&["q"]);
    t.wait_ended();
}
