//! Where an action goes (help, prompts, sidebar, reader, search results, list) and what
//! worker events change.

use super::compose::StartFrom;
use super::prompt::{Confirm, NumberFor, Pick, PromptKind};
use super::state::HelpPage;
use super::state::{AppState, Effect, Focus, Link};
use crate::action::Action;
use tern_core::compose::ReplyKind;
use tern_core::imap::protocol::{DoneResult, WorkerCommand, WorkerEvent};
use tern_core::mail::{Flag, SpecialUse};

impl AppState {
    /// Applies a user action.
    pub fn act(&mut self, action: Action) -> Vec<Effect> {
        // The help keeps the keys while it is open (it scrolls; q, Esc or ? close it).
        if self.help {
            return self.act_in_help(action);
        }
        match action {
            Action::Help | Action::Messages | Action::Outbox => {
                self.help = true;
                self.help_page = match action {
                    Action::Help => HelpPage::Keys,
                    Action::Outbox => HelpPage::Outbox,
                    _ => HelpPage::Messages,
                };
                self.help_scroll = 0;
                if self.help_page == HelpPage::Messages {
                    // The newest at the bottom, on screen.
                    self.help_scroll_to_end();
                }
                return Vec::new();
            }
            Action::Suspend => return vec![Effect::Suspend],
            Action::CommandLine => {
                self.ask(PromptKind::Command);
                return Vec::new();
            }
            Action::SyncNow
                if self.password_prompted && matches!(self.link, Link::LoginRefused(_)) =>
            {
                // The password came from the prompt: retrying the same one is useless.
                self.ask(PromptKind::Password);
                return Vec::new();
            }
            Action::SyncNow => {
                let id = self.id();
                let mut effects = vec![Effect::Send(WorkerCommand::Sync {
                    id,
                    folders: Vec::new(),
                })];
                // Now means the Outbox too.
                if !self.outbox.is_empty() {
                    effects.push(Effect::KickOutbox);
                }
                return effects;
            }
            Action::ToggleSplit => {
                self.split = !self.split;
                if !self.split && self.reader.is_some() {
                    self.focus = Focus::Reader;
                }
                return vec![Effect::SaveLayout(self.split)];
            }
            Action::ToggleSidebar => {
                let wide = self.screen.0 >= super::geometry::SIDEBAR_MIN_WIDTH;
                let shown = !self.sidebar.unwrap_or(wide);
                self.sidebar = Some(shown);
                self.relayout();
                let note = if shown {
                    "sidebar shown"
                } else {
                    "sidebar hidden"
                };
                self.status = Some(note.into());
                return vec![Effect::SaveSidebar(shown)];
            }
            Action::FocusNext | Action::FocusPrevious => {
                self.cycle_focus(action == Action::FocusNext);
                return Vec::new();
            }
            Action::GoToFolder => {
                self.ask(PromptKind::Pick(Pick::Go));
                return Vec::new();
            }
            Action::Compose => return self.compose_new(),
            _ => {}
        }
        if self.merged.is_some()
            && self.reader.is_none()
            && self.focus == Focus::List
            && self.results.is_none()
        {
            if let Some(effects) = self.act_on_merged(action) {
                return effects;
            }
        }
        if let Some(how) = match action {
            Action::Reply => Some(StartFrom::Reply(ReplyKind::Sender)),
            Action::ReplyAll => Some(StartFrom::Reply(ReplyKind::All)),
            Action::ReplyList => Some(StartFrom::Reply(ReplyKind::List)),
            Action::Forward => Some(StartFrom::Forward),
            Action::ForwardAttached => Some(StartFrom::ForwardAttached),
            Action::Recall => Some(StartFrom::Recall),
            _ => None,
        } {
            if self.results.is_none() {
                return self.compose_from(how);
            }
        }
        if self.results.is_some() {
            return self.act_on_results(action);
        }
        if self.outbox_view.is_some() && self.focus != Focus::Sidebar {
            return self.act_on_outbox(action);
        }
        if self.focus == Focus::Sidebar && self.sidebar_visible {
            return self.act_on_sidebar(action);
        }
        if self.reader.is_some() && self.focus == Focus::Reader {
            return self.act_in_reader(action);
        }
        self.act_on_list(action)
    }

    fn cycle_focus(&mut self, forward: bool) {
        let mut panes = Vec::new();
        if self.sidebar_visible {
            panes.push(Focus::Sidebar);
        }
        panes.push(Focus::List);
        if self.reader.is_some() {
            if !self.split {
                return; // the reader has the whole screen
            }
            panes.push(Focus::Reader);
        }
        let here = panes.iter().position(|p| *p == self.focus).unwrap_or(0);
        let n = panes.len();
        self.focus = panes[if forward {
            (here + 1) % n
        } else {
            (here + n - 1) % n
        }];
        if self.focus == Focus::Sidebar {
            self.sidebar_cursor = self.shown_place();
        }
    }

    fn act_on_sidebar(&mut self, action: Action) -> Vec<Effect> {
        let n = self.sidebar_places().len();
        let last = n.saturating_sub(1);
        match action {
            Action::Down => self.sidebar_cursor = (self.sidebar_cursor + 1).min(last),
            Action::Up => self.sidebar_cursor = self.sidebar_cursor.saturating_sub(1),
            Action::First => self.sidebar_cursor = 0,
            Action::Last => self.sidebar_cursor = last,
            Action::Open => {
                let place = self
                    .sidebar_places()
                    .get(self.sidebar_cursor)
                    .map(|(a, f)| super::accounts::Place {
                        account: *a,
                        folder: f.name.clone(),
                    });
                if let Some(place) = place {
                    return self.go_to(place);
                }
            }
            Action::Quit | Action::ClearSearch => self.focus = Focus::List,
            _ => return self.act_on_list(action),
        }
        Vec::new()
    }

    fn act_on_results(&mut self, action: Action) -> Vec<Effect> {
        let page = self.rows.max(1) as isize;
        match action {
            Action::Down | Action::NextHit => self.results_move(1),
            Action::Up | Action::PreviousHit => self.results_move(-1),
            Action::PageDown => self.results_move(page),
            Action::PageUp => self.results_move(-page),
            Action::HalfPageDown => self.results_move(page / 2),
            Action::HalfPageUp => self.results_move(-page / 2),
            Action::First => self.results_move(isize::MIN / 2),
            Action::Last => self.results_move(isize::MAX / 2),
            Action::Open => return self.results_open(),
            Action::Quit | Action::ClearSearch => self.results = None,
            Action::Search => self.ask(PromptKind::Search),
            _ => self.status = Some("search results: Enter opens the hit, q closes".into()),
        }
        Vec::new()
    }

    fn act_in_reader(&mut self, action: Action) -> Vec<Effect> {
        match action {
            Action::Quit => {
                self.reader = None;
                self.focus = Focus::List;
                Vec::new()
            }
            Action::NextMessage | Action::PreviousMessage => {
                let before = self.cursor;
                self.move_cursor(if action == Action::NextMessage { 1 } else { -1 });
                if self.cursor != before {
                    self.open();
                }
                Vec::new()
            }
            Action::Search => {
                self.ask(PromptKind::Find);
                Vec::new()
            }
            Action::OpenLink => self.ask_number(NumberFor::Link),
            Action::CopyLink => self.ask_number(NumberFor::CopyLink),
            Action::ToggleHtml => self.toggle_html(),
            Action::SaveAttachment => self.ask_number(NumberFor::Save),
            Action::OpenAttachment => self.ask_number(NumberFor::OpenAttachment),
            Action::ToggleFlagged
            | Action::ToggleUnread
            | Action::Delete
            | Action::Archive
            | Action::MoveTo
            | Action::CopyTo
            | Action::Undo => self.act_on_list(action),
            a => {
                if let Some(r) = self.reader.as_mut() {
                    r.apply(a);
                }
                Vec::new()
            }
        }
    }

    /// Applies a user action in the message list.
    fn act_on_list(&mut self, action: Action) -> Vec<Effect> {
        let half = (self.rows / 2).max(1) as isize;
        let page = self.rows.max(1) as isize;
        let before = self.cursor;
        match action {
            Action::Down => self.move_cursor(1),
            Action::Up => self.move_cursor(-1),
            Action::First => self.move_cursor(isize::MIN / 2),
            Action::Last => {
                self.move_cursor(isize::MAX / 2);
                self.at_end = (self.all.len() as u64) < self.total;
            }
            Action::HalfPageDown => self.move_cursor(half),
            Action::HalfPageUp => self.move_cursor(-half),
            Action::PageDown => self.move_cursor(page),
            Action::PageUp => self.move_cursor(-page),
            // In Drafts, opening a message means writing it further.
            Action::Open if self.folder == self.special(SpecialUse::Drafts) => {
                return self.compose_from(StartFrom::Recall)
            }
            Action::Open => return self.open(),
            Action::Quit => {
                if self.reader.is_some() {
                    self.reader = None;
                    return Vec::new();
                }
                return self.quit();
            }
            Action::Search => self.ask(PromptKind::Search),
            Action::NextHit => self.next_hit(1),
            Action::PreviousHit => self.next_hit(-1),
            Action::ClearSearch => {
                if self.visual.is_some() || !self.selected.is_empty() {
                    self.visual = None;
                    self.selected.clear();
                } else {
                    self.set_filter(None);
                }
            }
            Action::NextFolder => return self.switch_folder(1),
            Action::PreviousFolder => return self.switch_folder(-1),
            Action::ToggleFlagged => return self.toggle(Flag::Flagged),
            Action::ToggleUnread => return self.toggle(Flag::Seen),
            Action::Archive | Action::Delete if !self.knows(action) => {
                // Where Archive and Trash are is learned from the server's folder list
                // (special use), never guessed.
                self.status = Some(
                    "the folder list is not known yet (tern is still connecting): try again in a moment"
                        .into(),
                );
            }
            Action::Archive => {
                let dest = self.special(SpecialUse::Archive);
                if dest == self.folder {
                    self.status = Some("already in the archive folder".into());
                    return Vec::new();
                }
                let uids = self.targets();
                return self.remove_to(uids, Some(dest));
            }
            Action::Delete => {
                let uids = self.targets();
                if uids.is_empty() {
                    return Vec::new();
                }
                if self.folder == self.special(SpecialUse::Trash) {
                    self.ask(PromptKind::Confirm(Confirm::DeleteForever(uids)));
                    return Vec::new();
                }
                return self.remove_to(uids, None);
            }
            Action::MoveTo => self.ask(PromptKind::Pick(Pick::Move)),
            Action::CopyTo => self.ask(PromptKind::Pick(Pick::Copy)),
            Action::Undo => return self.undo_last(),
            Action::Select => {
                if let Some(uid) = self.current().map(|m| m.uid) {
                    if !self.selected.remove(&uid) {
                        self.selected.insert(uid);
                    }
                    self.move_cursor(1);
                }
            }
            Action::SelectRange => {
                if self.visual.is_some() {
                    self.end_range();
                } else {
                    self.visual = self.current().map(|m| m.uid);
                }
            }
            Action::SelectAll => {
                let shown: Vec<_> = self
                    .view
                    .iter()
                    .map(|&i| self.all[i as usize].uid)
                    .collect();
                self.visual = None;
                if shown.iter().all(|u| self.selected.contains(u)) {
                    self.selected.clear();
                } else {
                    self.selected.extend(shown);
                }
            }
            Action::ToggleThreads => {
                self.threads = !self.threads;
                let keep = self.current().map(|m| m.uid);
                self.rebuild_view(keep);
            }
            Action::ToggleSort => {
                self.oldest_first = !self.oldest_first;
                let keep = self.current().map(|m| m.uid);
                self.rebuild_view(keep);
            }
            _ => {}
        }
        // In the split layout the reader follows the cursor (fetched once keys settle).
        if self.cursor != before && self.reader.is_some() {
            self.open();
            self.focus = Focus::List;
        }
        Vec::new()
    }

    /// Whether the folder an archive or a delete goes to is known: named in the config,
    /// or the folder list (from the server or the cache) is there.
    fn knows(&self, action: Action) -> bool {
        let configured = match action {
            Action::Archive => self.names.archive.is_some(),
            _ => self.names.trash.is_some(),
        };
        configured || !self.folders.is_empty()
    }

    /// Opens the folder `delta` places away in the sidebar (wrapping around), on past
    /// the last folder of one account to the next account.
    fn switch_folder(&mut self, delta: isize) -> Vec<Effect> {
        let order = self.sidebar_places();
        if order.is_empty() {
            return Vec::new();
        }
        let here = self.shown_place() as isize;
        let n = order.len() as isize;
        let (account, f) = order[(here + delta).rem_euclid(n) as usize];
        let place = super::accounts::Place {
            account,
            folder: f.name.clone(),
        };
        self.go_to(place)
    }

    /// Applies a worker event.
    pub fn on_worker(&mut self, event: WorkerEvent) -> Vec<Effect> {
        match event {
            WorkerEvent::Connecting => self.link = Link::Connecting,
            WorkerEvent::Online => {
                self.link = Link::Online;
                // A message that could not be fetched offline is fetched now.
                if let Some(r) = self.reader.as_mut().filter(|r| r.failed) {
                    r.failed = false;
                    r.request = None;
                    r.rendered = None;
                }
                return self.check_unsure();
            }
            WorkerEvent::Offline {
                reason,
                retry_in_secs,
            } => {
                self.link = Link::Offline {
                    reason,
                    retry_at: self.now.saturating_add(retry_in_secs.min(86_400) as i64),
                }
            }
            WorkerEvent::LoginRefused(words) => self.link = Link::LoginRefused(words),
            WorkerEvent::SyncProgress(p) if p.folder == self.folder => {
                self.progress = Some((p.done, p.total));
                // A cold sync commits the newest first, then older ones: only the first
                // screens are worth reading while it runs; all of it once it is done.
                if self.all.len() < super::update::FIRST_READ {
                    return vec![Effect::ReloadHead];
                }
            }
            WorkerEvent::FolderSynced(r) if r.folder == self.folder => {
                return self.folder_synced(&r);
            }
            WorkerEvent::Folders(list) => self.folders = list,
            WorkerEvent::Done { id, result } => {
                if let Some(effects) = self.transfer_done(id, &result) {
                    return effects;
                }
                let mut effects = match &result {
                    DoneResult::SearchHits(uids) => self.search_hits(id, uids.clone()),
                    _ => Vec::new(),
                };
                if let DoneResult::Body { folder, uid, raw } = result {
                    if let Some((_, how, want)) =
                        self.pending_compose.take_if(|(rid, _, _)| *rid == id)
                    {
                        self.status = None;
                        if self.entered {
                            // Another account is shown now: its keys would send this
                            // account's message through the other's mailer.
                            self.status = Some(
                                "not started: another account is shown; press the key again here"
                                    .into(),
                            );
                        } else if want == uid {
                            effects.extend(self.compose_with(how, uid, &raw));
                        }
                        return effects;
                    }
                    if folder == self.folder {
                        effects.extend(self.body_arrived(uid, raw));
                    }
                    return effects;
                }
                effects.extend(self.request_done(id, &result));
                return effects;
            }
            WorkerEvent::Failed { id, error } => {
                if let Some(effects) = self.transfer_failed(id, &error) {
                    return effects;
                }
                self.postpone_failed(id, &error);
                if self.pending_compose.as_ref().is_some_and(|p| p.0 == id) {
                    self.pending_compose = None;
                }
                let mut error = error;
                if let Some(p) = self.in_flight.remove(&id) {
                    if let Some(rollback) = p.rollback {
                        self.roll_back(rollback, p.folder.as_deref());
                    }
                    if let Some(note) = p.fail_note {
                        error = format!("{note} ({error})");
                    }
                }
                if self.reader.as_ref().is_some_and(|r| r.request == Some(id)) {
                    self.fetch_failed(&error);
                }
                if self.server_failed_here(id, &error) || self.unsure_failed(id, &error) {
                    return Vec::new();
                }
                if let Some(r) = self.results.as_mut() {
                    r.waiting.remove(&id);
                }
                if self.merged_hits(id, Err(&error)) {
                    return Vec::new();
                }
                self.status = Some(error);
            }
            WorkerEvent::Notice(text) => self.status = Some(text),
            WorkerEvent::NewMail {
                folder,
                from,
                subject,
            } => {
                self.status = Some(super::state::new_mail_note(&folder, &from, &subject));
                return vec![Effect::NewMail {
                    folder,
                    from,
                    subject,
                }];
            }
            WorkerEvent::FetchProgress {
                folder,
                uid,
                done,
                total,
            } if folder == self.folder => {
                if let Some(r) = self.reader.as_mut().filter(|r| r.uid == uid) {
                    r.progress = Some((done, total));
                }
            }
            WorkerEvent::Queued { id, waiting, op } => {
                // Kept on disk for the server: the change stays shown, and `u` takes it
                // back before it is sent. The kept change moves the totals
                // itself; which messages were unread is known only here, so that part
                // of its counts stays until the kept changes are sent.
                self.transfers.remove(&id);
                if let Some(p) = self.in_flight.remove(&id) {
                    self.queued_counts.extend(
                        p.counts
                            .into_iter()
                            .map(|d| super::pending::CountDelta { total: 0, ..d }),
                    );
                }
                self.queued = waiting;
                if let Some(op) = op.filter(|_| id != 0) {
                    self.push_undo(super::triage::Undo::Kept(op));
                }
                self.status = Some(format!(
                    "offline: kept for when the server is back ({waiting} waiting; u undoes)"
                ));
            }
            WorkerEvent::Pending(ops) => return self.pending_changed(ops),
            WorkerEvent::Replayed {
                done,
                failed,
                waiting,
            } => {
                self.queued = waiting;
                self.status = Some(if failed.is_empty() {
                    format!("back online: {done} change(s) made offline sent")
                } else {
                    format!(
                        "back online: {done} sent; refused and dropped: {}",
                        failed.join("; ")
                    )
                });
                // What the server now holds (refused changes show as they were).
                return vec![Effect::ReloadFolder];
            }
            _ => {}
        }
        Vec::new()
    }
}
