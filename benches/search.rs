//! The local search index (issue 13) on a generated INBOX of `TERN_BENCH_MESSAGES`
//! (default 100,000) messages, every body cached first (`tern sync --bodies all`):
//! - the build from the whole cache (`tern search` on a removed index: it brings the
//!   index up to date, then asks it), messages per second and peak RSS, beside the floor
//!   of reading every cached header (`tern list --limit 0`);
//! - the size of the index against the cached text (the bodies' bytes);
//! - queries asked in this process of the built index (bare words, `from:`,
//!   `subject:`, `body:`, `since:`), each many times: medians;
//! - in the client (the release binary in a 200x50 pseudo-terminal): the whole search,
//!   from Enter on `/WORD` to the status saying what the index found; and the client's
//!   peak RSS while it builds the index itself (started on a removed index, read when
//!   the index's last commit says it is complete).
//!
//! Run: `cargo bench --bench search`. Figures go to BENCHMARKS.md by hand.

#![allow(clippy::unwrap_used, clippy::expect_used)]
#![allow(dead_code)] // the pty and screen modules are shared with benches/tui.rs

mod common;

use common::{filled_dovecot, median, message_count, run_tern, vm_hwm, write_config};
use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tern::imap::protocol::SearchTerm;
use unicode_width::UnicodeWidthChar;

const COLS: u16 = 200;
const ROWS: u16 = 50;
const SIDEBAR: usize = 26;
const QUIET: Duration = Duration::from_millis(30);
const WAIT: Duration = Duration::from_secs(300);
const RUNS: usize = 3;

#[path = "tui/pty.rs"]
mod pty;
#[path = "tui/screen.rs"]
mod screen;

use pty::*;

fn dir_size(p: &Path) -> u64 {
    std::fs::read_dir(p)
        .map(|d| {
            d.flatten()
                .map(|e| e.metadata().map(|m| m.len()).unwrap_or(0))
                .sum()
        })
        .unwrap_or(0)
}

fn mib(bytes: f64) -> String {
    format!("{:.1} MiB", bytes / (1024.0 * 1024.0))
}

/// Whether the index's last commit says every cached message is in.
fn complete(index: &Path) -> bool {
    std::fs::read_to_string(index.join("meta.json"))
        .unwrap_or_default()
        .contains(r#"\"complete\":true"#)
}

/// The client on a removed index: its peak RSS (KiB) once it has built it.
fn client_build(cfg: &Path, log: &Path, index: &Path, total: u64) -> u64 {
    let _ = std::fs::remove_dir_all(index);
    let mut c = Command::new(env!("CARGO_BIN_EXE_tern"));
    c.arg("--config").arg(cfg).env("TERN_LOG", log);
    let mut t = Term::spawn("tern", c, false);
    t.wait_for("the INBOX", move |s| s.position() == Some((1, total)));
    let started = Instant::now();
    while !complete(index) {
        assert!(
            started.elapsed() < WAIT,
            "the client never finished the index"
        );
        t.settle(Duration::from_millis(200));
    }
    let hwm = vm_hwm(t.child.id());
    t.quit();
    hwm
}

/// The client on the built index: Enter on `/WORD` to the status saying what the
/// index found, in seconds, for each word.
fn client_search(cfg: &Path, log: &Path, total: u64, words: &[String]) -> Vec<f64> {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tern"));
    c.arg("--config").arg(cfg).env("TERN_LOG", log);
    let mut t = Term::spawn("tern", c, false);
    t.wait_for("the INBOX, online", move |s| {
        s.position() == Some((1, total)) && s.status().contains("| online")
    });
    t.settle(Duration::from_millis(500));
    let mut out = Vec::new();
    for w in words {
        t.send(format!("/{w}").as_bytes());
        t.settle(QUIET);
        let sent = Instant::now();
        t.send(b"\r");
        let at = t.wait_for("the index's hits", |s| s.status().contains(" found"));
        out.push((at - sent).as_secs_f64());
        t.settle(QUIET);
        t.send(b"\x1b");
        t.wait_for("the whole list", move |s| {
            s.position().is_some_and(|(_, of)| of == total)
        });
    }
    t.quit();
    out
}

fn main() {
    let n = message_count();
    let d = filled_dovecot(n);
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(&d, dir.path(), "search");
    let cfg_s = cfg.to_str().unwrap();
    let log = dir.path().join("tern.log");
    let (secs, _) = run_tern(&[
        "--config", cfg_s, "sync", "--folder", "INBOX", "--bodies", "all",
    ]);
    eprintln!("tern sync --bodies all of {n} messages: {secs:.1}s");
    let cache_path = dir.path().join("search").join("bench.redb");
    let index = tern::index::index_dir(&cache_path);

    // The floor: every cached header read (and printed) once.
    let floor: Vec<f64> = (0..RUNS)
        .map(|_| run_tern(&["--config", cfg_s, "list", "--limit", "0"]).0)
        .collect();
    let floor = median(floor);
    // The build, from a removed index each time.
    let mut builds = Vec::new();
    let mut rss = Vec::new();
    for _ in 0..RUNS {
        let _ = std::fs::remove_dir_all(&index);
        let (s, r) = run_tern(&["--config", cfg_s, "search", "zzqqxx-none"]);
        builds.push(s);
        rss.push(r as f64 * 1024.0);
    }
    let build = median(builds.clone());
    let size = dir_size(&index) as f64;

    // Words of the corpus, from the cache: a common and a rarer subject word, a
    // sender's name, and a word of a body.
    let (cache, _) = tern::cache::open(&dir.path().join("search"), "bench", 4 << 30).unwrap();
    let text = cache.body_bytes().unwrap() as f64;
    let newest = cache.newest("INBOX", 2_000).unwrap();
    let word_of = |s: &str| {
        s.split(|c: char| !c.is_alphanumeric())
            .find(|w| w.len() > 4)
            .unwrap_or("report")
            .to_lowercase()
    };
    let common = word_of(&newest[0].subject);
    let rare = word_of(&newest[1_999.min(newest.len() - 1)].subject);
    let sender = word_of(newest[0].from.first().map(|a| a.display()).unwrap_or("x"));
    let uidv = cache.folder_state("INBOX").unwrap().unwrap().uidvalidity;
    let body = cache.body("INBOX", uidv, newest[10].uid).unwrap().unwrap();
    let body_text = String::from_utf8_lossy(&body).into_owned();
    let body_word = body_text
        .rsplit("\r\n\r\n")
        .next()
        .map(word_of)
        .unwrap_or_else(|| "meeting".into());
    drop(cache);
    let since = chrono::Utc::now().date_naive() - chrono::Duration::days(30);
    let queries: Vec<(String, Vec<String>, Vec<SearchTerm>)> = vec![
        (common.clone(), vec![common.clone()], vec![]),
        (rare.clone(), vec![rare.clone()], vec![]),
        (
            format!("from:{sender}"),
            vec![],
            vec![SearchTerm::From(sender.clone())],
        ),
        (
            format!("subject:{common}"),
            vec![],
            vec![SearchTerm::Subject(common.clone())],
        ),
        (
            format!("body:{body_word}"),
            vec![],
            vec![SearchTerm::Body(body_word.clone())],
        ),
        (
            format!("{body_word} since:{since}"),
            vec![body_word.clone()],
            vec![SearchTerm::Since(since)],
        ),
    ];
    let mut reader = tern::index::Reader::new(&cache_path);
    let mut all = Vec::new();
    let mut per_query = Vec::new();
    for (name, words, terms) in &queries {
        let mut times = Vec::new();
        let mut hits = 0;
        for _ in 0..31 {
            let t = Instant::now();
            let s = reader.search(words, terms, Some("INBOX")).unwrap();
            times.push(t.elapsed().as_secs_f64());
            hits = s.hits.len();
        }
        all.extend(times.iter().copied());
        per_query.push((name.clone(), hits, median(times)));
    }

    let total = n as u64;
    let client_peaks: Vec<f64> = (0..RUNS)
        .map(|_| client_build(&cfg, &log, &index, total) as f64 * 1024.0)
        .collect();
    let words = [common.clone(), rare.clone(), body_word.clone()];
    let mut whole = Vec::new();
    let mut by_word: Vec<Vec<f64>> = vec![Vec::new(); words.len()];
    for _ in 0..RUNS {
        let times = client_search(&cfg, &log, total, &words);
        for (i, t) in times.iter().enumerate() {
            by_word[i].push(*t);
        }
        whole.extend(times);
    }

    println!("search index over {n} messages (every body cached), medians of {RUNS} runs");
    println!(
        "- build: {build:.2} s ({:.0} messages/s), {:.1}x the floor ({floor:.2} s: every header read by tern list); runs {:?}",
        n as f64 / build,
        build / floor,
        builds.iter().map(|b| format!("{b:.2}")).collect::<Vec<_>>()
    );
    println!(
        "- peak RSS: tern search building it {}; the client building it {} (runs {:?})",
        mib(median(rss)),
        mib(median(client_peaks.clone())),
        client_peaks.iter().map(|p| mib(*p)).collect::<Vec<_>>()
    );
    println!(
        "- size: {} for {} of cached bodies ({:.0}%)",
        mib(size),
        mib(text),
        size / text * 100.0
    );
    println!(
        "- queries in process, median of all: {:.2} ms",
        median(all) * 1000.0
    );
    for (name, hits, t) in per_query {
        println!("  - `{name}`: {hits} hits, {:.2} ms", t * 1000.0);
    }
    println!(
        "- the whole search in the client (Enter to the status saying what was found): median {:.1} ms, runs {:?}",
        median(whole.clone()) * 1000.0,
        whole.iter().map(|w| format!("{:.1}", w * 1000.0)).collect::<Vec<_>>()
    );
    for (w, times) in words.iter().zip(by_word) {
        println!("  - `/{w}`: median {:.1} ms", median(times) * 1000.0);
    }
}
