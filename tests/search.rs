//! The local search index against a real Dovecot: words found only in bodies are found
//! by `/`, `:search-all` and `tern search` with the server stopped; expunges, moves and
//! a new UIDVALIDITY on the server are reflected after the next sync.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failure is its panic

mod support;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::tmux::Tmux;
use support::*;
use tern_testkit::{Dovecot, DovecotOptions};

/// Delivers a message whose body holds `text`, `days` days old.
fn note(d: &tern_testkit::Dovecot, folder: &str, subject: &str, text: &str, days: i64) {
    let date = chrono::Utc::now() - chrono::Duration::days(days);
    let raw = format!(
        "From: Nadia Field <nadia@example.org>\r\nTo: test@example.org\r\nSubject: {subject}\r\n\
Date: {}\r\nMessage-ID: <{}@example.org>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n",
        date.to_rfc2822(),
        subject.replace(' ', "-"),
    );
    d.deliver(&d.users()[0].0, folder, raw.as_bytes(), &[], date)
        .unwrap();
}

/// Runs `tern ARGS` with this config; (stdout, stderr), failing the test on failure.
fn tern(cfg: &Path, log: &Path, args: &[&str]) -> (String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tern"))
        .env("TERN_LOG", log)
        .arg("--config")
        .arg(cfg)
        .args(args)
        .output()
        .unwrap();
    let (so, se) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(out.status.success(), "tern {args:?}: {so}{se}");
    (so, se)
}

#[test]
fn words_only_in_bodies_are_found_offline_by_slash_search_all_and_tern_search() {
    let mut d = server(DovecotOptions::default());
    fill(&d, "INBOX", 30, 91);
    fill(&d, "Archive", 10, 92);
    note(
        &d,
        "INBOX",
        "Travel plans",
        "We meet at the zanzibarian harbour.",
        1,
    );
    note(
        &d,
        "Archive",
        "Old plans",
        "The zanzibarian ferry left early.",
        400,
    );
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(&d, dir.path());
    set_prefetch(&cfg, "none");
    let log = dir.path().join("tern.log");
    tern(&cfg, &log, &["sync", "--bodies", "all"]);

    // From the command line (the index is brought up to date from the cache first).
    let (out, _) = tern(&cfg, &log, &["search", "zanzibarian"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].contains("INBOX") && lines[0].contains("Travel plans"),
        "{out}"
    );
    assert!(
        lines[1].contains("Archive") && lines[1].contains("Old plans"),
        "{out}"
    );
    let (json, _) = tern(
        &cfg,
        &log,
        &["search", "--json", "--folder", "Archive", "zanzib"],
    );
    let hit: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    assert_eq!(hit["folder"], "Archive");
    assert_eq!(hit["subject"], "Old plans");
    assert_eq!(hit["from_email"], "nadia@example.org");
    let (out, _) = tern(&cfg, &log, &["search", "subject:travel", "from:nadia"]);
    assert_eq!(out.lines().count(), 1, "{out}");
    let (none, _) = tern(&cfg, &log, &["search", "harbour", "before:2020-01-01"]);
    assert!(none.is_empty(), "{none}");

    // The client, with the server stopped.
    d.stop();
    let t = Tmux::start(&cfg, &log);
    t.wait_for("offline");
    t.keys(&["/", "zanzibarian", "Enter"]);
    t.wait_for_all(&["Travel plans", "1 found", "1/1"]);
    t.keys(&["Escape"]);
    t.wait_gone("search: zanzibarian");
    t.keys(&[":", "search-all zanzibarian", "Enter"]);
    t.wait_for_all(&["Search in every folder: zanzibarian  (2 hits)", "Old plans"]);
    t.keys(&["j", "Enter"]);
    t.wait_for_all(&["The zanzibarian ferry left early.", "test Archive"]);
    t.keys(&["q", "q"]);
}

#[test]
fn expunges_moves_and_a_new_uidvalidity_on_the_server_reach_the_hits() {
    let d = server(DovecotOptions::default());
    note(&d, "INBOX", "Keep me", "a quokka appears", 3);
    note(&d, "INBOX", "Move me", "another quokka here", 2);
    note(&d, "INBOX", "Delete me", "the last quokka", 1);
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(&d, dir.path());
    set_prefetch(&cfg, "all");
    let log = dir.path().join("tern.log");
    let found = |args: &[&str]| {
        let mut a = vec!["search", "--json"];
        a.extend_from_slice(args);
        let (out, _) = tern(&cfg, &log, &a);
        let mut hits: Vec<(String, String)> = out
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                (
                    v["folder"].as_str().unwrap().to_string(),
                    v["subject"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        hits.sort();
        hits
    };
    tern(&cfg, &log, &["sync", "--bodies", "all"]);
    assert_eq!(found(&["quokka"]).len(), 3);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let mut other = other_client(&d).await;
        let state = server_state(&mut other, "INBOX").await;
        let uid_of = |i: usize| state[i].0;
        other.exec("SELECT INBOX", |_| false).await.unwrap();
        other
            .exec(&format!("UID MOVE {} Archive", uid_of(1)), |_| false)
            .await
            .unwrap();
        other
            .exec(
                &format!("UID STORE {} +FLAGS (\\Deleted)", uid_of(2)),
                |_| false,
            )
            .await
            .unwrap();
        other.exec("EXPUNGE", |_| false).await.unwrap();
    });
    // The client syncs INBOX, and answers `tern search` from its own index while it
    // runs: the moved and the expunged message are gone from INBOX's hits.
    let t = Tmux::start(&cfg, &log);
    t.wait_for_all(&["| online", "1/1"]);
    let keep = ("INBOX".to_string(), "Keep me".to_string());
    support::world::wait_until(|| found(&["quokka"]) == vec![keep.clone()]);
    t.keys(&["q"]);
    t.wait_ended();
    // Once Archive is synced (with its bodies), the moved one is found there.
    tern(&cfg, &log, &["sync", "--bodies", "all"]);
    assert_eq!(
        found(&["quokka"]),
        vec![("Archive".to_string(), "Move me".to_string()), keep]
    );

    // A new UIDVALIDITY: the folder's old messages leave the index, its new ones come.
    rt.block_on(async {
        let mut other = other_client(&d).await;
        tern::imap::folders::delete(&mut other, "Archive")
            .await
            .unwrap();
        tern::imap::folders::create(&mut other, "Archive")
            .await
            .unwrap();
    });
    note(&d, "Archive", "Reborn", "a different marsupial", 1);
    tern(&cfg, &log, &["sync", "--bodies", "all"]);
    assert_eq!(
        found(&["quokka"]),
        vec![("INBOX".to_string(), "Keep me".to_string())]
    );
    assert_eq!(
        found(&["marsupial"]),
        vec![("Archive".to_string(), "Reborn".to_string())]
    );
}

#[test]
fn a_sigkill_at_random_points_of_indexing_loses_nothing_and_doubles_nothing() {
    use rand::{Rng, SeedableRng};
    let (_d, dir, cfg, log) = synced_with_bodies(5_000, 93, "one kangaroo only");
    let index = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .flat_map(|e| std::fs::read_dir(e.path()).into_iter().flatten().flatten())
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "redb"))
        .map(|p| tern::index::index_dir(&p))
        .expect("the cache file");
    let mut rng = rand::rngs::StdRng::seed_from_u64(13);
    let mut cut_short = 0;
    for _ in 0..6 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tern"))
            .env("TERN_LOG", &log)
            .arg("--config")
            .arg(&cfg)
            .args(["search", "kangaroo"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // A random point of the build (the process may also have finished).
        std::thread::sleep(std::time::Duration::from_millis(rng.random_range(30..900)));
        child.kill().unwrap();
        child.wait().unwrap();
        let meta = std::fs::read_to_string(index.join("meta.json")).unwrap_or_default();
        if !meta.contains(r#"\"complete\":true"#) {
            cut_short += 1;
        }
    }
    assert!(cut_short > 0, "no kill landed inside the build");
    // Restarted: every message once.
    every_message_once(&cfg, &log, 5_001, "kangaroo");
}

/// `tern search` lists `n` messages, each once, and `needle` in one of them.
fn every_message_once(cfg: &Path, log: &Path, n: usize, needle: &str) {
    let (all, _) = tern(cfg, log, &["search", "--json", "since:1970-01-01"]);
    let uids: std::collections::BTreeSet<u64> = all
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["uid"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(all.lines().count(), n, "nothing doubled");
    assert_eq!(uids.len(), n, "nothing lost");
    let (found, _) = tern(cfg, log, &["search", needle]);
    assert_eq!(found.lines().count(), 1, "{found}");
}

/// The client writes its index in a helper process (`tern index-writer`, so that the
/// writer's memory is not the client's). Killed in the middle of a build, the helper
/// takes nothing with it: the indexer starts another and ends with every message
/// once. A helper that cannot be started leaves the writing to the client itself.
#[test]
fn the_index_writer_helper_killed_mid_build_loses_nothing_and_a_missing_one_is_done_without() {
    let (_d, dir, cfg, log) = synced_with_bodies(4_000, 94, "one wombat only");
    let index_of = |cache: &tern::cache::Cache| tern::index::index_dir(cache.path());
    let complete = |index: &Path| {
        std::fs::read_to_string(index.join("meta.json"))
            .unwrap_or_default()
            .contains(r#"\"complete\":true"#)
    };
    for helper in [
        std::path::PathBuf::from(env!("CARGO_BIN_EXE_tern")),
        dir.path().join("no-such-program"),
    ] {
        let index = {
            let (cache, _) =
                tern::cache::open(&dir.path().join("cache"), "test", 64 << 20).unwrap();
            let cache = std::sync::Arc::new(cache);
            let index = index_of(&cache);
            let _ = std::fs::remove_dir_all(&index);
            let (tx, notes) = std::sync::mpsc::channel();
            let indexer = tern::index::Indexer::start(cache, "t", Some(helper.clone()), move |n| {
                let _ = tx.send(n);
            });
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
            let mut killed = false;
            while !complete(&index) {
                assert!(
                    std::time::Instant::now() < deadline,
                    "never built: {helper:?}"
                );
                if !killed {
                    if let Some(pid) = index_writer_child() {
                        // SIGKILL: no chance to finish what it holds.
                        Command::new("kill").args(["-9", &pid]).status().unwrap();
                        killed = true;
                        let said = notes
                            .recv_timeout(std::time::Duration::from_secs(60))
                            .unwrap_or_default();
                        assert!(said.contains("will try again"), "{said}");
                    }
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            assert_eq!(
                killed,
                helper.exists(),
                "a helper ran, and only a real one: {helper:?}"
            );
            drop(indexer);
            index
        };
        assert!(complete(&index), "{helper:?}");
        every_message_once(&cfg, &log, 4_001, "wombat");
    }
}

/// A Dovecot whose INBOX holds `n` generated messages and one "Needle" with `body`,
/// synced with every body by `tern sync` into a new config's cache (no prefetch).
fn synced_with_bodies(
    n: usize,
    seed: u64,
    body: &str,
) -> (Dovecot, tempfile::TempDir, PathBuf, PathBuf) {
    let d = server(DovecotOptions::default());
    fill(&d, "INBOX", n, seed);
    note(&d, "INBOX", "Needle", body, 1);
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(&d, dir.path());
    set_prefetch(&cfg, "none");
    let log = dir.path().join("tern.log");
    tern(&cfg, &log, &["sync", "--bodies", "all"]);
    (d, dir, cfg, log)
}

/// The pid of a `tern index-writer` child of this test process, if one runs.
fn index_writer_child() -> Option<String> {
    let me = std::process::id().to_string();
    let procs = std::fs::read_dir("/proc").expect("/proc lists the processes");
    procs.flatten().find_map(|e| {
        let pid = e.file_name().to_string_lossy().into_owned();
        let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
        // The parent's pid is the 4th field, after the name in parentheses.
        let parent = stat.rsplit(')').next()?.split_whitespace().nth(1)?;
        let cmdline = std::fs::read(e.path().join("cmdline")).ok()?;
        (parent == me && cmdline.windows(12).any(|w| w == b"index-writer")).then_some(pid)
    })
}
