//! New mail in the watched folders (`watch = [...]`) that are not open: found by the
//! count refresh every `poll-seconds`, or at once by NOTIFY (`idle.rs`), synced into the
//! cache and announced to the UI (`WorkerEvent::NewMail`).

use super::conn::Conn;
use super::error::ImapError;
use super::folders;
use super::protocol::WorkerEvent;
use super::worker::{publish_folders, State};

/// New mail in the watched folders that are not open (IDLE tells of the open one):
/// each is synced into the cache and its new unread messages announced. The first look
/// after start only marks where they stand.
pub(super) async fn announce_new_mail(st: &mut State, conn: &mut Conn) -> Result<(), ImapError> {
    let mut grown = Vec::new();
    for name in st.opts.watch.clone() {
        let Some(next) = st
            .folders
            .iter()
            .find(|f| f.name == name)
            .and_then(|f| f.status.as_ref())
            .map(|s| s.uidnext)
        else {
            continue;
        };
        let before = st.watch_marks.insert(name.clone(), next);
        if name != st.open_folder && before.is_some_and(|b| next > b) {
            grown.push((name, before.unwrap_or(next)));
        }
    }
    for (folder, from_uid) in grown {
        announce_grown(st, conn, &folder, from_uid).await?;
    }
    Ok(())
}

/// One watched folder the server says changed (NOTIFY): its counts, and its new mail.
pub(super) async fn announce_folder(
    st: &mut State,
    conn: &mut Conn,
    folder: &str,
) -> Result<(), ImapError> {
    let status = match folders::status(conn, folder).await {
        Ok(s) => s,
        Err(e) if e.is_connection_problem() => return Err(e),
        Err(e) => {
            tracing::warn!(folder, error = %e, "STATUS of a watched folder");
            return Ok(());
        }
    };
    let next = status.uidnext;
    let mut list = st.folders.clone();
    if let Some(f) = list.iter_mut().find(|f| f.name == folder) {
        f.status = Some(status);
    }
    publish_folders(st, list);
    let before = st.watch_marks.insert(folder.to_string(), next);
    match before {
        Some(b) if next > b => announce_grown(st, conn, folder, b).await,
        _ => Ok(()),
    }
}

/// Syncs a watched folder that grew and announces its new unread messages.
async fn announce_grown(
    st: &mut State,
    conn: &mut Conn,
    folder: &str,
    from_uid: u32,
) -> Result<(), ImapError> {
    super::commands::sync_and_report(st, conn, folder).await?;
    let newest = st.cache.newest(folder, 5)?;
    for m in newest
        .iter()
        .filter(|m| m.uid >= from_uid && !m.flags.has(crate::mail::Flag::Seen))
    {
        let _ = st.events.send(WorkerEvent::NewMail {
            folder: folder.to_string(),
            from: m.sender(),
            subject: m.subject.clone(),
        });
    }
    Ok(())
}
