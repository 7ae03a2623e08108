//! The sidebar: every account's folders as a tree (special ones first) with unread and
//! total counts; the open folder highlighted, the sidebar's cursor when it has focus.

use crate::app::state::{AppState, Focus, Link};
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

/// Draws the folder list: with several accounts, each account's name heads its folders
/// (with its link when it is not online).
pub fn render(frame: &mut Frame, area: Rect, state: &AppState) {
    let width = usize::from(area.width.saturating_sub(1));
    let t = &state.theme;
    let several = state.account_count() > 1;
    let mut lines = Vec::new();
    // The line to keep on screen: the sidebar's cursor, else the open folder.
    let mut keep = 0;
    let mut row = 0;
    let counts_text = |shown: Option<(usize, usize)>| match shown {
        Some((unseen, total)) if unseen > 0 => format!("{unseen}/{total}"),
        Some((_, total)) => total.to_string(),
        None => String::new(),
    };
    if several {
        let shown = state.merged_counts();
        let counts = counts_text(shown);
        let name_w = width.saturating_sub(counts.len() + 2);
        let mut style = t.header;
        if shown.is_some_and(|(unseen, _)| unseen > 0) {
            style = style.patch(t.sidebar_unread);
        }
        if state.merged.is_some() {
            style = style.patch(t.sidebar_current);
        }
        if state.focus == Focus::Sidebar && state.sidebar_cursor == 0 {
            style = style.patch(t.cursor).patch(t.selected);
        }
        lines.push(Line::styled(
            format!("{} {counts}", fit(crate::app::merged::NAME, name_w)),
            style,
        ));
        row = 1;
    }
    for a in 0..state.account_count() {
        if several || a == 0 {
            let mut heading = sanitize(state.account_name(a));
            if several {
                if let Some(note) = link_note(state.link_of(a)) {
                    heading = format!("{heading} ({note})");
                }
            }
            lines.push(Line::styled(fit(&heading, width), t.header));
        }
        let folders = state.folders_of(a);
        for f in sidebar_order(folders) {
            // Derived from the same state as the list: the server's numbers with the
            // changes it has not confirmed yet applied.
            let shown = state.counts_of(a, f);
            let counts = counts_text(shown);
            let name_w = width.saturating_sub(counts.len() + 3);
            let text = format!(
                " {} {counts}",
                fit(&sanitize(&tree_name(f, folders)), name_w)
            );
            let mut style = Style::default();
            if shown.is_some_and(|(unseen, _)| unseen > 0) {
                style = style.patch(t.sidebar_unread);
            }
            let open = state.merged.is_none() && a == state.active && f.name == state.folder;
            if open {
                style = style.patch(t.sidebar_current);
            }
            let cursor = state.focus == Focus::Sidebar && row == state.sidebar_cursor;
            if cursor {
                style = style.patch(t.cursor).patch(t.selected);
            }
            if cursor || (open && state.focus != Focus::Sidebar) {
                keep = lines.len();
            }
            lines.push(Line::styled(text, style));
            row += 1;
        }
        // Mail waiting to be sent: the account's Outbox, after its folders.
        let waiting = state.outbox_of(a).len();
        if waiting > 0 {
            let counts = waiting.to_string();
            let name_w = width.saturating_sub(counts.len() + 3);
            let mut style = t.sidebar_unread;
            if state.outbox_view.as_ref().is_some_and(|v| v.account == a) {
                style = style.patch(t.sidebar_current);
            }
            let cursor = state.focus == Focus::Sidebar && row == state.sidebar_cursor;
            if cursor {
                style = style.patch(t.cursor).patch(t.selected);
                keep = lines.len();
            }
            lines.push(Line::styled(
                format!(" {} {counts}", fit("Outbox", name_w)),
                style,
            ));
            row += 1;
        }
    }
    let height = usize::from(area.height).max(1);
    let scroll = (keep + 1).saturating_sub(height);
    let lines: Vec<Line> = lines.into_iter().skip(scroll).collect();
    frame.render_widget(Paragraph::new(lines), area);
}

/// How an account that is not online is marked beside its name.
fn link_note(link: &Link) -> Option<&'static str> {
    match link {
        Link::Online => None,
        Link::Connecting => Some("connecting"),
        Link::Offline { .. } => Some("offline"),
        Link::LoginRefused(_) => Some("login refused"),
    }
}
