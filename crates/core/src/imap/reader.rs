//! The response reader after login: frames the server's bytes into whole responses (lines
//! and the literals they announce) and hands each to the IMAP parser once, when it is
//! complete, so the parsing work is proportional to the bytes read (async-imap's stream
//! parses its buffer again after every read, quadratic on a long line). The buffer grows
//! with the bytes that came, never with a number the server announced; a literal of
//! `SPOOL_AT` bytes or more is written to an unlinked temporary file as it arrives, and
//! the parser sees a short marker in its place (`Spooled::bytes` gives it back). The byte
//! guard under it (`guard`) has already refused lines, depths and literals past its bounds.

use super::error::{excerpt, ImapError};
use async_imap::imap_proto::Response;
use std::borrow::Cow;
use std::io::{Read, Seek, Write};
use tokio::io::{AsyncRead, AsyncReadExt};

/// A literal this big or bigger goes to a file, not memory.
pub const SPOOL_AT: u64 = 1 << 20;
/// The most one response may hold in memory (its lines and small literals); beyond it
/// even small literals are spooled, and a response whose lines alone pass it is refused.
pub const MAX_IN_MEMORY: usize = 16 << 20;
/// The most one response may bring in all (what is spooled included).
pub const MAX_RESPONSE: u64 = 256 << 20;
/// How much is asked of the socket at a time.
const READ_CHUNK: usize = 64 << 10;
/// What stands in the parser's input for a spooled literal: the marker, then its number.
const MARKER: &[u8] = b"\0tern-spooled-literal:";

/// The literals of one response that went to files, in order.
#[derive(Default)]
pub struct Spooled {
    files: Vec<std::fs::File>,
}

impl Spooled {
    /// The bytes of a literal as the parser gave them: a spooled one is read back whole
    /// from its file (only when asked: a caller that does not want it costs nothing).
    pub fn bytes<'a>(&self, seen: &'a [u8]) -> Result<Cow<'a, [u8]>, ImapError> {
        let Some(n) = seen.strip_prefix(MARKER) else {
            return Ok(Cow::Borrowed(seen));
        };
        let file = std::str::from_utf8(n)
            .ok()
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| self.files.get(n));
        let Some(mut file) = file else {
            return Ok(Cow::Borrowed(seen));
        };
        let lost = |e: std::io::Error| {
            ImapError::Lost(format!("a big message part could not be kept on disk: {e}"))
        };
        let len = file.seek(std::io::SeekFrom::End(0)).map_err(lost)?;
        file.rewind().map_err(lost)?;
        let mut out = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
        file.read_to_end(&mut out).map_err(lost)?;
        Ok(Cow::Owned(out))
    }
}

/// Reads whole responses from the server.
#[derive(Default)]
pub struct Reader {
    /// Bytes of the response being framed (spooled literals replaced) from `start`, then
    /// any read after it. Responses already handed over are left before `start` until a
    /// read needs the room: moving the rest down after every response would copy a
    /// read's worth of bytes per response.
    buf: Vec<u8>,
    start: usize,
    /// How far the framing has looked into `buf`.
    scanned: usize,
    /// Where the current line began.
    line_start: usize,
    /// Bytes of an in-memory literal still to come.
    literal: u64,
    /// A literal being written to a file: the file and the bytes still to come.
    spool: Option<(std::fs::File, u64)>,
    spooled: Spooled,
    /// What the response has brought in all.
    total: u64,
    /// Responses handed to the parser (each once).
    #[cfg(test)]
    parses: usize,
}

impl Reader {
    /// The next whole response, handed to `f` with its spooled literals.
    pub async fn next<S, T>(
        &mut self,
        stream: &mut S,
        f: impl FnOnce(&Response<'_>, &Spooled) -> T,
    ) -> Result<T, ImapError>
    where
        S: AsyncRead + Unpin,
    {
        loop {
            if let Some(end) = self.frame()? {
                return self.parse(end, f);
            }
            // Cancel-safe: only a completed read changes `buf` (IDLE waits are timed out).
            self.compact();
            self.buf.reserve(READ_CHUNK);
            let got = stream
                .read_buf(&mut self.buf)
                .await
                .map_err(ImapError::from)?;
            if got == 0 {
                return Err(ImapError::Lost("the server closed the connection".into()));
            }
        }
    }

    /// Moves the framing over what has been read: the end of a whole response in `buf`
    /// once there is one.
    fn frame(&mut self) -> Result<Option<usize>, ImapError> {
        loop {
            if let Some((file, left)) = self.spool.as_mut() {
                let take = (self.buf.len() - self.scanned)
                    .min(usize::try_from(*left).unwrap_or(usize::MAX));
                file.write_all(&self.buf[self.scanned..self.scanned + take])
                    .map_err(|e| {
                        ImapError::Lost(format!(
                            "a big message part could not be kept on disk: {e}"
                        ))
                    })?;
                self.buf.drain(self.scanned..self.scanned + take);
                *left -= take as u64;
                if *left > 0 {
                    return Ok(None);
                }
                if let Some((file, _)) = self.spool.take() {
                    self.spooled.files.push(file);
                }
                self.line_start = self.scanned;
            }
            if self.literal > 0 {
                let avail = (self.buf.len() - self.scanned) as u64;
                let take = avail.min(self.literal);
                self.scanned += take as usize;
                self.literal -= take;
                if self.literal > 0 {
                    return Ok(None);
                }
                self.line_start = self.scanned;
            }
            let Some(nl) = memchr::memchr(b'\n', &self.buf[self.scanned..]) else {
                self.scanned = self.buf.len();
                self.check_size()?;
                return Ok(None);
            };
            self.scanned += nl + 1;
            self.check_size()?;
            let line = &self.buf[self.line_start..self.scanned];
            let Some((open, n)) = announced(line) else {
                return Ok(Some(self.scanned));
            };
            self.total += n;
            if self.total > MAX_RESPONSE {
                return Err(ImapError::Lost(format!(
                    "the server sent a response of more than {} MiB; starting a new connection",
                    MAX_RESPONSE >> 20
                )));
            }
            if n >= SPOOL_AT || (self.scanned - self.start) as u64 + n > MAX_IN_MEMORY as u64 {
                let file = tempfile::tempfile().map_err(|e| {
                    ImapError::Lost(format!("a big message part could not be kept on disk: {e}"))
                })?;
                // `{n}` becomes a literal holding the marker: what the parser sees is small.
                let marker = [MARKER, self.spooled.files.len().to_string().as_bytes()].concat();
                let at = self.line_start + open;
                let mut stand_in = format!("{{{}}}\r\n", marker.len()).into_bytes();
                stand_in.extend_from_slice(&marker);
                self.buf.splice(at..self.scanned, stand_in.iter().copied());
                self.scanned = at + stand_in.len();
                self.spool = Some((file, n));
            } else {
                self.literal = n;
            }
        }
    }

    /// Drops the responses handed over from the front of `buf`, once they are at least
    /// half of it (so each byte is moved a bounded number of times).
    fn compact(&mut self) {
        if self.start == self.buf.len() {
            self.buf.clear();
        } else if self.start > 0 && self.start >= self.buf.len() / 2 {
            self.buf.drain(..self.start);
        } else {
            return;
        }
        self.scanned -= self.start;
        self.line_start -= self.start;
        self.start = 0;
    }

    /// The response's lines and small literals must fit in memory's bound.
    fn check_size(&self) -> Result<(), ImapError> {
        if self.scanned - self.start > MAX_IN_MEMORY {
            return Err(ImapError::Lost(format!(
                "the server sent a response of more than {} MiB outside its big literals; starting a new connection",
                MAX_IN_MEMORY >> 20
            )));
        }
        Ok(())
    }

    /// Parses the whole response `buf[..end]` once, hands it to `f`, and forgets it.
    fn parse<T>(
        &mut self,
        end: usize,
        f: impl FnOnce(&Response<'_>, &Spooled) -> T,
    ) -> Result<T, ImapError> {
        #[cfg(test)]
        {
            self.parses += 1;
        }
        let response = &self.buf[self.start..end];
        let out = match Response::parse(response) {
            Ok((&[], response)) => Ok(f(&response, &self.spooled)),
            // Framed whole, yet the parser wants more or stopped short: not IMAP.
            _ => Err(ImapError::Lost(format!(
                "the server sent something that is not IMAP (it began \"{}\"); starting a new connection",
                excerpt(String::from_utf8_lossy(&response[..response.len().min(120)]).trim_end(), 40)
            ))),
        };
        self.start = end;
        self.line_start = end;
        self.total = 0;
        self.spooled = Spooled::default();
        if self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
            self.scanned = 0;
            self.line_start = 0;
            // A buffer that grew for a big response gives the memory back.
            if self.buf.capacity() > 4 * READ_CHUNK {
                self.buf.shrink_to(2 * READ_CHUNK);
            }
        }
        out
    }
}

/// A line ending in a literal's announcement `{n}` (or `{n+}`): where the `{` is, and n.
fn announced(line: &[u8]) -> Option<(usize, u64)> {
    let line = line.strip_suffix(b"\n")?;
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let inner = line.strip_suffix(b"}")?;
    let open = inner.iter().rposition(|&b| b == b'{')?;
    let digits = &inner[open + 1..];
    let digits = digits.strip_suffix(b"+").unwrap_or(digits);
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = std::str::from_utf8(digits).ok()?.parse().ok()?;
    Some((open, n))
}

#[cfg(test)]
#[path = "reader_tests.rs"]
mod tests;
