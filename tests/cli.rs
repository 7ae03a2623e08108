//! The real binary: `tern sync` and `tern list` against the test server, and a SIGKILLed
//! sync that leaves a cache the next run opens.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failure is its panic

mod support;
use std::path::Path;
use std::process::Command;
use support::*;
use tern_testkit::DovecotOptions;

/// Runs tern with this config; asserts success and returns stdout.
fn run_ok(cfg: &Path, args: &[&str]) -> String {
    let out = tern(cfg).args(args).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "tern {args:?}: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The binary with this config, logging next to it.
fn tern(cfg: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tern"));
    c.env("TERN_LOG", log_of(cfg)).arg("--config").arg(cfg);
    c
}

fn log_of(cfg: &Path) -> std::path::PathBuf {
    cfg.with_file_name("tern.log")
}

#[test]
fn sync_then_list_prints_newest_first_and_json() {
    let d = server(DovecotOptions::default());
    let msgs = fill(&d, "INBOX", 120, 5);
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(&d, dir.path());
    let stdout = run_ok(&cfg, &["sync"]);
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("INBOX") && l.contains("120 messages")),
        "{stdout}"
    );
    assert!(stdout.lines().any(|l| l.starts_with("total")), "{stdout}");
    let lines: Vec<serde_json::Value> = run_ok(&cfg, &["list", "--limit", "3", "--json"])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    let mut by_date = msgs.clone();
    by_date.sort_by_key(|m| std::cmp::Reverse(m.date));
    for (line, m) in lines.iter().zip(&by_date) {
        assert_eq!(line["subject"], m.subject.as_str());
        assert!(line["uid"].as_u64().unwrap() > 0);
        assert!(line["size"].as_u64().unwrap() > 0);
        let flags: Vec<&str> = line["flags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap())
            .collect();
        assert_eq!(flags.contains(&"\\Seen"), m.flags.contains(&"\\Seen"));
    }
    assert_eq!(run_ok(&cfg, &["list", "--limit", "0"]).lines().count(), 120);
}

#[test]
fn folder_names_match_as_the_server_does_and_unknown_ones_name_the_others() {
    let d = server(DovecotOptions::default());
    fill(&d, "INBOX", 2, 9);
    fill(&d, "Archive", 1, 10);
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(&d, dir.path());
    // INBOX in any case is INBOX: one copy in the cache.
    let out = run_ok(&cfg, &["sync", "--folder", "inbox"]);
    assert!(line_of(&out, "INBOX").contains(" 2 messages"), "{out}");
    let listed = run_ok(&cfg, &["list", "--folder", "Inbox"]);
    assert_eq!(listed.lines().count(), 2, "{listed}");
    // Other names are exact; a near miss is named, with the folders there are.
    let out = tern(&cfg)
        .args(["sync", "--folder", "archive"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("there is no folder \"archive\""), "{err}");
    assert!(err.contains("did you mean \"Archive\""), "{err}");
    assert!(err.contains("Trash"), "{err}");
    let out = tern(&cfg)
        .args(["list", "--folder", "Nope"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("folders in the cache: INBOX"), "{err}");
}

#[test]
fn a_closed_pipe_ends_list_quietly_with_success() {
    let d = server(DovecotOptions::default());
    fill(&d, "INBOX", 400, 8);
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(&d, dir.path());
    run_ok(&cfg, &["sync"]);
    // As `tern list --json --limit 0 | head -1` (more than a pipe holds): the reader
    // takes one line and goes away.
    let mut child = tern(&cfg)
        .args(["list", "--json", "--limit", "0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    {
        let stdout = child.stdout.take().unwrap();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut first).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(!first.is_empty());
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "", "nothing said");
}

#[test]
fn failed_login_is_a_clear_error_and_nonzero_exit() {
    let d = server(DovecotOptions::default());
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(&d, dir.path());
    let text = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace("echo secret", "echo wrong");
    std::fs::write(&cfg, text).unwrap();
    let out = tern(&cfg).arg("sync").output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("login refused by the server"), "{err}");
    // The server's own words, never Rust's debug formatting of them.
    assert!(err.contains("Authentication failed."), "{err}");
    assert!(!err.contains("info:") && !err.contains("Some("), "{err}");
}

#[test]
fn sigkilled_sync_leaves_a_cache_the_next_run_opens() {
    let d = server(DovecotOptions::default());
    fill(&d, "INBOX", 3000, 8);
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(&d, dir.path());
    let mut child = tern(&cfg).arg("sync").spawn().unwrap();
    // Kill it right after its first batch reached the cache (it logs each commit).
    let log = log_of(&cfg);
    let start = std::time::Instant::now();
    while !std::fs::read_to_string(&log)
        .unwrap_or_default()
        .contains("sync batch committed")
    {
        assert!(start.elapsed().as_secs() < 60, "no batch committed in 60 s");
        std::thread::yield_now();
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "the sync ended before it could be killed mid-way"
    );
    let _ = child.kill(); // SIGKILL, mid-way
    let _ = child.wait();
    let stdout = run_ok(&cfg, &["sync"]);
    let inbox = stdout.lines().find(|l| l.starts_with("INBOX")).unwrap();
    assert!(inbox.contains("3000 messages"), "{stdout}");
    let new: u64 = inbox
        .split_whitespace()
        .skip_while(|w| *w != "messages")
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(
        new < 3000,
        "what the killed run committed survived: {inbox}"
    );
    assert_eq!(
        run_ok(&cfg, &["list", "--limit", "0"]).lines().count(),
        3000
    );
}

#[test]
fn trace_imap_logs_the_conversation_without_the_password() {
    // A non-ASCII password goes through AUTHENTICATE PLAIN (base64), an ASCII one LOGIN.
    for pass in ["Pw-9f3kq-unique", "Pw-9f3kq-ünique"] {
        let d = server(DovecotOptions {
            users: vec![("alice".into(), pass.into())],
            ..DovecotOptions::default()
        });
        fill(&d, "INBOX", 3, 1);
        let dir = tempfile::tempdir().unwrap();
        let cfg = write_config(&d, dir.path());
        run_ok(&cfg, &["--trace-imap", "sync", "--folder", "INBOX"]);
        let log = std::fs::read_to_string(log_of(&cfg)).unwrap();
        assert!(
            log.contains("C: t1 CAPABILITY"),
            "the conversation is logged"
        );
        assert!(log.contains("FETCH"), "{log}");
        assert!(log.contains("credentials redacted"));
        assert!(!log.contains(pass), "the password leaked into the log");
        let plain = openssl::base64::encode_block(format!("\0alice\0{pass}").as_bytes());
        for piece in plain.as_bytes().chunks(8) {
            let piece = std::str::from_utf8(piece).unwrap();
            assert!(!log.contains(piece), "base64 credentials leaked: {piece}");
        }
    }
}

#[test]
fn password_set_stores_in_the_secret_service_and_sync_then_uses_it() {
    let d = server(DovecotOptions::default());
    fill(&d, "INBOX", 2, 1);
    // A real Secret Service (gnome-keyring) on a session bus of the test's own.
    let keyring = tern_testkit::SecretService::start().expect("the Secret Service starts");
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(&d, dir.path());
    let text = std::fs::read_to_string(&cfg).unwrap().replace(
        "password-command = \"echo secret\"",
        "password-keyring = true",
    );
    std::fs::write(&cfg, text).unwrap();
    let with_bus = |c: &mut Command| {
        c.env("DBUS_SESSION_BUS_ADDRESS", keyring.address());
    };
    let mut set = tern(&cfg);
    with_bus(&mut set);
    let mut child = set
        .args(["password", "set", "test"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"secret\n").unwrap();
    let out = child.wait_with_output().unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{said}");
    assert!(said.contains("in the Secret Service"), "{said}");
    // Sync reads it back from there (no password anywhere in the config).
    let mut sync = tern(&cfg);
    with_bus(&mut sync);
    let out = sync.args(["sync", "--folder", "INBOX"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("2 messages"), "{stdout}");
    // The password is not in the log.
    let log = std::fs::read_to_string(log_of(&cfg)).unwrap_or_default();
    assert!(!log.contains("secret"));
}

/// The `tern sync` output line of one folder.
fn line_of<'a>(out: &'a str, folder: &str) -> &'a str {
    out.lines()
        .find(|l| l.split_whitespace().next() == Some(folder))
        .unwrap_or_else(|| panic!("no line for {folder}: {out}"))
}

#[test]
fn unchanged_folders_are_skipped_and_changed_ones_synced() {
    let d = server(DovecotOptions::default());
    fill(&d, "INBOX", 20, 1);
    fill(&d, "Archive", 10, 2);
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(&d, dir.path());
    run_ok(&cfg, &["sync"]);
    let out = run_ok(&cfg, &["sync"]);
    for folder in ["INBOX", "Archive", "Trash"] {
        assert!(line_of(&out, folder).ends_with("(unchanged)"), "{out}");
    }
    // Another client flags a message in Archive: only Archive is synced, and it shows.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let mut other = other_client(&d).await;
        other.exec("SELECT Archive", |_| false).await.unwrap();
        tern::imap::ops::store_flags(&mut other, &[3], &["\\Flagged".into()], true)
            .await
            .unwrap();
    });
    let out = run_ok(&cfg, &["sync"]);
    let archive = line_of(&out, "Archive");
    assert!(
        !archive.ends_with("(unchanged)") && archive.contains(" 1 changed"),
        "{out}"
    );
    assert!(line_of(&out, "INBOX").ends_with("(unchanged)"), "{out}");
}

#[test]
fn without_condstore_folders_are_never_skipped() {
    let d = server(DovecotOptions {
        disable_caps: vec!["QRESYNC".into(), "CONDSTORE".into()],
        ..DovecotOptions::default()
    });
    fill(&d, "INBOX", 5, 1);
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(&d, dir.path());
    run_ok(&cfg, &["sync"]);
    let out = run_ok(&cfg, &["sync"]);
    assert!(!out.contains("(unchanged)"), "{out}");
}

#[test]
fn demo_syncs_generated_mail_and_lists_it_offline() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tern"))
        .env("TERN_LOG", dir.path().join("tern.log"))
        .env("TMPDIR", dir.path())
        .args(["demo", "--messages", "60"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(
        line_of(&stdout, "INBOX").contains(" 60 messages"),
        "{stdout}"
    );
    assert!(
        line_of(&stdout, "Archive").contains(" 6 messages"),
        "{stdout}"
    );
    // After the server is gone, the cache still answers.
    let cfg = dir.path().join("tern-demo").join("config.toml");
    assert_eq!(run_ok(&cfg, &["list", "--limit", "0"]).lines().count(), 60);
    // The second account, synced by the same `tern sync`.
    assert!(stdout.contains("account personal"), "{stdout}");
    assert_eq!(
        run_ok(&cfg, &["list", "--account", "personal", "--limit", "0"])
            .lines()
            .count(),
        12
    );
}

#[test]
fn a_mistake_in_keys_or_theme_names_the_file_and_line() {
    let d = server(DovecotOptions::default());
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(&d, dir.path());
    let good = std::fs::read_to_string(&cfg).unwrap();
    for (extra, entry) in [
        (
            "[keys.list]\nx = \"delete\"\ny = \"explode\"\n",
            "[keys.list] \"y\"",
        ),
        (
            "[theme]\nunread = \"bold\"\nflagged = \"sparkly\"\n",
            "[theme] \"flagged\"",
        ),
    ] {
        let text = format!("{good}\n{extra}");
        std::fs::write(&cfg, &text).unwrap();
        let line = text.lines().count(); // the last entry is the wrong one
        let out = tern(&cfg).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success());
        assert!(
            err.contains(&format!("{}: line {line}: {entry}", cfg.display())),
            "{err}"
        );
    }
}

#[test]
fn list_and_sync_while_the_client_runs_ask_it_and_nothing_is_corrupted() {
    use std::os::unix::fs::PermissionsExt;
    let d = server(DovecotOptions::default());
    let msgs = fill(&d, "INBOX", 5, 71);
    fill(&d, "Archive", 2, 72);
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(&d, dir.path());
    let t = support::tmux::Tmux::start(&cfg, &log_of(&cfg));
    t.wait_for_all(&["| online", "1/5 |"]);
    // The client holds the cache; list asks it, and prints what list prints.
    let out = run_ok(&cfg, &["list", "--limit", "3"]);
    assert_eq!(out.lines().count(), 3, "{out}");
    let mut newest = msgs.clone();
    newest.sort_by_key(|m| std::cmp::Reverse(m.date));
    let first: String = newest[0].subject.chars().take(20).collect();
    assert!(out.lines().next().unwrap().contains(&first), "{out}");
    let json = run_ok(&cfg, &["list", "--json", "--limit", "0"]);
    assert_eq!(json.lines().count(), 5, "{json}");
    // New mail, synced through the running client, then listed.
    fill(&d, "INBOX", 1, 73);
    let out = run_ok(&cfg, &["sync", "--folder", "inbox"]);
    assert!(line_of(&out, "INBOX").contains(" 6 messages"), "{out}");
    assert!(out.contains("synced by the running tern"), "{out}");
    assert_eq!(run_ok(&cfg, &["list", "--limit", "0"]).lines().count(), 6);
    let all = run_ok(&cfg, &["sync"]);
    assert!(line_of(&all, "Archive").contains(" 2 messages"), "{all}");
    // Mistakes are said as before.
    let bad = tern(&cfg)
        .args(["sync", "--folder", "Nope"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        !bad.status.success() && err.contains("there is no folder \"Nope\""),
        "{err}"
    );
    assert!(err.contains("Archive"), "{err}");
    let bad = tern(&cfg)
        .args(["list", "--folder", "Nope"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        !bad.status.success() && err.contains("no cached messages"),
        "{err}"
    );
    // The socket is the user's alone.
    let sock = tern::control::socket_candidates(&dir.path().join("cache"), "test")
        .into_iter()
        .find(|p| p.exists())
        .expect("the client's socket");
    let mode = std::fs::metadata(&sock).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    // The client still shows the new mail; after it quits the cache opens whole.
    t.wait_for("/6 |"); // the cursor stays on its message
    t.keys(&["q"]);
    t.wait_ended();
    assert!(!sock.exists(), "the socket goes with the client");
    assert_eq!(run_ok(&cfg, &["list", "--limit", "0"]).lines().count(), 6);
}

#[test]
fn sync_without_account_syncs_every_account_and_one_failing_spares_the_other() {
    let d1 = server(DovecotOptions::default());
    let mut d2 = server(DovecotOptions::default());
    fill(&d1, "INBOX", 3, 81);
    fill(&d2, "INBOX", 4, 82);
    let dir = tempfile::tempdir().unwrap();
    let cfg = two_accounts(&d1, &d2, dir.path());
    let out = run_ok(&cfg, &["sync"]);
    let (first, second) = out.split_once("account work").expect(&out);
    assert!(first.starts_with("account test"), "{out}");
    assert!(line_of(first, "INBOX").contains(" 3 messages"), "{out}");
    assert!(line_of(second, "INBOX").contains(" 4 messages"), "{out}");
    assert_eq!(
        run_ok(&cfg, &["list", "--account", "work", "--limit", "0"])
            .lines()
            .count(),
        4
    );
    // One server gone: the other account still syncs, and the failure names its account.
    d2.stop();
    fill(&d1, "INBOX", 1, 83);
    let out = tern(&cfg).arg("sync").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        line_of(&stdout, "INBOX").contains(" 4 messages"),
        "{stdout}"
    );
    assert!(
        stderr.contains("1 of 2 accounts did not sync: work (why, above)"),
        "{stderr}"
    );
}

#[test]
fn the_client_opens_the_account_named_by_account() {
    let d1 = server(DovecotOptions::default());
    let d2 = server(DovecotOptions::default());
    fill(&d1, "INBOX", 3, 84);
    fill(&d2, "INBOX", 5, 85);
    let dir = tempfile::tempdir().unwrap();
    let cfg = two_accounts(&d1, &d2, dir.path());
    let t = support::tmux::Tmux::start_with(&cfg, &log_of(&cfg), "");
    t.wait_for_all(&["test INBOX | 1/3 |", "| online"]);
    t.keys(&["q"]);
    t.wait_ended();
    let t = support::tmux::Tmux::start_args(&cfg, &log_of(&cfg), &["--account", "work"]);
    t.wait_for_all(&["work INBOX | 1/5 |", "| online"]);
    t.keys(&["q"]);
}

#[test]
fn a_folder_name_with_escapes_never_reaches_the_terminal_raw() {
    let d = server(DovecotOptions::default());
    fill(&d, "INBOX", 1, 86);
    // A name holding ESC ] 52 (clipboard) and ESC [ 2 J (clear screen). Dovecot refuses
    // to create one, as a hostile server would not: the folder is renamed on its disk.
    let evil = "Evil\u{1b}]52;c;aGk=\u{7}\u{1b}[2J";
    fill(&d, "EvilX", 1, 87);
    let user_dir = d.root().join("mail").join(&d.users()[0].0);
    std::fs::rename(
        user_dir.join(".EvilX"),
        user_dir.join(format!(".{}", tern::mail::mutf7::encode(evil))),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(&d, dir.path());
    let out = run_ok(&cfg, &["sync"]);
    assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out:?}");
    assert!(out.lines().any(|l| l.starts_with("Evil")), "{out}");
    let named = tern(&cfg)
        .args(["sync", "--folder", evil])
        .output()
        .unwrap();
    let all = [named.stdout, named.stderr].concat();
    assert!(
        !all.contains(&0x1b) && !all.contains(&0x07),
        "{:?}",
        String::from_utf8_lossy(&all)
    );
}
