//! Watching one folder on a connection of its own: IDLE where offered (renewed well
//! before the 29-minute limit, with a liveness check), else NOOP polling.

use super::conn::{Conn, Waited};
use super::error::ImapError;
use super::mailbox_arg;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};

/// Timings of the watcher; tests shorten them.
#[derive(Debug, Clone, Copy)]
pub struct IdleTimings {
    /// Leave and re-enter IDLE this often (servers drop IDLE after 30 minutes).
    pub renew: Duration,
    /// Silence longer than this makes tern check the link with NOOP.
    pub liveness: Duration,
    /// Poll interval when the server has no IDLE.
    pub poll: Duration,
}

impl Default for IdleTimings {
    fn default() -> Self {
        IdleTimings {
            renew: Duration::from_secs(9 * 60),
            liveness: Duration::from_secs(4 * 60),
            poll: Duration::from_secs(30),
        }
    }
}

/// Watches `folder` (following changes of it) and sends the folder's name on `news`
/// whenever the server reports new, expunged or re-flagged messages. With NOTIFY (RFC
/// 5465) the server also reports new mail in the `watched` folders at once, whose names
/// go on `news` too. Returns on a dead link (the caller reconnects) or when `news` is
/// closed.
pub async fn watch_folder(
    mut conn: Conn,
    mut folder: watch::Receiver<String>,
    news: mpsc::UnboundedSender<String>,
    t: IdleTimings,
    watched: &[String],
) -> Result<(), ImapError> {
    let has_idle = conn.has_cap("IDLE");
    if has_idle
        && conn.has_cap("NOTIFY")
        && !watched.is_empty()
        && notify_set(&mut conn, watched).await?
    {
        // Mail that reached a watched folder between the session's count refresh and
        // this NOTIFY produced no notification: have each looked at once.
        for w in watched {
            if news.send(w.clone()).is_err() {
                return Ok(());
            }
        }
    }
    loop {
        let current = folder.borrow_and_update().clone();
        if !examine(&mut conn, &current).await? {
            // The server refuses this folder (deleted, no rights): wait for another one.
            if folder.changed().await.is_err() {
                return Ok(());
            }
            continue;
        }
        // Mail that arrived between the worker's sync and this EXAMINE produced no news
        // here: ask for one resync so nothing falls into that gap.
        if news.send(current.clone()).is_err() {
            return Ok(());
        }
        loop {
            let switched = if has_idle {
                idle_round(&mut conn, &mut folder, &t).await?
            } else {
                tokio::select! {
                    _ = tokio::time::sleep(t.poll) => {
                        conn.exec("NOOP", |_| false).await?;
                        false
                    }
                    r = folder.changed() => { if r.is_err() { return Ok(()); } true }
                }
            };
            let changes = conn.changes.take();
            if !changes.is_empty() && news.send(current.clone()).is_err() {
                return Ok(());
            }
            for other in changes.others.into_iter().filter(|o| *o != current) {
                if news.send(other).is_err() {
                    return Ok(());
                }
            }
            if switched {
                break;
            }
        }
    }
}

/// Asks the server to report the selected folder's news as IDLE does, and new or
/// expunged mail in the watched folders as untagged STATUS; whether it agreed. A refusal
/// leaves tern polling the counts (said in the log).
async fn notify_set(conn: &mut Conn, watched: &[String]) -> Result<bool, ImapError> {
    let names: Vec<String> = watched.iter().map(|w| super::mailbox_arg(w)).collect();
    let cmd = format!(
        "NOTIFY SET (selected (MessageNew MessageExpunge FlagChange)) (mailboxes ({}) (MessageNew MessageExpunge))",
        names.join(" ")
    );
    match conn.exec(&cmd, |_| false).await {
        Ok(_) => Ok(true),
        Err(e) if !e.is_connection_problem() => {
            tracing::warn!(error = %e, "NOTIFY refused; polling the counts instead");
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

/// EXAMINEs a folder; `Ok(false)` when the server refuses it (the link is fine).
async fn examine(conn: &mut Conn, folder: &str) -> Result<bool, ImapError> {
    match conn
        .exec(&format!("EXAMINE {}", mailbox_arg(folder)), |_| false)
        .await
    {
        Ok(_) => {
            conn.changes.take();
            Ok(true)
        }
        Err(e) if !e.is_connection_problem() => {
            tracing::warn!(folder, error = %e, "cannot watch folder");
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

/// One IDLE session: returns when news arrived, the renewal time came, or the folder
/// to watch changed (then `Ok(true)`).
async fn idle_round(
    conn: &mut Conn,
    folder: &mut watch::Receiver<String>,
    t: &IdleTimings,
) -> Result<bool, ImapError> {
    let tag = conn.idle_start().await?;
    let started = Instant::now();
    let mut switched = false;
    // News that came before the server's "+ idling" must not wait for the next one.
    if !conn.changes.is_empty() || !conn.changes.others.is_empty() {
        conn.idle_done(&tag).await?;
        return Ok(false);
    }
    loop {
        let left = t.renew.saturating_sub(started.elapsed());
        if left.is_zero() {
            tracing::debug!(target: "tern::imap::idle", conn = conn.label(), "renewing IDLE");
            break;
        }
        let wait = left.min(t.liveness);
        tokio::select! {
            r = conn.wait_idle(wait) => {
                match r? {
                    Waited::Ended => return Ok(false),
                    Waited::Response if !conn.changes.is_empty() || !conn.changes.others.is_empty() => break,
                    Waited::Response => {} // "* OK Still here" and the like: the link lives
                    Waited::Silence if wait == t.liveness => {
                        // Silence: leave IDLE and prove the link with NOOP (both time out
                        // on a dead link, which ends this watcher with an error).
                        tracing::debug!(target: "tern::imap::idle", conn = conn.label(), "silence: checking the link with NOOP");
                        conn.idle_done(&tag).await?;
                        conn.exec("NOOP", |_| false).await?;
                        return Ok(false);
                    }
                    Waited::Silence => {}
                }
            }
            r = folder.changed() => {
                if r.is_err() {
                    break;
                }
                switched = true;
                break;
            }
        }
    }
    conn.idle_done(&tag).await?;
    Ok(switched)
}
