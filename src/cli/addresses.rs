//! `tern addresses TEXT`: the known addresses matching TEXT, best first, one
//! `address<TAB>name` line each (the format of mutt's query_command and aerc's
//! address-book-cmd), for completing To:/Cc: in an editor's header lines. Every cached
//! folder of every account counts, ranked as in the client; while the client runs it
//! answers over its socket, since it holds the caches.

use super::account::open_account;
use std::io::Write;
use tern_core::addressbook::{answer_lines, from_cache, merge};
use tern_core::config::Config;

/// Prints the answer, from the caches or from the running client.
pub fn addresses(config: &Config, text: &str, limit: usize) -> anyhow::Result<()> {
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
                return super::ask_running(config, Some(&name), request, false);
            }
            other => other?,
        };
        let (me, _) = tern_core::compose::Identity::of_account(&ctx.account);
        books.push(from_cache(&ctx.cache, &me, now));
    }
    let mut out = std::io::stdout().lock();
    for l in answer_lines(&merge(books), text, limit) {
        writeln!(out, "{l}")?;
    }
    Ok(())
}
