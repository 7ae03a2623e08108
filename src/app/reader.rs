//! The reader's state: which message, its rendered text once it arrives, and the scroll.

use crate::action::Action;
use crate::mail::{Rendered, Uid};

/// One message open in the reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reader {
    pub uid: Uid,
    /// `None` while the body is being fetched and rendered.
    pub rendered: Option<Rendered>,
    /// First line shown.
    pub scroll: usize,
    /// Lines the text has at the current width (set by the loop when it lays out).
    pub total_lines: usize,
    /// Rows the body gets on screen.
    pub rows: usize,
    /// The worker request fetching the body, to match a failure to it.
    pub request: Option<u64>,
}

impl Reader {
    /// A reader waiting for message `uid`.
    pub fn new(uid: Uid) -> Reader {
        Reader {
            uid,
            rendered: None,
            scroll: 0,
            total_lines: 0,
            rows: 20,
            request: None,
        }
    }

    fn scroll_by(&mut self, delta: isize) {
        let max = self.total_lines.saturating_sub(self.rows.max(1));
        self.scroll = self.scroll.saturating_add_signed(delta).min(max);
    }

    /// Applies a pager action; false if it is not one.
    pub fn apply(&mut self, action: Action) -> bool {
        let page = self.rows.max(1) as isize;
        match action {
            Action::Down => self.scroll_by(1),
            Action::Up => self.scroll_by(-1),
            Action::PageDown => self.scroll_by(page),
            Action::PageUp => self.scroll_by(-page),
            Action::HalfPageDown => self.scroll_by(page / 2),
            Action::HalfPageUp => self.scroll_by(-(page / 2)),
            Action::First => self.scroll = 0,
            Action::Last => self.scroll_by(isize::MAX / 2),
            _ => return false,
        }
        true
    }
}
