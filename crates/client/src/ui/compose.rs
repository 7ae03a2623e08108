//! The review screen of a message being written: its headers, attachments, the start
//! of the text, what went wrong, and the keys.

use crate::app::compose::Compose;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;
use tern_core::mail::{sanitize, wrap};

use super::theme::Theme;

/// The screen's lines.
pub fn lines(c: &Compose, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = vec![Line::styled(
        if c.busy {
            "Working on it…".to_string()
        } else {
            crate::app::review::KEYS.to_string()
        },
        theme.header,
    )];
    out.push(Line::raw(""));
    if let Some(e) = &c.error {
        for l in wrap(&sanitize(e), width) {
            out.push(Line::styled(l, theme.flagged.add_modifier(Modifier::BOLD)));
        }
        out.push(Line::raw(""));
    }
    let d = &c.draft;
    for (name, value) in [
        ("From", &d.from),
        ("To", &d.to),
        ("Cc", &d.cc),
        ("Bcc", &d.bcc),
        ("Subject", &d.subject),
    ] {
        if value.trim().is_empty() && name != "To" && name != "Subject" {
            continue;
        }
        let text = format!("{name}: {}", sanitize(value));
        for (i, l) in wrap(&text, width).into_iter().enumerate() {
            out.push(if i == 0 && l.is_char_boundary(name.len() + 1) {
                let (n, v) = l.split_at(name.len() + 1);
                Line::from(vec![
                    Span::styled(n.to_string(), theme.header),
                    Span::raw(v.to_string()),
                ])
            } else {
                Line::raw(l)
            });
        }
    }
    for (i, a) in d.attach.iter().enumerate() {
        out.push(Line::raw(format!(
            "Attach {}: {}",
            i + 1,
            sanitize(&a.display().to_string())
        )));
    }
    if d.attached_message.is_some() {
        out.push(Line::raw("Attached: the forwarded message"));
    }
    out.push(Line::raw(""));
    for raw in d.body.lines() {
        let clean = sanitize(raw);
        let style = if clean.trim_start().starts_with('>') {
            theme.quoted
        } else {
            Style::default()
        };
        for l in wrap(clean.trim_end(), width) {
            out.push(Line::styled(l, style));
        }
    }
    out
}

/// Draws the review over the area.
pub fn render(frame: &mut Frame, area: Rect, c: &Compose, theme: &Theme) {
    frame.render_widget(Clear, area);
    let body: Vec<Line> = lines(c, usize::from(area.width), theme)
        .into_iter()
        .take(usize::from(area.height))
        .collect();
    frame.render_widget(Paragraph::new(body), area);
}
