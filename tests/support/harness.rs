//! A worker on a private test server, and waiting for its events.

use super::{settings, TestServer};
use std::time::Duration;
use tern::imap::protocol::{DoneResult, WorkerEvent as E};
use tern::imap::worker::{spawn, WorkerHandle, WorkerOptions};
use tern::imap::ConnectSettings;
use tokio::sync::mpsc;

pub struct Harness {
    pub events: mpsc::UnboundedReceiver<E>,
    pub worker: WorkerHandle,
}

impl Harness {
    /// A worker with these settings and options.
    pub fn spawn(
        s: ConnectSettings,
        cache: std::sync::Arc<tern::cache::Cache>,
        opts: WorkerOptions,
    ) -> Harness {
        let (tx, events) = mpsc::unbounded_channel();
        let worker = spawn(s, cache, opts, tx);
        Harness { events, worker }
    }

    /// A worker on `d` that reconnects quickly.
    pub fn start(d: &impl TestServer, cache: std::sync::Arc<tern::cache::Cache>) -> Harness {
        Harness::with(d, cache, Harness::quick())
    }

    /// A worker on `d` with these options.
    pub fn with(
        d: &impl TestServer,
        cache: std::sync::Arc<tern::cache::Cache>,
        opts: WorkerOptions,
    ) -> Harness {
        Harness::spawn(settings(d), cache, opts)
    }

    /// Options with a short reconnection backoff.
    pub fn quick() -> WorkerOptions {
        WorkerOptions {
            max_backoff: Duration::from_millis(500),
            ..WorkerOptions::default()
        }
    }

    /// Waits (up to 60 s) for the first event `f` accepts.
    pub async fn wait<T>(&mut self, mut f: impl FnMut(&E) -> Option<T>) -> T {
        let deadline = tokio::time::sleep(Duration::from_secs(60));
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                _ = &mut deadline => panic!("event not seen within 60 s"),
                e = self.events.recv() => {
                    let e = e.expect("worker alive");
                    if let Some(t) = f(&e) { return t; }
                }
            }
        }
    }

    /// The answer to request `id`: done, or not done (failed, or kept for when the link
    /// is back: "queued").
    pub async fn answer(&mut self, id: u64) -> Result<DoneResult, String> {
        self.wait(|e| match e {
            E::Done { id: i, result } if *i == id => Some(Ok(result.clone())),
            E::Failed { id: i, error } if *i == id => Some(Err(error.clone())),
            E::Queued { id: i, .. } if *i == id => Some(Err("not done yet: queued".into())),
            _ => None,
        })
        .await
    }

    /// The result of request `id`, which must succeed.
    pub async fn done(&mut self, id: u64) -> DoneResult {
        self.answer(id)
            .await
            .unwrap_or_else(|e| panic!("request {id} failed: {e}"))
    }

    /// Waits for request `id` to fail and returns the error the user would read.
    pub async fn failed(&mut self, id: u64) -> String {
        match self.answer(id).await {
            Ok(_) => panic!("request {id} was carried out"),
            Err(e) => e,
        }
    }

    pub async fn synced(&mut self, folder: &str) {
        self.wait(|e| matches!(e, E::FolderSynced(r) if r.folder == folder).then_some(()))
            .await
    }
}
