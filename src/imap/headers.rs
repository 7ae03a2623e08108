//! Turning FETCH responses into cached message summaries.

use crate::mail::{
    decode_header_text, decode_message_ids, parse_date, Address, Flags, MessageSummary,
};
use async_imap::imap_proto::{self, AttributeValue};

/// The FETCH items that fill a `MessageSummary`.
pub fn fetch_items(condstore: bool) -> &'static str {
    if condstore {
        "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE MODSEQ BODY.PEEK[HEADER.FIELDS (REFERENCES CONTENT-TYPE)])"
    } else {
        "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY.PEEK[HEADER.FIELDS (REFERENCES CONTENT-TYPE)])"
    }
}

/// Builds a summary from a FETCH response; `None` without a UID.
pub fn summary_from_fetch(attrs: &[AttributeValue<'_>]) -> Option<MessageSummary> {
    let mut m = MessageSummary::default();
    let mut have_uid = false;
    for a in attrs {
        match a {
            AttributeValue::Uid(u) => {
                m.uid = *u;
                have_uid = true;
            }
            AttributeValue::Flags(f) => m.flags = Flags::from_imap(f.iter()),
            AttributeValue::InternalDate(d) => {
                m.internal_date = parse_internal_date(d).unwrap_or(0)
            }
            AttributeValue::Rfc822Size(s) => m.size = *s,
            AttributeValue::ModSeq(s) => m.modseq = *s,
            AttributeValue::Envelope(env) => apply_envelope(&mut m, env),
            AttributeValue::BodySection { data: Some(d), .. } => apply_header_fields(&mut m, d),
            _ => {}
        }
    }
    have_uid.then_some(m)
}

fn apply_envelope(m: &mut MessageSummary, env: &imap_proto::Envelope<'_>) {
    m.date = env.date.as_deref().and_then(parse_date);
    m.subject = env
        .subject
        .as_deref()
        .map(decode_header_text)
        .unwrap_or_default();
    m.from = addresses(&env.from);
    m.to = addresses(&env.to);
    m.cc = addresses(&env.cc);
    m.reply_to = addresses(&env.reply_to);
    m.message_id = env
        .message_id
        .as_deref()
        .and_then(|v| decode_message_ids(v).into_iter().next());
    m.in_reply_to = env
        .in_reply_to
        .as_deref()
        .and_then(|v| decode_message_ids(v).into_iter().next());
}

fn addresses(list: &Option<Vec<imap_proto::Address<'_>>>) -> Vec<Address> {
    let Some(list) = list else { return Vec::new() };
    list.iter()
        .filter_map(|a| {
            let mailbox = a.mailbox.as_deref()?;
            let host = a.host.as_deref()?; // group start/end markers have no host
            let email = format!(
                "{}@{}",
                String::from_utf8_lossy(mailbox),
                String::from_utf8_lossy(host)
            );
            let name = a
                .name
                .as_deref()
                .map(decode_header_text)
                .filter(|n| !n.is_empty());
            Some(Address { name, email })
        })
        .collect()
}

/// Reads References and Content-Type out of a HEADER.FIELDS section.
fn apply_header_fields(m: &mut MessageSummary, raw: &[u8]) {
    let text = String::from_utf8_lossy(raw);
    let mut unfolded: Vec<String> = Vec::new();
    for line in text.split("\r\n").flat_map(|l| l.split('\n')) {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = unfolded.last_mut() {
                last.push(' ');
                last.push_str(line.trim());
            }
        } else if !line.is_empty() {
            unfolded.push(line.to_string());
        }
    }
    for h in unfolded {
        let Some((name, value)) = h.split_once(':') else {
            continue;
        };
        if name.eq_ignore_ascii_case("references") {
            m.references = decode_message_ids(value.as_bytes());
        } else if name.eq_ignore_ascii_case("content-type") {
            let ct = value.trim().to_ascii_lowercase();
            m.has_attachments = ct.starts_with("multipart/mixed")
                || ct.starts_with("application/")
                || ct.starts_with("image/")
                || ct.starts_with("audio/")
                || ct.starts_with("video/");
        }
    }
}

/// Parses an INTERNALDATE like `17-Jul-1996 02:44:25 -0700`.
pub fn parse_internal_date(s: &str) -> Option<i64> {
    chrono::DateTime::parse_from_str(s.trim(), "%d-%b-%Y %H:%M:%S %z")
        .ok()
        .map(|d| d.timestamp())
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
    }

    #[test]
    fn header_fields() {
        let mut m = MessageSummary::default();
        apply_header_fields(
            &mut m,
            b"References: <a@x>\r\n <b@y>\r\nContent-Type: multipart/mixed;\r\n boundary=z\r\n\r\n",
        );
        assert_eq!(m.references, vec!["a@x", "b@y"]);
        assert!(m.has_attachments);
    }
}
