//! tern's interactive client: the app state and how keys and worker events change it
//! (`app`), the action list and keymaps (`action`), drawing (`ui`) and the terminal
//! (`tui`), and the loop that does the IO (`runner`). It talks to the engine only
//! through `tern_core`'s typed protocol.

pub mod action;
pub mod ansi;
pub mod app;
pub mod frame_diff;
pub mod runner;
pub mod tui;
pub mod ui;
