//! Reading the open folder from the cache, off the loop: the first screens first, then
//! the whole folder; at most one read in flight.

use crate::app::update::{Loaded, FIRST_READ};
use std::sync::Arc;
use tern_core::cache::Cache;
use tern_core::mail::Uid;
use tokio::sync::mpsc;

/// Reads a folder from the cache off the loop; at most one read in flight.
pub struct Loader {
    pub cache: Arc<Cache>,
    pub tx: mpsc::UnboundedSender<Loaded>,
    pub busy: bool,
    pub again: bool,
    /// Whether the open folder was shown yet (the first read comes in two steps).
    pub shown_once: bool,
}

impl Loader {
    pub fn request(&mut self, folder: &str) {
        if self.busy {
            self.again = true;
            return;
        }
        self.busy = true;
        let (cache, tx, folder) = (self.cache.clone(), self.tx.clone(), folder.to_string());
        let first = !self.shown_once;
        self.shown_once = true;
        tokio::task::spawn_blocking(move || {
            if first {
                let head = read(&cache, &folder, FIRST_READ);
                let small = head.list.len() < FIRST_READ;
                let _ = tx.send(Loaded {
                    done: small,
                    ..head
                });
                if small {
                    return;
                }
            }
            let _ = tx.send(Loaded {
                done: true,
                ..read(&cache, &folder, 0)
            });
        });
    }

    /// Reads just the first screens (while a cold sync streams in the older rest).
    pub fn request_head(&mut self, folder: &str) {
        if self.busy {
            return; // a read is on its way; the sync's end brings a whole one
        }
        self.busy = true;
        let (cache, tx, folder) = (self.cache.clone(), self.tx.clone(), folder.to_string());
        tokio::task::spawn_blocking(move || {
            let _ = tx.send(Loaded {
                done: true,
                ..read(&cache, &folder, FIRST_READ)
            });
        });
    }

    /// Reads just the messages above UID `after` (new mail), to be added to the rows
    /// shown. While another read is on its way, the whole folder is read again after
    /// it instead (that read may predate the new mail).
    pub fn request_newer(&mut self, folder: &str, after: Uid) {
        if self.busy {
            self.again = true;
            return;
        }
        self.busy = true;
        let (cache, tx, folder) = (self.cache.clone(), self.tx.clone(), folder.to_string());
        tokio::task::spawn_blocking(move || {
            let read = (|| {
                let (uidvalidity, list) = cache.rows_after(&folder, after)?;
                let total = cache.count(&folder, uidvalidity)?;
                Ok::<_, tern_core::cache::CacheError>(Loaded {
                    folder: folder.clone(),
                    uidvalidity,
                    list,
                    done: true,
                    total,
                    newer_than: Some(after),
                })
            })();
            let _ = tx.send(read.unwrap_or_else(|e| {
                tracing::warn!(error = %e, "reading the cache");
                Loaded {
                    done: true,
                    newer_than: Some(after),
                    ..failed(&folder)
                }
            }));
        });
    }

    /// A read arrived; starts the next one if more was asked for meanwhile.
    pub fn done(&mut self, folder: &str) {
        self.busy = false;
        if std::mem::take(&mut self.again) {
            self.request(folder);
        }
    }
}

/// Reads the newest `limit` (0: all) of a folder, with its UIDVALIDITY and count.
fn read(cache: &Cache, folder: &str, limit: usize) -> Loaded {
    let got = (|| -> Result<Loaded, tern_core::cache::CacheError> {
        let uidv = cache
            .folder_state(folder)?
            .map(|s| s.uidvalidity)
            .unwrap_or(0);
        let started = std::time::Instant::now();
        let list = cache.newest_rows(folder, limit)?;
        tracing::debug!(
            rows = list.len(),
            ms = started.elapsed().as_secs_f64() * 1000.0,
            "read {folder} from the cache"
        );
        let total = cache.count(folder, uidv)?.max(list.len() as u64);
        Ok(Loaded {
            folder: folder.to_string(),
            uidvalidity: uidv,
            list,
            done: false,
            total,
            newer_than: None,
        })
    })();
    got.unwrap_or_else(|e| {
        tracing::warn!(error = %e, "reading the cache");
        failed(folder)
    })
}

/// What a read that failed gives: nothing (the error is in the log).
fn failed(folder: &str) -> Loaded {
    Loaded {
        folder: folder.to_string(),
        uidvalidity: 0,
        list: Vec::new(),
        done: false,
        total: 0,
        newer_than: None,
    }
}
