//! Three accounts in one client (issue 11), as a user feels it: three private Dovecots,
//! each with a generated INBOX of `TERN_BENCH_MESSAGES` (default 100,000) messages, all
//! synced first with `tern sync`; the release binary in a 200x50 pseudo-terminal (the
//! harness of `benches/tui.rs`). Each figure has a floor measured in the same run:
//! 1. warm start: spawn to the default account's INBOX whole on screen (`1/N`); floor:
//!    `tern --version`, spawn to its first byte; target < 0.15 s;
//! 2. all inboxes: `:go All inboxes` Enter to the status bar showing `1/3N`, every
//!    account's rows read (5 times, leaving with `J` in between); target < 0.1 s;
//! 3. key to frame in all inboxes: `j` to the next position, 50 presses; bytes per `j`;
//!    floor: one byte echoed by `cat` through the same pty;
//! 4. the client's peak RSS (VmHWM) after all of that; target < 80 MiB.
//!
//! Run: `cargo bench --bench accounts`. Figures go to BENCHMARKS.md by hand.

#![allow(clippy::unwrap_used, clippy::expect_used)]
// The pty and screen modules are shared with benches/tui.rs, which uses all of them.
#![allow(dead_code)]

mod common;

use common::{filled_dovecot, median, message_count, run_tern, vm_hwm};
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
const RUNS: usize = 5;
const PRESSES: usize = 50;
const QUIET: Duration = Duration::from_millis(30);
const WAIT: Duration = Duration::from_secs(60);
const ACCOUNTS: usize = 3;

#[path = "tui/pty.rs"]
mod pty;
#[path = "tui/screen.rs"]
mod screen;

use pty::*;

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

fn ms(s: f64) -> String {
    format!("{:.1} ms", s * 1000.0)
}

/// One config with an account per server (the first the default), caches in `dir`.
fn write_config(ds: &[tern_testkit::Dovecot], dir: &Path) -> std::path::PathBuf {
    let mut text = format!(
        "[general]\ncache-dir = {:?}\n",
        dir.join("cache").display().to_string()
    );
    for (i, d) in ds.iter().enumerate() {
        let (user, pass) = &d.users()[0];
        text.push_str(&format!(
            "\n[accounts.a{i}]\n{}email = \"{user}{i}@example.org\"\nprefetch = \"none\"\n\n[accounts.a{i}.imap]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"tls\"\nusername = \"{user}\"\npassword-command = \"echo {pass}\"\nca-certificate = {:?}\n",
            if i == 0 { "default = true\n" } else { "" },
            d.tls_port(),
            d.ca_pem_path().display().to_string(),
        ));
    }
    let path = dir.join("accounts.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn tern(cfg: &Path, log: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tern"));
    c.arg("--config").arg(cfg).env("TERN_LOG", log);
    c
}

fn main() {
    let n = message_count();
    let total = n as u64;
    let ds: Vec<_> = (0..ACCOUNTS).map(|_| filled_dovecot(n)).collect();
    let dir = tempfile::tempdir().unwrap();
    let log = std::env::var_os("TERN_BENCH_LOG")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().join("tern.log"));
    let cfg = write_config(&ds, dir.path());
    let (secs, rss) = run_tern(&["--config", cfg.to_str().unwrap(), "sync"]);
    eprintln!(
        "tern sync of {ACCOUNTS} accounts: {secs:.1}s, peak RSS {} MiB",
        rss / 1024
    );
    // The search indexes built, as a client that ran before finds them.
    run_tern(&["--config", cfg.to_str().unwrap(), "search", "zzqqxx-none"]);

    // 1. Warm start, and its floor.
    let mut version = Vec::new();
    let mut warm = Vec::new();
    for _ in 0..RUNS {
        let mut v = Command::new(env!("CARGO_BIN_EXE_tern"));
        v.arg("--version");
        let mut t = Term::spawn("tern --version", v, false);
        version.push(t.first_byte().as_secs_f64());
        t.wait_exit();
        let mut t = Term::spawn("tern (3 accounts)", tern(&cfg, &log), false);
        let at = t.wait_for(&format!("1/{}", thousands(total)), move |s| {
            s.position() == Some((1, total))
        });
        warm.push((at - t.started).as_secs_f64());
        t.settle(Duration::from_millis(300));
        t.quit();
    }
    eprintln!("warm start: done");

    // 2. All inboxes, once every account is online and has read its INBOX.
    let all = 3 * total;
    let mut t = Term::spawn("tern (all inboxes)", tern(&cfg, &log), false);
    t.wait_for("online", move |s| {
        s.position() == Some((1, total)) && s.status().contains("| online")
    });
    // Each account reads its INBOX from its cache once it is online: wait for quiet.
    t.settle(Duration::from_secs(3));
    let mut merged = Vec::new();
    for _ in 0..RUNS {
        t.send(b":go All inboxes");
        t.settle(QUIET);
        let sent = Instant::now();
        t.send(b"\r");
        let at = t.wait_for(&format!("All inboxes 1/{}", thousands(all)), move |s| {
            s.status().starts_with("All inboxes") && s.position() == Some((1, all))
        });
        merged.push((at - sent).as_secs_f64());
        t.settle(Duration::from_millis(200));
        t.send(b"J");
        t.wait_for("a0 INBOX", |s| s.status().starts_with("a0 INBOX"));
        t.settle(Duration::from_millis(200));
    }
    t.send(b":go All inboxes\r");
    t.wait_for("all inboxes again", move |s| s.position() == Some((1, all)));
    t.settle(Duration::from_millis(300));

    // 3. Key to frame and bytes per key in all inboxes.
    let mut latency = Vec::new();
    let mut bytes = Vec::new();
    for k in 1..=PRESSES as u64 {
        let before = t.total;
        let sent = Instant::now();
        t.send(b"j");
        let shown = t.wait_for(&format!("{}/{}", k + 1, thousands(all)), move |s| {
            s.position() == Some((k + 1, all))
        });
        latency.push((shown - sent).as_secs_f64());
        t.settle(QUIET);
        bytes.push((t.total - before) as f64);
    }
    // 4. Peak RSS of the client after all of it.
    let hwm = vm_hwm(t.child.id());
    t.quit();
    let echo = echo_floor(PRESSES);

    let (v, w) = (median(version), median(warm.clone()));
    let (e, l) = (median(echo), median(latency));
    println!(
        "{ACCOUNTS} accounts x {} messages, this machine, {RUNS} runs (medians)",
        thousands(total)
    );
    println!(
        "warm start to 1/{}: {} (floor: tern --version {}, ratio {:.1}); runs {:?}",
        thousands(total),
        ms(w),
        ms(v),
        w / v,
        warm.iter().map(|s| ms(*s)).collect::<Vec<_>>()
    );
    println!(
        "all inboxes ({} rows) open: {}; runs {:?}",
        thousands(all),
        ms(median(merged.clone())),
        merged.iter().map(|s| ms(*s)).collect::<Vec<_>>()
    );
    println!(
        "j in all inboxes: {} key to frame (floor: cat echo {}, ratio {:.1}); {} bytes per j",
        ms(l),
        ms(e),
        l / e,
        median(bytes)
    );
    println!("client peak RSS (VmHWM): {} MiB", hwm / 1024);
}
