//! A deterministic mutation fuzz of the message-to-screen path (parse, pick parts, HTML
//! to text, sanitise, wrap) and of config parsing: the hostile corpus and generated mail,
//! mutated thousands of times (bytes flipped, cut, repeated, spliced), must never panic,
//! and what is drawn must never hold a control character. (cargo-fuzz needs a nightly
//! toolchain this project does not use; this runs in every `cargo test`.)

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failure is its panic

mod support;
use rand::{Rng, SeedableRng};
use support::hostile::corpus;

/// What the message-to-screen fuzz inserts.
const BITS: &[&[u8]] = &[
    b"\r\n\r\n",
    b"--b\r\n",
    b"=?utf-8?B?",
    b"?=",
    b"\x1b[",
    b"\x1b]",
    b"\xc2\x9b",
    b"Content-Type: multipart/mixed; boundary=\"b\"\r\n",
    b"<a href=\"",
    b"<table><tr><td>",
    b"Content-Transfer-Encoding: base64\r\n",
    b"=\r\n",
    b"\x00",
    b"\xff\xfe",
];

fn mutate(rng: &mut rand::rngs::StdRng, input: &[u8]) -> Vec<u8> {
    support::mutate::mutate(rng, input, BITS, 0)
}

#[test]
fn mutated_mail_renders_without_panic_or_control_characters() {
    let mut seeds: Vec<Vec<u8>> = corpus()
        .into_iter()
        .map(|(_, raw)| raw)
        .filter(|r| r.len() < 1_000_000)
        .collect();
    seeds.extend(tern_testkit::generate(40, 7, chrono::Utc::now()).map(|m| m.raw));
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x7e57);
    for round in 0..3000 {
        let seed = &seeds[round % seeds.len()];
        // The first byte picks the width, as in the cargo-fuzz target.
        let mut input = vec![rng.random::<u8>()];
        input.extend(mutate(&mut rng, seed));
        tern_testkit::fuzz::render_and_check(&input);
    }
}

#[test]
fn mutated_config_is_an_error_never_a_panic() {
    let example = include_bytes!("../config.example.toml");
    let mut rng = rand::rngs::StdRng::seed_from_u64(0xc0ff);
    for _ in 0..3000 {
        let input = mutate(&mut rng, example);
        let text = String::from_utf8_lossy(&input);
        let _ = tern::config::parse(&text, std::path::Path::new("fuzz.toml"));
    }
}

/// Every input cargo-fuzz kept (its corpus) and every crash it ever found (committed
/// under fuzz/regressions) goes through the same checks on every test run.
#[test]
fn the_cargo_fuzz_corpus_and_crash_cases_still_pass() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut seen = 0;
    for dir in ["corpus/render", "regressions/render"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for e in entries.flatten() {
            tern_testkit::fuzz::render_and_check(&std::fs::read(e.path()).unwrap());
            seen += 1;
        }
    }
    assert!(seen >= 5, "the committed corpus is there ({seen} inputs)");
    for dir in ["corpus/config", "regressions/config"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for e in entries.flatten() {
            let data = std::fs::read(e.path()).unwrap();
            let _ = tern::config::parse(
                &String::from_utf8_lossy(&data),
                std::path::Path::new("fuzz.toml"),
            );
        }
    }
}
