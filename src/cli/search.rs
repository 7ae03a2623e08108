//! `tern search`: the local index's hits, from the command line, offline too. With the
//! client running on an account its cache is the client's, and the client answers;
//! else the index is first brought up to date from the cache here.

use super::running::{ask_found, in_use};
use std::io::Write;
use tern_core::config::Config;
use tern_core::control::Request;
use tern_core::mail::{fit, sanitize, Flag, MessageSummary};

/// Options of `tern search`.
#[derive(Debug)]
pub struct SearchOptions {
    pub query: String,
    pub account: Option<String>,
    pub folder: Option<String>,
    pub json: bool,
}

/// One hit: (account, folder, headers).
type Hit = (String, String, MessageSummary);

/// Prints every account's hits (or one account's), newest first.
pub fn search(config: &Config, opts: &SearchOptions) -> anyhow::Result<()> {
    let q = tern_client::app::query::parse(&opts.query).map_err(anyhow::Error::msg)?;
    if q.words.is_empty() && q.terms.is_empty() {
        anyhow::bail!("tern search needs a query, e.g. tern search from:bob invoice");
    }
    let names = match &opts.account {
        Some(a) => vec![config.account(Some(a))?.0.to_string()],
        None => super::account_order(config),
    };
    let mut hits: Vec<Hit> = Vec::new();
    for name in &names {
        let found = match super::open_account(config, Some(name)) {
            Err(e) if in_use(&e) => {
                let request = Request::Search {
                    query: opts.query.clone(),
                    folder: opts.folder.clone(),
                };
                ask_found(config, Some(name), request)?
            }
            Err(e) => return Err(e),
            Ok(ctx) => {
                let waiting = ctx.cache.index_todo_len().unwrap_or(0);
                let dir = tern_core::index::index_dir(ctx.cache.path());
                if !dir.exists() || waiting > 1_000 {
                    eprintln!("tern: indexing the cache of account {name} first…");
                }
                if let Some(note) = tern_core::index::catch_up(ctx.cache.clone())? {
                    eprintln!("tern: {note}");
                }
                let mut reader = tern_core::index::Reader::new(ctx.cache.path());
                let (found, _) = tern_core::index::messages(
                    &ctx.cache,
                    &mut reader,
                    &q.words,
                    &q.terms,
                    opts.folder.as_deref(),
                )?;
                found
            }
        };
        hits.extend(found.into_iter().map(|(f, m)| (name.clone(), f, m)));
    }
    hits.sort_by_key(|h| std::cmp::Reverse((h.2.sort_date(), h.2.uid)));
    print(&hits, names.len() > 1, opts.json)
}

fn print(hits: &[Hit], accounts: bool, json: bool) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    for (account, folder, m) in hits {
        if json {
            let mut line = super::list::json_line(m);
            line["account"] = account.clone().into();
            line["folder"] = folder.clone().into();
            writeln!(out, "{line}")?;
            continue;
        }
        let place = if accounts {
            format!("{account}/{folder}")
        } else {
            folder.clone()
        };
        let flags = format!(
            "{}{}",
            if m.flags.has(Flag::Seen) { ' ' } else { 'N' },
            if m.flags.has(Flag::Flagged) { '!' } else { ' ' },
        );
        let from = m
            .from
            .first()
            .map(|a| a.display().to_string())
            .unwrap_or_default();
        writeln!(
            out,
            "{} {} {} {} {}",
            super::list::date_string(m.sort_date()),
            fit(&sanitize(&place), 16),
            fit(&sanitize(&from), 20),
            flags,
            sanitize(&m.subject)
        )?;
    }
    Ok(())
}
