//! Turning FETCH responses into cached message summaries. The headers come as one raw
//! HEADER.FIELDS block parsed by mail-parser rather than as ENVELOPE: Dovecot produces it
//! in about half the time, and it carries References and Content-Type too.

use crate::mail::{Address, Flags, MessageSummary};
use async_imap::imap_proto::AttributeValue;
use mail_parser::{HeaderValue, MessageParser, MimeHeaders};

/// The header fields a summary is built from.
const FIELDS: &str =
    "BODY.PEEK[HEADER.FIELDS (DATE FROM TO CC REPLY-TO SUBJECT MESSAGE-ID IN-REPLY-TO REFERENCES CONTENT-TYPE)]";

/// The FETCH items that fill a `MessageSummary`.
pub fn fetch_items(condstore: bool) -> String {
    format!(
        "(UID FLAGS INTERNALDATE RFC822.SIZE{} {FIELDS})",
        if condstore { " MODSEQ" } else { "" }
    )
}

/// A FETCH result whose header block is not parsed yet, so the parsing can happen off
/// the thread that reads the network.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub summary: MessageSummary,
    pub raw_headers: Vec<u8>,
}

impl Fetched {
    /// Parses the header block into the summary.
    pub fn finish(mut self) -> MessageSummary {
        apply_headers(&mut self.summary, &self.raw_headers);
        self.summary
    }
}

/// Takes what a FETCH response to our header fetch carries; `None` for any other FETCH
/// (an unsolicited flag change carries a UID too, and must not become a blank row).
pub fn fetched_from(attrs: &[AttributeValue<'_>]) -> Option<Fetched> {
    let mut m = MessageSummary::default();
    let mut raw_headers = None;
    let mut have_uid = false;
    for a in attrs {
        match a {
            // UID 0 does not exist (RFC 3501 2.3.1.1): a server sending it is broken, and
            // its row would stand for no message.
            AttributeValue::Uid(u) if *u > 0 => {
                m.uid = *u;
                have_uid = true;
            }
            AttributeValue::Flags(f) => m.flags = Flags::from_imap(f.iter()),
            AttributeValue::InternalDate(d) => {
                m.internal_date = parse_internal_date(d).unwrap_or(0)
            }
            AttributeValue::Rfc822Size(s) => m.size = *s,
            AttributeValue::ModSeq(s) => m.modseq = *s,
            AttributeValue::BodySection { data, .. } => {
                raw_headers = Some(data.as_deref().unwrap_or_default().to_vec())
            }
            _ => {}
        }
    }
    match (have_uid, raw_headers) {
        (true, Some(raw_headers)) => Some(Fetched {
            summary: m,
            raw_headers,
        }),
        _ => None,
    }
}

fn addresses(list: Option<&mail_parser::Address<'_>>) -> Vec<Address> {
    let Some(list) = list else { return Vec::new() };
    list.iter()
        .filter_map(|a| {
            let email = a.address()?.to_string();
            let name = a
                .name()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(String::from);
            Some(Address { name, email })
        })
        .collect()
}

fn ids(v: &HeaderValue<'_>) -> Vec<String> {
    match v {
        HeaderValue::Text(t) => vec![t.to_string()],
        HeaderValue::TextList(l) => l.iter().map(|t| t.to_string()).collect(),
        _ => Vec::new(),
    }
}

/// Fills the header-derived fields from a raw header block.
pub fn apply_headers(m: &mut MessageSummary, raw: &[u8]) {
    let Some(msg) = MessageParser::new().parse_headers(raw) else {
        return;
    };
    m.subject = msg.subject().unwrap_or("").trim().to_string();
    m.date = msg
        .date()
        .filter(|d| d.is_valid())
        .map(|d| d.to_timestamp());
    m.from = addresses(msg.from());
    m.to = addresses(msg.to());
    m.cc = addresses(msg.cc());
    m.reply_to = addresses(msg.reply_to());
    m.message_id = msg.message_id().map(String::from);
    m.in_reply_to = ids(msg.in_reply_to()).into_iter().next();
    m.references = ids(msg.references());
    if let Some(ct) = msg.content_type() {
        let t = ct.ctype();
        let sub = ct.subtype().unwrap_or("");
        m.has_attachments = (t.eq_ignore_ascii_case("multipart")
            && sub.eq_ignore_ascii_case("mixed"))
            || ["application", "image", "audio", "video"]
                .iter()
                .any(|x| t.eq_ignore_ascii_case(x));
    }
}

/// Parses an INTERNALDATE like `17-Jul-1996 02:44:25 -0700` (fixed format, hot path).
pub fn parse_internal_date(s: &str) -> Option<i64> {
    let s = s.trim();
    let (day, rest) = s.split_once('-')?;
    let (mon, rest) = rest.split_once('-')?;
    let (year, rest) = rest.split_once(' ')?;
    let (time, zone) = rest.split_once(' ')?;
    let month = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ]
    .iter()
    .position(|m| m.eq_ignore_ascii_case(mon))? as u32
        + 1;
    let mut hms = time.split(':').map(|p| p.parse::<u32>().ok());
    let (h, mi, sec) = (hms.next()??, hms.next()??, hms.next()??);
    let date =
        chrono::NaiveDate::from_ymd_opt(year.parse().ok()?, month, day.trim().parse().ok()?)?;
    let local = date.and_hms_opt(h, mi, sec)?.and_utc().timestamp();
    let zone = zone.as_bytes();
    if zone.len() != 5 || !zone[1..].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let digit = |i: usize| i64::from(zone[i] - b'0');
    let offset = (digit(1) * 10 + digit(2)) * 3600 + (digit(3) * 10 + digit(4)) * 60;
    match zone[0] {
        b'+' => Some(local - offset),
        b'-' => Some(local + offset),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_dates() {
        assert_eq!(parse_internal_date(" 1-Jan-1970 00:00:10 +0000"), Some(10));
        assert_eq!(
            parse_internal_date("17-Jul-1996 02:44:25 -0700"),
            Some(837_596_665)
        );
        assert_eq!(parse_internal_date("garbage"), None);
        assert_eq!(parse_internal_date("31-Feb-2026 00:00:00 +0000"), None);
        assert_eq!(parse_internal_date("1-Jan-1970 00:00:10 +01x0"), None);
    }

    #[test]
    fn header_block() {
        let mut m = MessageSummary::default();
        apply_headers(
            &mut m,
            b"From: =?UTF-8?B?Sm9zw6kgTcO8bGxlcg==?= <jose@example.org>\r\n\
              To: a@x.org, \"B, C\" <b@y.org>\r\n\
              Subject: =?iso-8859-1?Q?caf=E9?= time\r\n\
              Date: Thu, 1 Jan 1970 00:01:00 +0000\r\n\
              Message-ID: <m1@x>\r\nIn-Reply-To: <p@x>\r\n\
              References: <a@x>\r\n <b@y>\r\nContent-Type: multipart/mixed;\r\n boundary=z\r\n\r\n",
        );
        assert_eq!(m.from[0].name.as_deref(), Some("José Müller"));
        assert_eq!(m.from[0].email, "jose@example.org");
        assert_eq!(m.to.len(), 2);
        assert_eq!(m.to[1].name.as_deref(), Some("B, C"));
        assert_eq!(m.subject, "café time");
        assert_eq!(m.date, Some(60));
        assert_eq!(m.message_id.as_deref(), Some("m1@x"));
        assert_eq!(m.in_reply_to.as_deref(), Some("p@x"));
        assert_eq!(m.references, vec!["a@x", "b@y"]);
        assert!(m.has_attachments);
    }

    #[test]
    fn only_header_fetches_become_rows() {
        use std::borrow::Cow;
        let flags_only = [
            AttributeValue::Uid(5),
            AttributeValue::Flags(vec![Cow::Borrowed("\\Seen")]),
        ];
        assert!(
            fetched_from(&flags_only).is_none(),
            "a flag change is not a new row"
        );
        let with_headers = [
            AttributeValue::Uid(5),
            AttributeValue::BodySection {
                section: None,
                index: None,
                data: Some(Cow::Borrowed(b"Subject: hi\r\n\r\n")),
            },
        ];
        let row = fetched_from(&with_headers)
            .expect("a header fetch")
            .finish();
        assert_eq!((row.uid, row.subject.as_str()), (5, "hi"));
        let uid_zero = [
            AttributeValue::Uid(0),
            AttributeValue::BodySection {
                section: None,
                index: None,
                data: Some(Cow::Borrowed(b"Subject: hi\r\n\r\n")),
            },
        ];
        assert!(fetched_from(&uid_zero).is_none(), "UID 0 is no message");
    }

    #[test]
    fn garbage_headers_do_not_panic() {
        let mut m = MessageSummary::default();
        apply_headers(&mut m, b"\0\xff\r\n:::\r\nFrom: <<<\r\nDate: never\r\n");
        assert_eq!(m.date, None);
        apply_headers(&mut m, b"");
    }
}
