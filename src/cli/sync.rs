//! `tern sync`: bring folders into the cache and report per folder.

use super::AccountContext;
use std::io::Write;
use std::time::Instant;
use tern_core::config::Config;
use tern_core::imap::sync::{sync_folder, unchanged_since_sync};
use tern_core::imap::{self, folders};
use tern_core::mail::{sanitize, FolderStatus};

/// Options of `tern sync`.
#[derive(Debug, Default)]
pub struct SyncOptions {
    pub folders: Vec<String>,
    pub trace_imap: bool,
    pub interactive: bool,
    pub progress: bool,
    /// `--bodies [all]`: after the headers, fetch bodies (None: headers only; `Some(None)`:
    /// the account's prefetch window; `Some(Some(w))`: this window).
    pub bodies: Option<Option<tern_core::config::Prefetch>>,
}

/// `tern sync --account NAME`: that account, through the running client when it holds
/// the cache.
pub fn sync_account(config: &Config, name: &str, opts: &SyncOptions) -> anyhow::Result<()> {
    let ctx = match super::open_account(config, Some(name)) {
        Err(e) if super::in_use(&e) && opts.bodies.is_some() => {
            anyhow::bail!(
                "tern is running on account {name} and holds its cache; it fetches bodies itself \
                 (prefetch in the config): quit it to run `tern sync --bodies`"
            )
        }
        Err(e) if super::in_use(&e) => {
            let request = tern_core::control::Request::Sync {
                folders: opts.folders.clone(),
            };
            return super::ask_running(config, Some(name), request, false);
        }
        other => other?,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(sync(&ctx, opts))
}

/// `tern sync`: every account in the config, each under a heading, one after another;
/// an account that fails is said and the others still sync.
pub fn sync_every_account(config: &Config, opts: &SyncOptions) -> anyhow::Result<()> {
    let names = super::account_order(config);
    if names.len() == 1 {
        return sync_account(config, &names[0], opts);
    }
    let mut failed = Vec::new();
    for name in &names {
        println!("account {name}");
        if let Err(e) = sync_account(config, name, opts) {
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return Err(e);
            }
            eprintln!("tern: account {name}: {e:#}");
            // The reason is said here once; the summary only names the account.
            failed.push(name.clone());
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        anyhow::bail!(
            "{} of {} accounts did not sync: {} (why, above)",
            failed.len(),
            names.len(),
            failed.join(", ")
        )
    }
}

/// Runs the sync; prints a line per folder and a total. Errors carry the server's words.
pub async fn sync(ctx: &AccountContext, opts: &SyncOptions) -> anyhow::Result<()> {
    let settings = ctx.connect_settings(opts.trace_imap, opts.interactive)?;
    let started = Instant::now();
    let mut conn = imap::connect(&settings).await?;
    conn.enable_extensions().await?;
    // Names with their STATUS: a folder whose counters match the cache is skipped.
    let folders: Vec<(String, Option<FolderStatus>)> = if opts.folders.is_empty() {
        let list = folders::list_folders(&mut conn).await?;
        // The client shows this list when it starts without the server.
        if let Err(e) = ctx.cache.save_folder_list(&list) {
            tracing::warn!(error = %e, "saving the folder list");
        }
        list.into_iter()
            .filter(|f| f.selectable)
            .map(|f| (f.name, f.status))
            .collect()
    } else {
        let known = folders::list_names(&mut conn).await?;
        let mut named = Vec::new();
        for asked in &opts.folders {
            let name =
                tern_core::control::resolve_folder(asked, &known).map_err(anyhow::Error::msg)?;
            let status = folders::status(&mut conn, &name)
                .await
                .map_err(|e| anyhow::anyhow!("{}: {e}", sanitize(&name)))?;
            named.push((name, Some(status)));
        }
        named
    };
    let mut total = tern_core::imap::sync::SyncReport {
        folder: "total".into(),
        ..Default::default()
    };
    let mut out = std::io::stdout().lock();
    for (name, status) in &folders {
        let t0 = Instant::now();
        // A folder's name is the server's text: never raw on the terminal.
        let shown = sanitize(name);
        let known = ctx.cache.folder_state(name)?;
        if let (Some(k), Some(st)) = (&known, status) {
            if unchanged_since_sync(Some(k), st) {
                writeln!(
                    out,
                    "{:<24} {:>8} messages {:>7} new {:>7} changed {:>7} removed {:>7.2}s  (unchanged)",
                    shown, k.messages, 0, 0, 0, t0.elapsed().as_secs_f64()
                )?;
                total.messages += k.messages;
                continue;
            }
        }
        let show = opts.progress;
        let mut progress = move |p: tern_core::imap::sync::SyncProgress| {
            if show {
                eprint!("\r{} {}/{}   ", sanitize(&p.folder), p.done, p.total);
            }
        };
        let r = sync_folder(&mut conn, &ctx.cache, name, &mut progress)
            .await
            .map_err(|e| anyhow::anyhow!("{shown}: {e}"))?;
        if opts.progress {
            eprint!("\r");
        }
        writeln!(
            out,
            "{:<24} {:>8} messages {:>7} new {:>7} changed {:>7} removed {:>7.2}s{}",
            shown,
            r.messages,
            r.new,
            r.changed,
            r.removed,
            t0.elapsed().as_secs_f64(),
            if r.reset {
                "  (UIDVALIDITY changed: cache refilled)"
            } else {
                ""
            }
        )?;
        total.messages += r.messages;
        total.new += r.new;
        total.changed += r.changed;
        total.removed += r.removed;
    }
    if let Some(window) = opts.bodies {
        let window = window.unwrap_or(match ctx.account.prefetch() {
            tern_core::config::Prefetch::None => tern_core::config::Prefetch::Days(30),
            w => w,
        });
        let names: Vec<String> = folders.iter().map(|(n, _)| n.clone()).collect();
        super::bodies::fetch(&mut conn, ctx, &names, window, opts.progress, &mut out).await?;
    }
    writeln!(
        out,
        "{:<24} {:>8} messages {:>7} new {:>7} changed {:>7} removed {:>7.2}s",
        "total",
        total.messages,
        total.new,
        total.changed,
        total.removed,
        started.elapsed().as_secs_f64()
    )?;
    conn.logout().await;
    Ok(())
}
