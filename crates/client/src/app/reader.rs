//! The reader's state: which message, its raw and rendered forms once they arrive, the
//! scroll, the in-message search, and the header toggle.

use super::prompt::{NumberFor, PromptKind};
use super::state::{AppState, Effect, Focus};
use crate::action::Action;
use std::sync::Arc;
use tern_core::imap::protocol::WorkerCommand;
use tern_core::mail::{Flag, Rendered, Uid};

/// One message open in the reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reader {
    pub uid: Uid,
    /// The message as fetched (for attachments), once it arrived.
    pub raw: Option<Arc<Vec<u8>>>,
    /// `None` while the body is being fetched and rendered.
    pub rendered: Option<Rendered>,
    /// First line shown.
    pub scroll: usize,
    /// Lines the text has at the current width (set by `AppState::relayout`).
    pub total_lines: usize,
    /// Rows the body gets on screen.
    pub rows: usize,
    /// The worker request fetching the body (None: not asked yet).
    pub request: Option<u64>,
    /// Every header instead of the main ones.
    pub all_headers: bool,
    /// Text searched for with `/`, lower-cased.
    pub find: Option<String>,
    /// Lines holding it (set at layout).
    pub hits: Vec<usize>,
    /// The hit last jumped to.
    pub hit: usize,
    /// How far the fetch is: (bytes, about how many).
    pub progress: Option<(u64, u64)>,
    /// Show the HTML part of a multipart/alternative (`H`).
    pub html: bool,
    /// The fetch failed (fetched again once tern is back online).
    pub failed: bool,
}

impl Reader {
    /// A reader waiting for message `uid`.
    pub fn new(uid: Uid) -> Reader {
        Reader {
            uid,
            raw: None,
            rendered: None,
            scroll: 0,
            total_lines: 0,
            rows: 20,
            request: None,
            all_headers: false,
            find: None,
            hits: Vec::new(),
            hit: 0,
            progress: None,
            html: false,
            failed: false,
        }
    }

    fn scroll_by(&mut self, delta: isize) {
        let max = self.total_lines.saturating_sub(self.rows.max(1));
        self.scroll = self.scroll.saturating_add_signed(delta).min(max);
    }

    /// Starts (or clears) a search in the message; the layout finds the lines.
    pub fn find(&mut self, text: Option<String>) {
        self.find = text.map(|t| t.to_lowercase());
        self.hits.clear();
        self.hit = 0;
    }

    /// Jumps to the next (or previous) line holding the search.
    pub fn next_hit(&mut self, forward: bool) {
        if self.hits.is_empty() {
            return;
        }
        let n = self.hits.len();
        self.hit = match self.hits.iter().position(|&l| l > self.scroll) {
            _ if !forward => (self.hit + n - 1) % n,
            Some(i) if self.hits[self.hit] <= self.scroll => i,
            _ => (self.hit + 1) % n,
        };
        self.scroll = self.hits[self.hit].saturating_sub(2);
        self.scroll_by(0);
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
            Action::NextHit => self.next_hit(true),
            Action::PreviousHit => self.next_hit(false),
            Action::ToggleHeaders => self.all_headers = !self.all_headers,
            Action::ClearSearch => self.find(None),
            _ => return false,
        }
        true
    }
}

impl AppState {
    /// Shows message `uid` in the reader; its body is fetched once the keys settle
    /// (`fetch_due`), so holding `J` never queues a fetch per message.
    pub(super) fn show_in_reader(&mut self, uid: Uid) {
        if self.reader.as_ref().is_some_and(|r| r.uid == uid) {
            return;
        }
        self.reader = Some(Reader::new(uid));
    }

    /// Opens the message under the cursor.
    pub(super) fn open(&mut self) -> Vec<Effect> {
        let Some(uid) = self.current().map(|m| m.uid) else {
            return Vec::new();
        };
        self.show_in_reader(uid);
        self.focus = Focus::Reader;
        Vec::new()
    }

    /// Whether the reader waits for a body nobody asked for yet.
    pub fn wants_body(&self) -> bool {
        self.reader.as_ref().is_some_and(|r| r.request.is_none())
    }

    /// The keys settled: fetch the reader's message and mark it read (shown at once).
    pub fn fetch_due(&mut self) -> Vec<Effect> {
        let Some(uid) = self
            .reader
            .as_ref()
            .filter(|r| r.request.is_none())
            .map(|r| r.uid)
        else {
            return Vec::new();
        };
        let id = self.id();
        if let Some(r) = self.reader.as_mut() {
            r.request = Some(id);
        }
        let mut effects = vec![Effect::Send(WorkerCommand::FetchBody {
            id,
            folder: self.folder.clone(),
            uidvalidity: self.uidvalidity,
            uid,
        })];
        let unseen = self.all.iter().any(|m| m.uid == uid && !m.has(Flag::Seen));
        if unseen {
            // Not undoable: reading is not a change the user asked for.
            effects.extend(self.change_flag(self.messages_of(vec![uid]), Flag::Seen, true, false));
        }
        effects
    }

    /// A fetched message arrived for the reader.
    pub(super) fn body_arrived(&mut self, uid: Uid, raw: Vec<u8>) -> Vec<Effect> {
        let Some(r) = self.reader.as_mut().filter(|r| r.uid == uid) else {
            return Vec::new();
        };
        let raw = Arc::new(raw);
        r.raw = Some(raw.clone());
        vec![Effect::Render {
            uid,
            raw,
            html: r.html,
        }]
    }

    /// The reader's message could not be fetched: the headers the cache has, with why
    /// below them.
    pub(super) fn fetch_failed(&mut self, error: &str) {
        let Some(uid) = self.reader.as_ref().map(|r| r.uid) else {
            return;
        };
        let mut headers = Vec::new();
        if let Some(m) = self.all.iter().find(|m| m.uid == uid) {
            // The list keeps the first sender and recipient; the rest of the headers
            // come with the message.
            let from = match (m.sender_name().trim(), m.sender_email()) {
                ("", email) => email.to_string(),
                (name, email) => format!("{name} <{email}>"),
            };
            for (name, value) in [("From", from), ("To", m.recipient().to_string())] {
                if !value.is_empty() {
                    headers.push((name.to_string(), value));
                }
            }
            if let Some(d) = chrono::DateTime::from_timestamp(m.date, 0) {
                let date = chrono::FixedOffset::east_opt(self.utc_offset)
                    .map(|o| d.with_timezone(&o).to_rfc2822())
                    .unwrap_or_else(|| d.to_rfc2822());
                headers.push(("Date".into(), date));
            }
            headers.push(("Subject".into(), m.subject().to_string()));
        }
        let offline = !matches!(self.link, super::state::Link::Online);
        let note = if offline {
            format!("{error}: its text is fetched when tern is back online")
        } else {
            format!("the message could not be fetched: {error}")
        };
        if let Some(r) = self.reader.as_mut() {
            r.failed = true;
            r.rendered = Some(Rendered {
                headers,
                note: Some(note),
                ..Rendered::default()
            });
        }
    }

    /// `H`: the HTML part instead of the text (or back), laid out anew.
    pub(super) fn toggle_html(&mut self) -> Vec<Effect> {
        let Some(r) = self.reader.as_mut() else {
            return Vec::new();
        };
        let (Some(rendered), Some(raw)) = (r.rendered.as_ref(), r.raw.clone()) else {
            self.status = Some("the message is still loading".into());
            return Vec::new();
        };
        if !rendered.alternative {
            self.status = Some(if rendered.html {
                "this message has only an HTML part".into()
            } else {
                "this message has no HTML part".into()
            });
            return Vec::new();
        }
        r.html = !rendered.html;
        self.status = Some(if r.html {
            "the HTML part (H: the text)".into()
        } else {
            "the text part (H: the HTML)".into()
        });
        vec![Effect::Render {
            uid: r.uid,
            raw,
            html: r.html,
        }]
    }

    /// Shows a link whole on a screen of its own, for the terminal to select.
    pub fn show_link(&mut self, number: usize, url: String, why: String) {
        self.help = true;
        self.help_scroll = 0;
        self.help_page = super::state::HelpPage::Link { number, url, why };
    }

    /// Enter at `save in:`: saves what `s` picked there.
    pub(super) fn save_to(&mut self, to: &str) -> Vec<Effect> {
        let Some((raw, index)) = self.saving.take() else {
            return Vec::new();
        };
        if to.is_empty() {
            return Vec::new();
        }
        vec![Effect::SaveAttachments {
            raw,
            index,
            to: to.to_string(),
        }]
    }

    /// A rendered message arrived for the reader.
    pub fn set_rendered(&mut self, uid: Uid, rendered: Rendered) {
        if let Some(r) = self.reader.as_mut().filter(|r| r.uid == uid) {
            r.rendered = Some(rendered);
            r.scroll = 0;
        }
    }

    /// `l`, `s`, `O`: asks for a number unless there is only one choice.
    pub(super) fn ask_number(&mut self, what: NumberFor) -> Vec<Effect> {
        let Some(r) = self.reader.as_ref().and_then(|r| r.rendered.as_ref()) else {
            self.status = Some("the message is still loading".into());
            return Vec::new();
        };
        let n = match what {
            NumberFor::Link | NumberFor::CopyLink => r.links.len(),
            NumberFor::Save | NumberFor::OpenAttachment | NumberFor::Detach => r.attachments.len(),
        };
        match n {
            0 => {
                self.status = Some(match what {
                    NumberFor::Link | NumberFor::CopyLink => "this message has no links".into(),
                    _ => "this message has no attachments".into(),
                });
                Vec::new()
            }
            1 => self.number_picked(what, "1"),
            _ => {
                self.ask(PromptKind::Number(what));
                Vec::new()
            }
        }
    }

    /// `s`: asks where, the download folder already typed.
    fn ask_where_to_save(&mut self, raw: Arc<Vec<u8>>, index: Option<usize>) -> Vec<Effect> {
        self.saving = Some((raw, index));
        let mut dir = self.download_dir.clone();
        if !dir.ends_with('/') {
            dir.push('/');
        }
        self.ask_with(PromptKind::SavePath, dir);
        Vec::new()
    }

    /// A link or attachment number was given.
    pub(super) fn number_picked(&mut self, what: NumberFor, text: &str) -> Vec<Effect> {
        let Some(r) = self.reader.as_ref() else {
            return Vec::new();
        };
        let (Some(rendered), Some(raw)) = (r.rendered.as_ref(), r.raw.clone()) else {
            return Vec::new();
        };
        if what == NumberFor::Save && text.eq_ignore_ascii_case("a") {
            return self.ask_where_to_save(raw, None);
        }
        let count = match what {
            NumberFor::Link | NumberFor::CopyLink => rendered.links.len(),
            _ => rendered.attachments.len(),
        };
        let Some(i) = text.parse::<usize>().ok().filter(|&i| i >= 1 && i <= count) else {
            self.status = Some(format!("give a number from 1 to {count}"));
            return Vec::new();
        };
        let url = rendered.links.get(i - 1).cloned().unwrap_or_default();
        match what {
            NumberFor::Link => vec![Effect::OpenUrl { number: i, url }],
            NumberFor::CopyLink if self.osc52 => {
                self.status = Some(format!("link {i} copied to the clipboard (OSC 52)"));
                vec![Effect::CopyText(url)]
            }
            NumberFor::CopyLink => {
                self.show_link(
                    i,
                    url,
                    "copying needs osc52 = true in [general] (and a terminal that allows OSC 52)"
                        .into(),
                );
                Vec::new()
            }
            NumberFor::Save => self.ask_where_to_save(raw, Some(i - 1)),
            NumberFor::OpenAttachment => vec![Effect::OpenAttachment { raw, index: i - 1 }],
            NumberFor::Detach => Vec::new(),
        }
    }
}
