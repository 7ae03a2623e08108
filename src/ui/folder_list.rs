//! The sidebar: the account's folders (special ones first) with unread and total counts.

use crate::app::state::AppState;
use crate::mail::{fit, sanitize, sidebar_order};
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// Columns the sidebar takes when the screen is wide enough for it.
pub const WIDTH: u16 = 26;

/// Draws the folder list; the open folder is reversed, folders with unread mail bold.
pub fn render(frame: &mut Frame, area: Rect, state: &AppState) {
    let width = usize::from(area.width.saturating_sub(1));
    let mut lines = vec![Line::styled(
        fit(&sanitize(&state.account), width),
        Style::default().add_modifier(Modifier::BOLD),
    )];
    for f in sidebar_order(&state.folders) {
        let counts = match &f.status {
            Some(s) if s.unseen > 0 => format!("{}/{}", s.unseen, s.messages),
            Some(s) => s.messages.to_string(),
            None => String::new(),
        };
        let name_w = width.saturating_sub(counts.len() + 3);
        let text = format!(" {} {counts}", fit(&sanitize(&f.name), name_w));
        let mut style = Style::default();
        if f.status.as_ref().is_some_and(|s| s.unseen > 0) {
            style = style.add_modifier(Modifier::BOLD);
        }
        if f.name == state.folder {
            style = style.add_modifier(Modifier::REVERSED);
        }
        lines.push(Line::styled(text, style));
    }
    frame.render_widget(Paragraph::new(lines), area);
}
