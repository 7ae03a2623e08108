//! The message list: markers, date, sender, subject; only the visible rows are built.

use crate::app::state::AppState;
use crate::mail::{fit, sanitize, Flag, MessageSummary};
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// A short date: the time today, the day this year, else the full date.
pub fn short_date(ts: i64, now: i64, utc_offset: i32) -> String {
    let off = chrono::FixedOffset::east_opt(utc_offset)
        .unwrap_or(chrono::FixedOffset::east_opt(0).expect("zero offset"));
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

fn row(m: &MessageSummary, state: &AppState, width: usize) -> String {
    let unread = if m.flags.has(Flag::Seen) { ' ' } else { 'N' };
    let flagged = if m.flags.has(Flag::Flagged) { '!' } else { ' ' };
    let answered = if m.flags.has(Flag::Answered) {
        'r'
    } else {
        ' '
    };
    let attach = if m.has_attachments { '@' } else { ' ' };
    let date = fit(&short_date(m.sort_date(), state.now, state.utc_offset), 10);
    let from = m.from.first().map(|a| a.display()).unwrap_or("(no sender)");
    let from = fit(&sanitize(from), 20);
    let head = format!("{unread}{flagged}{answered}{attach} {date} {from} ");
    let rest = width.saturating_sub(head.chars().count().min(width));
    let subject = sanitize(&m.subject);
    format!("{head}{}", fit(subject.trim_end(), rest).trim_end())
}

/// Draws the visible part of the list, the cursor row reversed.
pub fn render(frame: &mut Frame, area: Rect, state: &AppState) {
    let width = usize::from(area.width);
    let rows = usize::from(area.height);
    let lines: Vec<Line> = state
        .messages
        .iter()
        .enumerate()
        .skip(state.top)
        .take(rows)
        .map(|(i, m)| {
            let text = row(m, state, width);
            let mut style = Style::default();
            if !m.flags.has(Flag::Seen) {
                style = style.add_modifier(Modifier::BOLD);
            }
            if i == state.cursor {
                style = style.add_modifier(Modifier::REVERSED);
            }
            Line::from(Span::styled(text, style))
        })
        .collect();
    let body = if state.messages.is_empty() {
        vec![Line::from(format!(
            "  {} is empty (or not synced yet)",
            sanitize(&state.folder)
        ))]
    } else {
        lines
    };
    frame.render_widget(Paragraph::new(body), area);
}
