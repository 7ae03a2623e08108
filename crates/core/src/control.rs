//! The running client's local socket: `tern list` and `tern sync` ask it when the cache
//! is in use by that client (one process per cache is redb's rule), instead of failing.
//! One JSON request line in, JSON reply lines out. The socket lives in a 0700 folder
//! (`$XDG_RUNTIME_DIR/tern`, else the cache folder) and is itself 0600.

use crate::mail::MessageSummary;
use serde::{Deserialize, Serialize};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};

/// What a command asks the running client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    /// The newest `limit` messages (0: all) of a folder, from the cache.
    List { folder: String, limit: usize },
    /// Sync these folders (empty: every folder) and say how they stand.
    Sync { folders: Vec<String> },
    /// The best `limit` known addresses matching `text`, of every account, each as a
    /// `Line` of `address<TAB>name`.
    Addresses { text: String, limit: usize },
    /// `tern search`: the local index's hits for a query (as `/` takes it), in one
    /// folder or in all.
    Search {
        query: String,
        folder: Option<String>,
    },
}

/// One line of the answer; `Done` or `Error` ends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reply {
    Messages(Vec<MessageSummary>),
    /// Search hits: (folder, headers).
    Found(Vec<(String, MessageSummary)>),
    /// A line of text for the user (the sync's per-folder report).
    Line(String),
    Done,
    Error(String),
}

/// Where the running client of `account` listens: `$XDG_RUNTIME_DIR/tern`, else the
/// cache folder.
pub fn socket_path(cache_dir: &Path, account: &str) -> PathBuf {
    let name = socket_name(account);
    match std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir).join("tern").join(name),
        None => cache_dir.join(name),
    }
}

/// The socket's file name for an account (named as its cache file is).
fn socket_name(account: &str) -> String {
    format!("{}.sock", crate::cache::account_stem(account))
}

/// Where a command looks for the running client, in order: `$XDG_RUNTIME_DIR/tern`,
/// the usual `/run/user/UID/tern` (cron sets no `$XDG_RUNTIME_DIR`, yet the client it
/// must find was started from a session that did), then the cache folder.
pub fn socket_candidates(cache_dir: &Path, account: &str) -> Vec<PathBuf> {
    let name = socket_name(account);
    let mut out = Vec::new();
    if let Some(dir) = std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        out.push(PathBuf::from(dir).join("tern").join(&name));
    }
    // The process's own uid, as /proc/self is owned by it.
    if let Ok(meta) = std::fs::metadata("/proc/self") {
        use std::os::unix::fs::MetadataExt;
        let usual = PathBuf::from(format!("/run/user/{}/tern", meta.uid())).join(&name);
        if !out.contains(&usual) {
            out.push(usual);
        }
    }
    out.push(cache_dir.join(name));
    out
}

/// The listening socket; the file goes when this is dropped.
pub struct Listener {
    inner: UnixListener,
    path: PathBuf,
}

impl Listener {
    /// Listens at `path`. Only the process holding the account's cache calls this, so a
    /// file already there is a leftover of one that died: it is replaced.
    pub fn bind(path: &Path) -> std::io::Result<Listener> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
            // Our own folder under the runtime dir is private; a cache folder already is.
            if dir.file_name().is_some_and(|n| n == "tern") {
                std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
            }
        }
        match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        let inner = UnixListener::bind(path)?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        Ok(Listener {
            inner,
            path: path.to_path_buf(),
        })
    }

    /// The next request and where its answer goes.
    pub async fn next(&self) -> std::io::Result<(Request, Answer)> {
        loop {
            let (stream, _) = self.inner.accept().await?;
            let (read, write) = stream.into_split();
            let mut line = String::new();
            // A request is one short line; anything else is dropped.
            let mut limited = BufReader::new(tokio::io::AsyncReadExt::take(read, 64 * 1024));
            if limited.read_line(&mut line).await.is_err() {
                continue;
            }
            let mut answer = Answer { write };
            match serde_json::from_str::<Request>(&line) {
                Ok(r) => return Ok((r, answer)),
                Err(e) => {
                    answer
                        .send(&Reply::Error(format!("not a request tern knows: {e}")))
                        .await;
                }
            }
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The write side of one request's connection.
pub struct Answer {
    write: tokio::net::unix::OwnedWriteHalf,
}

impl Answer {
    /// Sends one reply line (a command that went away is not an error here).
    pub async fn send(&mut self, reply: &Reply) {
        if let Ok(mut line) = serde_json::to_string(reply) {
            line.push('\n');
            let _ = self.write.write_all(line.as_bytes()).await;
        }
    }
}

/// Asks the client listening at the first of `paths` that answers; every reply up to
/// the last (Done or Error).
pub async fn ask_first(paths: &[PathBuf], request: &Request) -> std::io::Result<Vec<Reply>> {
    let mut last = std::io::Error::new(std::io::ErrorKind::NotFound, "no socket found");
    for p in paths.iter().filter(|p| p.exists()) {
        match ask(p, request).await {
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => last = e,
            other => return other,
        }
    }
    Err(last)
}

/// Asks the client listening at `path`; every reply up to the last (Done or Error).
pub async fn ask(path: &Path, request: &Request) -> std::io::Result<Vec<Reply>> {
    let stream = UnixStream::connect(path).await?;
    let (read, mut write) = stream.into_split();
    let mut line = serde_json::to_string(request).map_err(std::io::Error::other)?;
    line.push('\n');
    write.write_all(line.as_bytes()).await?;
    let mut lines = BufReader::new(read).lines();
    let mut out = Vec::new();
    while let Some(l) = lines.next_line().await? {
        let reply: Reply = serde_json::from_str(&l).map_err(std::io::Error::other)?;
        let end = matches!(reply, Reply::Done | Reply::Error(_));
        out.push(reply);
        if end {
            return Ok(out);
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::UnexpectedEof,
        "the running tern ended before it answered",
    ))
}

/// The newest `limit` messages of `folder` (INBOX in any case), or why there are none:
/// what `tern list` prints, by itself or through the running client.
pub fn list_rows(
    cache: &crate::cache::Cache,
    account: &str,
    folder: &str,
    limit: usize,
) -> Result<Vec<MessageSummary>, String> {
    let folder = if folder.eq_ignore_ascii_case("INBOX") {
        "INBOX"
    } else {
        folder
    };
    let rows = cache.newest(folder, limit).map_err(|e| e.to_string())?;
    let known = cache.folder_state(folder).map_err(|e| e.to_string())?;
    if rows.is_empty() && known.is_none() {
        let mut cached: Vec<String> = cache
            .folders()
            .map_err(|e| e.to_string())?
            .into_iter()
            .map(|(name, _)| crate::mail::sanitize(&name))
            .collect();
        cached.sort();
        return Err(format!(
            "no cached messages for folder {:?} of account {account}; run `tern sync` first{}",
            crate::mail::sanitize(folder),
            if cached.is_empty() {
                String::new()
            } else {
                format!(" (folders in the cache: {})", cached.join(", "))
            }
        ));
    }
    Ok(rows)
}

/// The server's name for a folder the user typed, among `known`: exactly, except INBOX
/// in any case (so the cache never holds INBOX twice); else an error naming the folders
/// there are.
pub fn resolve_folder(asked: &str, known: &[crate::mail::FolderInfo]) -> Result<String, String> {
    if asked.eq_ignore_ascii_case("INBOX") {
        return Ok("INBOX".to_string());
    }
    if let Some(f) = known.iter().find(|f| f.name == asked && f.selectable) {
        return Ok(f.name.clone());
    }
    let names: Vec<String> = known
        .iter()
        .filter(|f| f.selectable)
        .map(|f| crate::mail::sanitize(&f.name))
        .collect();
    let close = known
        .iter()
        .find(|f| f.name.eq_ignore_ascii_case(asked))
        .map(|f| format!(" (did you mean {:?}? names are case-sensitive)", f.name))
        .unwrap_or_default();
    Err(format!(
        "there is no folder {:?}{close}; the folders are: {}",
        crate::mail::sanitize(asked),
        names.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_request_is_answered_and_garbage_gets_a_plain_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tern").join("a.sock");
        let listener = Listener::bind(&path).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        let server = tokio::spawn(async move {
            let (request, mut answer) = listener.next().await.unwrap();
            assert_eq!(
                request,
                Request::Sync {
                    folders: vec!["INBOX".into()]
                }
            );
            answer.send(&Reply::Line("INBOX 3 messages".into())).await;
            answer.send(&Reply::Done).await;
            listener
        });
        // Garbage first: answered with an error, and the listener goes on.
        let mut raw = UnixStream::connect(&path).await.unwrap();
        raw.write_all(b"{\"Explode\":1}\n").await.unwrap();
        let mut line = String::new();
        BufReader::new(&mut raw).read_line(&mut line).await.unwrap();
        assert!(line.contains("not a request tern knows"), "{line}");
        let replies = ask_first(
            &[dir.path().join("missing.sock"), path.clone()],
            &Request::Sync {
                folders: vec!["INBOX".into()],
            },
        )
        .await
        .unwrap();
        assert_eq!(
            replies,
            vec![Reply::Line("INBOX 3 messages".into()), Reply::Done]
        );
        drop(server.await.unwrap());
        assert!(!path.exists(), "the socket goes with the listener");
    }
}
