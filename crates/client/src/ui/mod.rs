//! Drawing: pure functions of `&AppState` (no IO, no clock, nothing written back), one
//! widget per file; where each pane goes comes from `app::geometry`.

mod compose;
mod folder_list;
mod help;
mod message_list;
mod outbox;
mod picker;
mod reader;
mod results;
mod status_bar;

pub use crate::app::theme;

use crate::app::geometry::{areas, reader_inner};
use crate::app::state::{AppState, Focus};
use ratatui::widgets::{Block, Borders};
use ratatui::Frame;

/// What the screen shows that depends on the time alone: the status line.
pub fn time_shown(state: &AppState) -> String {
    status_bar::text(state)
}

/// Draws the whole screen.
pub fn render(frame: &mut Frame, state: &AppState) {
    let a = areas(state, frame.area());
    if let Some(side) = a.sidebar {
        folder_list::render(frame, side, state);
    }
    if let Some(list) = a.list {
        if state.results.is_some() {
            results::render(frame, list, state);
        } else if state.outbox_view.is_some() {
            outbox::render(frame, list, state);
        } else {
            message_list::render(frame, list, state);
        }
    }
    if let (Some(area), Some(r)) = (a.reader, state.reader.as_ref()) {
        if state.split {
            let mut block = Block::default()
                .borders(Borders::TOP)
                .border_style(state.theme.border);
            if state.focus == Focus::Reader {
                block = block.title(" reader ");
            }
            frame.render_widget(block, area);
        }
        reader::render(frame, reader_inner(area, state.split), r, &state.theme);
    }
    if let Some(c) = &state.compose {
        compose::render(frame, a.main, c, &state.theme);
    }
    if state.help {
        help::render(frame, a.main, state);
    }
    picker::render(frame, a.main, state);
    status_bar::render(frame, a.status, state);
}

#[cfg(test)]
mod tests;
