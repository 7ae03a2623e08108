//! Keeping the index in step with the cache: one thread per account takes the cache's
//! notes in batches, replaces or deletes each message's document, commits, and then
//! forgets the notes. A build from the whole cache (a new index, or one that could not be
//! trusted) walks the cache a window at a time and keeps where it got to in each commit,
//! so a build cut short goes on where it stopped.

use super::writer::{Helper, Op, Writer};
use super::{analyzer, err, index_dir, Fields, IndexError, Payload, TOKENIZER, VERSION};
use crate::cache::{Cache, IndexKey, IndexTodo};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Notes taken from the cache per commit.
const BATCH: usize = 2_000;
/// Messages read from the cache at a time while building.
const WINDOW: usize = 1_000;
/// Messages between commits while building.
const BUILD_COMMIT: usize = 25_000;

/// The work: one account's index, and its writer while there is something to write.
pub(super) struct Work {
    cache: Arc<Cache>,
    dir: PathBuf,
    fields: Fields,
    index: tantivy::Index,
    /// Opened for a batch and let go when nothing is left: an idle client holds none
    /// (a writer holds megabytes: its queue of documents is allocated whole).
    writer: Option<Writer>,
    /// The program whose `index-writer` writes (None: this process writes).
    helper: Option<PathBuf>,
    identity: u64,
    /// A build under way: the last message in (None: from the start).
    build: Option<Option<IndexKey>>,
}

impl Work {
    /// Opens or creates the index of `cache`; says why when it must be built again.
    pub(super) fn open(
        cache: Arc<Cache>,
        helper: Option<PathBuf>,
    ) -> Result<(Work, Option<String>), IndexError> {
        let dir = index_dir(cache.path());
        let identity = cache.index_identity()?;
        let (schema, fields) = Fields::schema();
        let mut note = None;
        let existing = match super::open_index(&dir) {
            Ok(found) => found.map(|(i, _)| i),
            Err(e) => {
                note = Some(format!("{e}; building it again from the cache"));
                None
            }
        };
        let index = match existing {
            Some(i) => i,
            None => {
                if dir.exists() {
                    std::fs::remove_dir_all(&dir).map_err(|e| err(&dir, e))?;
                }
                std::fs::create_dir_all(&dir).map_err(|e| err(&dir, e))?;
                let i = tantivy::Index::create_in_dir(&dir, schema).map_err(|e| err(&dir, e))?;
                i.tokenizers().register(TOKENIZER, analyzer());
                i
            }
        };
        let mark = Payload::read(&index);
        let build = match mark {
            Some(m) if m.version == VERSION && m.identity == identity && m.complete => None,
            Some(m) if m.version == VERSION && m.identity == identity => {
                note.get_or_insert_with(|| {
                    "the search index was left unfinished; going on building it".into()
                });
                Some(m.after)
            }
            _ => Some(None),
        };
        let mut work = Work {
            cache,
            dir,
            fields,
            index,
            writer: None,
            helper,
            identity,
            build,
        };
        if work.build == Some(None) {
            work.start_build()?;
        }
        Ok((work, note))
    }

    /// The writer, opened if need be.
    fn writer(&mut self) -> Result<&mut Writer, IndexError> {
        if self.writer.is_none() {
            let helper = self.helper.as_deref().and_then(|p| {
                Helper::start(p, &self.dir)
                    .map_err(|e| tracing::warn!(error = %e, "writing the index in this process"))
                    .ok()
            });
            self.writer = Some(match helper {
                Some(h) => Writer::Helper(h),
                None => Writer::here(&self.index, self.fields, &self.dir)?,
            });
        }
        self.writer
            .as_mut()
            .ok_or_else(|| err(&self.dir, "no writer"))
    }

    /// Nothing is left to write: the writer goes (its work is committed).
    pub(super) fn idle(&mut self) {
        self.writer = None;
    }

    fn start_build(&mut self) -> Result<(), IndexError> {
        // Notes taken so far are covered by the walk, which starts after this.
        self.cache.index_reset_todo()?;
        self.writer()?.apply(Op::DeleteAll)?;
        self.commit(false, None)
    }

    fn commit(&mut self, complete: bool, after: Option<IndexKey>) -> Result<(), IndexError> {
        let mark = Payload {
            version: VERSION,
            identity: self.identity,
            complete,
            after,
        };
        let dir = self.dir.clone();
        let text = serde_json::to_string(&mark).map_err(|e| err(&dir, e))?;
        self.writer()?.apply(Op::Commit(text))
    }

    /// Whether a build from the whole cache is under way.
    #[cfg(test)]
    pub(super) fn building(&self) -> bool {
        self.build.is_some()
    }

    /// One step: part of a build, or a batch of notes. False when there was nothing to do.
    pub(super) fn step(&mut self, stop: &AtomicBool) -> Result<bool, IndexError> {
        if let Some(after) = self.build.clone() {
            self.build_some(after, stop)?;
            return Ok(true);
        }
        let todo = self.cache.index_todo(BATCH)?;
        if todo.is_empty() {
            return Ok(false);
        }
        self.apply(&todo)?;
        self.commit(true, None)?;
        self.cache.index_done(&todo)?;
        Ok(true)
    }

    fn apply(&mut self, todo: &IndexTodo) -> Result<(), IndexError> {
        let cache = self.cache.clone();
        let writer = self.writer()?;
        for (folder, _) in &todo.drops {
            writer.apply(Op::DeleteFolder(folder.clone()))?;
        }
        for ((folder, uidv, uid), _) in &todo.keys {
            writer.apply(Op::DeleteKey(folder.clone(), *uidv, *uid))?;
            if let Some((summary, body)) = cache.for_index(folder, *uidv, *uid)? {
                writer.apply(Op::Add {
                    folder: folder.clone(),
                    uidv: *uidv,
                    summary: Box::new(summary),
                    body,
                })?;
            }
        }
        Ok(())
    }

    /// Indexes windows of the cache from `after`, committing where it got to.
    fn build_some(
        &mut self,
        mut after: Option<IndexKey>,
        stop: &AtomicBool,
    ) -> Result<(), IndexError> {
        let mut added = 0;
        loop {
            let window = self.cache.messages_after(after.as_ref(), WINDOW)?;
            let done = window.len() < WINDOW;
            added += window.len();
            let writer = self.writer()?;
            for (key, (summary, body)) in window {
                writer.apply(Op::Add {
                    folder: key.0.clone(),
                    uidv: key.1,
                    summary: Box::new(summary),
                    body,
                })?;
                after = Some(key);
            }
            if done {
                self.commit(true, None)?;
                self.build = None;
                return Ok(());
            }
            if added >= BUILD_COMMIT || stop.load(Ordering::Relaxed) {
                self.commit(false, after.clone())?;
                self.build = Some(after);
                return Ok(());
            }
        }
    }

    /// Works until nothing is left (or `stop`).
    pub(super) fn catch_up(&mut self, stop: &AtomicBool) -> Result<(), IndexError> {
        while !stop.load(Ordering::Relaxed) && self.step(stop)? {}
        Ok(())
    }
}

/// The indexer thread of one account.
pub struct Indexer {
    stop: Arc<AtomicBool>,
    cache: Arc<Cache>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Indexer {
    /// Starts keeping the index of `cache`; `note` hears what the user should know (an
    /// index built again, an error), in words.
    /// `helper`: the program whose `index-writer` command writes the index (the
    /// client's own; None: this process writes).
    pub fn start(
        cache: Arc<Cache>,
        label: &str,
        helper: Option<PathBuf>,
        note: impl Fn(String) + Send + 'static,
    ) -> Indexer {
        let stop = Arc::new(AtomicBool::new(false));
        let (c, s) = (cache.clone(), stop.clone());
        let thread = std::thread::Builder::new()
            .name(format!("tern-index-{label}"))
            .spawn(move || run(c, helper, &s, &note))
            .map_err(|e| tracing::warn!(error = %e, "cannot start the indexer"))
            .ok();
        Indexer {
            stop,
            cache,
            thread,
        }
    }
}

/// Dropping the indexer stops it after the current step (its work is committed or left
/// in the notes) and waits: the cache is let go only after it.
impl Drop for Indexer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.cache.index_signal().wake();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Brings the index of `cache` up to date in this thread (`tern search`, and tests).
pub fn catch_up(cache: Arc<Cache>) -> Result<Option<String>, IndexError> {
    let (mut work, note) = Work::open(cache, None)?;
    work.catch_up(&AtomicBool::new(false))?;
    Ok(note)
}

/// How long the indexer lets the client start before it works: the first screen and
/// the first sync go first on a small machine.
const START_AFTER: Duration = Duration::from_millis(1_500);

fn run(cache: Arc<Cache>, helper: Option<PathBuf>, stop: &AtomicBool, note: &dyn Fn(String)) {
    let started = std::time::Instant::now();
    while started.elapsed() < START_AFTER && !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let signal = cache.index_signal();
    let mut work: Option<Work> = None;
    let mut said = false;
    while !stop.load(Ordering::Relaxed) {
        let seen = signal.generation();
        let result = match work.as_mut() {
            Some(w) => w.step(stop),
            None => match Work::open(cache.clone(), helper.clone()) {
                Ok((w, n)) => {
                    if let Some(n) = n {
                        note(n);
                    }
                    work = Some(w);
                    Ok(true)
                }
                Err(e) => Err(e),
            },
        };
        match result {
            Ok(true) => {
                said = false;
            }
            Ok(false) => {
                if let Some(w) = work.as_mut() {
                    w.idle();
                }
                signal.wait(seen, Duration::from_secs(300));
            }
            Err(e) => {
                tracing::warn!(error = %e, "search index");
                if !said {
                    note(format!("{e}; the search index will try again"));
                    said = true;
                }
                // The writer may be in a bad state: open it again after a pause.
                work = None;
                signal.wait(seen, Duration::from_secs(30));
            }
        }
    }
}
