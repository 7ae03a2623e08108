//! What the cache keeps per message: enough for the list, threading and search.

use super::{Flags, Uid};
use serde::{Deserialize, Serialize};

/// A mailbox address as shown to the user.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub name: Option<String>,
    pub email: String,
}

impl Address {
    /// The name when there is one, else the address.
    pub fn display(&self) -> &str {
        match &self.name {
            Some(n) if !n.trim().is_empty() => n,
            _ => &self.email,
        }
    }
}

/// One message's headers and state, as cached.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageSummary {
    pub uid: Uid,
    pub flags: Flags,
    /// INTERNALDATE, seconds since the epoch.
    pub internal_date: i64,
    /// The Date header, seconds since the epoch, when it parses.
    pub date: Option<i64>,
    pub size: u32,
    pub subject: String,
    pub from: Vec<Address>,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    pub reply_to: Vec<Address>,
    pub message_id: Option<String>,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub has_attachments: bool,
    /// MODSEQ of the last change seen (0 without CONDSTORE).
    pub modseq: u64,
}

impl MessageSummary {
    /// The time to sort by: the Date header, else the internal date.
    pub fn sort_date(&self) -> i64 {
        self.date.unwrap_or(self.internal_date)
    }

    /// The first sender as shown (name, else address); empty when there is none.
    pub fn sender(&self) -> String {
        self.from
            .first()
            .map(|a| a.display().to_string())
            .unwrap_or_default()
    }
}

/// An address borrowed from the cache's bytes.
#[derive(Debug, Deserialize)]
pub struct AddressRef<'a> {
    #[serde(borrow)]
    pub name: Option<&'a str>,
    pub email: &'a str,
}

impl AddressRef<'_> {
    /// The name when there is one, else the address.
    pub fn display(&self) -> &str {
        match self.name {
            Some(n) if !n.trim().is_empty() => n,
            _ => self.email,
        }
    }
}

/// An address read past (postcard writes text as length and bytes): its bytes are not
/// checked to be text.
#[derive(Debug, Deserialize)]
#[allow(dead_code)] // read for its place in the bytes only
struct AddressBytes<'a> {
    #[serde(borrow)]
    name: Option<&'a [u8]>,
    email: &'a [u8],
}

/// The first address of a list; the others are read past.
#[derive(Debug, Default)]
pub struct FirstAddress<'a>(pub Option<AddressRef<'a>>);

impl<'de: 'a, 'a> Deserialize<'de> for FirstAddress<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visit<'a> {
            type Value = FirstAddress<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list of addresses")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                let first = seq.next_element::<AddressRef<'de>>()?;
                while seq.next_element::<AddressBytes<'de>>()?.is_some() {}
                Ok(FirstAddress(first))
            }
        }
        d.deserialize_seq(Visit(std::marker::PhantomData))
    }
}

/// A cached message's headers as the list reads them, borrowed from the cache's bytes:
/// the same fields in the same order as `MessageSummary` (postcard writes them in
/// order), so a folder of a million is read without a string copied for each field,
/// and what the list does not show is read past without checking it is text.
#[derive(Debug, Deserialize)]
pub struct SummaryRef<'a> {
    pub uid: Uid,
    pub flags: Flags,
    pub internal_date: i64,
    pub date: Option<i64>,
    pub size: u32,
    pub subject: &'a str,
    #[serde(borrow)]
    pub from: FirstAddress<'a>,
    #[serde(borrow)]
    pub to: FirstAddress<'a>,
    #[serde(borrow)]
    pub cc: FirstAddress<'a>,
    #[serde(borrow)]
    pub reply_to: FirstAddress<'a>,
    /// IDs as bytes: they are only hashed (`message_key`), so not checked to be text.
    #[serde(borrow)]
    pub message_id: Option<&'a [u8]>,
    #[serde(borrow)]
    pub in_reply_to: Option<&'a [u8]>,
    #[serde(borrow)]
    pub references: Vec<&'a [u8]>,
    pub has_attachments: bool,
    pub modseq: u64,
}
