//! Sync benchmark on a generated 100,000-message INBOX (override with TERN_BENCH_MESSAGES).
//! Measures the raw floor (one `UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE
//! ENVELOPE)` read to its tagged OK without parsing), `tern sync` cold, again with nothing
//! changed, again after 1% of flags changed, and peak RSS. Dovecot's own cache is warmed
//! first; with `TERN_BENCH_EMPTY_DOVECOT_CACHE=1` it is emptied instead before each floor
//! and each cold sync (Dovecot then reads every message file for both). Run: `cargo bench
//! --bench sync`. Figures go to BENCHMARKS.md by hand.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{filled_dovecot, floor, median, message_count, run_tern, write_config};
use std::time::Duration;

const FLOOR_ITEMS: &str = "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)";

fn main() {
    let n = message_count();
    let d = filled_dovecot(n);
    let user = d.users()[0].0.clone();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let warm = rt.block_on(floor(&d, FLOOR_ITEMS));
    eprintln!("warm-up floor pass (Dovecot builds its cache): {warm:.2}s");
    // Also warm the header fields tern asks for.
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(&d, dir.path(), "warm");
    run_tern(&[
        "--config",
        cfg.to_str().unwrap(),
        "sync",
        "--folder",
        "INBOX",
    ]);

    if let Some(path) = std::env::var_os("TERN_BENCH_SERVE") {
        // Keep the warmed server for profiling: write a config and wait for Enter.
        let cfg = write_config(&d, dir.path(), "serve");
        std::fs::copy(&cfg, &path).unwrap();
        eprintln!("serving; config at {path:?}; press Enter to stop");
        let _ = std::io::stdin().read_line(&mut String::new());
        return;
    }
    let empty_cache = std::env::var_os("TERN_BENCH_EMPTY_DOVECOT_CACHE").is_some();
    let empty = || {
        if empty_cache {
            empty_dovecot_cache(&d.root().join("mail"));
        }
    };
    let mut floors = Vec::new();
    let mut colds = Vec::new();
    let mut rss = 0;
    let mut nochange = Vec::new();
    for i in 0..3 {
        empty();
        floors.push(rt.block_on(floor(&d, FLOOR_ITEMS)));
        let cfg = write_config(&d, dir.path(), &format!("run{i}"));
        let c = cfg.to_str().unwrap();
        empty();
        let (secs, r) = run_tern(&["--config", c, "sync", "--folder", "INBOX"]);
        colds.push(secs);
        rss = rss.max(r);
        let (secs, r) = run_tern(&["--config", c, "sync", "--folder", "INBOX"]);
        nochange.push(secs);
        rss = rss.max(r);
    }
    // 1% of flags changed by another client, then a resync.
    let cfg = write_config(&d, dir.path(), "run0");
    let changed = rt.block_on(async {
        let mut s = tern::imap::ConnectSettings {
            login: tern::login::LoginSettings {
                host: "127.0.0.1".into(),
                port: d.tls_port(),
                security: tern::config::Security::Tls,
                username: user.clone(),
                auth: tern::config::AuthMethod::Login,
                ca_certificate: Some(d.ca_pem_path().to_path_buf()),
                secret: tern::secrets::Secret::new(d.users()[0].1.clone()),
                password_command: None,
                oauth: None,
            },
            trace: false,
            timeout: Duration::from_secs(60),
            label: "bench".into(),
        };
        s.label = "bench-other".into();
        let mut c = tern::imap::connect(&s).await.unwrap();
        c.enable_extensions().await.unwrap();
        c.exec("SELECT INBOX", |_| false).await.unwrap();
        let uids: Vec<u32> = (1..=n as u32).step_by(100).collect();
        tern::imap::ops::store_flags(&mut c, &uids, &["\\Flagged".into()], true)
            .await
            .unwrap();
        uids.len()
    });
    let (flag_secs, r) = run_tern(&[
        "--config",
        cfg.to_str().unwrap(),
        "sync",
        "--folder",
        "INBOX",
    ]);
    rss = rss.max(r);
    let tern_items = tern::imap::headers::fetch_items(true);
    // Under the same conditions as the floor: with an emptied cache, Dovecot reads the
    // message files again for tern's items too, which tells its part from tern's.
    let wide = median(
        (0..3)
            .map(|_| {
                empty();
                rt.block_on(floor(&d, &tern_items))
            })
            .collect(),
    );
    let f = median(floors);
    let c = median(colds);
    println!("messages: {n}");
    if empty_cache {
        println!("Dovecot's cache emptied before each floor and each cold sync");
    }
    println!("floor (raw UID FETCH, unparsed), median of 3: {f:.3} s");
    println!(
        "raw UID FETCH of tern's items, unparsed:      {wide:.3} s  ({:.2}x floor)",
        wide / f
    );
    println!(
        "tern sync cold, median of 3:                 {c:.3} s  ({:.2}x floor)",
        c / f
    );
    println!(
        "tern sync, nothing changed, median of 3:     {:.3} s",
        median(nochange)
    );
    println!("tern sync after {changed} flags changed (1%):  {flag_secs:.3} s");
    println!(
        "peak RSS of tern sync:                        {:.1} MiB",
        rss as f64 / 1024.0
    );
}

/// Removes Dovecot's cache files (`dovecot.index.cache`) under `dir`: the next reader of a
/// folder makes Dovecot parse its message files again. Finding none is an error: the
/// figures would be a warm server's.
fn empty_dovecot_cache(dir: &std::path::Path) {
    let removed = remove_cache_files(dir);
    assert!(
        removed > 0,
        "no dovecot.index.cache under {}: Dovecot's cache cannot be emptied",
        dir.display()
    );
}

fn remove_cache_files(dir: &std::path::Path) -> usize {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut removed = 0;
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            removed += remove_cache_files(&p);
        } else if p.file_name().is_some_and(|n| n == "dovecot.index.cache") {
            std::fs::remove_file(&p).unwrap();
            removed += 1;
        }
    }
    removed
}
