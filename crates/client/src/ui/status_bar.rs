//! The status bar: account, folder, position, link state, progress, last message.

use crate::app::prompt::PromptKind;
use crate::app::state::{AppState, Link};
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use tern_core::mail::sanitize;

pub use tern_core::mail::thousands;

/// Where the cursor is in the open folder, as `12/3,400`.
fn list_position(state: &AppState) -> String {
    if state.shown_len() == 0 {
        return "0/0".into();
    }
    // While only the first screens are read, the count is the folder's.
    let count = if state.filter.is_none() && state.total > state.all.len() as u64 {
        state.total
    } else {
        state.shown_len() as u64
    };
    let at = format!(
        "{}/{}",
        thousands(state.cursor as u64 + 1),
        thousands(count)
    );
    // `G` pressed while only the first screens are read: it lands once the rest is
    // (a second or so at a million messages); say so rather than seem to stop short.
    if state.at_end {
        format!("{at} (reading to the end…)")
    } else {
        at
    }
}

/// The status line's text.
pub fn text(state: &AppState) -> String {
    if let Some(p) = &state.prompt {
        let typed = if p.kind == crate::app::prompt::PromptKind::Password {
            "*".repeat(p.text.chars().count())
        } else {
            sanitize(&p.text)
        };
        let mut line = format!("{}{typed}", p.label());
        if let Some(note) = state
            .status
            .as_ref()
            .filter(|_| p.kind == PromptKind::Command)
        {
            line.push_str(&format!("   ({note})"));
        }
        return line;
    }
    if state.help {
        let total = crate::app::help::help_lines(state).len();
        let last = (state.help_scroll + state.help_rows()).min(total);
        let what = match state.help_page {
            crate::app::state::HelpPage::Keys => "help",
            crate::app::state::HelpPage::Messages => "messages",
            crate::app::state::HelpPage::Outbox => "outbox",
            crate::app::state::HelpPage::Link { .. } => "link",
        };
        return format!(
            "{what}: j k Space b g G scroll, / find, q closes | {}-{last}/{total}",
            state.help_scroll + 1
        );
    }
    let link = match &state.link {
        Link::Connecting => "connecting".to_string(),
        Link::Online => "online".to_string(),
        Link::Offline { retry_at, .. } => {
            format!(
                "offline, retry in {}s",
                retry_at.saturating_sub(state.now).max(0)
            )
        }
        Link::LoginRefused(_) if state.password_prompted => {
            "login refused ($ types the password again)".to_string()
        }
        Link::LoginRefused(_) => "login refused ($ to retry)".to_string(),
    };
    let (place, position) = match &state.merged {
        Some(m) => (
            crate::app::merged::NAME.to_string(),
            format!(
                "{}/{}",
                thousands((m.cursor + usize::from(!m.rows.is_empty())) as u64),
                thousands(m.rows.len() as u64)
            ),
        ),
        None => (
            format!("{} {}", state.account, state.folder),
            list_position(state),
        ),
    };
    // The link's part is the third: a narrow line may shorten it below.
    const LINK: usize = 2;
    let mut parts = vec![place, position, link];
    // The other accounts speak up only when they are not online.
    let others: Vec<String> = (0..state.account_count())
        .filter(|&i| i != state.active)
        .filter_map(|i| {
            let how = match state.link_of(i) {
                Link::Online => return None,
                Link::Connecting => "connecting",
                Link::Offline { .. } => "offline",
                Link::LoginRefused(_) => "login refused",
            };
            Some(format!("{} {how}", state.account_name(i)))
        })
        .collect();
    if !others.is_empty() {
        parts.push(others.join(", "));
    }
    if state.queued > 0 {
        parts.push(format!("{} queued", state.queued));
    }
    if !state.outbox.is_empty() {
        parts.push(format!("outbox {}", state.outbox.len()));
    }
    let selected = state.selected.len();
    if selected > 0 || state.visual.is_some() {
        parts.push(format!(
            "{selected} selected{}",
            if state.visual.is_some() {
                " (v: range)"
            } else {
                ""
            }
        ));
    }
    let query = match &state.merged {
        Some(m) => m.query.as_ref().map(|(q, _)| q.as_str()),
        None => state.filter.as_ref().map(|f| f.query.as_str()),
    };
    let search_at = query.map(|q| {
        parts.push(format!("search: {q} (Esc clears)"));
        (parts.len() - 1, q)
    });
    let mut view = Vec::new();
    if state.threads {
        view.push("threads");
    }
    if state.oldest_first {
        view.push("oldest first");
    }
    if !view.is_empty() {
        parts.push(view.join(", "));
    }
    if let Some((done, total)) = state.progress {
        parts.push(format!(
            "syncing {} {}/{}",
            state.folder,
            thousands(done),
            thousands(total)
        ));
    }
    let why = match &state.link {
        Link::Offline { reason, .. } => Some(reason.clone()),
        Link::LoginRefused(words) => Some(words.clone()),
        _ => None,
    };
    let msg = state.status.clone().or(why);
    // Too long for the screen: the search's hint goes, then what was just said comes
    // before the search, so that it is read (`:messages` has it whole too).
    let width = usize::from(state.screen.0);
    let extra = msg.as_ref().map_or(0, |m| m.chars().count() + 3);
    let long = |parts: &[String]| parts.join(" | ").chars().count() + extra > width;
    if width > 0 && long(&parts) {
        if let Some((i, q)) = search_at {
            parts[i] = format!("search: {q}");
        }
    }
    // Then, for what was just said, the retry's countdown: "offline" is what counts,
    // `$` retries at once.
    if width > 0
        && long(&parts)
        && state.status.is_some()
        && matches!(state.link, Link::Offline { .. })
    {
        parts[LINK] = "offline".into();
    }
    let narrow = width > 0 && long(&parts);
    if let Some(msg) = msg {
        match search_at {
            // What the search found goes before the search itself (the link's words
            // and the counts keep their places).
            Some((i, _)) if narrow && state.status.is_some() => parts.insert(i, msg),
            _ => parts.push(msg),
        }
    }
    if state.pending_keys {
        parts.push("…".into());
    }
    sanitize(&parts.join(" | "))
}

/// The status line as drawn: when it is still too long (a long reason for being
/// offline), cut where the screen ends, saying so with `…`.
pub fn shown(state: &AppState) -> String {
    let line = text(state);
    let width = usize::from(state.screen.0);
    if width > 0 && unicode_width::UnicodeWidthStr::width(line.as_str()) > width {
        tern_core::mail::fit(&line, width)
    } else {
        line
    }
}

/// Draws the status bar.
pub fn render(frame: &mut Frame, area: Rect, state: &AppState) {
    let line = Line::styled(shown(state), state.theme.status);
    frame.render_widget(Paragraph::new(line), area);
}
