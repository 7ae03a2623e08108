//! The layers are crates, and this test fails the build when one reaches upward: the
//! engine (tern-core) has no terminal crate in its tree, the client reaches the network
//! and the disk only through the engine, the test kit never enters the installed binary
//! and knows nothing of the client.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

/// The crates `package` depends on (normal dependencies, every depth, or only its own
/// with `direct`), as `cargo tree` lists them.
fn tree(package: &str, direct: bool) -> Vec<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(env!("CARGO_MANIFEST_DIR")).args([
        "tree",
        "--offline",
        "--locked",
        "-p",
        package,
        "-e",
        "normal",
        "--prefix",
        "none",
        "--format",
        "{p}",
    ]);
    if direct {
        cmd.args(["--depth", "1"]);
    }
    let out = cmd.output().expect("cargo tree runs");
    assert!(
        out.status.success(),
        "cargo tree -p {package} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(String::from))
        .collect()
}

fn has(list: &[String], name: &str) -> bool {
    list.iter().any(|n| n == name)
}

#[test]
fn the_engine_has_no_terminal_crate_in_its_tree() {
    let core = tree("tern-core", false);
    assert!(has(&core, "redb") && has(&core, "async-imap"), "{core:?}");
    for terminal in ["ratatui", "crossterm", "tern-client", "tern-testkit"] {
        assert!(!has(&core, terminal), "tern-core depends on {terminal}");
    }
}

#[test]
fn the_client_reaches_imap_and_the_cache_only_through_the_engine() {
    let direct = tree("tern-client", true);
    assert!(
        has(&direct, "tern-core") && has(&direct, "ratatui"),
        "{direct:?}"
    );
    for engine_part in [
        "async-imap",
        "redb",
        "lettre",
        "mail-parser",
        "tern-testkit",
    ] {
        assert!(
            !has(&direct, engine_part),
            "tern-client uses {engine_part} directly"
        );
    }
}

#[test]
fn the_installed_binary_carries_no_test_kit() {
    // `cargo install --path .` builds without features.
    let tern = tree("tern", false);
    assert!(
        has(&tern, "tern-client") && has(&tern, "tern-core"),
        "{tern:?}"
    );
    assert!(
        !has(&tern, "tern-testkit"),
        "the binary carries the test kit"
    );
    let kit = tree("tern-testkit", false);
    assert!(
        !has(&kit, "tern-client") && !has(&kit, "ratatui"),
        "{kit:?}"
    );
}

/// The Rust files under `dir` (relative to the repository), with their text.
fn sources(dir: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut todo = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else if p.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&p).unwrap();
                out.push((p.display().to_string(), text));
            }
        }
    }
    assert!(!out.is_empty(), "no sources under {dir}");
    out
}

/// Lines of code (comments left out) that name any of `words`.
fn uses(files: &[(String, String)], words: &[&str]) -> Vec<String> {
    files
        .iter()
        .flat_map(|(path, text)| {
            text.lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .filter(|l| words.iter().any(|w| l.contains(w)))
                .map(move |l| format!("{path}: {}", l.trim()))
        })
        .collect()
}

#[test]
fn the_state_side_does_no_io_and_never_imports_the_screen() {
    // app: the state and update (no IO, no drawing); ui: drawing from &AppState;
    // runner: the loop and the effects. Arrows point from runner to app and ui, and
    // from ui to app, never back.
    let app = sources("crates/client/src/app");
    let found = uses(
        &app,
        &[
            "crate::ui",
            "crate::runner",
            "crate::tui",
            "tokio::",
            "std::fs",
            "std::process",
            "std::net",
            "spawn_blocking",
        ],
    );
    assert!(
        found.is_empty(),
        "the state side reaches out:\n{}",
        found.join("\n")
    );
    let ui = sources("crates/client/src/ui");
    let found = uses(
        &ui,
        &["crate::runner", "tokio::", "std::fs", "std::process"],
    );
    assert!(
        found.is_empty(),
        "drawing reaches out:\n{}",
        found.join("\n")
    );
}
