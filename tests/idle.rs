//! The IDLE watcher with shortened timings: it renews IDLE and checks a silent link with
//! NOOP, and still delivers news afterwards. Renewals and checks are observed in its log.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failure is its panic

mod support;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use support::*;
use tern::imap::idle::{watch_folder, IdleTimings};
use tern_testkit::DovecotOptions;
use tokio::sync::{mpsc, watch, Notify};

/// The log lines of the watcher, shared by the tests of this binary.
struct Captured {
    text: Mutex<String>,
    changed: Notify,
}

fn captured() -> &'static Arc<Captured> {
    static LOG: OnceLock<Arc<Captured>> = OnceLock::new();
    LOG.get_or_init(|| {
        let cap = Arc::new(Captured {
            text: Mutex::new(String::new()),
            changed: Notify::new(),
        });
        let sink = cap.clone();
        tracing_subscriber::fmt()
            .with_env_filter("tern::imap::idle=debug")
            .with_ansi(false)
            .with_writer(move || Writer(sink.clone()))
            .init();
        cap
    })
}

struct Writer(Arc<Captured>);
impl std::io::Write for Writer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .text
            .lock()
            .unwrap()
            .push_str(&String::from_utf8_lossy(buf));
        self.0.changed.notify_waiters();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Waits until the log holds `n` lines with both `conn` and `what`.
async fn wait_for_lines(conn: &str, what: &str, n: usize) {
    let cap = captured();
    let wait = async {
        loop {
            let notified = cap.changed.notified();
            let count = cap
                .text
                .lock()
                .unwrap()
                .lines()
                .filter(|l| l.contains(conn) && l.contains(what))
                .count();
            if count >= n {
                return;
            }
            notified.await;
        }
    };
    tokio::time::timeout(Duration::from_secs(30), wait)
        .await
        .unwrap_or_else(|_| panic!("{n} x {what:?} for {conn} not logged in 30 s"));
}

async fn watcher_delivers_after(timings: IdleTimings, label: &str, what: &str) {
    captured();
    let d = server(DovecotOptions::default());
    let mut s = settings(&d);
    s.label = label.into();
    let conn = tern::imap::connect(&s).await.unwrap();
    let (_folder_tx, folder_rx) = watch::channel("INBOX".to_string());
    let (news_tx, mut news) = mpsc::unbounded_channel();
    let task = tokio::spawn(watch_folder(conn, folder_rx, news_tx, timings, &[]));
    // The first news is the catch-up after EXAMINE.
    assert_eq!(news.recv().await.as_deref(), Some("INBOX"));
    wait_for_lines(label, what, 3).await;
    let mut other = other_client(&d).await;
    let raw = b"From: a@example.org\r\nSubject: after quiet\r\n\r\nx\r\n";
    tern::imap::ops::append(&mut other, "INBOX", &[], raw)
        .await
        .unwrap();
    let got = tokio::time::timeout(Duration::from_secs(30), news.recv()).await;
    assert_eq!(got.expect("news within 30 s").as_deref(), Some("INBOX"));
    assert!(!task.is_finished(), "the watcher is still running");
    task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_is_renewed_and_still_delivers() {
    let t = IdleTimings {
        renew: Duration::from_millis(300),
        liveness: Duration::from_secs(20),
        poll: Duration::from_secs(30),
    };
    watcher_delivers_after(t, "renewer", "renewing IDLE").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_link_is_checked_with_noop_and_still_delivers() {
    let t = IdleTimings {
        renew: Duration::from_secs(60),
        liveness: Duration::from_millis(150),
        poll: Duration::from_secs(30),
    };
    watcher_delivers_after(t, "checker", "checking the link with NOOP").await;
}
