//! Ending tern: SIGTERM ends the client like `q` (terminal given back, changes kept for
//! the server said), and a hangup of the demo's terminal (a dropped SSH link) leaves no
//! Dovecot running behind it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failure is its panic

mod support;
use std::time::{Duration, Instant};
use support::tmux::Tmux;
use support::*;
use tern_testkit::DovecotOptions;

fn wait_until(what: &str, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < Duration::from_secs(60), "never: {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Processes whose command line contains `needle` (read from /proc).
fn processes_with(needle: &str) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        if let Ok(cmd) = std::fs::read(entry.path().join("cmdline")) {
            let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
            if cmd.contains(needle) {
                out.push(cmd);
            }
        }
    }
    out
}

#[test]
fn sigterm_ends_the_client_like_q() {
    let mut d = server(DovecotOptions::default());
    fill(&d, "INBOX", 3, 61);
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(&d, dir.path());
    let t = Tmux::start_shell();
    t.keys(&[
        &format!(
            "TERN_LOG='{}' '{}' --config '{}'; echo \"ended=$?\"",
            dir.path().join("tern.log").display(),
            env!("CARGO_BIN_EXE_tern"),
            cfg.display()
        ),
        "Enter",
    ]);
    t.wait_for_all(&["| online", "1/3 |"]);
    d.stop();
    t.wait_for("offline");
    t.keys(&["F"]);
    t.wait_for("1 queued");
    let ours = format!("--config {}", cfg.display());
    let pids: Vec<String> = std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter(|e| {
            std::fs::read(e.path().join("cmdline")).is_ok_and(|c| {
                let c = String::from_utf8_lossy(&c).replace('\0', " ");
                c.contains(&ours) && !c.contains("echo")
            })
        })
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(pids.len(), 1, "{pids:?}");
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pids[0]])
        .status()
        .unwrap();
    assert!(killed.success());
    let screen = t.wait_for_all(&["ended=0", "change(s) made offline are kept"]);
    assert!(
        !screen.contains("1/3 |"),
        "the terminal is the shell's again:\n{screen}"
    );
    assert!(cfg.with_file_name("cache").exists());
}

#[test]
fn a_hangup_of_the_demo_leaves_no_server_running() {
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let t = Tmux::start_shell();
    t.keys(&[
        &format!(
            "TMPDIR='{}' TERN_LOG='{}' '{}' demo --messages 60",
            tmp.display(),
            dir.path().join("tern.log").display(),
            env!("CARGO_BIN_EXE_tern"),
        ),
        "Enter",
    ]);
    t.wait_for_all(&["| online", "1/60 |"]);
    let needle = tmp.display().to_string();
    assert!(
        processes_with(&needle)
            .iter()
            .any(|c| c.contains("dovecot")),
        "the demo's Dovecot runs"
    );
    t.hang_up();
    wait_until("the demo's servers are gone", || {
        processes_with(&needle)
            .iter()
            .all(|c| !c.contains("dovecot") && !c.contains("smtp"))
    });
}
