//! A raw message turned into what the reader shows: the main headers, a text body
//! (text/plain preferred, HTML converted in-process with numbered links; nothing remote
//! is ever fetched) and the list of attachments. Never empty when the message has text.

use mail_parser::{MessageParser, MimeHeaders};

/// One attachment as listed under the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentInfo {
    pub name: String,
    pub mime: String,
    pub size: usize,
}

/// What the reader shows of a message (strings not yet sanitised for the terminal).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rendered {
    /// (name, value) for From, To, Cc, Date, Subject, those present.
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub attachments: Vec<AttachmentInfo>,
    /// Said above the body when tern had to fall back (unparseable, undecoded).
    pub note: Option<String>,
}

fn addr_list(a: Option<&mail_parser::Address<'_>>) -> Option<String> {
    let list: Vec<String> = a?
        .iter()
        .map(|x| match (x.name(), x.address()) {
            (Some(n), Some(e)) => format!("{n} <{e}>"),
            (None, Some(e)) => e.to_string(),
            (Some(n), None) => n.to_string(),
            (None, None) => String::new(),
        })
        .filter(|s| !s.is_empty())
        .collect();
    (!list.is_empty()).then(|| list.join(", "))
}

/// The text after the header block of a raw message, as is.
fn raw_body(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    match text.find("\r\n\r\n").or_else(|| text.find("\n\n")) {
        Some(i) => text[i..].trim_start().to_string(),
        None => text.into_owned(),
    }
}

/// Renders a message for a reader `width` columns wide (HTML is laid out to it).
pub fn render_message(raw: &[u8], width: usize) -> Rendered {
    let Some(msg) = MessageParser::default().parse(raw) else {
        return Rendered {
            body: raw_body(raw),
            note: Some("tern could not parse this message; shown as received".into()),
            ..Rendered::default()
        };
    };
    let mut headers = Vec::new();
    let mut push = |name: &str, v: Option<String>| {
        if let Some(v) = v {
            headers.push((name.to_string(), v));
        }
    };
    push("From", addr_list(msg.from()));
    push("To", addr_list(msg.to()));
    push("Cc", addr_list(msg.cc()));
    push("Date", msg.date().map(|d| d.to_rfc822()));
    push("Subject", msg.subject().map(String::from));
    let plain = msg
        .text_part(0)
        .filter(|p| !p.is_text_html())
        .and_then(|_| msg.body_text(0));
    let mut note = None;
    let mut body = match plain {
        Some(t) => t.into_owned(),
        None => match msg.body_html(0) {
            Some(html) => html2text::from_read(html.as_bytes(), width.max(20))
                .unwrap_or_else(|_| msg.body_text(0).map(|t| t.into_owned()).unwrap_or_default()),
            None => String::new(),
        },
    };
    if body.trim().is_empty() {
        let raw_text = raw_body(raw);
        if !raw_text.trim().is_empty() && msg.attachment_count() == 0 {
            body = raw_text;
            note = Some("the body could not be decoded; shown as received".into());
        }
    }
    let attachments = msg
        .attachments()
        .map(|a| AttachmentInfo {
            name: a.attachment_name().unwrap_or("(unnamed)").to_string(),
            mime: a
                .content_type()
                .map(|c| match c.subtype() {
                    Some(s) => format!("{}/{}", c.ctype(), s),
                    None => c.ctype().to_string(),
                })
                .unwrap_or_else(|| "application/octet-stream".into()),
            size: a.len(),
        })
        .collect();
    Rendered {
        headers,
        body,
        attachments,
        note,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_with_headers_and_an_attachment() {
        let raw = b"From: =?UTF-8?Q?Jos=C3=A9?= <jose@example.org>\r\nTo: a@b.org\r\nSubject: Hi\r\n\
Date: Thu, 1 Jan 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
Hello there\r\n--b\r\nContent-Type: application/pdf; name=\"r.pdf\"\r\nContent-Disposition: attachment; filename=\"r.pdf\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\nJVBERi0x\r\n--b--\r\n";
        let r = render_message(raw, 80);
        assert_eq!(
            r.headers[0],
            ("From".into(), "José <jose@example.org>".into())
        );
        assert!(r.body.contains("Hello there"));
        assert_eq!(r.attachments.len(), 1);
        assert_eq!(r.attachments[0].name, "r.pdf");
        assert_eq!(r.attachments[0].mime, "application/pdf");
        assert_eq!(r.note, None);
    }

    #[test]
    fn html_only_becomes_text_with_numbered_links() {
        let raw = b"From: a@b.org\r\nSubject: H\r\nContent-Type: text/html\r\n\r\n\
<p>Read <a href=\"https://example.org/x\">the news</a> now</p><img src=\"https://tracker.example/p.gif\">\r\n";
        let r = render_message(raw, 60);
        assert!(r.body.contains("the news"), "{}", r.body);
        assert!(r.body.contains("https://example.org/x"), "{}", r.body);
        assert!(!r.body.contains("<p>"));
    }

    #[test]
    fn broken_mail_still_shows_its_text() {
        let r = render_message(b"Subject: no blank line\r\nthis is the body text", 80);
        assert!(
            r.body.contains("body text") || r.headers.iter().any(|h| h.1.contains("no blank")),
            "{r:?}"
        );
        let r = render_message(b"", 80);
        assert!(r.body.is_empty());
    }
}
