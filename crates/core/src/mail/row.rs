//! One message as the message list holds it: only what a row draws, sorts, searches and
//! threads by, in one allocation for its text. A folder of 100,000 messages is held as
//! 100,000 of these, so every byte here is paid per message; the rest of the headers
//! (all recipients, Reply-To, the Message-ID itself) stays in the cache and is read when
//! a message is opened or answered.

use super::{Flags, MessageSummary, Uid};
use std::hash::{DefaultHasher, Hash, Hasher};

/// A message of the list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Row {
    pub uid: Uid,
    /// The time to sort by: the Date header, else the internal date.
    pub date: i64,
    pub flags: Flags,
    pub has_attachments: bool,
    /// Subject, sender's name, sender's address, first recipient, then the parents'
    /// keys (11 characters each), end to end: one allocation a message.
    text: Box<str>,
    /// Where the sender's name, address, the recipient and the keys start in `text`.
    cuts: [u16; 4],
    /// `message_key` of the Message-ID (0: none).
    id: u64,
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

fn key_of(chars: &[u8]) -> u64 {
    chars.iter().enumerate().fold(0u64, |k, (i, &c)| {
        let digit = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            _ => 63,
        };
        // i < KEY_LEN, so the shift stays under 64.
        k | (u64::from(digit) << (6 * i))
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
    let bare = id.trim().trim_start_matches('<').trim_end_matches('>');
    if bare.is_empty() {
        return 0;
    }
    let mut h = DefaultHasher::new();
    bare.hash(&mut h);
    h.finish().max(1)
}

impl Row {
    /// The row of a cached message.
    pub fn of(m: &MessageSummary) -> Row {
        let from = m.from.first();
        let name = from.and_then(|a| a.name.as_deref()).unwrap_or("");
        let email = from.map(|a| a.email.as_str()).unwrap_or("");
        let to = m.to.first().map(|a| a.display()).unwrap_or("");
        let parts = [
            cut(&m.subject, SUBJECT_MAX),
            cut(name, NAME_MAX),
            cut(email, NAME_MAX),
            cut(to, NAME_MAX),
        ];
        let mut parents: Vec<u64> = Vec::new();
        for key in m
            .in_reply_to
            .iter()
            .chain(m.references.iter().rev())
            .map(|r| message_key(r))
        {
            // In-Reply-To is most often the last reference too: kept once.
            if key != 0 && !parents.contains(&key) && parents.len() < PARENTS_MAX {
                parents.push(key);
            }
        }
        let mut text = String::with_capacity(
            parts.iter().map(|p| p.len()).sum::<usize>() + parents.len() * KEY_LEN,
        );
        let mut cuts = [0u16; 4];
        for (i, part) in parts.into_iter().enumerate() {
            if i > 0 {
                // At most 2048 + 3 * 512 bytes come before: within u16.
                cuts[i - 1] = u16::try_from(text.len()).unwrap_or(u16::MAX);
            }
            text.push_str(part);
        }
        cuts[3] = u16::try_from(text.len()).unwrap_or(u16::MAX);
        for key in parents {
            push_key(&mut text, key);
        }
        Row {
            uid: m.uid,
            date: m.sort_date(),
            flags: m.flags.clone(),
            has_attachments: m.has_attachments,
            text: text.into_boxed_str(),
            cuts,
            id: m.message_id.as_deref().map(message_key).unwrap_or(0),
        }
    }

    fn part(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.cuts[i - 1] as usize };
        let end = self.cuts.get(i).map_or(self.text.len(), |&c| c as usize);
        self.text.get(start..end).unwrap_or("")
    }

    pub fn subject(&self) -> &str {
        self.part(0)
    }

    /// The first sender's name ("" without one).
    pub fn sender_name(&self) -> &str {
        self.part(1)
    }

    /// The first sender's address ("" without one).
    pub fn sender_email(&self) -> &str {
        self.part(2)
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
        self.part(3)
    }

    /// `message_key` of the Message-ID (0: none).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Whether this message's Message-ID is `id` (any brackets).
    pub fn has_id(&self, id: &str) -> bool {
        self.id != 0 && self.id == message_key(id)
    }

    /// The keys of the messages this one answers, nearest first.
    pub fn parents(&self) -> impl Iterator<Item = u64> + '_ {
        self.part(4).as_bytes().chunks_exact(KEY_LEN).map(key_of)
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
mod tests {
    use super::*;
    use crate::mail::Address;

    #[test]
    fn a_row_keeps_what_the_list_draws_and_threads_by() {
        let m = MessageSummary {
            uid: 9,
            subject: "Ünïcode subject".into(),
            from: vec![Address {
                name: Some("Ada".into()),
                email: "ada@example.org".into(),
            }],
            to: vec![Address {
                name: None,
                email: "bob@example.org".into(),
            }],
            date: Some(50),
            internal_date: 10,
            message_id: Some("<m@x>".into()),
            in_reply_to: Some("<p@x>".into()),
            references: vec!["<r@x>".into(), "<p@x>".into()],
            ..Default::default()
        };
        let r = Row::of(&m);
        assert_eq!(r.subject(), "Ünïcode subject");
        assert_eq!(
            (r.sender_name(), r.sender_email()),
            ("Ada", "ada@example.org")
        );
        assert_eq!((r.sender(), r.recipient()), ("Ada", "bob@example.org"));
        assert_eq!(r.date, 50);
        assert!(r.has_id("m@x") && !r.has_id("p@x"));
        assert_eq!(
            r.parents().collect::<Vec<_>>(),
            [message_key("p@x"), message_key("r@x")]
        );
        assert_eq!(message_key("p@x"), message_key("<p@x>"));
        for key in [1, u64::MAX, 0x0123_4567_89ab_cdef] {
            let mut t = String::new();
            push_key(&mut t, key);
            assert_eq!((t.len(), key_of(t.as_bytes())), (KEY_LEN, key));
        }
        let long = Row::of(&MessageSummary {
            subject: "é".repeat(5000),
            ..m.clone()
        });
        assert_eq!(long.subject(), "é".repeat(1024));
        assert_eq!(long.sender(), "Ada");
        let empty = Row::of(&MessageSummary::default());
        assert_eq!(
            (empty.subject(), empty.sender(), empty.recipient()),
            ("", "", "")
        );
        assert!(!empty.has_id(""));
    }
}
