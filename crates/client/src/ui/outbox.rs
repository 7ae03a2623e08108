//! An account's Outbox in place of the list: each message with its recipients, where
//! it stands (the next try, or refused) and why.

use crate::app::state::AppState;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use tern_core::compose::outbox::OutState;
use tern_core::mail::{fit, sanitize};

/// Draws the Outbox.
pub fn render(frame: &mut Frame, area: Rect, state: &AppState) {
    let Some(v) = state.outbox_view.as_ref() else {
        return;
    };
    let width = usize::from(area.width);
    let rows = usize::from(area.height);
    let list = state.outbox_of(v.account);
    let head = format!(
        "Outbox of {}: {} waiting (Enter edits, $ tries now, q closes; :outbox shows the reasons whole)",
        sanitize(state.account_name(v.account)),
        list.len()
    );
    let mut lines = vec![Line::styled(fit(&head, width), state.theme.header)];
    if list.is_empty() {
        lines.push(Line::from("  nothing waits"));
    }
    for (i, q) in list
        .iter()
        .enumerate()
        .skip(v.top)
        .take(rows.saturating_sub(1))
    {
        let when = match q.state {
            OutState::Refused => "refused".to_string(),
            OutState::Sending => "being sent".to_string(),
            OutState::Waiting => format!(
                "try {} in {}s",
                q.tries + 1,
                (q.next_try - state.now).max(0)
            ),
        };
        let text = format!(
            "{}. {} to {} | {when}: {}",
            i + 1,
            sanitize(&q.subject),
            sanitize(&q.recipients.join(", ")),
            sanitize(&q.reason)
        );
        let mut line = Line::from(fit(&text, width));
        if i == v.cursor {
            line = line.style(state.theme.cursor);
        }
        lines.push(line);
    }
    frame.render_widget(Paragraph::new(lines), area);
}
