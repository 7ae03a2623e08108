//! Where the message list's memory goes (issue 14): the generated mailbox of the other
//! benchmarks (`TERN_BENCH_MESSAGES`, default 100,000), each message's headers parsed as
//! the sync parses them, held once as the cache's `MessageSummary` (what the list held
//! before) and once as the list's `Row`. Each figure is the bytes one message costs:
//! its inline size plus the heap blocks it owns, as glibc's malloc sizes them.
//!
//! Run: `cargo bench --bench rows`. Figures go to BENCHMARKS.md by hand.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::message_count;
use tern::mail::{MessageSummary, Row};

/// What glibc's malloc takes for a block of `n` bytes on 64 bits: an 8-byte header,
/// rounded up to 16, at least 32; nothing for an empty block (never allocated).
fn chunk(n: usize) -> usize {
    if n == 0 {
        0
    } else {
        ((n + 8).div_ceil(16) * 16).max(32)
    }
}

fn string(s: &str) -> usize {
    chunk(s.len())
}

fn keywords(f: &tern::mail::Flags) -> usize {
    chunk(std::mem::size_of_val(f.keywords()))
        + f.keywords().iter().map(|k| string(k)).sum::<usize>()
}

/// Heap bytes one cached summary holds.
fn summary_heap(m: &MessageSummary) -> usize {
    let addresses = |list: &[tern::mail::Address]| {
        chunk(std::mem::size_of_val(list))
            + list
                .iter()
                .map(|a| string(&a.email) + a.name.as_deref().map_or(0, string))
                .sum::<usize>()
    };
    string(&m.subject)
        + addresses(&m.from)
        + addresses(&m.to)
        + addresses(&m.cc)
        + addresses(&m.reply_to)
        + m.message_id.as_deref().map_or(0, string)
        + m.in_reply_to.as_deref().map_or(0, string)
        + chunk(std::mem::size_of_val(m.references.as_slice()))
        + m.references.iter().map(|r| string(r)).sum::<usize>()
        + keywords(&m.flags)
}

/// Heap bytes one list row holds alone: its keywords (its text and its people's place
/// are in the chunks it shares: `chunk_bytes`).
fn row_heap(r: &Row) -> usize {
    keywords(&r.flags())
}

/// Heap bytes of the people the rows share: each distinct sender and recipient once, in
/// its shared block (counts, text pointer and cuts: 40 bytes) and its text.
fn people_heap(rows: &[Row]) -> usize {
    let people: std::collections::HashSet<(&str, &str, &str)> = rows
        .iter()
        .map(|r| (r.sender_name(), r.sender_email(), r.recipient()))
        .collect();
    people
        .iter()
        .map(|(n, e, r)| chunk(40) + chunk(n.len() + e.len() + r.len()))
        .sum()
}

fn summaries(n: usize) -> Vec<MessageSummary> {
    tern_testkit::generate(n, 42, chrono::Utc::now())
        .enumerate()
        .map(|(i, g)| {
            let end = g
                .raw
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
                .map_or(g.raw.len(), |p| p + 4);
            let mut m = MessageSummary {
                uid: i as u32 + 1,
                internal_date: g.date.timestamp(),
                size: g.raw.len() as u32,
                ..MessageSummary::default()
            };
            tern::imap::headers::apply_headers(&mut m, &g.raw[..end]);
            m
        })
        .collect()
}

fn main() {
    let n = message_count();
    let full = summaries(n);
    // Made as a folder's read makes them: together, sharing their people.
    let mut built = tern::mail::RowBuilder::with_capacity(full.len());
    for m in &full {
        built.push(m);
    }
    let rows: Vec<Row> = built.finish();
    let per = |inline: usize, heap: usize| inline as f64 + heap as f64 / n as f64;
    let summary = per(
        std::mem::size_of::<MessageSummary>(),
        full.iter().map(summary_heap).sum(),
    );
    let row = per(
        std::mem::size_of::<Row>(),
        rows.iter().map(row_heap).sum::<usize>()
            + tern::mail::chunk_bytes(&rows)
            + people_heap(&rows),
    );
    println!("{n} generated messages, headers parsed as the sync parses them");
    println!("| the list holds | inline | heap (glibc chunks) | bytes a message | at {n} |");
    println!("|---|---|---|---|---|");
    for (what, inline, total) in [
        (
            "`MessageSummary` (before)",
            std::mem::size_of::<MessageSummary>(),
            summary,
        ),
        ("`Row` (now)", std::mem::size_of::<Row>(), row),
    ] {
        println!(
            "| {what} | {inline} | {:.0} | {total:.0} | {:.1} MiB |",
            total - inline as f64,
            total * n as f64 / 1048576.0
        );
    }
    println!("a row is {:.1}x smaller", summary / row);
    drop(rows);
    whole_read(full);
}

/// How long the client's whole read of the folder from the cache takes (what `G` waits
/// for while a big folder is opened), with the client's cache (1 MiB of pages): median
/// of 5, after one read to warm the system's file cache.
fn whole_read(full: Vec<MessageSummary>) {
    let dir = tempfile::tempdir().unwrap();
    let memory = tern::cache::CLIENT_MEMORY_BUDGET;
    let (cache, _) = tern::cache::open_with_memory(dir.path(), "bench", 1 << 30, memory).unwrap();
    let n = full.len();
    let mut upserts = full;
    while !upserts.is_empty() {
        let rest = upserts.split_off(upserts.len().min(20_000));
        let batch = tern::cache::Batch {
            upserts,
            ..Default::default()
        };
        cache.apply("INBOX", 1, &batch).unwrap();
        upserts = rest;
    }
    cache
        .apply(
            "INBOX",
            1,
            &tern::cache::Batch {
                state: Some(tern::cache::FolderState {
                    uidvalidity: 1,
                    uidnext: n as u32 + 1,
                    highest_modseq: 1,
                    complete: true,
                    messages: n as u64,
                }),
                ..Default::default()
            },
        )
        .unwrap();
    let runs: Vec<f64> = (0..6)
        .map(|_| {
            let t = std::time::Instant::now();
            let rows = cache.newest_rows("INBOX", 0).unwrap();
            assert_eq!(rows.len(), n);
            t.elapsed().as_secs_f64() * 1000.0
        })
        .skip(1)
        .collect();
    println!(
        "whole read of the {n} rows from the cache (the client's 1 MiB of pages), median of 5: {:.1} ms",
        common::median(runs)
    );
}
