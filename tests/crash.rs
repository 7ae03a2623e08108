//! tern killed at random points while it writes its cache, twenty times: the next start
//! opens the cache (or rebuilds it and says so) and shows the mail, and a sync ends equal
//! to the server. And the password never shows up in the process list, the log or the
//! cache.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failure is its panic

mod support;
use rand::{Rng, SeedableRng};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::*;
use tern_testkit::DovecotOptions;

fn tern(cfg: &std::path::Path, log: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tern"));
    c.arg("--config").arg(cfg).env("TERN_LOG", log);
    c
}

/// A config whose password comes from a file (so it is on no command line at all).
fn config_with_password_file(
    d: &tern_testkit::Dovecot,
    dir: &std::path::Path,
) -> std::path::PathBuf {
    let cfg = write_config(d, dir);
    let pass = &d.users()[0].1;
    let file = dir.join("pw");
    std::fs::write(&file, format!("{pass}\n")).unwrap();
    let text = std::fs::read_to_string(&cfg).unwrap().replace(
        &format!("echo {pass}"),
        &format!("cat '{}'", file.display()),
    );
    assert!(!text.contains(pass.as_str()));
    std::fs::write(&cfg, text).unwrap();
    cfg
}

#[test]
fn killed_twenty_times_mid_write_the_cache_opens_and_the_mail_shows() {
    let d = server(DovecotOptions::default());
    fill(&d, "INBOX", 4000, 21);
    let dir = tempfile::tempdir().unwrap();
    let cfg = config_with_password_file(&d, dir.path());
    let log = dir.path().join("tern.log");
    let mut rng = rand::rngs::StdRng::seed_from_u64(20);
    let mut rebuilt = 0;
    for round in 0..20 {
        let mut child = tern(&cfg, &log)
            .args(["sync", "--folder", "INBOX"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The kill point is the thing tested: a random moment of the sync.
        std::thread::sleep(Duration::from_millis(rng.random_range(0..600)));
        let _ = child.kill(); // SIGKILL
        let out = child.wait_with_output().unwrap();
        let said = String::from_utf8_lossy(&out.stderr).to_string();
        if said.contains("rebuil") {
            rebuilt += 1;
        }
        // The next start opens the cache (or rebuilds it, saying so) and lists mail.
        let list = tern(&cfg, &log)
            .args(["list", "--limit", "3"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&list.stderr);
        if err.contains("rebuil") {
            rebuilt += 1;
        }
        // It opened the cache and listed mail, or (killed before the cache held any)
        // said plainly that it was rebuilt or has nothing yet.
        assert!(
            list.status.success()
                || err.contains("rebuilt")
                || err.contains("run `tern sync` first"),
            "round {round}: list failed: {err}"
        );
    }
    let sync = tern(&cfg, &log)
        .args(["sync", "--folder", "INBOX"])
        .output()
        .unwrap();
    assert!(
        sync.status.success(),
        "{}",
        String::from_utf8_lossy(&sync.stderr)
    );
    let all = tern(&cfg, &log)
        .args(["list", "--json", "--limit", "0"])
        .output()
        .unwrap();
    let lines = String::from_utf8_lossy(&all.stdout).lines().count();
    assert_eq!(
        lines, 4000,
        "after the last sync the cache holds the whole folder"
    );
    eprintln!("cache rebuilds seen: {rebuilt}");
}

#[test]
fn the_password_is_in_no_process_list_log_or_cache() {
    // A password no other text could contain by chance.
    let d = server(DovecotOptions {
        users: vec![("alice".into(), "Pw-7f3a9c-Zq".into())],
        ..DovecotOptions::default()
    });
    fill(&d, "INBOX", 20, 5);
    let dir = tempfile::tempdir().unwrap();
    let cfg = config_with_password_file(&d, dir.path());
    let log = dir.path().join("tern.log");
    let pass = d.users()[0].1.clone();
    let mut child = tern(&cfg, &log)
        .args(["--trace-imap", "sync"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // While it runs, no process anywhere has the password on its command line.
    let start = Instant::now();
    loop {
        for entry in std::fs::read_dir("/proc").unwrap().flatten() {
            if let Ok(cmd) = std::fs::read(entry.path().join("cmdline")) {
                assert!(
                    !String::from_utf8_lossy(&cmd).contains(&pass),
                    "the password is on a command line: {}",
                    String::from_utf8_lossy(&cmd).replace('\0', " ")
                );
            }
        }
        if child.try_wait().unwrap().is_some() || start.elapsed() > Duration::from_secs(30) {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(child.wait().unwrap().success());
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.contains("LOGIN") || text.contains("AUTHENTICATE"),
        "the trace was written"
    );
    assert!(!text.contains(&pass), "the password is in the log");
    let mode =
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&log).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600);
    for entry in walk(&dir.path().join("cache")) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(
            !bytes.windows(pass.len()).any(|w| w == pass.as_bytes()),
            "the password is in {}",
            entry.display()
        );
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
