//! `tern list` and `tern sync` while the client runs on the account: the client holds
//! the cache, so they ask it over its local socket instead (`tern_core::control`).

use tern_core::cache::CacheError;
use tern_core::config::Config;
use tern_core::control::{self, Reply, Request};

/// Whether opening the account failed only because a running tern holds its cache.
pub fn in_use(e: &anyhow::Error) -> bool {
    matches!(
        e.downcast_ref::<CacheError>(),
        Some(CacheError::InUse { .. })
    )
}

/// Asks the running client of `account`; its replies, or why it did not answer.
fn ask(config: &Config, account: Option<&str>, request: &Request) -> anyhow::Result<Vec<Reply>> {
    let (name, _) = config.account(account)?;
    let paths = control::socket_candidates(&config.cache_dir(), name);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(control::ask_first(&paths, request))
        .map_err(|e| {
            anyhow::anyhow!(
                "the cache of account {name} is in use by another tern, and it does not answer \
             ({e}; looked in {})",
                paths
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
}

/// Asks the running client; returns the lines it answered with.
pub fn ask_lines(
    config: &Config,
    account: Option<&str>,
    request: Request,
) -> anyhow::Result<Vec<String>> {
    let mut lines = Vec::new();
    for reply in ask(config, account, &request)? {
        match reply {
            Reply::Line(l) => lines.push(l),
            Reply::Error(e) => anyhow::bail!("{e}"),
            Reply::Messages(_) | Reply::Found(_) | Reply::Done => {}
        }
    }
    Ok(lines)
}

/// Asks the running client and prints its answer as the command itself would.
pub fn ask_running(
    config: &Config,
    account: Option<&str>,
    request: Request,
    json: bool,
) -> anyhow::Result<()> {
    let syncing = matches!(request, Request::Sync { .. });
    for reply in ask(config, account, &request)? {
        match reply {
            Reply::Messages(rows) => super::print_rows(rows, json)?,
            Reply::Found(_) => {}
            Reply::Line(l) => {
                use std::io::Write;
                writeln!(std::io::stdout(), "{l}")?;
            }
            Reply::Done => {}
            Reply::Error(e) if syncing => anyhow::bail!("the running tern could not sync: {e}"),
            Reply::Error(e) => anyhow::bail!("{e}"),
        }
    }
    Ok(())
}

/// Asks the running client for search hits: (folder, headers).
pub fn ask_found(
    config: &Config,
    account: Option<&str>,
    request: Request,
) -> anyhow::Result<Vec<(String, tern_core::mail::MessageSummary)>> {
    let mut hits = Vec::new();
    for reply in ask(config, account, &request)? {
        match reply {
            Reply::Found(h) => hits.extend(h),
            Reply::Line(l) => eprintln!("tern: {l}"),
            Reply::Error(e) => anyhow::bail!("{e}"),
            Reply::Messages(_) | Reply::Done => {}
        }
    }
    Ok(hits)
}
