//! Carrying out the UI's commands on the command connection. The worker keeps the folder
//! it has selected in step with the cache, so an operation costs its own round trips plus
//! applying what the server answered, not a resync.

use super::error::ImapError;
use super::protocol::{DoneResult, Messages, WorkerCommand, WorkerEvent};
use super::sync::{apply_pending, sync_folder, SyncReport};
use super::worker::{refresh_folders, State};
use super::{folders, ops, Conn};

/// Syncs a folder (which SELECTs it) and tells the UI.
pub(super) async fn sync_and_report(
    st: &mut State,
    conn: &mut Conn,
    folder: &str,
) -> Result<(), ImapError> {
    st.selected = None;
    let events = st.events.clone();
    let mut progress = move |p| {
        let _ = events.send(WorkerEvent::SyncProgress(p));
    };
    let report = sync_folder(conn, &st.cache, folder, &mut progress).await?;
    st.selected = Some(folder.to_string());
    if folder == "INBOX" || st.opts.watch.iter().any(|w| w == folder) {
        if let Some(state) = st.cache.folder_state(folder)? {
            let now = chrono::Utc::now().timestamp();
            st.prefetch
                .synced(&st.cache, folder, state.uidvalidity, now);
        }
    }
    let _ = st.events.send(WorkerEvent::FolderSynced(report));
    Ok(())
}

/// Selects the folder of `m` and checks that its UIDs still name the messages the UI
/// meant (same UIDVALIDITY), and that there are some.
async fn select_messages(st: &mut State, conn: &mut Conn, m: &Messages) -> Result<(), ImapError> {
    if m.uids.is_empty() {
        return Err(ImapError::Invalid("no messages given".into()));
    }
    select(st, conn, &m.folder).await?;
    check_uidvalidity(st, &m.folder, m.uidvalidity)
}

fn check_uidvalidity(st: &State, folder: &str, uidvalidity: u32) -> Result<(), ImapError> {
    let current = st.cache.folder_state(folder)?.map(|s| s.uidvalidity);
    if current != Some(uidvalidity) {
        return Err(ImapError::Invalid(format!(
            "{folder} was replaced on the server (UIDVALIDITY changed); its list was reloaded, try again"
        )));
    }
    Ok(())
}

/// Makes `folder` the selected one, syncing it if it was not.
pub(super) async fn select(st: &mut State, conn: &mut Conn, folder: &str) -> Result<(), ImapError> {
    if st.selected.as_deref() == Some(folder) {
        return Ok(());
    }
    sync_and_report(st, conn, folder).await
}

/// Applies what the server reported during an operation on the selected folder: flag
/// FETCHes and VANISHED directly; sequence-numbered EXPUNGEs (no QRESYNC) or new mail
/// by a resync.
async fn settle(st: &mut State, conn: &mut Conn, folder: &str) -> Result<(), ImapError> {
    let unmapped = conn.changes.flag_updates.iter().any(|u| u.uid.is_none());
    if unmapped || !conn.changes.expunged_seqs.is_empty() || conn.changes.exists.is_some() {
        return sync_and_report(st, conn, folder).await;
    }
    let Some(state) = st.cache.folder_state(folder)? else {
        return sync_and_report(st, conn, folder).await;
    };
    let mut report = SyncReport {
        folder: folder.to_string(),
        ..SyncReport::default()
    };
    apply_pending(conn, &st.cache, folder, state.uidvalidity, &mut report).await?;
    if report.changed + report.removed > 0 {
        report.messages = st.cache.count(folder, state.uidvalidity)?;
        let _ = st.events.send(WorkerEvent::FolderSynced(report));
    }
    Ok(())
}

/// Runs one command; its answer becomes a Done or Failed event.
pub(super) async fn run_command(
    st: &mut State,
    conn: &mut Conn,
    cmd: WorkerCommand,
) -> Result<DoneResult, ImapError> {
    use WorkerCommand as C;
    Ok(match cmd {
        C::Sync { folders, .. } => {
            let list = if folders.is_empty() {
                vec![st.open_folder.clone()]
            } else {
                folders
            };
            for f in list {
                sync_and_report(st, conn, &f).await?;
            }
            DoneResult::Ok
        }
        C::SetFlags {
            messages: m,
            flags,
            add,
            ..
        } => {
            select_messages(st, conn, &m).await?;
            ops::store_flags(conn, &m.uids, &flags, add).await?;
            settle(st, conn, &m.folder).await?;
            DoneResult::Ok
        }
        C::Copy {
            messages: m, dest, ..
        } => {
            select_messages(st, conn, &m).await?;
            DoneResult::Copied(ops::copy(conn, &m.uids, &dest).await?)
        }
        C::Move {
            messages: m, dest, ..
        } => {
            select_messages(st, conn, &m).await?;
            let r = ops::move_messages(conn, &m.uids, &dest).await?;
            settle(st, conn, &m.folder).await?;
            DoneResult::Copied(r)
        }
        C::Expunge { messages: m, .. } => {
            select_messages(st, conn, &m).await?;
            ops::expunge_uids(conn, &m.uids).await?;
            settle(st, conn, &m.folder).await?;
            DoneResult::Ok
        }
        C::Append {
            folder, flags, raw, ..
        } => {
            let r = ops::append(conn, &folder, &flags, &raw).await?;
            DoneResult::Appended {
                uidvalidity: r.map(|x| x.0).unwrap_or(0),
                uid: r.map(|x| x.1),
            }
        }
        C::Search { folder, terms, .. } => {
            select(st, conn, &folder).await?;
            DoneResult::SearchHits(ops::search(conn, &terms).await?)
        }
        C::CreateFolder { name, .. } => {
            folders::create(conn, &name).await?;
            refresh_folders(st, conn).await?;
            DoneResult::Ok
        }
        C::RenameFolder { from, to, .. } => {
            folders::rename(conn, &from, &to).await?;
            forget_folder(st, &from, Some(&to))?;
            refresh_folders(st, conn).await?;
            DoneResult::Ok
        }
        C::DeleteFolder { name, .. } => {
            folders::delete(conn, &name).await?;
            forget_folder(st, &name, None)?;
            refresh_folders(st, conn).await?;
            DoneResult::Ok
        }
        C::MarkAnswered {
            message_id,
            folders,
            ..
        } => {
            let term = [super::protocol::SearchTerm::MessageId(message_id.clone())];
            for folder in folders {
                let Some(uidvalidity) = st.cache.folder_state(&folder)?.map(|s| s.uidvalidity)
                else {
                    continue; // never synced here: not where the original is kept
                };
                select(st, conn, &folder).await?;
                let uids = ops::search(conn, &term).await?;
                if uids.is_empty() {
                    continue;
                }
                check_uidvalidity(st, &folder, uidvalidity)?;
                ops::store_flags(conn, &uids, &["\\Answered".to_string()], true).await?;
                settle(st, conn, &folder).await?;
                return Ok(DoneResult::Ok);
            }
            return Err(ImapError::Invalid(format!(
                "the message answered ({message_id}) was not found, so it is not marked answered"
            )));
        }
        C::FetchBody {
            folder,
            uidvalidity,
            uid,
            ..
        } => fetch_body(st, conn, folder, uidvalidity, uid).await?,
        // Logged in already: a password typed meanwhile is for the next login.
        C::Password { secret } => {
            st.settings.login.secret = secret;
            DoneResult::Ok
        }
        // (Unqueue is the worker's own, answered before commands run.)
        C::OpenFolder { .. } | C::Unqueue { .. } | C::Shutdown => DoneResult::Ok,
    })
}

/// After a folder was renamed (to `renamed`) or deleted on the server: drops the cache of
/// it and of the folders under it, and moves the open folder (and IDLE) along.
fn forget_folder(st: &mut State, name: &str, renamed: Option<&str>) -> Result<(), ImapError> {
    let delim = st
        .folders
        .iter()
        .find(|f| f.name == name)
        .and_then(|f| f.delimiter.clone());
    let under = |n: &str| {
        n == name
            || delim
                .as_deref()
                .is_some_and(|d| n.strip_prefix(name).is_some_and(|rest| rest.starts_with(d)))
    };
    for (cached, _) in st.cache.folders()? {
        if under(&cached) {
            st.cache.reset_folder(&cached)?;
        }
    }
    if st.selected.as_deref().is_some_and(under) {
        st.selected = None;
    }
    if under(&st.open_folder) {
        st.open_folder = match renamed {
            Some(to) => format!("{to}{}", &st.open_folder[name.len()..]),
            None => "INBOX".to_string(),
        };
        if let Some(w) = &st.watch {
            let _ = w.send(st.open_folder.clone());
        }
    }
    Ok(())
}

async fn fetch_body(
    st: &mut State,
    conn: &mut Conn,
    folder: String,
    uidvalidity: u32,
    uid: u32,
) -> Result<DoneResult, ImapError> {
    // Bodies are cached under the UIDVALIDITY they were fetched with, so a hit is right.
    if let Some(raw) = st.cache.body(&folder, uidvalidity, uid)? {
        return Ok(DoneResult::Body { folder, uid, raw });
    }
    select(st, conn, &folder).await?;
    check_uidvalidity(st, &folder, uidvalidity)?;
    // Big messages take a while: the reader hears how far the fetch is.
    let total = st
        .cache
        .get(&folder, uidvalidity, uid)?
        .map(|m| u64::from(m.size))
        .unwrap_or(0);
    let traffic = conn.traffic();
    let start = traffic.load(std::sync::atomic::Ordering::Relaxed);
    let (events, f) = (st.events.clone(), folder.clone());
    let ticker = tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(200));
        tick.tick().await;
        loop {
            tick.tick().await;
            let done = traffic.load(std::sync::atomic::Ordering::Relaxed) - start;
            let _ = events.send(WorkerEvent::FetchProgress {
                folder: f.clone(),
                uid,
                done,
                total,
            });
        }
    });
    let raw = ops::fetch_body(conn, uid).await;
    ticker.abort();
    let raw = raw?;
    st.cache.put_body(&folder, uidvalidity, uid, &raw)?;
    Ok(DoneResult::Body { folder, uid, raw })
}
