//! Bodies ahead of time: the worker's prefetch after the headers, and `tern sync
//! --bodies`; then, with the server stopped, every prefetched message opens, and
//! nothing was marked read by fetching it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failure is its panic

mod support;
use std::process::Command;
use support::tmux::Tmux;
use support::world::wait_until;
use support::*;
use tern_testkit::DovecotOptions;

/// A config for `d` with `prefetch = WINDOW` for its account.
fn config_with(
    d: &tern_testkit::Dovecot,
    dir: &std::path::Path,
    window: &str,
) -> std::path::PathBuf {
    let cfg = write_config(d, dir);
    set_prefetch(&cfg, window);
    cfg
}

fn flags(d: &tern_testkit::Dovecot) -> Vec<(u32, tern::mail::Flags)> {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let mut other = other_client(d).await;
        server_state(&mut other, "INBOX").await
    })
}

#[test]
fn the_client_prefetches_bodies_unread_and_they_open_with_the_server_stopped() {
    let mut d = server(DovecotOptions::default());
    let mut msgs = fill(&d, "INBOX", 40, 77);
    msgs.sort_by_key(|m| std::cmp::Reverse(m.date));
    let before = flags(&d);
    let dir = tempfile::tempdir().unwrap();
    let cfg = config_with(&d, dir.path(), "all");
    let log = dir.path().join("tern.log");
    let t = Tmux::start(&cfg, &log);
    t.wait_for_all(&["| online", "1/40 |"]);
    // The worker says when the window is in the cache.
    wait_until(|| {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("prefetch done")
    });
    assert_eq!(flags(&d), before, "prefetching marked nothing read");
    d.stop();
    t.wait_for("offline");
    // The newest, and the oldest (never looked at), open from the cache.
    t.keys(&["Enter"]);
    let s = t.wait_for(&first_words(&msgs[0].raw, 78));
    assert!(!s.contains("not in the cache yet"), "{s}");
    t.keys(&["q", "G", "Enter"]);
    let s = t.wait_for(&first_words(&msgs[39].raw, 78));
    assert!(!s.contains("not in the cache yet"), "{s}");
    t.keys(&["q", "q"]);
}

#[test]
fn tern_sync_bodies_fetches_each_folders_window_once_for_reading_offline() {
    let mut d = server(DovecotOptions::default());
    let mut msgs = fill(&d, "INBOX", 25, 78);
    fill(&d, "Archive", 5, 79);
    msgs.sort_by_key(|m| std::cmp::Reverse(m.date));
    let dir = tempfile::tempdir().unwrap();
    let cfg = config_with(&d, dir.path(), "none");
    let log = dir.path().join("tern.log");
    let run = || {
        let out = Command::new(env!("CARGO_BIN_EXE_tern"))
            .env("TERN_LOG", &log)
            .args(["--config", cfg.to_str().unwrap(), "sync", "--bodies", "all"])
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{said}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        said
    };
    let said = run();
    let line = |name: &str| {
        said.lines()
            .find(|l| l.starts_with(name) && l.contains("bodies"))
            .unwrap_or_else(|| panic!("no bodies line for {name}: {said}"))
            .to_string()
    };
    assert!(line("INBOX").contains(" 25 bodies"), "{said}");
    assert!(line("Archive").contains(" 5 bodies"), "{said}");
    assert!(line("bodies").contains(" 30 bodies"), "{said}");
    // All there: a second run fetches nothing.
    let again = run();
    let total = again.lines().find(|l| l.starts_with("bodies")).unwrap();
    assert!(total.contains(" 0 bodies"), "{again}");
    d.stop();
    let t = Tmux::start(&cfg, &log);
    t.wait_for("offline");
    t.keys(&["G", "Enter"]);
    let s = t.wait_for(&first_words(&msgs[24].raw, 78));
    assert!(!s.contains("not in the cache yet"), "{s}");
    t.keys(&["q", "q"]);
}

#[test]
fn triage_goes_first_while_bodies_are_prefetched_and_both_reach_their_end() {
    let d = server(DovecotOptions::default());
    fill(&d, "INBOX", 300, 80);
    let dir = tempfile::tempdir().unwrap();
    let cfg = config_with(&d, dir.path(), "all");
    let log = dir.path().join("tern.log");
    let t = Tmux::start(&cfg, &log);
    t.wait_for_all(&["| online", "1/300 |"]);
    // While the bodies come, the user deletes, archives and reads.
    t.keys(&["d"]);
    t.wait_for("1 message moved to Trash");
    t.keys(&["a"]);
    t.wait_for("1 message moved to Archive");
    t.keys(&["G", "Enter"]);
    t.wait_for("Subject:");
    t.keys(&["q"]);
    wait_until(|| {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("prefetch done")
    });
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (inbox, trash, archive) = rt.block_on(async {
        let mut other = other_client(&d).await;
        (
            server_state(&mut other, "INBOX").await.len(),
            server_state(&mut other, "Trash").await.len(),
            server_state(&mut other, "Archive").await.len(),
        )
    });
    assert_eq!((inbox, trash, archive), (298, 1, 1));
    let s = t.wait_for("298/298 | online");
    assert!(!s.contains("offline"), "{s}");
    t.keys(&["q"]);
}
