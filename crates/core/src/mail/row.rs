//! One message as the message list holds it: only what a row draws, sorts, searches and
//! threads by: its subject and its ID's and parents' keys in a chunk of text shared with
//! the rows made with it (`RowBuilder`), its people (sender and first recipient) shared
//! with the rows made with it that have the same. A folder of
//! 100,000 messages is held as 100,000 of these, so every byte here is paid per
//! message; the rest of the headers (all recipients, Reply-To, the Message-ID itself)
//! stays in the cache and is read when a message is opened or answered.

use super::summary::SummaryRef;
use super::{Flag, Flags, MessageSummary, Uid};
use std::collections::HashMap;
use std::hash::{BuildHasher, DefaultHasher, Hasher};
use std::sync::Arc;

/// A message of the list.
#[derive(Clone, Default)]
pub struct Row {
    pub uid: Uid,
    /// The time to sort by: the Date header, else the internal date.
    pub date: i64,
    /// The system flags' bits and the keywords (`flags()`), apart: a `Flags` field
    /// would hold 7 bytes of padding in every row.
    bits: u8,
    #[allow(clippy::box_collection)] // a thin pointer, none when empty, as in `Flags`
    keywords: Option<Box<Vec<String>>>,
    pub has_attachments: bool,
    /// The text of the rows made with this one (`RowBuilder`): none only while the
    /// builder still fills it, and a builder hands out no row before.
    chunk: Option<Arc<Chunk>>,
    /// Where this row's text starts in the chunk: its Message-ID's key, its parents'
    /// keys (11 characters each, the nearest first), then its subject.
    at: u32,
    subject_len: u16,
    parents: u8,
    /// Its people's place in the chunk's list of them.
    people_at: u16,
}

/// The text of many rows end to end: one allocation for a chunk of a folder's rows,
/// not one a row (each with the allocator's header and rounding); and the people of
/// those rows, each once, so a row names them in 2 bytes instead of a pointer's 8.
#[derive(Default)]
struct Chunk {
    text: Box<str>,
    people: Box<[Arc<People>]>,
}

/// The sender's name, address and the first recipient as shown, end to end, and where
/// the second and third start. A folder's senders repeat: rows read together share one.
#[derive(Debug, Default, PartialEq, Eq)]
struct People {
    text: Box<str>,
    cuts: [u16; 2],
}

/// The people already met while rows are made together (a folder's read): each row
/// takes a share of the same `People` instead of its own copy. Dropped after the read.
#[derive(Default)]
struct Met {
    /// By a hash of the people's text and cuts; the rare collisions side by side.
    seen: HashMap<u64, Vec<Arc<People>>>,
    hasher: foldhash::fast::RandomState,
    text: String,
}

impl Met {
    fn people(&mut self, parts: [&str; 3]) -> Arc<People> {
        self.text.clear();
        let mut cuts = [0u16; 2];
        for (i, part) in parts.into_iter().enumerate() {
            if i > 0 {
                // At most 2 * 512 bytes come before: within u16.
                cuts[i - 1] = u16::try_from(self.text.len()).unwrap_or(u16::MAX);
            }
            self.text.push_str(part);
        }
        let mut h = self.hasher.build_hasher();
        h.write(self.text.as_bytes());
        h.write_u16(cuts[0]);
        h.write_u16(cuts[1]);
        let same = self.seen.entry(h.finish()).or_default();
        if let Some(p) = same
            .iter()
            .find(|p| p.cuts == cuts && *p.text == *self.text)
        {
            return p.clone();
        }
        let p = Arc::new(People {
            text: self.text.as_str().into(),
            cuts,
        });
        same.push(p.clone());
        p
    }
}

/// Parent keys a row keeps (the nearest first): a thread deeper than this whose nearer
/// parents are all missing from the folder starts anew.
const PARENTS_MAX: usize = 32;
/// Characters of one key in `text`: 64 bits, 6 a character.
const KEY_LEN: usize = 11;
const KEY_DIGITS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn push_key(text: &mut String, key: u64) {
    for i in 0..KEY_LEN {
        text.push(char::from(KEY_DIGITS[((key >> (6 * i)) & 63) as usize]));
    }
}

/// Each key character's 6 bits, by the character (threads decode every row's keys).
const KEY_VALUES: [u8; 256] = {
    let mut t = [63u8; 256];
    let mut i = 0;
    while i < 64 {
        t[KEY_DIGITS[i] as usize] = i as u8;
        i += 1;
    }
    t
};

fn key_of(chars: &[u8]) -> u64 {
    chars.iter().enumerate().fold(0u64, |k, (i, &c)| {
        // i < KEY_LEN, so the shift stays under 64.
        k | (u64::from(KEY_VALUES[c as usize]) << (6 * i))
    })
}

/// Bytes of a subject a row keeps: more than any screen shows or a search needs, and a
/// hostile megabyte-long subject is not held for every row.
const SUBJECT_MAX: usize = 2048;
/// Bytes of a name or an address a row keeps.
const NAME_MAX: usize = 512;

/// The longest start of `s` of at most `max` bytes that ends on a character.
fn cut(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// A Message-ID as a number, for threading and for finding a message by its ID: the
/// same for `<a@b>` and `a@b`; 0 for an empty one. Two IDs may share a key with the
/// odds of a 64-bit hash.
pub fn message_key(id: &str) -> u64 {
    key_of_id(id.as_bytes())
}

/// `message_key` of the bytes of an ID (as the cache holds them: a folder is read
/// without checking that references it only hashes are UTF-8).
fn key_of_id(id: &[u8]) -> u64 {
    let mut bare = id.trim_ascii();
    while let [b'<', rest @ ..] = bare {
        bare = rest;
    }
    while let [rest @ .., b'>'] = bare {
        bare = rest;
    }
    if bare.is_empty() {
        return 0;
    }
    let mut h = DefaultHasher::new();
    h.write(bare);
    h.finish().max(1)
}

/// What a row is made of, borrowed from wherever the message is (a `MessageSummary`,
/// or the cache's bytes as they are read: `SummaryRef`).
struct Parts<'a> {
    uid: Uid,
    date: i64,
    flags: Flags,
    has_attachments: bool,
    /// Subject, sender's name, sender's address, first recipient as shown.
    text: [&'a str; 4],
    message_id: Option<&'a [u8]>,
    in_reply_to: Option<&'a [u8]>,
}

/// Bytes of text after which a builder closes its chunk: large enough that a chunk's own
/// cost (its count and header) is nothing a row, under glibc's 128 KiB for a block
/// of its own.
const CHUNK: usize = 64 * 1024;
/// The most text one row adds: its subject, its ID's and its parents' keys.
const ROW_MAX: usize = SUBJECT_MAX + (PARENTS_MAX + 1) * KEY_LEN;

/// Makes the rows of a read, their text in shared chunks and their people shared:
/// rows are handed out only by `finish`, when every chunk is closed.
pub struct RowBuilder {
    rows: Vec<Row>,
    /// Rows before this one have their chunk.
    closed: usize,
    text: String,
    met: Met,
    /// The people of the rows since the last close, and their places there (by the
    /// shared block's address: `met` gives the same people the same block).
    people: Vec<Arc<People>>,
    places: HashMap<*const People, u16, foldhash::fast::RandomState>,
}

impl RowBuilder {
    /// A builder for about `rows` rows (a hint: the list and the first chunk are sized
    /// by it).
    pub fn with_capacity(rows: usize) -> RowBuilder {
        RowBuilder {
            rows: Vec::with_capacity(rows),
            closed: 0,
            text: String::with_capacity(rows.saturating_mul(64).min(CHUNK) + ROW_MAX),
            met: Met::default(),
            people: Vec::new(),
            places: HashMap::default(),
        }
    }

    /// Adds the row of a cached message.
    pub fn push(&mut self, m: &MessageSummary) {
        let from = m.from.first();
        self.build(
            Parts {
                uid: m.uid,
                date: m.sort_date(),
                flags: m.flags.clone(),
                has_attachments: m.has_attachments,
                text: [
                    &m.subject,
                    from.and_then(|a| a.name.as_deref()).unwrap_or(""),
                    from.map(|a| a.email.as_str()).unwrap_or(""),
                    m.to.first().map(|a| a.display()).unwrap_or(""),
                ],
                message_id: m.message_id.as_deref().map(str::as_bytes),
                in_reply_to: m.in_reply_to.as_deref().map(str::as_bytes),
            },
            &m.references,
        );
    }

    /// Adds the row of a message read from the cache's bytes, with nothing copied but
    /// what the row keeps (a whole folder is read this way).
    pub fn push_ref(&mut self, m: SummaryRef<'_>) {
        let from = m.from.0.as_ref();
        self.build(
            Parts {
                uid: m.uid,
                date: m.date.unwrap_or(m.internal_date),
                flags: m.flags,
                has_attachments: m.has_attachments,
                text: [
                    m.subject,
                    from.and_then(|a| a.name).unwrap_or(""),
                    from.map(|a| a.email).unwrap_or(""),
                    m.to.0.as_ref().map(|a| a.display()).unwrap_or(""),
                ],
                message_id: m.message_id,
                in_reply_to: m.in_reply_to,
            },
            &m.references,
        );
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The rows, in the order added, every chunk closed; no room left over.
    pub fn finish(mut self) -> Vec<Row> {
        self.close();
        self.rows.shrink_to_fit();
        self.rows
    }

    fn build<R: AsRef<[u8]>>(&mut self, p: Parts<'_>, references: &[R]) {
        let [subject, name, email, to] = p.text;
        let subject = cut(subject, SUBJECT_MAX);
        let mut parents = [0u64; PARENTS_MAX];
        let mut count = 0;
        for key in p
            .in_reply_to
            .into_iter()
            .chain(references.iter().rev().map(|r| r.as_ref()))
            .map(key_of_id)
        {
            // In-Reply-To is most often the last reference too: kept once.
            if key != 0 && !parents[..count].contains(&key) {
                parents[count] = key;
                count += 1;
                if count == PARENTS_MAX {
                    break;
                }
            }
        }
        if self.text.capacity() == 0 {
            self.text.reserve(CHUNK + ROW_MAX);
        }
        // The chunk stays far below 4 GiB: at most CHUNK + ROW_MAX bytes.
        let at = u32::try_from(self.text.len()).unwrap_or(u32::MAX);
        push_key(&mut self.text, p.message_id.map(key_of_id).unwrap_or(0));
        for &key in &parents[..count] {
            push_key(&mut self.text, key);
        }
        self.text.push_str(subject);
        let met = self
            .met
            .people([cut(name, NAME_MAX), cut(email, NAME_MAX), cut(to, NAME_MAX)]);
        let people_at = match self.places.get(&Arc::as_ptr(&met)) {
            Some(&place) => place,
            None => {
                // A chunk holds at most CHUNK / KEY_LEN rows (each has an ID's key), far
                // fewer than u16::MAX people.
                let place = u16::try_from(self.people.len()).unwrap_or(u16::MAX);
                self.places.insert(Arc::as_ptr(&met), place);
                self.people.push(met);
                place
            }
        };
        let (bits, keywords) = p.flags.into_parts();
        self.rows.push(Row {
            uid: p.uid,
            date: p.date,
            bits,
            keywords,
            has_attachments: p.has_attachments,
            chunk: None,
            at,
            // At most 2048 bytes, and 32 parents: within u16 and u8.
            subject_len: u16::try_from(subject.len()).unwrap_or(u16::MAX),
            parents: u8::try_from(count).unwrap_or(u8::MAX),
            people_at,
        });
        if self.text.len() >= CHUNK || self.people.len() >= usize::from(u16::MAX) {
            self.close();
        }
    }

    /// Gives the rows since the last close their chunk, and starts the next.
    fn close(&mut self) {
        if self.closed == self.rows.len() {
            return;
        }
        // The next chunk's room is taken when a row needs it: a builder's last close
        // allocates nothing.
        let full = std::mem::take(&mut self.text);
        self.places.clear();
        let chunk = Arc::new(Chunk {
            text: full.into_boxed_str(),
            people: std::mem::take(&mut self.people).into_boxed_slice(),
        });
        for row in &mut self.rows[self.closed..] {
            row.chunk = Some(chunk.clone());
        }
        self.closed = self.rows.len();
    }
}

impl Row {
    /// The row of a cached message, made alone.
    pub fn of(m: &MessageSummary) -> Row {
        let mut b = RowBuilder::with_capacity(1);
        b.push(m);
        b.finish().pop().unwrap_or_default()
    }

    /// The message's flags.
    pub fn flags(&self) -> Flags {
        Flags::from_parts(self.bits, self.keywords.clone())
    }

    /// Whether a system flag is set.
    pub fn has(&self, flag: Flag) -> bool {
        Flags::from_parts(self.bits, None).has(flag)
    }

    /// Sets or clears a system flag.
    pub fn set_flag(&mut self, flag: Flag, on: bool) {
        let mut f = Flags::from_parts(self.bits, None);
        f.set(flag, on);
        self.bits = f.into_parts().0;
    }

    pub fn set_flags(&mut self, flags: Flags) {
        (self.bits, self.keywords) = flags.into_parts();
    }

    /// `len` bytes of this row's text from `from`.
    fn span(&self, from: usize, len: usize) -> &str {
        let start = self.at as usize + from;
        self.chunk
            .as_deref()
            .and_then(|c| c.text.get(start..start + len))
            .unwrap_or("")
    }

    /// The sender and first recipient (none only in a row made by `Default`).
    fn people(&self) -> Option<&People> {
        let c = self.chunk.as_deref()?;
        c.people.get(usize::from(self.people_at)).map(|p| &**p)
    }

    /// Part `i` of the people: name, address, recipient.
    fn person(&self, i: usize) -> &str {
        let Some(p) = self.people() else {
            return "";
        };
        let start = if i == 0 { 0 } else { p.cuts[i - 1] as usize };
        let end = p.cuts.get(i).map_or(p.text.len(), |&c| c as usize);
        p.text.get(start..end).unwrap_or("")
    }

    pub fn subject(&self) -> &str {
        self.span(
            KEY_LEN * (1 + self.parents as usize),
            self.subject_len as usize,
        )
    }

    /// The first sender's name ("" without one).
    pub fn sender_name(&self) -> &str {
        self.person(0)
    }

    /// The first sender's address ("" without one).
    pub fn sender_email(&self) -> &str {
        self.person(1)
    }

    /// The first sender as shown (name, else address); empty when there is none.
    pub fn sender(&self) -> &str {
        match self.sender_name() {
            n if !n.trim().is_empty() => n,
            _ => self.sender_email(),
        }
    }

    /// The first recipient as shown (name, else address); empty when there is none.
    pub fn recipient(&self) -> &str {
        self.person(2)
    }

    /// `message_key` of the Message-ID (0: none).
    pub fn id(&self) -> u64 {
        key_of(self.span(0, KEY_LEN).as_bytes())
    }

    /// Whether this message's Message-ID is `id` (any brackets).
    pub fn has_id(&self, id: &str) -> bool {
        let own = self.id();
        own != 0 && own == message_key(id)
    }

    /// The keys of the messages this one answers, nearest first.
    pub fn parents(&self) -> impl Iterator<Item = u64> + '_ {
        let keys = self.span(KEY_LEN, KEY_LEN * self.parents as usize);
        keys.as_bytes().chunks_exact(KEY_LEN).map(key_of)
    }
}

/// Heap bytes of the chunks these rows hold, each chunk once (its text, its list of
/// people, the counts and header of its block): what `benches/rows.rs` reports.
pub fn chunk_bytes(rows: &[Row]) -> usize {
    let mut seen = std::collections::HashSet::new();
    rows.iter()
        .filter_map(|r| r.chunk.as_ref())
        .filter(|c| seen.insert(Arc::as_ptr(c)))
        .map(|c| {
            2 * std::mem::size_of::<usize>()
                + std::mem::size_of::<Chunk>()
                + c.text.len()
                + std::mem::size_of_val(&*c.people)
        })
        .sum()
}

/// Rows are the same when they show, sort and thread the same, wherever their text is.
impl PartialEq for Row {
    fn eq(&self, o: &Row) -> bool {
        (
            self.uid,
            self.date,
            self.bits,
            &self.keywords,
            self.has_attachments,
        ) == (o.uid, o.date, o.bits, &o.keywords, o.has_attachments)
            && (self.subject(), self.id(), self.people()) == (o.subject(), o.id(), o.people())
            && self.parents().eq(o.parents())
    }
}

impl Eq for Row {}

/// What a row shows and threads by (its chunk is other rows' text too).
impl std::fmt::Debug for Row {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Row")
            .field("uid", &self.uid)
            .field("date", &self.date)
            .field("flags", &self.flags())
            .field("has_attachments", &self.has_attachments)
            .field("subject", &self.subject())
            .field("sender", &self.sender())
            .field("recipient", &self.recipient())
            .field("id", &self.id())
            .field("parents", &self.parents().collect::<Vec<_>>())
            .finish()
    }
}

impl From<&MessageSummary> for Row {
    fn from(m: &MessageSummary) -> Row {
        Row::of(m)
    }
}

impl From<MessageSummary> for Row {
    fn from(m: MessageSummary) -> Row {
        Row::of(&m)
    }
}

#[cfg(test)]
#[path = "row_tests.rs"]
mod tests;
