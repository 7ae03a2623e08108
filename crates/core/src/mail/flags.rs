//! Message flags: the system flags as bits, keywords kept by name.

use serde::{Deserialize, Serialize};

/// One IMAP system flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Flag {
    Seen,
    Answered,
    Flagged,
    Deleted,
    Draft,
}

impl Flag {
    const ALL: [Flag; 5] = [
        Flag::Seen,
        Flag::Answered,
        Flag::Flagged,
        Flag::Deleted,
        Flag::Draft,
    ];

    fn bit(self) -> u8 {
        match self {
            Flag::Seen => 1,
            Flag::Answered => 2,
            Flag::Flagged => 4,
            Flag::Deleted => 8,
            Flag::Draft => 16,
        }
    }

    /// The IMAP spelling, e.g. `\Seen`.
    pub fn imap_name(self) -> &'static str {
        match self {
            Flag::Seen => "\\Seen",
            Flag::Answered => "\\Answered",
            Flag::Flagged => "\\Flagged",
            Flag::Deleted => "\\Deleted",
            Flag::Draft => "\\Draft",
        }
    }

    /// The flag spelled `name` (`\\Seen`), if it is a system flag.
    pub fn from_imap_name(name: &str) -> Option<Flag> {
        Flag::ALL
            .into_iter()
            .find(|f| f.imap_name().eq_ignore_ascii_case(name))
    }
}

/// The flags of one message. `\Recent` is session-scoped and never stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flags {
    bits: u8,
    /// Most messages have none: a thin pointer, none when empty (every cached message
    /// and list row holds one: 16 bytes less than a Vec). Serialised as a list.
    #[serde(with = "keyword_list")]
    #[allow(clippy::box_collection)] // the box makes the pointer thin: the point here
    keywords: Option<Box<Vec<String>>>,
}

/// Keywords written and read as a plain list, as when they were a `Vec`.
mod keyword_list {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[allow(clippy::box_collection)]
    type Keywords = Option<Box<Vec<String>>>;

    pub fn serialize<S: Serializer>(k: &Keywords, s: S) -> Result<S::Ok, S::Error> {
        k.as_deref().map_or(&[][..], |v| v.as_slice()).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Keywords, D::Error> {
        let list = Vec::<String>::deserialize(d)?;
        Ok((!list.is_empty()).then(|| Box::new(list)))
    }
}

impl Flags {
    /// Builds flags from IMAP flag names as the server sends them.
    pub fn from_imap<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> Flags {
        let (mut bits, mut keywords) = (0, Vec::<String>::new());
        for n in names {
            let n = n.as_ref();
            if let Some(flag) = Flag::from_imap_name(n) {
                bits |= flag.bit();
            } else if !n.starts_with('\\') && !keywords.iter().any(|k| k == n) {
                // `\Recent` and unknown system flags are session-scoped or meaningless here.
                keywords.push(n.to_string());
            }
        }
        keywords.sort();
        Flags {
            bits,
            keywords: (!keywords.is_empty()).then(|| Box::new(keywords)),
        }
    }

    /// Whether a system flag is set.
    pub fn has(&self, flag: Flag) -> bool {
        self.bits & flag.bit() != 0
    }

    /// Sets or clears a system flag.
    pub fn set(&mut self, flag: Flag, on: bool) {
        if on {
            self.bits |= flag.bit();
        } else {
            self.bits &= !flag.bit();
        }
    }

    /// The bits and the keywords apart: a list row keeps them side by side with its
    /// other small fields, 7 bytes less than a `Flags` with its padding.
    #[allow(clippy::box_collection)]
    pub(crate) fn into_parts(self) -> (u8, Option<Box<Vec<String>>>) {
        (self.bits, self.keywords)
    }

    #[allow(clippy::box_collection)]
    pub(crate) fn from_parts(bits: u8, keywords: Option<Box<Vec<String>>>) -> Flags {
        Flags { bits, keywords }
    }

    /// Keywords (user flags such as `$Forwarded`).
    pub fn keywords(&self) -> &[String] {
        self.keywords.as_deref().map_or(&[], |v| v.as_slice())
    }

    /// Every flag in IMAP spelling, system flags first.
    pub fn imap_names(&self) -> Vec<String> {
        Flag::ALL
            .into_iter()
            .filter(|f| self.has(*f))
            .map(|f| f.imap_name().to_string())
            .chain(self.keywords().iter().cloned())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_imap_names_and_drops_recent() {
        let f = Flags::from_imap(["\\Seen", "\\Recent", "$Forwarded", "\\FLAGGED"]);
        assert!(f.has(Flag::Seen) && f.has(Flag::Flagged) && !f.has(Flag::Answered));
        assert_eq!(f.imap_names(), vec!["\\Seen", "\\Flagged", "$Forwarded"]);
    }

    /// Caches written while keywords were a `Vec` read the same, and back.
    #[test]
    fn keywords_are_stored_as_a_plain_list() {
        #[derive(Serialize, Deserialize, PartialEq, Debug)]
        struct Before {
            bits: u8,
            keywords: Vec<String>,
        }
        for names in [&["\\Seen"][..], &["\\Seen", "$Junk", "$Forwarded"][..]] {
            let now = Flags::from_imap(names.iter().copied());
            let before = Before {
                bits: now.bits,
                keywords: now.keywords().to_vec(),
            };
            let old = postcard::to_allocvec(&before).unwrap();
            assert_eq!(postcard::to_allocvec(&now).unwrap(), old);
            assert_eq!(postcard::from_bytes::<Flags>(&old).unwrap(), now);
        }
        assert_eq!(std::mem::size_of::<Flags>(), 16);
    }
}
