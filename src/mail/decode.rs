//! Decoding of header text as servers send it (RFC 2047 words, message ids, dates).

use mail_parser::{parsers::MessageStream, HeaderValue};

/// Decodes an unstructured header value (RFC 2047 encoded words, folding).
pub fn decode_header_text(raw: &[u8]) -> String {
    if !raw.contains(&b'=') && !raw.contains(&b'\r') && !raw.contains(&b'\n') {
        return String::from_utf8_lossy(raw).trim().to_string();
    }
    let mut buf = Vec::with_capacity(raw.len() + 2);
    buf.extend_from_slice(raw);
    buf.extend_from_slice(b"\r\n");
    match MessageStream::new(&buf).parse_unstructured() {
        HeaderValue::Text(t) => t.trim().to_string(),
        HeaderValue::TextList(l) => l.join(" "),
        _ => String::from_utf8_lossy(raw).trim().to_string(),
    }
}

/// Message ids from a References or In-Reply-To value, without angle brackets.
pub fn decode_message_ids(raw: &[u8]) -> Vec<String> {
    let mut buf = Vec::with_capacity(raw.len() + 2);
    buf.extend_from_slice(raw);
    buf.extend_from_slice(b"\r\n");
    match MessageStream::new(&buf).parse_id() {
        HeaderValue::Text(t) => vec![t.into_owned()],
        HeaderValue::TextList(l) => l.into_iter().map(|s| s.into_owned()).collect(),
        _ => Vec::new(),
    }
}

/// Parses an RFC 2822 date to seconds since the epoch.
pub fn parse_date(raw: &[u8]) -> Option<i64> {
    let text = std::str::from_utf8(raw).ok()?;
    let dt = mail_parser::DateTime::parse_rfc822(text)?;
    dt.is_valid().then(|| dt.to_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_encoded_words() {
        assert_eq!(
            decode_header_text(b"=?UTF-8?B?Sm9zw6kgTcO8bGxlcg==?="),
            "José Müller"
        );
        assert_eq!(
            decode_header_text(b"=?iso-8859-1?Q?caf=E9?= time"),
            "café time"
        );
        assert_eq!(decode_header_text(b"plain subject"), "plain subject");
    }

    #[test]
    fn message_ids() {
        assert_eq!(
            decode_message_ids(b"<a@x> <b@y>\r\n <c@z>"),
            vec!["a@x", "b@y", "c@z"]
        );
    }

    #[test]
    fn dates() {
        assert_eq!(parse_date(b"Thu, 1 Jan 1970 00:01:00 +0000"), Some(60));
        assert_eq!(parse_date(b"yesterday-ish"), None);
    }
}
