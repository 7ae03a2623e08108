//! `tern sync --bodies`: the bodies of every synced folder's window fetched into the
//! cache (for reading and searching offline), with progress, one line per folder.

use super::AccountContext;
use std::io::Write;
use std::time::Instant;
use tern_core::config::Prefetch;
use tern_core::imap::prefetch::{chunk, remaining, Walk};
use tern_core::imap::{sync, Conn};
use tern_core::mail::sanitize;

/// Walks each folder's window, newest first.
pub async fn fetch(
    conn: &mut Conn,
    ctx: &AccountContext,
    folders: &[String],
    window: Prefetch,
    progress: bool,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let Some(since) = window.since(chrono::Utc::now().timestamp()) else {
        return Ok(());
    };
    ctx.cache.keep_bodies_since(since);
    let (mut all, mut all_bytes, started) = (0usize, 0u64, Instant::now());
    for folder in folders {
        let shown = sanitize(folder);
        let Some(state) = ctx.cache.folder_state(folder)? else {
            continue;
        };
        let mut walk = Walk {
            folder: folder.clone(),
            uidvalidity: state.uidvalidity,
            since,
            below: None,
            top: 0,
        };
        let wanted = remaining(&ctx.cache, &walk)?;
        if wanted == 0 {
            continue;
        }
        let t0 = Instant::now();
        let selected = sync::select(conn, folder, Some(&state))
            .await
            .map_err(|e| anyhow::anyhow!("{shown}: {e}"))?;
        if selected.uidvalidity != state.uidvalidity {
            writeln!(
                out,
                "{shown:<24} replaced on the server meanwhile: sync it again"
            )?;
            continue;
        }
        let (mut got, mut bytes) = (0usize, 0u64);
        loop {
            let c = chunk(conn, &ctx.cache, &mut walk)
                .await
                .map_err(|e| anyhow::anyhow!("{shown}: {e}"))?;
            got += c.fetched;
            bytes += c.bytes;
            if progress {
                eprint!("\r{shown} bodies {got}/{wanted}   ");
            }
            if c.done {
                break;
            }
        }
        if progress {
            eprint!("\r");
        }
        let full = if got < wanted && ctx.cache.body_bytes()? >= ctx.cache.body_budget() / 2 {
            "  (the body cache is full: raise body-cache-mb)"
        } else {
            ""
        };
        writeln!(
            out,
            "{shown:<24} {got:>8} bodies {:>10.1} MiB {:>7.2}s{full}",
            bytes as f64 / (1 << 20) as f64,
            t0.elapsed().as_secs_f64()
        )?;
        all += got;
        all_bytes += bytes;
    }
    writeln!(
        out,
        "{:<24} {all:>8} bodies {:>10.1} MiB {:>7.2}s",
        "bodies",
        all_bytes as f64 / (1 << 20) as f64,
        started.elapsed().as_secs_f64()
    )?;
    Ok(())
}
