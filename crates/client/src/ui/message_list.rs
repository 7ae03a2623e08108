//! The message list: markers, date, sender, subject; only the visible rows are built.

use crate::app::merged::Merged;
use crate::app::state::AppState;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use tern_core::mail::{fit, sanitize, Flag, Row};

/// A short date: the time today, the day this year, else the full date.
pub fn short_date(ts: i64, now: i64, utc_offset: i32) -> String {
    let off = chrono::FixedOffset::east_opt(utc_offset)
        .unwrap_or_else(|| chrono::Offset::fix(&chrono::Utc));
    let (Some(t), Some(n)) = (
        chrono::DateTime::from_timestamp(ts, 0),
        chrono::DateTime::from_timestamp(now, 0),
    ) else {
        return "?".into();
    };
    let (t, n) = (t.with_timezone(&off), n.with_timezone(&off));
    if t.date_naive() == n.date_naive() {
        t.format("%H:%M").to_string()
    } else if t.format("%Y").to_string() == n.format("%Y").to_string() {
        t.format("%b %d").to_string()
    } else {
        t.format("%Y-%m-%d").to_string()
    }
}

/// Room for the sender: on a narrow screen the subject keeps its width first (down to
/// `SUBJECT_MIN` columns) and the sender gives way, down to a few letters.
fn sender_width(width: usize) -> usize {
    const SUBJECT_MIN: usize = 30;
    // Markers, date and the spaces between the columns.
    let room = width.saturating_sub(19);
    let most = if width < 100 { 18 } else { 24 };
    room.saturating_sub(SUBJECT_MIN)
        .clamp((room / 3).min(8), most)
}

/// The text of a row: markers, date, sender (recipient in Sent), subject, indented
/// `depth` levels.
fn row(m: &Row, selected: bool, depth: u16, state: &AppState, width: usize) -> String {
    let selected = if selected { '*' } else { ' ' };
    let unread = if m.has(Flag::Seen) { ' ' } else { 'N' };
    let flagged = if m.has(Flag::Flagged) { '!' } else { ' ' };
    let answered = if m.has(Flag::Answered) { 'r' } else { ' ' };
    let attach = if m.has_attachments { '@' } else { ' ' };
    let date = fit(&short_date(m.date, state.now, state.utc_offset), 10);
    let who = match (state.in_sent(), m.recipient(), m.sender()) {
        (true, "", _) => "(no recipient)".to_string(),
        (true, to, _) => format!("To: {to}"),
        (false, _, "") => "(no sender)".to_string(),
        (false, _, from) => from.to_string(),
    };
    let who = fit(&sanitize(&who), sender_width(width));
    let head = format!("{selected}{unread}{flagged}{answered}{attach} {date} {who} ");
    let rest = width.saturating_sub(head.chars().count().min(width));
    let depth = depth.min(8) as usize;
    let indent = if depth > 0 {
        format!("{}> ", "  ".repeat(depth - 1))
    } else {
        String::new()
    };
    let subject = format!("{indent}{}", sanitize(m.subject()));
    format!("{head}{}", fit(subject.trim_end(), rest).trim_end())
}

/// Draws the visible part of the list, the cursor row reversed.
pub fn render(frame: &mut Frame, area: Rect, state: &AppState) {
    if let Some(m) = &state.merged {
        return render_merged(frame, area, state, m);
    }
    let width = usize::from(area.width);
    let rows = usize::from(area.height);
    let lines: Vec<Line> = (state.top..state.shown_len().min(state.top + rows))
        .filter_map(|i| state.shown(i).map(|m| (i, m)))
        .map(|(i, m)| {
            let depth = state.depth.get(i).copied().unwrap_or(0);
            let selected = state.is_selected(i);
            let text = row(m, selected, depth, state, width);
            Line::from(Span::styled(
                text,
                style(state, m, selected, i == state.cursor),
            ))
        })
        .collect();
    let body = if state.shown_len() == 0 {
        let why = match &state.filter {
            Some(f) => {
                use crate::app::state::ServerHits::Waiting;
                if matches!(f.local, Some(Waiting(_))) {
                    "  searching…".to_string()
                } else if matches!(f.server, Some(Waiting(_))) {
                    "  searching on the server…".to_string()
                } else {
                    format!("  nothing matches {:?} (Esc clears)", sanitize(&f.query))
                }
            }
            None => format!("  {} is empty (or not synced yet)", sanitize(&state.folder)),
        };
        vec![Line::from(why)]
    } else {
        lines
    };
    frame.render_widget(Paragraph::new(body), area);
}

/// A row's look: unread, flagged, selected, under the cursor.
fn style(state: &AppState, m: &Row, selected: bool, cursor: bool) -> Style {
    let t = &state.theme;
    let mut style = Style::default();
    if !m.has(Flag::Seen) {
        style = style.patch(t.unread);
    }
    if m.has(Flag::Flagged) {
        style = style.patch(t.flagged);
    }
    if selected {
        style = style.patch(t.selected);
    }
    if cursor {
        style = style.patch(t.cursor);
    }
    style
}

/// All inboxes: each row with its account's name first.
fn render_merged(frame: &mut Frame, area: Rect, state: &AppState, merged: &Merged) {
    let width = usize::from(area.width);
    let rows = usize::from(area.height);
    let names: Vec<String> = (0..state.account_count())
        .map(|a| sanitize(state.account_name(a)))
        .collect();
    let name_w = names
        .iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(4, 12);
    let lines: Vec<Line> = (merged.top..merged.rows.len().min(merged.top + rows))
        .filter_map(|i| state.merged_row(i).map(|(a, m)| (i, a, m)))
        .map(|(i, a, m)| {
            let selected = state.selected_in(a, m.uid);
            let name = names.get(a).map(String::as_str).unwrap_or("");
            let rest = row(m, selected, 0, state, width.saturating_sub(name_w + 1));
            let text = format!("{} {rest}", fit(name, name_w));
            Line::from(Span::styled(
                text,
                style(state, m, selected, i == merged.cursor),
            ))
        })
        .collect();
    let body = if merged.rows.is_empty() {
        vec![Line::from(match &merged.query {
            Some((q, _)) => format!("  nothing matches {:?} (Esc clears)", sanitize(q)),
            None => "  no mail in any INBOX (or not synced yet)".to_string(),
        })]
    } else {
        lines
    };
    frame.render_widget(Paragraph::new(body), area);
}
