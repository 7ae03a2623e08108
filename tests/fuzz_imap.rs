//! A deterministic mutation fuzz of the response reader (the byte guard, the IMAP parser,
//! and tern's readers of FETCH, flag changes and untagged news): the cargo-fuzz corpus in
//! `fuzz/corpus/imap` replayed as it is, then mutated thousands of times (bytes flipped,
//! cut, repeated, spliced, IMAP syntax inserted), must never panic or stall. The
//! `imap` cargo-fuzz target (nightly) runs the same check; this runs in every `cargo test`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failure is its panic

mod support;
use rand::SeedableRng;

/// The committed corpus, then any crash cases a fuzzer found (`fuzz/regressions/imap`).
fn corpus() -> Vec<Vec<u8>> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let dir = root.join("corpus/imap");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(
        files.len() >= 6,
        "the corpus is missing from {}",
        dir.display()
    );
    if let Ok(found) = std::fs::read_dir(root.join("regressions/imap")) {
        files.extend(found.map(|e| e.unwrap().path()));
    }
    files.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

/// What the response-reader fuzz inserts.
const BITS: &[&[u8]] = &[
    b"\r\n",
    b"* ",
    b"(",
    b")",
    b"((((((((",
    b"{5}\r\n",
    b"{4294967296}\r\n",
    b"\"",
    b"\\",
    b"NIL ",
    b"UID 0 ",
    b"* 1 FETCH (",
    b"BODY[] ",
    b"a1 OK ",
    b"+ ",
    b"\x1b[",
    b"\x00",
    b"\xff",
];

/// The first byte is the read size: it stays.
fn mutate(rng: &mut rand::rngs::StdRng, input: &[u8]) -> Vec<u8> {
    support::mutate::mutate(rng, input, BITS, 1)
}

#[test]
fn the_corpus_and_its_mutations_are_read_without_panic() {
    let seeds = corpus();
    for s in &seeds {
        tern_testkit::fuzz::imap_responses_check(s);
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x1a4b);
    for round in 0..20_000 {
        let input = mutate(&mut rng, &seeds[round % seeds.len()]);
        tern_testkit::fuzz::imap_responses_check(&input);
    }
}

#[test]
fn every_well_formed_seed_parses_to_its_end() {
    // The seeds are real IMAP (but `numbers`, which is hostile on purpose): each must
    // parse to its last byte, else the corpus rotted and the fuzz would only exercise
    // its first lines.
    use async_imap::imap_proto::Response;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/imap");
    for name in [
        "body-hostile",
        "fetch-headers",
        "greeting-login",
        "list-status",
        "select",
    ] {
        let seed = std::fs::read(dir.join(name)).unwrap();
        let mut rest = &seed[1..];
        let mut n = 0;
        while let Ok((after, _)) = Response::parse(rest) {
            n += 1;
            rest = after;
        }
        assert!(
            rest.is_empty() && n >= 2,
            "{name}: stopped after {n} responses at {:?}",
            String::from_utf8_lossy(rest)
        );
    }
}
