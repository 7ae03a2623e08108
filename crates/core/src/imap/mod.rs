//! Everything that speaks IMAP. The only module that uses async-imap; it never touches
//! the terminal.

pub mod changes;
mod commands;
pub mod committer;
pub mod conn;
pub mod connect;
pub mod error;
pub mod folders;
pub mod guard;
pub mod headers;
pub mod idle;
mod offline;
pub mod ops;
pub mod prefetch;
pub mod protocol;
pub mod queue;
pub mod reader;
mod searcher;
pub mod sync;
pub mod tls;
pub mod transport;
pub mod uidset;
mod watched;
pub mod worker;

pub use conn::Conn;
pub use connect::{connect, ConnectSettings};
pub use error::{plain_io, ImapError};

/// A folder name (UTF-8, as users see it) as an IMAP command argument.
pub fn mailbox_arg(name: &str) -> String {
    quote(&crate::mail::mutf7::encode(name))
}

/// Quotes a string for an IMAP command (folder names, search terms that are ASCII).
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}
