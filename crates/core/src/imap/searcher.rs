//! Searches of the server on a connection of their own. A search over a big folder can
//! keep a server busy for a long time (Dovecot's TEXT over a million messages whose
//! bodies it has not cached: about 50 s), and the user's flags, moves and bodies must
//! not wait behind it on the command connection. Searches run here one after another,
//! in the order asked, each answered as the command connection's requests are. When the
//! server will not have one more connection (a limit per user), a search is handed back
//! to the command connection, as before there was this one.

use super::conn::Conn;
use super::connect::{connect, ConnectSettings};
use super::error::ImapError;
use super::mailbox_arg;
use super::ops;
use super::protocol::{DoneResult, RequestId, SearchTerm, WorkerEvent};
use crate::cache::Cache;
use crate::mail::Uid;
use async_imap::imap_proto::{Response, ResponseCode};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::sync::mpsc;

/// One search to run.
pub(super) struct Job {
    pub(super) id: RequestId,
    pub(super) folder: String,
    pub(super) terms: Vec<SearchTerm>,
    /// The account's settings when it was asked (a password mended since is used).
    settings: ConnectSettings,
}

/// The worker's end of the search connection: started at the first search.
pub(super) struct Searcher {
    cache: Arc<Cache>,
    events: mpsc::UnboundedSender<WorkerEvent>,
    jobs: Option<mpsc::UnboundedSender<Job>>,
    /// Searches the search connection could not run, for the command connection.
    back_tx: mpsc::UnboundedSender<Job>,
    pub(super) back: mpsc::UnboundedReceiver<Job>,
    /// The search connection could not be made: searches stay on the command
    /// connection until the next session.
    refused: Arc<AtomicBool>,
}

impl Searcher {
    pub(super) fn new(cache: Arc<Cache>, events: mpsc::UnboundedSender<WorkerEvent>) -> Self {
        let (back_tx, back) = mpsc::unbounded_channel();
        Searcher {
            cache,
            events,
            jobs: None,
            back_tx,
            back,
            refused: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Whether a search of `folder` can be run here: only a folder the cache holds. The
    /// hits of one it has never synced are read from the cache after the search, so
    /// that search stays on the command connection, which syncs the folder first.
    pub(super) fn takes(&self, folder: &str) -> bool {
        !self.refused.load(Ordering::Relaxed)
            && matches!(self.cache.folder_state(folder), Ok(Some(_)))
    }

    /// A new session: the search connection may be had again.
    pub(super) fn try_again(&self) {
        self.refused.store(false, Ordering::Relaxed);
    }

    /// Queues a search; its answer comes as a `Done` or `Failed` event.
    pub(super) fn ask(
        &mut self,
        settings: &ConnectSettings,
        id: RequestId,
        folder: String,
        terms: Vec<SearchTerm>,
    ) {
        let mut settings = settings.clone();
        settings.label = format!("{}-search", settings.label);
        let job = Job {
            id,
            folder,
            terms,
            settings,
        };
        // The task ends only with the worker; a send refused gives the job back.
        let job = match &self.jobs {
            Some(tx) => match tx.send(job) {
                Ok(()) => return,
                Err(mpsc::error::SendError(job)) => job,
            },
            None => job,
        };
        let (tx, rx) = mpsc::unbounded_channel();
        let _ = tx.send(job);
        tokio::spawn(serve(
            self.cache.clone(),
            self.events.clone(),
            rx,
            (self.back_tx.clone(), self.refused.clone()),
        ));
        self.jobs = Some(tx);
    }
}

/// The search connection and what it has examined.
struct Link {
    conn: Conn,
    /// The folder examined, with its UIDVALIDITY.
    examined: Option<(String, u32)>,
}

/// Runs the searches in order until the worker ends.
async fn serve(
    cache: Arc<Cache>,
    events: mpsc::UnboundedSender<WorkerEvent>,
    mut jobs: mpsc::UnboundedReceiver<Job>,
    (back, refused): (mpsc::UnboundedSender<Job>, Arc<AtomicBool>),
) {
    let mut link: Option<Link> = None;
    while let Some(job) = jobs.recv().await {
        let mut reused = link.is_some();
        let event = loop {
            if refused.load(Ordering::Relaxed) {
                break None;
            }
            let l = match link.as_mut() {
                Some(l) => l,
                None => match connect(&job.settings).await {
                    Ok(conn) => link.insert(Link {
                        conn,
                        examined: None,
                    }),
                    Err(e) => {
                        // A limit on connections, or the server gone: the command
                        // connection runs it (and says what is wrong, if anything is).
                        tracing::warn!(error = %e, "no search connection; searching on the command connection");
                        refused.store(true, Ordering::Relaxed);
                        break None;
                    }
                },
            };
            match search(&cache, l, &job).await {
                Ok(uids) => {
                    break Some(WorkerEvent::Done {
                        id: job.id,
                        result: DoneResult::SearchHits(uids),
                    })
                }
                // A connection kept between searches may have been closed by the server
                // meanwhile (an idle timeout): one more try on a new one.
                Err(e) if e.is_connection_problem() && reused => {
                    link = None;
                    reused = false;
                }
                Err(e) => {
                    tracing::warn!(folder = %job.folder, error = %e, "search");
                    if e.is_connection_problem() {
                        link = None;
                    }
                    break Some(WorkerEvent::Failed {
                        id: job.id,
                        error: e.to_string(),
                    });
                }
            }
        };
        let sent = match event {
            Some(event) => events.send(event).is_ok(),
            None => back.send(job).is_ok(),
        };
        if !sent {
            break;
        }
    }
    if let Some(l) = link {
        l.conn.logout().await;
    }
}

async fn search(cache: &Cache, l: &mut Link, job: &Job) -> Result<Vec<Uid>, ImapError> {
    let known = cache.folder_state(&job.folder)?.map(|s| s.uidvalidity);
    let current = match &l.examined {
        Some((folder, v)) if *folder == job.folder => Some(*v),
        _ => None,
    };
    let uidvalidity = match current {
        Some(v) if Some(v) == known => v,
        _ => {
            l.examined = None;
            let v = examine(&mut l.conn, &job.folder).await?;
            l.examined = Some((job.folder.clone(), v));
            v
        }
    };
    if known.is_some_and(|k| k != uidvalidity) {
        // Its UIDs would name other messages than the rows show.
        return Err(ImapError::Protocol(format!(
            "{} was renewed on the server (a new UIDVALIDITY); search again once it is synced",
            crate::mail::sanitize(&job.folder)
        )));
    }
    let hits = ops::search(&mut l.conn, &job.terms).await;
    // What the server said meanwhile about the folder is the command connection's to
    // learn; kept here it would only grow.
    l.conn.changes.take();
    hits
}

/// EXAMINEs (read-only: nothing is marked seen) a folder, giving its UIDVALIDITY.
async fn examine(conn: &mut Conn, folder: &str) -> Result<u32, ImapError> {
    let mut uidvalidity = 0;
    conn.exec(&format!("EXAMINE {}", mailbox_arg(folder)), |r| match r {
        Response::Data { outcome, .. } => {
            if let Some(ResponseCode::UidValidity(v)) = &outcome.code {
                uidvalidity = *v;
            }
            true
        }
        _ => false,
    })
    .await?;
    conn.changes.take();
    if uidvalidity == 0 {
        return Err(ImapError::Protocol(format!(
            "EXAMINE {} gave no UIDVALIDITY",
            crate::mail::sanitize(folder)
        )));
    }
    Ok(uidvalidity)
}
