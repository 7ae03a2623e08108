//! Drawing: pure functions of `&AppState` (no IO, no clock), one widget per file.

mod compose;
mod folder_list;
mod help;
mod message_list;
mod picker;
mod reader;
mod results;
mod status_bar;
pub mod theme;

use crate::app::state::{AppState, Focus};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::{Block, Borders};
use ratatui::Frame;

/// Screens at least this wide show the sidebar beside the list.
const SIDEBAR_MIN_WIDTH: u16 = 100;

/// The areas of the screen: sidebar, list, reader, status line.
struct Areas {
    sidebar: Option<Rect>,
    list: Option<Rect>,
    reader: Option<Rect>,
    status: Rect,
    main: Rect,
}

fn areas(state: &AppState, area: Rect) -> Areas {
    let [main, status] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
    let full_reader = state.reader.is_some() && !state.split && state.results.is_none();
    if full_reader {
        return Areas {
            sidebar: None,
            list: None,
            reader: Some(main),
            status,
            main,
        };
    }
    // The sidebar folds away on narrow screens (80 columns keeps the list readable).
    let (sidebar, right) = if main.width >= SIDEBAR_MIN_WIDTH {
        let [side, rest] =
            Layout::horizontal([Constraint::Length(folder_list::WIDTH), Constraint::Min(1)])
                .areas(main);
        (Some(side), rest)
    } else {
        (None, main)
    };
    if state.reader.is_some() && state.results.is_none() {
        let list_h = (right.height * 2 / 5).max(3);
        let [list, reader] =
            Layout::vertical([Constraint::Length(list_h), Constraint::Min(1)]).areas(right);
        return Areas {
            sidebar,
            list: Some(list),
            reader: Some(reader),
            status,
            main,
        };
    }
    Areas {
        sidebar,
        list: Some(right),
        reader: None,
        status,
        main,
    }
}

/// Sizes what depends on the screen: list rows, sidebar, the reader's page.
pub fn layout(state: &mut AppState, width: u16, height: u16) {
    let a = areas(state, Rect::new(0, 0, width, height));
    state.sidebar_visible = a.sidebar.is_some();
    if !state.sidebar_visible && state.focus == Focus::Sidebar {
        state.focus = Focus::List;
    }
    if let Some(list) = a.list {
        state.rows = usize::from(list.height).max(1);
    }
    if let (Some(area), Some(r)) = (a.reader, state.reader.as_mut()) {
        let inner = reader_inner(area, state.split);
        reader::layout(r, inner.width, inner.height, &state.theme);
    }
}

/// The reader's text area inside its pane (a top border in the split layout).
fn reader_inner(area: Rect, split: bool) -> Rect {
    if split {
        Block::default().borders(Borders::TOP).inner(area)
    } else {
        area
    }
}

/// Columns HTML mail is laid out to.
pub fn reader_width(terminal_width: u16) -> usize {
    usize::from(terminal_width).saturating_sub(2).max(20)
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
