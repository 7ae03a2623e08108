//! Who writes the index: a tantivy writer here, or one in a helper process. A tantivy
//! writer allocates its queue of documents and its term table whole (about 10 MiB),
//! even to add one message, so the client hands its writes to a helper (`tern
//! index-writer DIR`, the same program) and keeps only the reading side: opening a new
//! message no longer raises the client's memory. The helper is fed what a document is
//! made of (a message's headers and body), builds the documents itself, and answers each
//! commit; it ends when its input does. `tern search` and the tests write in place.

use super::doc::{document, folder_term, key_term};
use super::{err, open_index, Fields, IndexError};
use crate::mail::{MessageSummary, Uid, UidValidity};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use tantivy::{IndexWriter, TantivyDocument};

/// The writer's memory for documents not yet flushed (tantivy's least is 15 MB).
const WRITER_MEMORY: usize = 20_000_000;
/// The largest frame the helper reads: a message body is at most the cache's limit.
const FRAME_MAX: usize = 512 << 20;

/// One change to the index.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub(super) enum Op {
    DeleteAll,
    DeleteFolder(String),
    DeleteKey(String, UidValidity, Uid),
    Add {
        folder: String,
        uidv: UidValidity,
        summary: Box<MessageSummary>,
        body: Option<Vec<u8>>,
    },
    /// Commit what came before, with this payload; answered.
    Commit(String),
}

/// Where the writes go.
pub(super) enum Writer {
    Here(Box<IndexWriter<TantivyDocument>>, Fields, PathBuf),
    Helper(Helper),
}

impl Writer {
    /// A writer of `index` in this process.
    pub(super) fn here(
        index: &tantivy::Index,
        fields: Fields,
        dir: &Path,
    ) -> Result<Writer, IndexError> {
        let w = index
            .writer_with_num_threads(1, WRITER_MEMORY)
            .map_err(|e| err(dir, e))?;
        Ok(Writer::Here(Box::new(w), fields, dir.to_path_buf()))
    }

    /// Applies one change; a commit returns once it is on disk.
    pub(super) fn apply(&mut self, op: Op) -> Result<(), IndexError> {
        match self {
            Writer::Helper(h) => h.apply(&op),
            Writer::Here(w, f, dir) => match op {
                Op::DeleteAll => w.delete_all_documents().map(drop).map_err(|e| err(dir, e)),
                Op::DeleteFolder(folder) => {
                    w.delete_term(folder_term(f, &folder));
                    Ok(())
                }
                Op::DeleteKey(folder, uidv, uid) => {
                    w.delete_term(key_term(f, &folder, uidv, uid));
                    Ok(())
                }
                Op::Add {
                    folder,
                    uidv,
                    summary,
                    body,
                } => {
                    let d = document(f, &folder, uidv, &summary, body.as_deref());
                    w.add_document(d).map(drop).map_err(|e| err(dir, e))
                }
                Op::Commit(payload) => {
                    let mut prepared = w.prepare_commit().map_err(|e| err(dir, e))?;
                    prepared.set_payload(&payload);
                    prepared.commit().map(drop).map_err(|e| err(dir, e))
                }
            },
        }
    }
}

/// The helper process and its pipes.
pub(super) struct Helper {
    child: Child,
    /// Taken (closed) on drop: the helper then ends.
    to: Option<BufWriter<ChildStdin>>,
    from: BufReader<ChildStdout>,
    dir: PathBuf,
}

impl Helper {
    /// Starts `program index-writer DIR`.
    pub(super) fn start(program: &Path, dir: &Path) -> Result<Helper, IndexError> {
        let mut child = Command::new(program)
            .arg("index-writer")
            .arg(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| err(dir, format!("cannot start its writer ({e})")))?;
        let (Some(to), Some(from)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(err(dir, "its writer has no pipes"));
        };
        tracing::debug!(pid = child.id(), "index writer started");
        Ok(Helper {
            child,
            to: Some(BufWriter::new(to)),
            from: BufReader::new(from),
            dir: dir.to_path_buf(),
        })
    }

    fn apply(&mut self, op: &Op) -> Result<(), IndexError> {
        let dir = &self.dir;
        let lost = |e: std::io::Error| err(dir, format!("its writer stopped ({e})"));
        let bytes = postcard::to_allocvec(op).map_err(|e| err(dir, e))?;
        let to = self
            .to
            .as_mut()
            .ok_or_else(|| err(dir, "its writer is closed"))?;
        write_frame(to, &bytes).map_err(lost)?;
        if !matches!(op, Op::Commit(_)) {
            return Ok(());
        }
        to.flush().map_err(lost)?;
        let answer = read_frame(&mut self.from).map_err(lost)?;
        let said: Result<(), String> = postcard::from_bytes(&answer).map_err(|e| err(dir, e))?;
        said.map_err(|reason| err(dir, reason))
    }
}

impl Drop for Helper {
    /// With its input closed the helper ends by itself (what was not committed is not
    /// written; the cache's notes still hold it); it is waited for.
    fn drop(&mut self) {
        drop(self.to.take());
        let _ = self.child.wait();
    }
}

fn write_frame(to: &mut impl Write, bytes: &[u8]) -> std::io::Result<()> {
    let len = u32::try_from(bytes.len())
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidInput, "frame too big"))?;
    to.write_all(&len.to_le_bytes())?;
    to.write_all(bytes)
}

/// One frame; `UnexpectedEof` when the other side closed before one began.
fn read_frame(from: &mut impl Read) -> std::io::Result<Vec<u8>> {
    let mut len = [0u8; 4];
    from.read_exact(&mut len)?;
    let len = u32::from_le_bytes(len) as usize;
    if len > FRAME_MAX {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("a frame of {len} bytes"),
        ));
    }
    let mut bytes = vec![0; len];
    from.read_exact(&mut bytes)?;
    Ok(bytes)
}

/// The helper's side (`tern index-writer DIR`): applies what comes on stdin to the index
/// in `dir` and answers each commit on stdout, until stdin ends. An error before a
/// commit is said at that commit (and the writer started again for what follows).
pub fn serve_writer(dir: &Path) -> Result<(), IndexError> {
    let Some((index, fields)) = open_index(dir)? else {
        return Err(err(dir, "there is no index to write"));
    };
    let mut writer = Some(Writer::here(&index, fields, dir)?);
    let mut input = BufReader::new(std::io::stdin().lock());
    let mut output = BufWriter::new(std::io::stdout().lock());
    let mut failed: Option<String> = None;
    loop {
        let frame = match read_frame(&mut input) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(err(dir, e)),
        };
        let op: Op = postcard::from_bytes(&frame).map_err(|e| err(dir, e))?;
        if !matches!(op, Op::Commit(_)) {
            if failed.is_none() {
                let applied = match writer.as_mut() {
                    Some(w) => w.apply(op),
                    None => Err(err(dir, "no writer")),
                };
                if let Err(e) = applied {
                    failed = Some(e.to_string());
                }
            }
            continue;
        }
        let said: Result<(), String> = match (failed.take(), writer.as_mut()) {
            (None, Some(w)) => w.apply(op).map_err(|e| e.to_string()),
            (why, _) => {
                // What came since the last commit goes with the writer (the client's
                // notes still hold it); a new one for what follows.
                drop(writer.take());
                writer = Some(Writer::here(&index, fields, dir)?);
                Err(why.unwrap_or_else(|| "no writer".into()))
            }
        };
        let bytes = postcard::to_allocvec(&said).map_err(|e| err(dir, e))?;
        write_frame(&mut output, &bytes).map_err(|e| err(dir, e))?;
        output.flush().map_err(|e| err(dir, e))?;
    }
}
