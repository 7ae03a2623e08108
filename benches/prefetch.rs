//! Bodies ahead of time on a generated 100,000-message INBOX (override with
//! TERN_BENCH_MESSAGES). Per run, from a fresh cache: `tern sync --folder INBOX` (headers
//! alone), then `tern sync --folder INBOX --bodies all` (the headers, then every body),
//! beside the floor: one `UID FETCH 1:* (BODY.PEEK[])` read to its tagged OK without
//! parsing. Says the header sync's time in both runs (the bodies must not slow it), the
//! bodies' time against the floor, bodies per second and peak RSS.
//! Run: `cargo bench --bench prefetch`. Figures go to BENCHMARKS.md by hand.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{filled_dovecot, floor, median, message_count, run_tern, write_config};
use std::io::Read;
use std::process::{Command, Stdio};

/// Runs tern; returns its standard output and peak RSS (KiB).
fn run_out(args: &[&str]) -> (String, i64) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tern"))
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let (status, rss) = tern_testkit::pty::wait_with_peak_rss(&mut child).unwrap();
    assert!(status == 0, "tern {args:?} failed: {out}");
    (out, rss)
}

/// The seconds at the end of the line starting with `name`.
fn secs_of(out: &str, name: &str) -> f64 {
    let line = out
        .lines()
        .find(|l| l.split_whitespace().next() == Some(name) && l.contains('s'))
        .unwrap_or_else(|| panic!("no {name} line: {out}"));
    line.split_whitespace()
        .find_map(|w| w.strip_suffix('s').and_then(|n| n.parse().ok()))
        .unwrap_or_else(|| panic!("no seconds in {line}"))
}

fn main() {
    let n = message_count();
    let d = filled_dovecot(n);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let warm = rt.block_on(floor(&d, "(BODY.PEEK[])"));
    eprintln!("warm-up body floor (Dovecot reads every message once): {warm:.2}s");
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(&d, dir.path(), "warm");
    run_tern(&[
        "--config",
        cfg.to_str().unwrap(),
        "sync",
        "--folder",
        "INBOX",
    ]);

    let (mut floors, mut alone, mut headers, mut bodies, mut rss) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), 0);
    for i in 0..3 {
        floors.push(rt.block_on(floor(&d, "(BODY.PEEK[])")));
        let cfg = write_config(&d, dir.path(), &format!("headers{i}"));
        let (out, _) = run_out(&[
            "--config",
            cfg.to_str().unwrap(),
            "sync",
            "--folder",
            "INBOX",
        ]);
        alone.push(secs_of(&out, "INBOX"));
        let cfg = write_config(&d, dir.path(), &format!("bodies{i}"));
        let c = cfg.to_str().unwrap();
        let (out, r) = run_out(&[
            "--config", c, "sync", "--folder", "INBOX", "--bodies", "all",
        ]);
        headers.push(secs_of(&out, "INBOX"));
        bodies.push(secs_of(&out, "bodies"));
        assert!(
            out.contains(&format!(" {n} bodies")),
            "not every body: {out}"
        );
        rss = rss.max(r);
    }
    let (f, a, h, b) = (
        median(floors),
        median(alone),
        median(headers),
        median(bodies),
    );
    println!("prefetch bench, {n} messages, medians of 3 runs:");
    println!("  header sync alone            {a:.2}s");
    println!(
        "  header sync with --bodies    {h:.2}s  ({:.2}x alone)",
        h / a
    );
    println!("  body floor (UID FETCH 1:* (BODY.PEEK[]), unparsed)  {f:.2}s");
    println!(
        "  bodies into the cache        {b:.2}s  ({:.2}x the floor, {:.0} bodies/s)",
        b / f,
        n as f64 / b
    );
    println!(
        "  peak RSS of tern sync --bodies  {:.1} MiB",
        rss as f64 / 1024.0
    );
}
