//! Drawing: pure functions of `&AppState` (no IO, no clock), one widget per file.

mod folder_list;
mod help;
mod message_list;
mod reader;
mod status_bar;

use crate::app::state::AppState;
use ratatui::layout::{Constraint, Layout};
use ratatui::Frame;

/// Draws the whole screen.
pub fn render(frame: &mut Frame, state: &AppState) {
    let [main, status] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(frame.area());
    // The sidebar folds away on narrow screens (80 columns keeps the list readable).
    let list = if main.width >= 100 && state.reader.is_none() {
        let [side, list] =
            Layout::horizontal([Constraint::Length(folder_list::WIDTH), Constraint::Min(1)])
                .areas(main);
        folder_list::render(frame, side, state);
        list
    } else {
        main
    };
    match &state.reader {
        Some(r) => reader::render(frame, list, r),
        None => message_list::render(frame, list, state),
    }
    if state.help {
        help::render(frame, main);
    }
    status_bar::render(frame, status, state);
}

/// Sizes the reader for a screen of `width` x `height`.
pub fn layout_reader(r: &mut crate::app::reader::Reader, width: u16, height: u16) {
    reader::layout(r, width, height);
}

/// Rows the message list gets on a screen of `height` rows.
pub fn list_rows(height: u16) -> usize {
    usize::from(height.saturating_sub(1))
}

#[cfg(test)]
mod tests;
