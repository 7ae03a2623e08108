//! The address book off the loop: every cached address of every account, and what
//! `address-book-command` answers for the typed text.

use crate::app::update::Back;
use std::sync::Arc;
use tern_core::cache::Cache;
use tern_core::compose::Identity;
use tokio::sync::mpsc;

/// Reads every address of every account's cache, ranked, and reports it.
pub fn load(caches: Vec<Arc<Cache>>, me: Identity, now: i64, tx: mpsc::UnboundedSender<Back>) {
    tokio::task::spawn_blocking(move || {
        let books = caches
            .iter()
            .map(|c| tern_core::addressbook::from_cache(c, &me, now))
            .collect();
        let _ = tx.send(Back::AddressBook(tern_core::addressbook::merge(books)));
    });
}

/// Asks `address-book-command` about `typed` and reports its answer (an error is said).
pub fn query(command: Option<String>, typed: String, tx: mpsc::UnboundedSender<Back>) {
    let Some(cmd) = command else {
        return;
    };
    tokio::task::spawn_blocking(move || {
        let back = match tern_core::addressbook::query_command(&cmd, &typed) {
            Ok(hits) => Back::BookHits(typed, hits),
            Err(e) => Back::Note(e),
        };
        let _ = tx.send(back);
    });
}
