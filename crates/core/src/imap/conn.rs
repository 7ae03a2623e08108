//! One authenticated IMAP connection, driven raw: tern sends each command itself and
//! reads every response up to the tagged one. So a tagged NO/BAD is always an error
//! (never "no messages"), and every untagged response reaches either the command that
//! asked for it or `changes`, nothing is dropped by a full channel.

use super::changes::MailboxChanges;
use super::error::ImapError;
use super::reader::{Reader, Spooled};
use super::transport::Traced;
use async_imap::imap_proto::{Capability, Response, ResponseCode, Status};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// A piece of a command: text as is, or a literal sent with `{n}` framing.
pub enum Part<'a> {
    Text(&'a str),
    Literal(&'a [u8]),
}

/// What a wait during IDLE brought.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Waited {
    /// Nothing within the time limit.
    Silence,
    /// An untagged response (recorded in `changes` when it is news).
    Response,
    /// The server's tagged reply to IDLE: it left IDLE on its own.
    Ended,
}

/// What the tagged OK carried that callers need (UIDPLUS results).
#[derive(Debug, Default, Clone)]
pub struct Completion {
    /// COPYUID: (destination UIDVALIDITY, source UIDs, destination UIDs).
    pub copy_uid: Option<(u32, Vec<u32>, Vec<u32>)>,
    /// APPENDUID: (destination UIDVALIDITY, UID).
    pub append_uid: Option<(u32, u32)>,
    pub text: String,
}

/// An authenticated connection.
pub struct Conn {
    /// async-imap's session, kept for its socket only: after login tern writes and reads
    /// (`reader`) on it itself.
    session: async_imap::Session<Traced>,
    reader: Reader,
    timeout: Duration,
    label: String,
    next_tag: u32,
    caps: HashSet<String>,
    pub(crate) qresync: bool,
    pub(crate) condstore: bool,
    /// Untagged changes to the selected folder not consumed by the command that got them.
    pub(crate) changes: MailboxChanges,
}

impl Conn {
    pub(crate) fn new(
        session: async_imap::Session<Traced>,
        timeout: Duration,
        label: String,
    ) -> Conn {
        Conn {
            session,
            reader: Reader::default(),
            timeout,
            label,
            next_tag: 0,
            caps: HashSet::new(),
            qresync: false,
            condstore: false,
            changes: MailboxChanges::default(),
        }
    }

    /// Whether the server advertised a capability (case-insensitive).
    pub fn has_cap(&self, cap: &str) -> bool {
        self.caps.contains(&cap.to_ascii_uppercase())
    }

    /// Whether QRESYNC is enabled on this connection.
    pub fn qresync_enabled(&self) -> bool {
        self.qresync
    }

    /// The connection's label for logs.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Asks for CAPABILITY again (after login the set may grow).
    pub async fn refresh_capabilities(&mut self) -> Result<(), ImapError> {
        let mut caps = HashSet::new();
        self.exec("CAPABILITY", |r| {
            if let Response::Capabilities(list) = r {
                for c in list {
                    match c {
                        Capability::Imap4rev1 => caps.insert("IMAP4REV1".to_string()),
                        Capability::Auth(a) => {
                            caps.insert(format!("AUTH={}", a.to_ascii_uppercase()))
                        }
                        Capability::Atom(a) => caps.insert(a.to_ascii_uppercase()),
                    };
                }
                true
            } else {
                false
            }
        })
        .await?;
        self.caps = caps;
        Ok(())
    }

    /// ENABLEs QRESYNC (or CONDSTORE) when offered, recording which took.
    pub async fn enable_extensions(&mut self) -> Result<(), ImapError> {
        let want = if self.has_cap("QRESYNC") {
            "QRESYNC"
        } else if self.has_cap("CONDSTORE") {
            "CONDSTORE"
        } else {
            return Ok(());
        };
        if !self.has_cap("ENABLE") {
            // CONDSTORE can be turned on by use; QRESYNC cannot without ENABLE.
            self.condstore = want == "CONDSTORE";
            return Ok(());
        }
        let mut enabled = Vec::new();
        self.exec(&format!("ENABLE {want}"), |r| {
            // imap-proto has no ENABLED variant; it surfaces as capability-like data.
            if let Response::Capabilities(list) = r {
                for c in list {
                    if let Capability::Atom(a) = c {
                        enabled.push(a.to_ascii_uppercase());
                    }
                }
                return true;
            }
            false
        })
        .await?;
        self.qresync = enabled.iter().any(|e| e == "QRESYNC");
        self.condstore = self.qresync || enabled.iter().any(|e| e == "CONDSTORE");
        if !self.condstore && want == "CONDSTORE" {
            self.condstore = true;
        }
        Ok(())
    }

    /// Bytes moved on this connection so far (both ways), for progress reports.
    pub fn traffic(&self) -> std::sync::Arc<std::sync::atomic::AtomicU64> {
        self.session.get_ref().progress()
    }

    fn tag(&mut self) -> String {
        self.next_tag += 1;
        format!("t{}", self.next_tag)
    }

    async fn write(&mut self, bytes: &[u8]) -> Result<(), ImapError> {
        let progress = self.session.get_ref().progress();
        let w = self.session.get_mut();
        let send = async {
            w.write_all(bytes).await?;
            w.flush().await
        };
        until_inactive(&progress, self.timeout, send)
            .await
            .map_err(|_| ImapError::Timeout(format!("{}: sending to the server", self.label)))?
            .map_err(ImapError::from)
    }

    /// Sends a command; `on` sees each untagged response and returns whether it used it
    /// (unused ones about the selected folder are kept in `changes`).
    pub async fn exec(
        &mut self,
        command: &str,
        on: impl FnMut(&Response<'_>) -> bool,
    ) -> Result<Completion, ImapError> {
        self.exec_parts(&[Part::Text(command)], on).await
    }

    /// Like `exec`, with literals (non-ASCII search strings, APPEND bodies).
    pub async fn exec_parts(
        &mut self,
        parts: &[Part<'_>],
        mut on: impl FnMut(&Response<'_>) -> bool,
    ) -> Result<Completion, ImapError> {
        self.exec_spooled(parts, |r, _| on(r)).await
    }

    /// Like `exec_parts`, for answers that may bring big literals: `on` also gets the
    /// literals that went to files (`Spooled::bytes` reads one back).
    pub async fn exec_spooled(
        &mut self,
        parts: &[Part<'_>],
        mut on: impl FnMut(&Response<'_>, &Spooled) -> bool,
    ) -> Result<Completion, ImapError> {
        let tag = self.tag();
        let shown = describe(parts);
        let mut buf: Vec<u8> = format!("{tag} ").into_bytes();
        for part in parts {
            match part {
                Part::Text(t) => buf.extend_from_slice(t.as_bytes()),
                Part::Literal(bytes) => {
                    buf.extend_from_slice(format!("{{{}}}\r\n", bytes.len()).as_bytes());
                    self.write(&buf).await?;
                    buf.clear();
                    self.wait_continuation(&tag, &shown, &mut on).await?;
                    self.write(bytes).await?;
                }
            }
        }
        buf.extend_from_slice(b"\r\n");
        self.write(&buf).await?;
        self.read_until_tagged(&tag, &shown, &mut on).await
    }

    /// The next response, with the changes `f` may keep what it does not use in, within
    /// the connection's inactivity timeout.
    async fn next_response<T>(
        &mut self,
        f: impl FnOnce(&Response<'_>, &Spooled, &mut MailboxChanges) -> T,
    ) -> Result<T, ImapError> {
        let progress = self.session.get_ref().progress();
        let changes = &mut self.changes;
        let read = self
            .reader
            .next(self.session.get_mut(), |r, spooled| f(r, spooled, changes));
        until_inactive(&progress, self.timeout, read)
            .await
            .map_err(|_| ImapError::Timeout(format!("{}: waiting for the server", self.label)))?
    }

    async fn wait_continuation(
        &mut self,
        tag: &str,
        shown: &str,
        on: &mut impl FnMut(&Response<'_>, &Spooled) -> bool,
    ) -> Result<(), ImapError> {
        loop {
            let step = self
                .next_response(|r, spooled, changes| match r {
                    Response::Continue(_) => Some(Ok(())),
                    Response::Done {
                        tag: t,
                        status,
                        outcome,
                    } if t.0 == tag => Some(Err(tagged_error(
                        shown,
                        status,
                        outcome.information.as_deref(),
                    ))),
                    Response::Done { tag: t, .. } => Some(Err(out_of_step(t.0.as_ref()))),
                    other => {
                        if !on(other, spooled) {
                            changes.absorb(other);
                        }
                        None
                    }
                })
                .await?;
            if let Some(r) = step {
                return r;
            }
        }
    }

    async fn read_until_tagged(
        &mut self,
        tag: &str,
        shown: &str,
        on: &mut impl FnMut(&Response<'_>, &Spooled) -> bool,
    ) -> Result<Completion, ImapError> {
        let mut bye: Option<String> = None;
        loop {
            let step = self
                .next_response(|r, spooled, changes| match r {
                    Response::Done {
                        tag: t,
                        status,
                        outcome,
                    } if t.0 == tag => {
                        if *status != Status::Ok {
                            return Some(Err(tagged_error(
                                shown,
                                status,
                                outcome.information.as_deref(),
                            )));
                        }
                        Some(Ok(completion(
                            &outcome.code,
                            outcome.information.as_deref(),
                        )))
                    }
                    // Only one command is ever in flight: another tag means the server and tern
                    // no longer agree which answer belongs to which command.
                    Response::Done { tag: t, .. } => Some(Err(out_of_step(t.0.as_ref()))),
                    Response::Data {
                        status: Status::Bye,
                        outcome,
                    } => {
                        bye = Some(outcome.information.as_deref().unwrap_or("").to_string());
                        None
                    }
                    other => {
                        if !on(other, spooled) {
                            changes.absorb(other);
                        }
                        None
                    }
                })
                .await;
            match step {
                Ok(Some(r)) => return r,
                Ok(None) => {}
                Err(ImapError::Lost(_)) if bye.is_some() => {
                    return Err(ImapError::Bye(format!(": {}", bye.unwrap_or_default())))
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Waits for the next response while IDLE, up to `limit`.
    pub(crate) async fn wait_idle(&mut self, limit: Duration) -> Result<Waited, ImapError> {
        let changes = &mut self.changes;
        let read = self.reader.next(self.session.get_mut(), |r, _| match r {
            Response::Data {
                status: Status::Bye,
                outcome,
            } => Err(ImapError::Bye(format!(
                ": {}",
                outcome.information.as_deref().unwrap_or("")
            ))),
            // The server ended IDLE by itself: no DONE may follow.
            Response::Done { .. } => Ok(Waited::Ended),
            other => {
                changes.absorb(other);
                Ok(Waited::Response)
            }
        });
        // The reader is cancel-safe: a wait cut off keeps what it had read.
        match tokio::time::timeout(limit, read).await {
            Err(_) => Ok(Waited::Silence),
            Ok(r) => r?,
        }
    }

    /// Starts IDLE: sends the command and waits for the server's continuation.
    pub(crate) async fn idle_start(&mut self) -> Result<String, ImapError> {
        let tag = self.tag();
        self.write(format!("{tag} IDLE\r\n").as_bytes()).await?;
        self.wait_continuation(&tag, "IDLE", &mut |_, _| false)
            .await?;
        Ok(tag)
    }

    /// Ends IDLE and reads up to its tagged OK.
    pub(crate) async fn idle_done(&mut self, tag: &str) -> Result<(), ImapError> {
        self.write(b"DONE\r\n").await?;
        self.read_until_tagged(tag, "IDLE", &mut |_, _| false)
            .await
            .map(|_| ())
    }

    /// Logs out politely; errors are irrelevant at this point.
    pub async fn logout(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(2), self.exec("LOGOUT", |_| false)).await;
    }
}

/// Runs `fut` until it ends, or until no byte has moved on the link for `limit`: a big
/// message on a slow link is fine, a silent one is not.
async fn until_inactive<F: std::future::Future>(
    progress: &AtomicU64,
    limit: Duration,
    fut: F,
) -> Result<F::Output, ()> {
    tokio::pin!(fut);
    let mut seen = progress.load(Ordering::Relaxed);
    loop {
        tokio::select! {
            out = &mut fut => return Ok(out),
            _ = tokio::time::sleep(limit) => {
                let now = progress.load(Ordering::Relaxed);
                if now == seen {
                    return Err(());
                }
                seen = now;
            }
        }
    }
}

fn describe(parts: &[Part<'_>]) -> String {
    let mut s = String::new();
    for p in parts {
        match p {
            Part::Text(t) => s.push_str(t),
            Part::Literal(b) => s.push_str(&format!("{{{} bytes}}", b.len())),
        }
    }
    if s.len() > 80 {
        let mut cut = 77;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push_str("...");
    }
    s
}

fn tagged_error(command: &str, status: &Status, words: Option<&str>) -> ImapError {
    let words = words.unwrap_or("(no reason given)").trim().to_string();
    match status {
        Status::Bad => ImapError::Bad {
            command: command.to_string(),
            words,
        },
        _ => ImapError::No {
            command: command.to_string(),
            words,
        },
    }
}

fn completion(code: &Option<ResponseCode<'_>>, text: Option<&str>) -> Completion {
    let mut c = Completion {
        text: text.unwrap_or("").to_string(),
        ..Completion::default()
    };
    match code {
        Some(ResponseCode::CopyUid(v, src, dst)) => {
            if let (Some(s), Some(d)) = (super::uidset::expand(src), super::uidset::expand(dst)) {
                c.copy_uid = Some((*v, s, d));
            }
        }
        Some(ResponseCode::AppendUid(v, uids)) => {
            if let Some(u) = super::uidset::expand(uids).and_then(|u| u.first().copied()) {
                c.append_uid = Some((*v, u));
            }
        }
        _ => {}
    }
    c
}

/// A tagged answer to a command tern did not send: the connection is out of step, so it
/// is given up (the worker connects anew) rather than read on.
fn out_of_step(tag: &str) -> ImapError {
    let shown: String = crate::mail::sanitize(tag).chars().take(20).collect();
    ImapError::Lost(format!(
        "the server answered a command tern did not send (tag {shown}); starting a new connection"
    ))
}
