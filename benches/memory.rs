//! The client's memory at folder size (issue 14): the release binary in the 200x50
//! pseudo-terminal of `benches/tui.rs`, against a private Dovecot with a generated INBOX of
//! `TERN_BENCH_MESSAGES` (default 100,000) messages, synced first with `tern sync`. One
//! session does what the issue names: start, 100 `j`, `G`, `g g`, a search (`/invoice`),
//! open a message and close it (the search index built beforehand: a client that ran
//! before has it); then the process's peak RSS (VmHWM) is read; and how long
//! `G`, `g g`, the search, and (after the peak is read) the sort switch `o` and threads
//! `T` took, key to frame. The floor is
//! the same session on a 200-message INBOX, in the same run: what the client costs
//! before the folder's size counts. Three sessions each; medians.
//!
//! Run: `cargo bench --bench memory`. Figures go to BENCHMARKS.md by hand.

#![allow(clippy::unwrap_used, clippy::expect_used)]
// The pty and screen modules are shared with benches/tui.rs, which uses all of them.
#![allow(dead_code)]

mod common;

use common::{filled_dovecot, median, message_count, run_tern, vm_hwm, write_config};
use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use unicode_width::UnicodeWidthChar;

const COLS: u16 = 200;
const ROWS: u16 = 50;
/// Columns of the folder sidebar at this width.
const SIDEBAR: usize = 26;
const QUIET: Duration = Duration::from_millis(30);
const WAIT: Duration = Duration::from_secs(120);
const RUNS: usize = 3;
const PRESSES: u64 = 100;
/// Messages of the floor's INBOX.
const FLOOR_MESSAGES: usize = 200;

#[path = "tui/pty.rs"]
mod pty;
#[path = "tui/screen.rs"]
mod screen;

use pty::*;
use screen::Screen;

/// Key to frame of the session's far moves, in seconds (one each).
#[derive(Debug, Default, Clone, Copy)]
struct Moves {
    last: f64,
    first: f64,
    search: f64,
    sort: f64,
    threads: f64,
}

/// One session of the issue's steps; returns the client's peak RSS in KiB and how long
/// the far moves took (`G`, `g g`, the search, `o`, `T`: key to the frame showing them).
fn session(cfg: &Path, log: &Path, total: u64) -> (u64, Moves) {
    // TERN_BENCH_WRAP runs the client under another program (e.g. `valgrind
    // --tool=massif`), to see where the memory goes; its own peak is then meaningless.
    let wrap = std::env::var("TERN_BENCH_WRAP").unwrap_or_default();
    let mut words = wrap.split_whitespace();
    let mut c = match words.next() {
        Some(program) => {
            let mut c = Command::new(program);
            c.args(words).arg(env!("CARGO_BIN_EXE_tern"));
            c
        }
        None => Command::new(env!("CARGO_BIN_EXE_tern")),
    };
    c.arg("--config").arg(cfg).env("TERN_LOG", log);
    let mut t = Term::spawn("tern", c, false);
    t.wait_for("the whole INBOX, online", move |s| {
        s.position() == Some((1, total)) && s.status().contains("| online")
    });
    t.settle(Duration::from_millis(500));
    for k in 1..=PRESSES.min(total - 1) {
        t.send(b"j");
        t.wait_for("the next row", move |s| {
            s.position() == Some((k + 1, total))
        });
    }
    let mut moves = Moves::default();
    let timed = |t: &mut Term, key: &[u8], what: &str, pred: &dyn Fn(&Screen) -> bool| {
        t.settle(QUIET);
        let sent = Instant::now();
        t.send(key);
        (t.wait_for(what, pred) - sent).as_secs_f64()
    };
    moves.last = timed(&mut t, b"G", "the last row", &move |s| {
        s.position() == Some((total, total))
    });
    moves.first = timed(&mut t, b"gg", "the first row", &move |s| {
        s.position() == Some((1, total))
    });
    t.send(b"/invoice");
    moves.search = timed(&mut t, b"\r", "the search's rows", &move |s| {
        s.position().is_some_and(|(at, of)| at == 1 && of < total)
    });
    t.settle(QUIET);
    t.send(b"\r");
    t.wait_for("the message open", |s| s.text().contains("From:"));
    t.settle(Duration::from_millis(300));
    t.send(b"q");
    t.wait_for("the list again", |s| {
        !s.text().contains("From:") && s.position().is_some()
    });
    t.settle(Duration::from_millis(300));
    // The issue's steps end here; the sort switch and threads are timed after the
    // peak is read (threads build maps of their own, beyond its steps).
    let hwm = vm_hwm(t.child.id());
    // What the resident memory is made of now (not at the peak): the heap's and the
    // mapped files' (the binary's code, the index's files) parts.
    if let Ok(status) = std::fs::read_to_string(format!("/proc/{}/status", t.child.id())) {
        let part = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .map(|v| v.trim().to_string())
                .unwrap_or_default()
        };
        eprintln!(
            "  at the end of the steps: RssAnon {}, RssFile {}, RssShmem {}",
            part("RssAnon:"),
            part("RssFile:"),
            part("RssShmem:")
        );
    }
    t.send(b"\x1b");
    t.wait_for("the whole list again", move |s| {
        s.position().is_some_and(|(_, of)| of == total)
    });
    moves.sort = timed(&mut t, b"o", "oldest first", &|s| {
        s.status().contains("oldest first")
    });
    moves.threads = timed(&mut t, b"T", "threads", &|s| s.status().contains("threads"));
    t.quit();
    (hwm, moves)
}

fn mib(kib: f64) -> String {
    format!("{:.1} MiB", kib / 1024.0)
}

fn main() {
    let n = message_count();
    let dir = tempfile::tempdir().unwrap();
    let log = std::env::var_os("TERN_BENCH_LOG")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().join("tern.log"));
    let mut figures = Vec::new();
    for (what, count) in [("floor", FLOOR_MESSAGES), ("folder", n)] {
        let d = filled_dovecot(count);
        let cfg = write_config(&d, dir.path(), what);
        let (secs, sync_rss) = run_tern(&["--config", cfg.to_str().unwrap(), "sync"]);
        eprintln!(
            "{what}: tern sync of {count} messages {secs:.1}s, peak RSS {}",
            mib(sync_rss as f64)
        );
        // The search index built beforehand, as a client that ran before finds it (its
        // first build, in the client's own thread, is `cargo bench --bench search`'s).
        run_tern(&["--config", cfg.to_str().unwrap(), "search", "zzqqxx-none"]);
        // TERN_BENCH_HOLD keeps the synced folder and its Dovecot for an hour, to look
        // at the client by hand (`tern --config` the path said).
        if what == "folder" && std::env::var_os("TERN_BENCH_HOLD").is_some() {
            eprintln!("holding: tern --config {}", cfg.display());
            std::thread::sleep(Duration::from_secs(3600));
        }
        let runs = if std::env::var_os("TERN_BENCH_WRAP").is_some() {
            1
        } else {
            RUNS
        };
        let sessions: Vec<(u64, Moves)> = (0..runs)
            .map(|_| session(&cfg, &log, count as u64))
            .collect();
        let runs: Vec<f64> = sessions.iter().map(|s| s.0 as f64).collect();
        let ms = |f: fn(&Moves) -> f64| {
            format!(
                "{:.1} ms",
                median(sessions.iter().map(|s| f(&s.1)).collect()) * 1000.0
            )
        };
        eprintln!(
            "{what}: key to frame, medians: G {}, g g {}, search {}, sort switch {}, threads on {}",
            ms(|m| m.last),
            ms(|m| m.first),
            ms(|m| m.search),
            ms(|m| m.sort),
            ms(|m| m.threads)
        );
        eprintln!(
            "{what}: {:?}",
            runs.iter().map(|r| mib(*r)).collect::<Vec<_>>()
        );
        figures.push((count, median(runs.clone()), runs));
    }
    let (floor_n, floor, _) = &figures[figures.len() - 2];
    let (n, peak, runs) = &figures[1];
    println!("client peak RSS (VmHWM) after start, {PRESSES} j, G, g g, /invoice, open and close; medians of {RUNS}");
    println!("| INBOX | peak RSS | runs | above the floor | per message |");
    println!("|---|---|---|---|---|");
    println!("| {floor_n} messages (floor) | {} | | | |", mib(*floor));
    println!(
        "| {n} messages | {} | {} | {} | {:.0} bytes |",
        mib(*peak),
        runs.iter().map(|r| mib(*r)).collect::<Vec<_>>().join(", "),
        mib(peak - floor),
        (peak - floor) * 1024.0 / (*n - floor_n) as f64
    );
}
