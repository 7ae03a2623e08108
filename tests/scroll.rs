//! The list after far moves, and after new mail while it is scrolled (issue 14): the
//! real binary in tmux against the test Dovecot, a folder of numbered messages, and
//! every row on the screen checked to be the message that belongs there (no stale or
//! missing rows at the window's edges).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failure is its panic

mod support;
use std::time::{Duration, Instant};
use support::tmux::Tmux;
use support::*;
use tern_testkit::DovecotOptions;

const MESSAGES: u32 = 1500;

/// Message `n`: "Row n" from "Sender n", n minutes after a fixed start.
fn message(n: u32, date: chrono::DateTime<chrono::Utc>) -> Vec<u8> {
    format!(
        "From: Sender {n} <s{n}@example.org>\r\nTo: me@example.org\r\nDate: {}\r\nSubject: Row {n:04}\r\nMessage-ID: <row{n}@example.org>\r\n\r\nText of row {n}.\r\n",
        date.to_rfc2822()
    )
    .into_bytes()
}

/// The number of each list row on the screen, top to bottom.
fn rows_shown(screen: &str) -> Vec<u32> {
    screen
        .lines()
        .filter_map(|l| {
            let at = l.find("Row ")?;
            l.get(at + 4..at + 8)?.parse().ok()
        })
        .collect()
}

/// The list's position ("12/1,500") from the status line.
fn position(screen: &str) -> Option<(usize, usize)> {
    let status = screen.lines().rev().find(|l| !l.trim().is_empty())?;
    status.split(" | ").find_map(|part| {
        let (at, of) = part.trim().split_once('/')?;
        let num = |s: &str| s.replace(',', "").parse::<usize>().ok();
        Some((num(at)?, num(of)?))
    })
}

/// Waits until the screen shows, at a list position `at` accepts, a full window of
/// `order` (the messages newest first) that holds the cursor's row; returns the
/// position and the rows shown.
fn wait_window(
    t: &Tmux,
    order: &[u32],
    at: impl Fn(usize) -> bool,
    height: usize,
) -> (usize, Vec<u32>) {
    let start = Instant::now();
    loop {
        let screen = t.screen();
        let shown = rows_shown(&screen);
        if let Some((p, total)) = position(&screen) {
            let fits = total == order.len()
                && at(p)
                && shown.len() == height.min(order.len())
                && order
                    .windows(shown.len())
                    .enumerate()
                    .any(|(s, w)| w == shown.as_slice() && (s..s + shown.len()).contains(&(p - 1)));
            if fits {
                return (p, shown);
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the screen does not show a window of the list around the position asked of {}:\n{screen}",
            order.len()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn far_moves_and_new_mail_while_scrolled_show_the_rows_that_belong_there() {
    let d = server(DovecotOptions::default());
    let user = d.users()[0].0.clone();
    let start = chrono::Utc::now() - chrono::Duration::days(30);
    for n in 1..=MESSAGES {
        let date = start + chrono::Duration::minutes(i64::from(n));
        d.deliver(&user, "INBOX", &message(n, date), &["\\Seen"], date)
            .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(&d, dir.path());
    let t = Tmux::start(&cfg, &dir.path().join("tern.log"));
    // Newest first.
    let mut order: Vec<u32> = (1..=MESSAGES).rev().collect();
    t.wait_for_all(&["1/1,500", "| online"]);
    let height = rows_shown(&t.screen()).len();
    assert!(height >= 15, "{}", t.screen());
    let (_, shown) = wait_window(&t, &order, |p| p == 1, height);
    assert_eq!(shown[0], MESSAGES);

    // The far end, and back up past the window's edge a row at a time and a page.
    t.keys(&["G"]);
    let (_, shown) = wait_window(&t, &order, |p| p == 1500, height);
    assert_eq!(shown.last(), Some(&1));
    t.keys(&vec!["k"; height + 3]);
    wait_window(&t, &order, |p| p == 1500 - height - 3, height);
    t.keys(&["PPage"]);
    wait_window(&t, &order, |p| p == 1500 - 2 * height - 3, height);
    t.keys(&["g", "g"]);
    wait_window(&t, &order, |p| p == 1, height);

    // Into the middle: rows, half pages and pages.
    t.keys(&vec!["j"; 700]);
    wait_window(&t, &order, |p| p == 701, height);
    t.keys(&["C-d"]);
    let (p, _) = wait_window(&t, &order, |p| p == 701 + height / 2, height);
    t.keys(&["NPage", "NPage"]);
    // A page is the list's height.
    let (here, before) = wait_window(&t, &order, |q| q == p + 2 * height, height);

    // New mail arrives while the list is scrolled: the cursor stays on its message and
    // the rows on the screen stay where they are.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let mut other = other_client(&d).await;
        let raw = message(9999, chrono::Utc::now());
        tern::imap::ops::append(&mut other, "INBOX", &[], &raw)
            .await
            .unwrap();
    });
    order.insert(0, 9999);
    let (p, shown) = wait_window(&t, &order, |p| p == here + 1, height);
    assert_eq!(shown, before, "the rows moved on the screen at {p}");
    t.keys(&["g", "g"]);
    let (_, shown) = wait_window(&t, &order, |p| p == 1, height);
    assert_eq!(&shown[..2], &[9999, MESSAGES]);
    t.keys(&["G"]);
    let (_, shown) = wait_window(&t, &order, |p| p == 1501, height);
    assert_eq!(shown.last(), Some(&1));
    t.keys(&["q"]);
}
