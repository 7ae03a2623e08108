//! The interactive client's state and how it changes: `update` (in `update.rs`) applies
//! one `Event` to the `AppState` and returns `Effect`s; the runner (`crate::runner`) turns
//! inputs into events and effects into IO. Nothing here does IO or draws.

pub mod accounts;
pub mod command_line;
pub mod compose;
pub mod dispatch;
pub mod effect;
pub mod geometry;
pub mod help;
pub mod keymap;
pub mod merged;
pub mod outbox;
pub mod pending;
pub mod prompt;
pub mod query;
pub mod reader;
pub mod reader_lines;
pub mod results;
pub mod review;
pub mod search;
pub mod state;
pub mod synced;
pub mod theme;
pub mod transfer;
pub mod triage;
pub mod update;
pub mod view;

#[cfg(test)]
mod tests;

use std::path::PathBuf;

/// What the interactive client takes from the config's `[general]` and `[keys]`/`[theme]`
/// (each account's own settings come in `runner::AccountSetup`).
#[derive(Debug, Clone, Default)]
pub struct UiOptions {
    pub keys: tern_core::config::Keys,
    pub theme: std::collections::BTreeMap<String, String>,
    pub download_dir: Option<PathBuf>,
    pub new_mail_command: Option<String>,
    pub bell: bool,
    pub split: bool,
    /// `[general] sidebar`: shown or hidden by choice; `None` by the width.
    pub sidebar: Option<bool>,
    /// The config file, where `z` remembers the reader layout.
    pub config_path: Option<PathBuf>,
    pub editor: Option<String>,
    /// `[general] osc52`: `y` may set the terminal's clipboard.
    pub osc52: bool,
    /// The program whose `index-writer` command writes the search index (tern itself),
    /// so that the writer's memory is not the client's; None: written in the client.
    pub index_writer: Option<PathBuf>,
}

impl UiOptions {
    /// Where attachments are saved: `download-dir`, else the XDG download folder.
    pub fn download_dir(&self) -> PathBuf {
        self.download_dir
            .clone()
            .unwrap_or_else(tern_core::files::default_download_dir)
    }
}
