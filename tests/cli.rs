//! The real binary: `tern sync` and `tern list` against the test server, and a SIGKILLed
//! sync that leaves a cache the next run opens.

mod support;
use std::process::Command;
use support::*;
use tern::dev::DovecotOptions;

fn tern() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tern"));
    c.env("TERN_LOG", std::env::temp_dir().join("tern-test.log"));
    c
}

#[test]
fn sync_then_list_prints_newest_first_and_json() {
    let d = server(DovecotOptions::default());
    let msgs = fill(&d, "INBOX", 120, 5);
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(&d, dir.path());
    let out = tern()
        .arg("--config")
        .arg(&cfg)
        .arg("sync")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("INBOX") && l.contains("120 messages")),
        "{stdout}"
    );
    assert!(stdout.lines().any(|l| l.starts_with("total")), "{stdout}");
    let out = tern()
        .arg("--config")
        .arg(&cfg)
        .args(["list", "--limit", "3", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
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
    let out = tern()
        .arg("--config")
        .arg(&cfg)
        .args(["list", "--limit", "0"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 120);
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
    let out = tern()
        .arg("--config")
        .arg(&cfg)
        .arg("sync")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("login refused by the server"), "{err}");
}

#[test]
fn sigkilled_sync_leaves_a_cache_the_next_run_opens() {
    let d = server(DovecotOptions::default());
    fill(&d, "INBOX", 3000, 8);
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(&d, dir.path());
    let cache_file = dir.path().join("cache").join("test.redb");
    let mut child = tern()
        .arg("--config")
        .arg(&cfg)
        .arg("sync")
        .spawn()
        .unwrap();
    // Kill it once it has committed something (the file grows past its empty size).
    let start = std::time::Instant::now();
    loop {
        let len = std::fs::metadata(&cache_file).map(|m| m.len()).unwrap_or(0);
        if len > 64 * 1024 || start.elapsed().as_secs() > 30 {
            break;
        }
        std::thread::yield_now();
    }
    unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
    let _ = child.wait();
    let out = tern()
        .arg("--config")
        .arg(&cfg)
        .arg("sync")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("3000 messages"), "{stdout}");
    let out = tern()
        .arg("--config")
        .arg(&cfg)
        .args(["list", "--limit", "0"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 3000);
}
