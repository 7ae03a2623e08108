//! `tern addresses TEXT`: the known addresses matching TEXT, best first, one
//! `address<TAB>name` line each (the format of mutt's query_command and aerc's
//! address-book-cmd), for completing To:/Cc: in an editor's header lines. Every cached
//! folder of every account counts, ranked as in the client (while the client runs it
//! answers over its socket, since it holds the caches); then what each account's
//! `address-book-command` answers.

use super::account::open_account;
use std::io::Write;
use tern_core::addressbook::{answer_lines, from_cache, merge, query_command, Known};
use tern_core::config::Config;

/// Prints the answer.
pub fn addresses(config: &Config, text: &str, limit: usize) -> anyhow::Result<()> {
    let mut lines = cached(config, text, limit)?;
    // The address-book commands' answers after the cache's, each address once.
    let mut extra: Vec<Known> = Vec::new();
    for name in super::account_order(config) {
        let (_, account) = config.account(Some(&name))?;
        if let Some(cmd) = &account.address_book_command {
            match query_command(cmd, text) {
                Ok(hits) => extra.extend(hits),
                Err(e) => eprintln!("tern: {name}: {e}"),
            }
        }
    }
    for l in answer_lines(&extra, text, limit) {
        let email = l.split('\t').next().unwrap_or_default().to_lowercase();
        let known = lines
            .iter()
            .any(|x| x.split('\t').next().unwrap_or_default().to_lowercase() == email);
        if !known && lines.len() < limit {
            lines.push(l);
        }
    }
    let mut out = std::io::stdout().lock();
    for l in lines {
        writeln!(out, "{l}")?;
    }
    Ok(())
}

/// The cache's answer: read here, or asked of the running client that holds the caches.
fn cached(config: &Config, text: &str, limit: usize) -> anyhow::Result<Vec<String>> {
    let now = chrono::Utc::now().timestamp();
    let mut books = Vec::new();
    for name in super::account_order(config) {
        let ctx = match open_account(config, Some(&name)) {
            Err(e) if super::in_use(&e) => {
                // The running client holds every account's cache: it answers for all.
                let request = tern_core::control::Request::Addresses {
                    text: text.to_string(),
                    limit,
                };
                return super::running::ask_lines(config, Some(&name), request);
            }
            other => other?,
        };
        let (me, _) = tern_core::compose::Identity::of_account(&ctx.account);
        books.push(from_cache(&ctx.cache, &me, now));
    }
    Ok(answer_lines(&merge(books), text, limit))
}
