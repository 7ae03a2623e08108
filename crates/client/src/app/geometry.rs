//! Where each pane goes for a screen size: pure geometry from the state, used by the
//! state to size what depends on the screen (list rows, the reader's page) and by the
//! renderer to draw, so both agree and drawing writes nothing back.

use super::state::{AppState, Focus};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::{Block, Borders};

/// Screens at least this wide show the sidebar beside the list.
pub const SIDEBAR_MIN_WIDTH: u16 = 100;

/// Columns the sidebar takes when the screen is wide enough for it.
pub const SIDEBAR_WIDTH: u16 = 26;

/// The areas of the screen: sidebar, list, reader, status line.
pub struct Areas {
    pub sidebar: Option<Rect>,
    pub list: Option<Rect>,
    pub reader: Option<Rect>,
    pub status: Rect,
    pub main: Rect,
}

pub fn areas(state: &AppState, area: Rect) -> Areas {
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
    // The sidebar folds away on narrow screens (80 columns keeps the list readable),
    // unless the user asked for it (`B`); a list narrower than 20 columns wins over it.
    let wanted = state.sidebar.unwrap_or(main.width >= SIDEBAR_MIN_WIDTH);
    let (sidebar, right) = if wanted && main.width >= SIDEBAR_WIDTH + 20 {
        let [side, rest] =
            Layout::horizontal([Constraint::Length(SIDEBAR_WIDTH), Constraint::Min(1)]).areas(main);
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

/// The reader's text area inside its pane (a top border in the split layout).
pub fn reader_inner(area: Rect, split: bool) -> Rect {
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

impl AppState {
    /// The terminal is now `width` x `height`.
    pub fn resize(&mut self, width: u16, height: u16) {
        self.screen = (width, height);
        self.relayout();
    }

    /// Sizes what depends on the screen and the panes shown: list rows, the sidebar, the
    /// reader's page. Run after every change of state, before drawing.
    pub fn relayout(&mut self) {
        let (width, height) = self.screen;
        let a = areas(self, Rect::new(0, 0, width, height));
        self.sidebar_visible = a.sidebar.is_some();
        if !self.sidebar_visible && self.focus == Focus::Sidebar {
            self.focus = Focus::List;
        }
        if let Some(list) = a.list {
            self.rows = usize::from(list.height).max(1);
        }
        if let (Some(area), Some(r)) = (a.reader, self.reader.as_mut()) {
            let inner = reader_inner(area, self.split);
            super::reader_lines::layout(r, inner.width, inner.height, &self.theme);
        }
    }
}

/// The panes whose rows scroll (the list, the reader's text): where the terminal's own
/// scrolling may move rows instead of them being written again.
pub fn bands(state: &AppState, area: Rect) -> Vec<Rect> {
    let a = areas(state, area);
    let reader = a.reader.map(|r| reader_inner(r, state.split));
    a.list.into_iter().chain(reader).collect()
}
