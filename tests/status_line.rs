//! The status line a person reads, end to end in tmux against the real Dovecot: the
//! offline countdown ticks, and a message goes after ten seconds.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failure is its panic

mod support;
use support::tmux::Tmux;
use support::*;
use tern_testkit::DovecotOptions;

/// The seconds of "retry in Ns" on the status line, if shown.
fn retry_in(screen: &str) -> Option<u64> {
    let rest = screen.split("retry in ").nth(1)?;
    rest.split('s').next()?.parse().ok()
}

#[test]
fn the_offline_countdown_ticks_and_a_message_goes_after_ten_seconds() {
    let mut d = server(DovecotOptions::default());
    fill(&d, "INBOX", 3, 51);
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(&d, dir.path());
    let t = Tmux::start(&cfg, &dir.path().join("tern.log"));
    t.wait_for_all(&["| online", "1/3 |", "Archive"]);
    // A message, then nothing: it goes by itself.
    t.keys(&["a"]);
    t.wait_for("moved to Archive");
    let start = std::time::Instant::now();
    while t.screen().contains("moved to Archive") {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "{}",
            t.screen()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    // Offline: the countdown goes down while nothing else happens.
    d.stop();
    let start = std::time::Instant::now();
    let first = loop {
        if let Some(n) = retry_in(&t.screen()).filter(|n| *n >= 3) {
            break n;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(60),
            "{}",
            t.screen()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let start = std::time::Instant::now();
    loop {
        if retry_in(&t.screen()).is_some_and(|n| n < first) {
            break;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(5),
            "stuck at {first}s:\n{}",
            t.screen()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    t.keys(&["q"]);
}
