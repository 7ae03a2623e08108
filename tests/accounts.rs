//! Every account in one client, end to end in tmux against two real Dovecots: both in
//! the sidebar, new mail in the account not shown, moving between them (what each server
//! holds, and undo), and one server gone while the other keeps working.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failure is its panic

mod support;
use support::tmux::Tmux;
use support::*;
use tern_testkit::{Dovecot, DovecotOptions};

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

/// Waits until the sidebar shows `count` beside `folder` under account `heading`.
fn wait_count(t: &Tmux, heading: &str, folder: &str, count: &str) {
    let start = std::time::Instant::now();
    loop {
        let s = t.screen();
        let shown = s
            .lines()
            .skip_while(|l| l.split_whitespace().next() != Some(heading))
            .skip(1)
            .find(|l| l.split_whitespace().next() == Some(folder))
            .and_then(|l| l.split_whitespace().nth(1).map(String::from));
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
    let dir = tempfile::tempdir().unwrap();
    let cfg = two_accounts(&d1, &d2, dir.path());
    let log = dir.path().join("tern.log");
    let t = Tmux::start_wide(&cfg, &log, 200, 50);
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
    wait_count(&t, "work", "INBOX", "1/3");
    // J goes on past test's last folder into work; :go and :account name either.
    t.keys(&[":", "go work/Lists", "Enter"]);
    t.wait_for_all(&[
        "work Lists",
        &lists[0].subject[..20.min(lists[0].subject.len())],
    ]);
    t.keys(&["J"]);
    t.wait_for("test INBOX");
    t.keys(&[":", "account work", "Enter"]);
    let s = t.wait_for_all(&["work INBOX", "1/3 |"]);
    assert!(s.contains(&new.subject[..20.min(new.subject.len())]), "{s}");
    t.keys(&["q", "y"]);
    t.wait_ended();
}

#[test]
fn a_move_to_the_other_account_is_stored_there_before_it_leaves_and_undo_brings_it_back() {
    let d1 = server(DovecotOptions::default());
    let d2 = server(DovecotOptions::default());
    let mine = fill(&d1, "INBOX", 2, 95);
    fill(&d2, "Lists", 1, 96);
    let dir = tempfile::tempdir().unwrap();
    let cfg = two_accounts(&d1, &d2, dir.path());
    let log = dir.path().join("tern.log");
    let t = Tmux::start_wide(&cfg, &log, 200, 50);
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
    t.wait_for("undone: 1 message back in INBOX");
    assert_eq!(wait_stored(&d1, "INBOX", |s| s.len() == 2), before);
    wait_stored(&d2, "Lists", |s| s.len() == 1 && !s.contains(&moved));
    // The message is back in the list, from the server, under the cursor.
    t.wait_for_all(&["1/2 |", &moved[..20.min(moved.len())]]);
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
    let dir = tempfile::tempdir().unwrap();
    let cfg = two_accounts(&d1, &d2, dir.path());
    let log = dir.path().join("tern.log");
    let t = Tmux::start_wide(&cfg, &log, 200, 50);
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
