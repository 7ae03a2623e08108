//! tern's engine: everything but the terminal. The domain types and the sanitiser
//! (`mail`), the on-disk cache, the IMAP worker and its typed protocol, composing and
//! sending, the config and secrets. No ratatui or crossterm in its dependency tree.

pub mod addressbook;
pub mod atomic_file;
pub mod cache;
pub mod compose;
pub mod config;
pub mod contained;
pub mod control;
pub mod files;
pub mod imap;
pub mod index;
pub mod logging;
pub mod login;
pub mod mail;
pub mod oauth2;
pub mod secrets;
pub mod setup;
pub mod web;
