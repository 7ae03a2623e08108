//! Ending tern: SIGTERM ends the client like `q` (terminal given back, changes kept for
//! the server said), a hangup of the demo's terminal (a dropped SSH link) leaves no
//! Dovecot running behind it, and a terminal that closes without a SIGHUP reaching tern
//! still ends it.

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

#[test]
fn a_terminal_that_hangs_up_without_a_signal_to_tern_still_ends_it() {
    let d = server(DovecotOptions::default());
    fill(&d, "INBOX", 3, 62);
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(&d, dir.path());
    set_prefetch(&cfg, "none");
    let log = dir.path().join("tern.log");
    // In a session of its own, the terminal is not tern's controlling one: when the shell
    // that owns it hangs up, the terminal is hung up for every process that has it open,
    // and tern gets no SIGHUP, only an end of input, which crossterm 0.29 reads in an
    // endless loop on the client's main thread (a quiet client never writes, so never
    // meets the error a write would give).
    let t = Tmux::start_shell();
    t.keys(&[
        &format!(
            "TERN_LOG='{}' setsid -w '{}' --config '{}' 2>'{}'",
            log.display(),
            env!("CARGO_BIN_EXE_tern"),
            cfg.display(),
            dir.path().join("stderr").display(),
        ),
        "Enter",
    ]);
    t.wait_for_all(&["| online", "1/3 |"]);
    // Quiet: the search index's first build is the last thing a new client does here
    // (a client with something to draw meets the closed terminal's write error instead).
    wait_until("the index built", || {
        std::fs::read_to_string(&log).is_ok_and(|l| l.contains("Garbage collect"))
    });
    let ours = format!("{} --config {}", env!("CARGO_BIN_EXE_tern"), cfg.display());
    let tern_runs = || {
        processes_with(&ours)
            .iter()
            .any(|c| c.starts_with(env!("CARGO_BIN_EXE_tern")))
    };
    assert!(tern_runs());
    let hup = std::process::Command::new("kill")
        .args(["-HUP", &t.pane_pid().to_string()])
        .status()
        .unwrap();
    assert!(hup.success());
    // Within 30 s (the watchdog looks every 2 s and gives the loop 10 s); left to
    // itself, it spun until something had to be drawn, or forever.
    let hung_up = Instant::now();
    while tern_runs() {
        assert!(
            hung_up.elapsed() < Duration::from_secs(30),
            "tern still runs 30 s after its terminal hung up"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // Its cache is free again: another tern opens it.
    let listed = std::process::Command::new(env!("CARGO_BIN_EXE_tern"))
        .args(["--config", cfg.to_str().unwrap(), "list", "--limit", "3"])
        .env("TERN_LOG", &log)
        .output()
        .unwrap();
    assert!(
        listed.status.success(),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&listed.stdout).lines().count(), 3);
}
