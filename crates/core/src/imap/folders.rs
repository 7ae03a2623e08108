//! Folder listing with special-use attributes and counts, and folder management.

use super::conn::Conn;
use super::error::ImapError;
use super::mailbox_arg;
use crate::mail::{FolderInfo, FolderStatus, SpecialUse};
use async_imap::imap_proto::{MailboxDatum, NameAttribute, Response, StatusAttribute};

const STATUS_ITEMS: &str = "MESSAGES UNSEEN UIDNEXT UIDVALIDITY";

fn status_items(conn: &Conn) -> String {
    if conn.has_cap("CONDSTORE") {
        format!("{STATUS_ITEMS} HIGHESTMODSEQ")
    } else {
        STATUS_ITEMS.to_string()
    }
}

fn special(attrs: &[NameAttribute<'_>], name: &str) -> Option<SpecialUse> {
    if name.eq_ignore_ascii_case("INBOX") {
        return Some(SpecialUse::Inbox);
    }
    attrs.iter().find_map(|a| match a {
        NameAttribute::Drafts => Some(SpecialUse::Drafts),
        NameAttribute::Sent => Some(SpecialUse::Sent),
        NameAttribute::Archive => Some(SpecialUse::Archive),
        NameAttribute::Junk => Some(SpecialUse::Junk),
        NameAttribute::Trash => Some(SpecialUse::Trash),
        NameAttribute::All => Some(SpecialUse::All),
        NameAttribute::Flagged => Some(SpecialUse::Flagged),
        _ => None,
    })
}

/// A folder name from the server, decoded for people (kept as sent if malformed).
fn wire_name(raw: &str) -> String {
    crate::mail::mutf7::decode(raw).unwrap_or_else(|| {
        tracing::warn!(
            raw,
            "folder name is not valid modified UTF-7; shown as sent"
        );
        raw.to_string()
    })
}

/// Applies STATUS attributes to a status record.
pub fn apply_status(st: &mut FolderStatus, attrs: &[StatusAttribute]) {
    for a in attrs {
        match a {
            StatusAttribute::Messages(n) => st.messages = *n,
            StatusAttribute::Unseen(n) => st.unseen = *n,
            StatusAttribute::UidNext(n) => st.uidnext = *n,
            StatusAttribute::UidValidity(n) => st.uidvalidity = *n,
            StatusAttribute::HighestModSeq(n) => st.highest_modseq = *n,
            _ => {}
        }
    }
}

/// Lists every folder with its special use and counts (LIST-STATUS when offered).
pub async fn list_folders(conn: &mut Conn) -> Result<Vec<FolderInfo>, ImapError> {
    list(conn, true).await
}

/// Lists every folder with its special use, without counts: one quick LIST, so that
/// where Archive and Trash are is known before the slower counts come.
pub async fn list_names(conn: &mut Conn) -> Result<Vec<FolderInfo>, ImapError> {
    list(conn, false).await
}

/// The most folders read from one LIST.
pub const MAX_FOLDERS: usize = 10_000;

async fn list(conn: &mut Conn, with_counts: bool) -> Result<Vec<FolderInfo>, ImapError> {
    let list_status = with_counts && conn.has_cap("LIST-STATUS");
    let special_use = conn.has_cap("SPECIAL-USE");
    let mut ret = Vec::new();
    if special_use {
        ret.push("SPECIAL-USE".to_string());
    }
    if list_status {
        ret.push(format!("STATUS ({})", status_items(conn)));
    }
    let cmd = if ret.is_empty() {
        "LIST \"\" \"*\"".to_string()
    } else {
        format!("LIST \"\" \"*\" RETURN ({})", ret.join(" "))
    };
    let mut folders: Vec<FolderInfo> = Vec::new();
    // A server listing a folder again (a loop) or without end is read once per name,
    // up to MAX_FOLDERS: never a STATUS round trip per repetition.
    let mut seen: std::collections::HashMap<String, usize> = Default::default();
    let mut statuses: Vec<(String, FolderStatus)> = Vec::new();
    conn.exec(&cmd, |r| match r {
        Response::MailboxData(MailboxDatum::List(l)) => {
            let name = wire_name(&l.name);
            if seen.contains_key(&name) || folders.len() >= MAX_FOLDERS {
                return true;
            }
            seen.insert(name.clone(), folders.len());
            let selectable = !l
                .name_attributes
                .iter()
                .any(|a| matches!(a, NameAttribute::NoSelect))
                && !l.name_attributes.iter().any(
                    |a| matches!(a, NameAttribute::Extension(e) if e.eq_ignore_ascii_case("\\NonExistent")),
                );
            folders.push(FolderInfo {
                name,
                delimiter: l.delimiter.as_ref().map(|d| d.to_string()),
                special: special(&l.name_attributes, &l.name),
                selectable,
                status: None,
            });
            true
        }
        Response::MailboxData(MailboxDatum::Status { mailbox, status }) => {
            let mut st = FolderStatus::default();
            apply_status(&mut st, status);
            statuses.push((wire_name(mailbox), st));
            true
        }
        _ => false,
    })
    .await?;
    if folders.len() >= MAX_FOLDERS {
        tracing::warn!("the server lists more than {MAX_FOLDERS} folders; the first are shown");
    }
    for (name, st) in statuses {
        if let Some(f) = seen.get(&name).and_then(|&i| folders.get_mut(i)) {
            f.status = Some(st);
        }
    }
    if with_counts && !list_status {
        for f in folders.iter_mut().filter(|f| f.selectable) {
            f.status = Some(status(conn, &f.name).await?);
        }
    }
    Ok(folders)
}

/// STATUS of one folder.
pub async fn status(conn: &mut Conn, folder: &str) -> Result<FolderStatus, ImapError> {
    let mut st = FolderStatus::default();
    let cmd = format!("STATUS {} ({})", mailbox_arg(folder), status_items(conn));
    conn.exec(&cmd, |r| {
        if let Response::MailboxData(MailboxDatum::Status { status, .. }) = r {
            apply_status(&mut st, status);
            true
        } else {
            false
        }
    })
    .await?;
    Ok(st)
}

/// Creates a folder.
pub async fn create(conn: &mut Conn, folder: &str) -> Result<(), ImapError> {
    conn.exec(&format!("CREATE {}", mailbox_arg(folder)), |_| false)
        .await?;
    let _ = conn
        .exec(&format!("SUBSCRIBE {}", mailbox_arg(folder)), |_| false)
        .await;
    Ok(())
}

/// Renames a folder.
pub async fn rename(conn: &mut Conn, from: &str, to: &str) -> Result<(), ImapError> {
    conn.exec(
        &format!("RENAME {} {}", mailbox_arg(from), mailbox_arg(to)),
        |_| false,
    )
    .await?;
    let _ = conn
        .exec(&format!("SUBSCRIBE {}", mailbox_arg(to)), |_| false)
        .await;
    Ok(())
}

/// Deletes a folder.
pub async fn delete(conn: &mut Conn, folder: &str) -> Result<(), ImapError> {
    // DELETE first: when the server refuses (children, a protected special folder) the
    // folder must stay subscribed, as it was.
    conn.exec(&format!("DELETE {}", mailbox_arg(folder)), |_| false)
        .await?;
    let _ = conn
        .exec(&format!("UNSUBSCRIBE {}", mailbox_arg(folder)), |_| false)
        .await;
    Ok(())
}
