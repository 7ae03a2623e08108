//! The interactive client as a user feels it: the release binary in a pseudo-terminal of
//! 200x50 opened here (openpty; the pty is the child's stdin/stdout/stderr and its
//! controlling terminal; TERM=xterm-256color), against the private Dovecot with a generated
//! 100,000-message INBOX (override with TERN_BENCH_MESSAGES). The output is fed to a small
//! screen model (cursor moves, erases, text) so the status bar can be read however the
//! frame was drawn. Each figure has a floor measured in the same run:
//! 1. first full frame with the whole INBOX cached (spawn to the status bar showing
//!    `1/100,000`); floor: `tern --version` in the same harness, spawn to its first byte;
//! 2. key to frame: `j` to the status bar showing the next position, 100 presses one at a
//!    time; floor: one byte echoed by `cat` through the same (raw) pty;
//! 3. bytes written per `j` (from the key to 30 ms of quiet after the frame), target ≤ 300;
//!    and per half-page (`C-d`) and page (`PageDown`) jump, target ≤ 1,500;
//! 4. cold open of that INBOX with an empty cache: spawn to a first screen of messages
//!    (status `1/N`, N > 0, and a screenful of list rows); floor: connect, TLS, LOGIN,
//!    SELECT and `UID FETCH` of the newest 50 messages' headers (tern's own items), raw;
//!    target < 0.2 s.
//!
//! Run: `cargo bench --bench tui`. Figures go to BENCHMARKS.md by hand.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{filled_dovecot, median, message_count, open_floor, run_tern, write_config};
use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use unicode_width::UnicodeWidthChar;

const COLS: u16 = 200;
const ROWS: u16 = 50;
/// Columns of the folder sidebar at this width (`src/ui/folder_list.rs`, `WIDTH`); list
/// rows are counted right of it.
const SIDEBAR: usize = 26;
/// Runs of the spawn measurements (1 and 4).
const RUNS: usize = 5;
const PRESSES: usize = 100;
/// Presses of each jump key (`C-d`, `PageDown`) for their bytes.
const JUMPS: usize = 20;
/// The end of a frame: this long without output.
const QUIET: Duration = Duration::from_millis(30);
/// The longest any wait may take.
const WAIT: Duration = Duration::from_secs(30);
/// Messages in the cold-open floor's fetch.
const OPEN_FLOOR_MESSAGES: u32 = 50;

#[path = "tui/pty.rs"]
mod pty;
#[path = "tui/screen.rs"]
mod screen;

use pty::*;
use screen::Screen;

fn tern(cfg: &Path, log: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tern"));
    c.arg("--config").arg(cfg).env("TERN_LOG", log);
    c
}

// ---------------------------------------------------------------------------------------

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn stats(v: &[f64]) -> (f64, f64, f64) {
    let min = v.iter().copied().fold(f64::INFINITY, f64::min);
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (median(v.to_vec()), min, max)
}

fn ms(s: f64) -> String {
    format!("{:.1} ms", s * 1000.0)
}

fn main() {
    let n = message_count();
    let total = n as u64;
    let d = filled_dovecot(n);
    let dir = tempfile::tempdir().unwrap();
    // TERN_BENCH_LOG keeps tern's log (it is in the temp dir otherwise).
    let log = std::env::var_os("TERN_BENCH_LOG")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().join("tern.log"));
    let cfg = write_config(&d, dir.path(), "warm");
    let t = Instant::now();
    run_tern(&["--config", cfg.to_str().unwrap(), "sync"]);
    eprintln!(
        "tern sync (fills the cache): {:.1}s",
        t.elapsed().as_secs_f64()
    );
    // The search index built, as a client that ran before finds it.
    run_tern(&["--config", cfg.to_str().unwrap(), "search", "zzqqxx-none"]);
    let full = move |s: &Screen| s.position() == Some((1, total));
    let full_desc = format!("the status bar showing 1/{}", thousands(total));

    // 1. First full frame, and its floor.
    let mut version = Vec::new();
    let mut first_list = Vec::new();
    let mut first_full = Vec::new();
    for _ in 0..RUNS {
        let mut v = Command::new(env!("CARGO_BIN_EXE_tern"));
        v.arg("--version");
        let mut t = Term::spawn("tern --version", v, false);
        version.push(t.first_byte().as_secs_f64());
        t.wait_exit();

        let mut t = Term::spawn("tern (cached INBOX)", tern(&cfg, &log), false);
        let any = t.wait_for("a list of messages", |s| {
            s.position().is_some_and(|(_, of)| of > 0)
        });
        let whole = t.wait_for(&full_desc, full);
        first_list.push((any - t.started).as_secs_f64());
        first_full.push((whole - t.started).as_secs_f64());
        t.settle(Duration::from_millis(300));
        t.quit();
    }
    eprintln!("first frame: done");

    // 2 and 3. Key to frame, bytes per key, and the floor.
    let mut t = Term::spawn("tern (j presses)", tern(&cfg, &log), false);
    t.wait_for(&format!("{full_desc} and online"), move |s| {
        full(s) && s.status().contains("| online")
    });
    t.settle(Duration::from_secs(1));
    let mut latency = Vec::new();
    let mut sent_at = Vec::new();
    let mut bytes = Vec::new();
    let (mut in_page, mut scrolled) = (Vec::new(), Vec::new());
    let (mut page_dump, mut scroll_dump) = (None, None);
    for k in 1..=PRESSES as u64 {
        let top = t.screen.line(0);
        t.mark();
        let before = t.total;
        let sent = Instant::now();
        t.send(b"j");
        let shown = t.wait_for(&format!("{}/{}", k + 1, thousands(total)), move |s| {
            s.position() == Some((k + 1, total))
        });
        latency.push((shown - sent).as_secs_f64());
        sent_at.push((sent - t.started).as_secs_f64());
        t.settle(QUIET);
        let b = (t.total - before) as f64;
        bytes.push(b);
        if t.screen.line(0) == top {
            in_page.push(b);
            if k == 2 {
                page_dump = Some(t.since_mark.clone());
            }
        } else {
            scrolled.push(b);
            if scroll_dump.is_none() {
                scroll_dump = Some(t.since_mark.clone());
            }
        }
    }
    // 3b. Bytes per half-page (`C-d`) and page (`PageDown`) jump, from where the `j`
    // presses left the cursor; the list scrolls with each.
    let mut jumps: Vec<(&str, Vec<f64>)> = Vec::new();
    let mut jump_dump = None;
    for (name, key) in [("`C-d`", &b"\x04"[..]), ("`PageDown`", &b"\x1b[6~"[..])] {
        let mut v = Vec::new();
        for _ in 0..JUMPS {
            let at = t.screen.position().map(|p| p.0).unwrap_or(0);
            t.mark();
            let before = t.total;
            t.send(key);
            t.wait_for(&format!("{name} past row {at}"), move |s| {
                s.position().is_some_and(|(now, _)| now > at)
            });
            t.settle(QUIET);
            v.push((t.total - before) as f64);
            if jump_dump.is_none() {
                jump_dump = Some(t.since_mark.clone());
            }
        }
        jumps.push((name, v));
    }
    t.quit();
    let echo = echo_floor(PRESSES);
    eprintln!("key to frame: done");

    // 4. Cold open, and its floor.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let items = tern::imap::headers::fetch_items(true);
    let mut open_floors = Vec::new();
    let mut open_phases = Vec::new();
    let mut colds = Vec::new();
    let mut cold_counts = Vec::new();
    let mut cold_timeline = Vec::new();
    for i in 0..RUNS {
        let f = rt.block_on(open_floor(&d, &items, OPEN_FLOOR_MESSAGES));
        open_floors.push(f.total());
        open_phases.push(f);
        let cfg = write_config(&d, dir.path(), &format!("cold{i}"));
        let mut t = Term::spawn("tern (empty cache)", tern(&cfg, &log), false);
        t.timeline = Some(Vec::new());
        let at = t.wait_for("a first screen of messages", |s| match s.position() {
            Some((1, of)) if of > 0 => s.list_rows() >= (of as usize).min(40),
            _ => false,
        });
        colds.push((at - t.started).as_secs_f64());
        cold_counts.push(t.screen.position().map(|p| p.1).unwrap_or(0));
        if i == 0 {
            cold_timeline = t.timeline.take().unwrap_or_default();
        }
        t.quit();
        // Let Dovecot finish with the abandoned fetch before the next floor.
        std::thread::sleep(Duration::from_secs(1));
    }

    // Results.
    let row = |name: &str, v: &[f64], floor: Option<(&str, f64)>, target: &str| {
        let (m, lo, hi) = stats(v);
        let (fname, ratio) = match floor {
            Some((f, fv)) => (format!("{f} {}", ms(fv)), format!("{:.2}x", m / fv)),
            None => (String::new(), String::new()),
        };
        println!(
            "| {name} | {} | {} | {} | {fname} | {ratio} | {target} |",
            ms(m),
            ms(lo),
            ms(hi)
        );
    };
    let (vf, ef, of) = (
        median(version.clone()),
        median(echo.clone()),
        median(open_floors.clone()),
    );
    println!();
    println!(
        "messages: {n}; terminal {COLS}x{ROWS}; {RUNS} runs for spawn figures, {PRESSES} presses"
    );
    println!("| measurement | median | min | max | floor (median) | ratio | target |");
    println!("|---|---|---|---|---|---|---|");
    row(
        "floor: `tern --version`, spawn to first byte",
        &version,
        None,
        "",
    );
    row(
        "first list frame (any `1/N`), cached",
        &first_list,
        Some(("`--version`", vf)),
        "",
    );
    row(
        &format!("first full frame (`1/{}`), cached", thousands(total)),
        &first_full,
        Some(("`--version`", vf)),
        "",
    );
    row("floor: `cat` echo of one byte", &echo, None, "");
    row("key to frame, `j`", &latency, Some(("`cat` echo", ef)), "");
    row(
        &format!("floor: connect+TLS+LOGIN+SELECT+UID FETCH newest {OPEN_FLOOR_MESSAGES}, raw"),
        &open_floors,
        None,
        "",
    );
    row(
        "cold open, empty cache, to a first screen of messages",
        &colds,
        Some(("raw open", of)),
        "< 200 ms",
    );
    let (bm, _, bx) = stats(&bytes);
    println!();
    println!("| bytes written per `j` | median | max | presses | target |");
    println!("|---|---|---|---|---|");
    println!(
        "| all presses | {bm:.0} | {bx:.0} | {} | ≤ 300 |",
        bytes.len()
    );
    if !in_page.is_empty() {
        let (m, _, x) = stats(&in_page);
        println!(
            "| cursor moves within the page | {m:.0} | {x:.0} | {} | |",
            in_page.len()
        );
    }
    if !scrolled.is_empty() {
        let (m, _, x) = stats(&scrolled);
        println!(
            "| list scrolls by one row | {m:.0} | {x:.0} | {} | |",
            scrolled.len()
        );
    }
    for (name, v) in &jumps {
        let (m, _, x) = stats(v);
        println!(
            "| a {name} jump (200x50) | {m:.0} | {x:.0} | {} | ≤ 1,500 |",
            v.len()
        );
    }
    println!();
    let phase = |f: fn(&common::OpenTimes) -> f64| ms(median(open_phases.iter().map(f).collect()));
    println!(
        "raw open floor phases (medians): connect+TLS {}, LOGIN {}, SELECT {}, UID FETCH {}",
        phase(|t| t.connect_tls),
        phase(|t| t.login),
        phase(|t| t.select),
        phase(|t| t.fetch)
    );
    let slow = (median(latency.clone()) * 5.0).max(0.010);
    for (k, (l, at)) in latency.iter().zip(&sent_at).enumerate() {
        if *l > slow {
            println!(
                "slow key: press {} took {} (sent {:.2} s after spawn)",
                k + 1,
                ms(*l),
                at
            );
        }
    }
    println!("cold open: message counts on the first screen: {cold_counts:?}");
    println!("cold open, first run: the status bar over time (from spawn):");
    for (at, status) in &cold_timeline {
        println!("  {:>8.1} ms  {status}", at.as_secs_f64() * 1000.0);
    }
    println!(
        "cold open target < 200 ms: {}",
        if median(colds.clone()) < 0.2 {
            "met"
        } else {
            "MISSED"
        }
    );
    println!(
        "bytes per `j` target ≤ 300 (median): {}",
        if bm <= 300.0 { "met" } else { "MISSED" }
    );
    if let Some(b) = page_dump {
        println!(
            "\none `j` within the page ({} bytes):\n{}",
            b.len(),
            escape(&b)
        );
    }
    if let Some(b) = jump_dump {
        println!("\none `C-d` ({} bytes):\n{}", b.len(), escape(&b));
    }
    if let Some(b) = scroll_dump {
        println!(
            "\none `j` that scrolls ({} bytes):\n{}",
            b.len(),
            escape(&b)
        );
    }
}
