//! tern: a terminal email client for fast keyboard triage over IMAP.
//!
//! The library holds everything but argument parsing and wiring, so integration tests,
//! benchmarks and the binary share one implementation.

pub mod action;
pub mod app;
pub mod cache;
pub mod cli;
pub mod compose;
pub mod config;
pub mod contained;
pub mod dev;
pub mod files;
pub mod imap;
pub mod logging;
pub mod mail;
pub mod secrets;
pub mod tui;
pub mod ui;
