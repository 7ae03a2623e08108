//! Drawing: pure functions of `&AppState` (no IO, no clock), one widget per file.

mod message_list;
mod status_bar;

use crate::app::state::AppState;
use ratatui::layout::{Constraint, Layout};
use ratatui::Frame;

/// Draws the whole screen.
pub fn render(frame: &mut Frame, state: &AppState) {
    let [list, status] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(frame.area());
    message_list::render(frame, list, state);
    status_bar::render(frame, status, state);
}

/// Rows the message list gets on a screen of `height` rows.
pub fn list_rows(height: u16) -> usize {
    usize::from(height.saturating_sub(1))
}

#[cfg(test)]
mod tests;
