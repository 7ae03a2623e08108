//! Writing fetched headers to the cache on a blocking thread while the next batch is
//! read from the network, one batch in flight, so network, parsing and disk overlap.

use super::conn::Conn;
use super::error::ImapError;
use super::headers::Fetched;
use super::sync::{fetch_headers, SyncProgress, SyncReport};
use crate::cache::{Batch, Cache, CacheError};
use std::sync::Arc;
use tokio::task::JoinHandle;

/// Commits batches of one folder in order, at most one pending.
pub struct Committer {
    cache: Arc<Cache>,
    folder: String,
    uidvalidity: u32,
    pending: Option<(JoinHandle<Result<(), CacheError>>, u64)>,
    committed: u64,
    total: u64,
}

impl Committer {
    /// A committer for `folder`; `total` is what progress counts towards.
    pub fn new(cache: &Arc<Cache>, folder: &str, uidvalidity: u32, total: u64) -> Committer {
        Committer {
            cache: cache.clone(),
            folder: folder.to_string(),
            uidvalidity,
            pending: None,
            committed: 0,
            total,
        }
    }

    /// Waits for the pending batch, then reports progress for it.
    pub async fn flush(
        &mut self,
        progress: &mut (dyn FnMut(SyncProgress) + Send),
    ) -> Result<(), ImapError> {
        let Some((handle, rows)) = self.pending.take() else {
            return Ok(());
        };
        handle
            .await
            .map_err(|e| CacheError::Storage(format!("cache writer failed: {e}")))??;
        self.committed += rows;
        tracing::info!(folder = %self.folder, done = self.committed, total = self.total, "sync batch committed");
        progress(SyncProgress {
            folder: self.folder.clone(),
            done: self.committed,
            total: self.total,
        });
        Ok(())
    }

    /// Hands fetched rows to the writer (which parses their headers and stores them) once
    /// the previous batch is on disk.
    pub async fn submit(
        &mut self,
        fetched: Vec<Fetched>,
        progress: &mut (dyn FnMut(SyncProgress) + Send),
    ) -> Result<(), ImapError> {
        self.flush(progress).await?;
        let rows = fetched.len() as u64;
        let (cache, folder, v) = (self.cache.clone(), self.folder.clone(), self.uidvalidity);
        let handle = tokio::task::spawn_blocking(move || {
            let batch = Batch {
                upserts: fetched.into_iter().map(Fetched::finish).collect(),
                ..Batch::default()
            };
            cache.apply(&folder, v, &batch)
        });
        self.pending = Some((handle, rows));
        Ok(())
    }
}

/// Fetches headers set by set and commits each set's rows; the first set (a screenful)
/// is committed before anything else is asked for, so a UI can show it at once.
pub async fn fetch_in_batches(
    conn: &mut Conn,
    committer: &mut Committer,
    sets: Vec<String>,
    by_uid: bool,
    report: &mut SyncReport,
    progress: &mut (dyn FnMut(SyncProgress) + Send),
) -> Result<(), ImapError> {
    for (i, set) in sets.into_iter().enumerate() {
        let mut rows = Vec::new();
        if let Err(e) = fetch_headers(conn, &set, by_uid, &mut rows).await {
            // Let the batch in flight land before anything else touches the folder.
            let _ = committer.flush(progress).await;
            return Err(e);
        }
        report.new += rows.len() as u64;
        committer.submit(rows, progress).await?;
        if i == 0 {
            committer.flush(progress).await?;
        }
    }
    committer.flush(progress).await
}
