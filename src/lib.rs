//! tern: a terminal email client for fast keyboard triage over IMAP.
//!
//! The `tern` package is the binary and its headless commands (`cli`); the engine is
//! `tern_core` and the interactive client `tern_client`, re-exported here under their
//! module names so that integration tests and benchmarks name one path.

pub mod cli;

pub use tern_client::{action, app, runner, tui, ui};
pub use tern_core::{
    atomic_file, cache, compose, config, contained, control, files, imap, index, logging, login,
    mail, secrets,
};
