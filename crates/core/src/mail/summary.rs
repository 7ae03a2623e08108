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
