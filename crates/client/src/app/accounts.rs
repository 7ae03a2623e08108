//! Several accounts in one client. The state's account fields (`account`, `folder`, the
//! rows, the folders, the changes in flight, ...) always hold the account shown; every
//! other account's are kept in a `Parked` beside it. An event for another account is
//! applied by exchanging its part in for the time of the update (`enter`/`leave`), so
//! one set of rules serves every account and their changes never mix.

use super::compose::StartFrom;
use super::reader::Reader;
use super::state::{AppState, Effect, Filter, Focus, Link};
use super::triage::{Pending, Undo};
use std::collections::{HashMap, HashSet};
use tern_core::config::FolderNames;
use tern_core::imap::protocol::{QueuedOp, RequestId};
use tern_core::mail::{sidebar_order, FolderInfo, Row, Uid};

macro_rules! per_account {
    ($($field:ident: $ty:ty,)*) => {
        /// One account's part of the state while another account is shown.
        #[derive(Debug, Clone, Default)]
        pub struct Parked {
            $(pub $field: $ty,)*
        }

        impl Parked {
            /// Exchanges this part with the state's account fields.
            fn exchange(&mut self, s: &mut AppState) {
                $(std::mem::swap(&mut self.$field, &mut s.$field);)*
            }
        }
    };
}

per_account! {
    account: String,
    folder: String,
    uidvalidity: u32,
    all: Vec<Row>,
    view: Vec<u32>,
    rows_version: u64,
    depth: Vec<u16>,
    filter: Option<Filter>,
    reader: Option<Reader>,
    cursor: usize,
    top: usize,
    link: Link,
    progress: Option<(u64, u64)>,
    folders: Vec<FolderInfo>,
    names: FolderNames,
    in_flight: HashMap<RequestId, Pending>,
    undo: Vec<Undo>,
    selected: HashSet<Uid>,
    visual: Option<Uid>,
    jump_to: Option<Uid>,
    open_on_jump: bool,
    at_end: bool,
    whole_coming: bool,
    since_read: Option<super::synced::SinceRead>,
    max_uid: Uid,
    unread: usize,
    total: u64,
    identity: tern_core::compose::Identity,
    pending_compose: Option<(RequestId, StartFrom, Uid)>,
    password_prompted: bool,
    address_book: Vec<tern_core::addressbook::Known>,
    book_loading: bool,
    book_read_at: Option<i64>,
    book_hits: Option<(String, Vec<tern_core::addressbook::Known>)>,
    book_command: bool,
    recover_queue: Vec<tern_core::compose::store::Stored>,
    save_sent: bool,
    queued: usize,
    pending: Vec<QueuedOp>,
    pending_known: bool,
    queued_counts: Vec<super::pending::CountDelta>,
    outbox: Vec<tern_core::compose::outbox::Queued>,
    unsure: Vec<super::outbox::Unsure>,
}

/// A folder of some account, as the sidebar, the pickers and `:go` name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub account: usize,
    pub folder: String,
}

/// What one account's settings give the state.
#[derive(Debug, Clone, Default)]
pub struct AccountParts {
    pub name: String,
    pub names: FolderNames,
    pub identity: Option<tern_core::compose::Identity>,
    pub save_sent: bool,
    pub password_prompted: bool,
    pub book_command: bool,
}

impl AppState {
    /// Sets up the accounts (the first is shown; its INBOX open). A state made with
    /// `new` has one account; this replaces it.
    pub fn set_accounts(&mut self, parts: &[AccountParts]) {
        self.accounts = Vec::new();
        for (i, p) in parts.iter().enumerate() {
            let mut fresh = AppState::new(&p.name, "INBOX");
            fresh.names = p.names.clone();
            if let Some(id) = p.identity.clone() {
                fresh.identity = id;
            }
            fresh.save_sent = p.save_sent;
            fresh.password_prompted = p.password_prompted;
            fresh.book_command = p.book_command;
            let mut parked = Parked::default();
            parked.exchange(&mut fresh);
            if i == 0 {
                parked.exchange(self);
                // The shown account's slot is never read while it is shown.
                self.accounts.push(Parked::default());
            } else {
                self.accounts.push(parked);
            }
        }
        self.active = 0;
    }

    /// How many accounts the client has.
    pub fn account_count(&self) -> usize {
        self.accounts.len().max(1)
    }

    /// Applies what follows to account `i` (no change for the shown one).
    pub fn enter(&mut self, i: usize) {
        if i != self.active {
            self.exchange_slot(i);
            self.entered = !self.entered;
            self.here = if self.entered { i } else { self.active };
        }
    }

    /// Adds to the undo list of the account in the fields, and notes which account it
    /// was (all inboxes undo the last change of any account).
    pub(super) fn push_undo(&mut self, u: super::triage::Undo) {
        self.undo.push(u);
        self.undo_accounts.push(self.here);
    }

    /// An undo entry of the account in the fields was taken: its note goes too.
    pub(super) fn popped_undo(&mut self) {
        if let Some(i) = self.undo_accounts.iter().rposition(|&a| a == self.here) {
            self.undo_accounts.remove(i);
        }
    }

    /// The account that made the latest change still to undo.
    pub(super) fn undo_account(&self) -> Option<usize> {
        self.undo_accounts.last().copied()
    }

    /// Undoes `enter(i)`.
    pub fn leave(&mut self, i: usize) {
        self.enter(i);
        self.relayout();
        self.rebuild_merged();
    }

    /// The account's name.
    pub fn account_name(&self, i: usize) -> &str {
        match self.accounts.get(i) {
            Some(p) if i != self.active => &p.account,
            _ => &self.account,
        }
    }

    /// The account's folders as last listed.
    pub fn folders_of(&self, i: usize) -> &[FolderInfo] {
        match self.accounts.get(i) {
            Some(p) if i != self.active => &p.folders,
            _ => &self.folders,
        }
    }

    /// The account's link.
    pub fn link_of(&self, i: usize) -> &Link {
        match self.accounts.get(i) {
            Some(p) if i != self.active => &p.link,
            _ => &self.link,
        }
    }

    /// The counts the sidebar shows for account `i`'s folder: (unread, total). An
    /// account not shown counts its open folder from its rows too (they are kept live).
    pub fn counts_of(&self, i: usize, f: &FolderInfo) -> Option<(usize, usize)> {
        match self.accounts.get(i) {
            Some(p) if i != self.active => {
                if f.name == p.folder && !p.all.is_empty() {
                    return Some((p.unread, p.all.len().max(p.total as usize)));
                }
                f.status
                    .as_ref()
                    .map(|s| (s.unseen as usize, s.messages as usize))
            }
            _ => self.counts(f),
        }
    }

    /// The account's open folder.
    pub fn folder_of(&self, i: usize) -> &str {
        match self.accounts.get(i) {
            Some(p) if i != self.active => &p.folder,
            _ => &self.folder,
        }
    }

    /// Changes kept for the server, every account together.
    pub fn queued_everywhere(&self) -> usize {
        (0..self.account_count())
            .map(|i| match self.accounts.get(i) {
                Some(p) if i != self.active => p.queued,
                _ => self.queued,
            })
            .sum()
    }

    /// Requests not answered yet, every account together.
    pub fn in_flight_everywhere(&self) -> usize {
        (0..self.account_count())
            .map(|i| match self.accounts.get(i) {
                Some(p) if i != self.active => p.in_flight.len(),
                _ => self.in_flight.len(),
            })
            .sum()
    }

    /// The account named `name`.
    pub fn account_named(&self, name: &str) -> Option<usize> {
        (0..self.account_count()).find(|&i| self.account_name(i) == name)
    }

    /// The sidebar's folders: all inboxes first (with several accounts), then every
    /// account's in turn, each in sidebar order.
    pub fn sidebar_places(&self) -> Vec<(usize, &FolderInfo)> {
        let all = (self.account_count() > 1).then(|| (super::merged::ALL, &*super::merged::ENTRY));
        all.into_iter()
            .chain((0..self.account_count()).flat_map(|i| {
                let outbox =
                    (!self.outbox_of(i).is_empty()).then(|| (i, &*super::outbox::OUTBOX_ENTRY));
                sidebar_order(self.folders_of(i))
                    .into_iter()
                    .map(move |f| (i, f))
                    .chain(outbox)
            }))
            .collect()
    }

    /// The sidebar's place of what is shown.
    pub fn shown_place(&self) -> usize {
        if self.merged.is_some() {
            return 0;
        }
        self.sidebar_places()
            .iter()
            .position(|(a, f)| *a == self.active && f.name == self.folder)
            .unwrap_or(0)
    }

    /// The name a place goes by: the folder for the shown account, `ACCOUNT/FOLDER` for
    /// the others.
    pub fn place_name(&self, p: &Place) -> String {
        if p.account == super::merged::ALL {
            super::merged::NAME.to_string()
        } else if p.account == self.active {
            p.folder.clone()
        } else {
            format!("{}/{}", self.account_name(p.account), p.folder)
        }
    }

    /// Every folder the pickers offer: the shown account's, then the others' as
    /// `ACCOUNT/FOLDER`.
    pub fn place_names(&self) -> Vec<(String, Place)> {
        let mut order: Vec<usize> = vec![self.active];
        order.extend((0..self.account_count()).filter(|&i| i != self.active));
        let all = (self.account_count() > 1).then(|| Place {
            account: super::merged::ALL,
            folder: super::merged::NAME.to_string(),
        });
        let places = order
            .into_iter()
            .flat_map(|i| {
                sidebar_order(self.folders_of(i))
                    .into_iter()
                    .map(move |f| Place {
                        account: i,
                        folder: f.name.clone(),
                    })
            })
            .collect::<Vec<_>>();
        places
            .into_iter()
            .chain(all)
            .map(|p| (self.place_name(&p), p))
            .collect()
    }

    /// What a typed name means: a folder of the shown account first, then
    /// `ACCOUNT/FOLDER` of another.
    pub fn resolve_place(&self, typed: &str) -> Option<Place> {
        if self.account_count() > 1 && typed.eq_ignore_ascii_case(super::merged::NAME) {
            return Some(Place {
                account: super::merged::ALL,
                folder: super::merged::NAME.to_string(),
            });
        }
        if let Some(folder) = self.resolve_folder(typed) {
            return Some(Place {
                account: self.active,
                folder,
            });
        }
        let (name, rest) = typed.split_once('/')?;
        let account = self.account_named(name).filter(|&i| i != self.active)?;
        let folders = self.folders_of(account);
        let folder = folders
            .iter()
            .find(|f| f.name == rest)
            .or_else(|| folders.iter().find(|f| f.name.eq_ignore_ascii_case(rest)))
            .map(|f| f.name.clone())
            // Before its folders are listed, INBOX is there all the same.
            .or_else(|| {
                rest.eq_ignore_ascii_case("INBOX")
                    .then(|| "INBOX".to_string())
            })?;
        Some(Place { account, folder })
    }

    /// Shows account `i` (its open folder as it was left).
    pub(super) fn switch_account(&mut self, i: usize) {
        if i == self.active || i >= self.accounts.len() {
            return;
        }
        let here = self.active;
        self.exchange_slot(here);
        self.exchange_slot(i);
        self.active = i;
        self.here = i;
        // What was open in the reader stays with the account it was read in.
        self.reader = None;
        self.visual = None;
        self.focus = Focus::List;
    }

    /// Opens a folder of any account.
    pub(super) fn go_to(&mut self, place: Place) -> Vec<Effect> {
        self.outbox_view = None;
        if place.account == super::merged::ALL {
            return self.open_merged();
        }
        if place.folder == super::outbox::OUTBOX_KEY {
            // Its account is shown: its keys (`$`, Enter) are that account's.
            self.switch_account(place.account);
            return self.open_outbox(place.account);
        }
        self.merged = None;
        if place.account == self.active {
            return self.open_folder(place.folder);
        }
        self.switch_account(place.account);
        self.status = Some(format!(
            "account {}",
            tern_core::mail::sanitize(&self.account)
        ));
        if place.folder == self.folder {
            // Its worker kept the folder synced; the cache has what it holds.
            return vec![Effect::ReloadFolder];
        }
        self.open_folder(place.folder)
    }

    /// `:account NAME`: that account's INBOX.
    pub(super) fn open_account(&mut self, name: &str) -> Vec<Effect> {
        match self.account_named(name) {
            Some(i) => self.go_to(Place {
                account: i,
                folder: "INBOX".into(),
            }),
            None => {
                let known: Vec<&str> = (0..self.account_count())
                    .map(|i| self.account_name(i))
                    .collect();
                self.status = Some(format!(
                    "no account named {:?} (accounts: {})",
                    tern_core::mail::sanitize(name),
                    known.join(", ")
                ));
                Vec::new()
            }
        }
    }
}

impl AppState {
    /// Exchanges the account fields with slot `i`.
    fn exchange_slot(&mut self, i: usize) {
        if let Some(slot) = self.accounts.get_mut(i) {
            let mut parked = std::mem::take(slot);
            parked.exchange(self);
            self.accounts[i] = parked;
        }
    }
}
