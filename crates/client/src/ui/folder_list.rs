//! The sidebar: the account's folders as a tree (special ones first) with unread and
//! total counts; the open folder highlighted, the sidebar's cursor when it has focus.

use crate::app::state::{AppState, Focus};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use tern_core::mail::{fit, sanitize, sidebar_order, FolderInfo};

/// The name as shown in the tree: the last part indented under its parent when the
/// parent is listed, else the whole name.
fn tree_name(f: &FolderInfo, all: &[FolderInfo]) -> String {
    let Some(d) = f.delimiter.as_deref().filter(|d| !d.is_empty()) else {
        return f.name.clone();
    };
    let Some((parent, last)) = f.name.rsplit_once(d) else {
        return f.name.clone();
    };
    if !all.iter().any(|p| p.name == parent) {
        return f.name.clone();
    }
    let depth = f.name.matches(d).count().min(6);
    format!("{}{last}", "  ".repeat(depth))
}

/// Draws the folder list.
pub fn render(frame: &mut Frame, area: Rect, state: &AppState) {
    let width = usize::from(area.width.saturating_sub(1));
    let t = &state.theme;
    let mut lines = vec![Line::styled(
        fit(&sanitize(&state.account), width),
        t.header,
    )];
    for (i, f) in sidebar_order(&state.folders).into_iter().enumerate() {
        // Derived from the same state as the list: the server's numbers with the
        // changes it has not confirmed yet applied.
        let shown = state.counts(f);
        let counts = match shown {
            Some((unseen, total)) if unseen > 0 => format!("{unseen}/{total}"),
            Some((_, total)) => total.to_string(),
            None => String::new(),
        };
        let name_w = width.saturating_sub(counts.len() + 3);
        let text = format!(
            " {} {counts}",
            fit(&sanitize(&tree_name(f, &state.folders)), name_w)
        );
        let mut style = Style::default();
        if shown.is_some_and(|(unseen, _)| unseen > 0) {
            style = style.patch(t.sidebar_unread);
        }
        if f.name == state.folder {
            style = style.patch(t.sidebar_current);
        }
        if state.focus == Focus::Sidebar && i == state.sidebar_cursor {
            style = style.patch(t.cursor).patch(t.selected);
        }
        lines.push(Line::styled(text, style));
    }
    frame.render_widget(Paragraph::new(lines), area);
}
