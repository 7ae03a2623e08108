//! A raw message turned into what the reader shows: the main headers, a text body
//! (text/plain preferred, HTML converted in-process with numbered links; nothing remote
//! is ever fetched) and the list of attachments. Never empty when the message has text.

use std::cell::RefCell;
use std::rc::Rc;

use html2text::render::{PlainDecorator, TaggedLine, TextDecorator};
use mail_parser::{HeaderName, HeaderValue, MessageParser, MimeHeaders};

use super::attachment::{part_mime, part_name};

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
    /// Every header in order: name as written, value unfolded and RFC 2047 decoded where
    /// mail-parser decodes it (Subject, addresses with encoded names…), raw otherwise.
    pub all_headers: Vec<(String, String)>,
    pub body: String,
    /// The numbered links: `links[i]` is the target of marker `[i+1]` in an HTML body;
    /// for a text body, its http(s) URLs in order, each once.
    pub links: Vec<String>,
    pub attachments: Vec<AttachmentInfo>,
    /// Said above the body when tern had to fall back (unparseable, undecoded).
    pub note: Option<String>,
    /// The body shown is the HTML part's.
    pub html: bool,
    /// The message has both a text and an HTML part (`H` switches between them).
    pub alternative: bool,
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

/// Renders a message for a reader `width` columns wide (HTML is laid out to it),
/// showing the text part when there is one.
pub fn render_message(raw: &[u8], width: usize) -> Rendered {
    render_message_as(raw, width, false)
}

/// `render_message`, showing the HTML part instead when `html` and the message has one.
pub fn render_message_as(raw: &[u8], width: usize, html: bool) -> Rendered {
    let Some(msg) = MessageParser::default().parse(raw) else {
        let body = raw_body(raw);
        return Rendered {
            links: text_links(&body),
            body,
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
    let has_text = msg.text_part(0).is_some_and(|p| !p.is_text_html());
    let has_html = msg.html_part(0).is_some_and(|p| p.is_text_html());
    let wants_html = html && has_html;
    let plain = msg
        .text_part(0)
        .filter(|p| !(p.is_text_html() || wants_html))
        .and_then(|_| msg.body_text(0));
    let shows_html = plain.is_none() && has_html;
    let mut note = None;
    let mut links = None;
    let mut body = match plain {
        Some(t) => t.into_owned(),
        None => match msg.body_html(0) {
            Some(html) => match html_to_text(&html, width) {
                Some((text, urls)) => {
                    links = Some(urls);
                    text
                }
                None => msg.body_text(0).map(|t| t.into_owned()).unwrap_or_default(),
            },
            None => String::new(),
        },
    };
    if body.trim().is_empty() {
        // A text part the parser filed as an attachment (a broken or unterminated
        // multipart, no disposition): its words are still the message's text.
        let stray = msg.attachments().find_map(|a| {
            let text = a
                .content_type()
                .is_some_and(|c| c.ctype().eq_ignore_ascii_case("text"));
            let named = a.attachment_name().is_some();
            (text && !named)
                .then(|| a.text_contents().map(String::from))
                .flatten()
                .filter(|t| !t.trim().is_empty())
        });
        if let Some(t) = stray {
            body = t;
            links = None;
            note = Some("the message is malformed; its text part is shown as found".into());
        }
    }
    if body.trim().is_empty() {
        let raw_text = raw_body(raw);
        if !raw_text.trim().is_empty() && msg.attachment_count() == 0 {
            body = raw_text;
            links = None;
            note = Some("the body could not be decoded; shown as received".into());
        }
    }
    let links = links.unwrap_or_else(|| text_links(&body));
    let attachments = msg
        .attachments()
        .map(|a| AttachmentInfo {
            name: part_name(a),
            mime: part_mime(a),
            size: a.len(),
        })
        .collect();
    Rendered {
        headers,
        all_headers: all_headers(raw, msg.headers()),
        body,
        links,
        attachments,
        note,
        html: shows_html,
        alternative: has_text && has_html,
    }
}

/// Every header of the message, in order (see `Rendered::all_headers`).
fn all_headers(raw: &[u8], list: &[mail_parser::Header<'_>]) -> Vec<(String, String)> {
    list.iter()
        .map(|h| {
            let (start, end) = (h.offset_field as usize, h.offset_start as usize);
            // The name as written (mail-parser canonicalises the case of known names).
            let name = raw
                .get(start..end)
                .map(String::from_utf8_lossy)
                .and_then(|n| n.split(':').next().map(|n| n.trim().to_string()))
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| h.name.as_str().to_string());
            let written = raw
                .get(end..h.offset_end as usize)
                .map(|v| unfold(&String::from_utf8_lossy(v)))
                .unwrap_or_default();
            // mail-parser's value is used only where it decoded encoded words; elsewhere
            // its parsed form loses what was sent (e.g. the <> of a Message-ID).
            let encoded = written.contains("=?");
            let value = match (&h.name, &h.value) {
                (
                    HeaderName::Subject
                    | HeaderName::Comments
                    | HeaderName::ContentDescription
                    | HeaderName::ContentLocation,
                    HeaderValue::Text(t),
                ) if encoded => unfold(t),
                (HeaderName::Keywords, HeaderValue::TextList(l)) if encoded => l.join(", "),
                (_, HeaderValue::Address(a)) if encoded => addr_list(Some(a)).unwrap_or(written),
                _ => written,
            };
            (name, value)
        })
        .collect()
}

/// A header value on one line: folding line breaks removed, ends trimmed.
fn unfold(value: &str) -> String {
    value
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .collect::<Vec<_>>()
        .join("")
        .trim()
        .to_string()
}

/// HTML laid out as text with a `[n]` marker after each link, and the link targets in
/// marker order. The list of targets is left out of the text: the reader shows it.
fn html_to_text(html: &str, width: usize) -> Option<(String, Vec<String>)> {
    let urls = Rc::new(RefCell::new(Vec::new()));
    let decorator = Footnotes {
        inner: PlainDecorator::new(),
        urls: Rc::clone(&urls),
    };
    let config = html2text::config::with_decorator(decorator)
        .do_decorate()
        .link_footnotes(true)
        // Deeply nested tables would otherwise fail as "too narrow" and lose the links.
        .allow_width_overflow();
    // html2text has panicked on some malformed tables; a mail must not take tern down,
    // so such a body falls back to mail-parser's plain conversion.
    let text =
        crate::contained::run(|| config.string_from_read(html.as_bytes(), width.max(20)))?.ok()?;
    let urls = urls.take();
    Some((text, urls))
}

/// html2text's plain decorator, except that link text is left unbracketed and the
/// footnote list is kept for tern instead of being appended to the text.
#[derive(Debug, Clone)]
struct Footnotes {
    inner: PlainDecorator,
    urls: Rc<RefCell<Vec<String>>>,
}

impl TextDecorator for Footnotes {
    type Annotation = ();

    fn decorate_link_start(&mut self, _url: &str) -> (String, ()) {
        (String::new(), ())
    }
    fn decorate_link_end(&mut self) -> String {
        String::new()
    }
    fn decorate_em_start(&self) -> (String, ()) {
        self.inner.decorate_em_start()
    }
    fn decorate_em_end(&self) -> String {
        self.inner.decorate_em_end()
    }
    fn decorate_strong_start(&self) -> (String, ()) {
        self.inner.decorate_strong_start()
    }
    fn decorate_strong_end(&self) -> String {
        self.inner.decorate_strong_end()
    }
    fn decorate_strikeout_start(&self) -> (String, ()) {
        self.inner.decorate_strikeout_start()
    }
    fn decorate_strikeout_end(&self) -> String {
        self.inner.decorate_strikeout_end()
    }
    fn decorate_code_start(&self) -> (String, ()) {
        self.inner.decorate_code_start()
    }
    fn decorate_code_end(&self) -> String {
        self.inner.decorate_code_end()
    }
    fn decorate_preformat_first(&self) {}
    fn decorate_preformat_cont(&self) {}
    fn decorate_image(&mut self, src: &str, title: &str) -> (String, ()) {
        self.inner.decorate_image(src, title)
    }
    fn header_prefix(&self, level: usize) -> String {
        self.inner.header_prefix(level)
    }
    fn quote_prefix(&self) -> String {
        self.inner.quote_prefix()
    }
    fn unordered_item_prefix(&self) -> String {
        self.inner.unordered_item_prefix()
    }
    fn ordered_item_prefix(&self, i: i64) -> String {
        self.inner.ordered_item_prefix(i)
    }
    fn make_subblock_decorator(&self) -> Self {
        self.clone()
    }
    fn finalise(&mut self, urls: Vec<String>) -> Vec<TaggedLine<()>> {
        // Called once, with the targets in the order the markers were numbered.
        *self.urls.borrow_mut() = urls;
        Vec::new()
    }
}

/// The http(s) URLs of a text, in order of appearance, each once, without the
/// punctuation that usually follows a URL in prose.
fn text_links(text: &str) -> Vec<String> {
    let mut links: Vec<String> = Vec::new();
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(found) = next_scheme(&lower, from) {
        let rest = &text[found..];
        let end = rest
            .find(|c: char| c.is_whitespace() || c.is_control() || "<>\"`{}|\\^".contains(c))
            .unwrap_or(rest.len());
        let url = trim_url(&rest[..end]);
        from = found + end.max(1);
        let has_host = url.split_once("://").is_some_and(|(_, h)| !h.is_empty());
        if has_host && !links.iter().any(|l| l == url) {
            links.push(url.to_string());
        }
    }
    links
}

/// Byte offset of the next "http://" or "https://" at or after `from` that starts a
/// word (so "xhttp://" is not a link). `lower` is ASCII-lowercased, same offsets.
fn next_scheme(lower: &str, mut from: usize) -> Option<usize> {
    loop {
        let rel = lower.get(from..)?.find("http")?;
        let at = from + rel;
        let tail = &lower[at..];
        let starts_word = lower[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        if starts_word && (tail.starts_with("http://") || tail.starts_with("https://")) {
            return Some(at);
        }
        from = at + 4;
    }
}

/// Drops trailing prose punctuation; a closing bracket stays when the URL opened it
/// (as in Wikipedia links ending in "_(film)").
fn trim_url(mut url: &str) -> &str {
    loop {
        let Some(last) = url.chars().next_back() else {
            return url;
        };
        let strip = match last {
            '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '"' | '*' | '>' => true,
            ')' => url.matches('(').count() < url.matches(')').count(),
            ']' => url.matches('[').count() < url.matches(']').count(),
            _ => false,
        };
        if !strip {
            return url;
        }
        url = &url[..url.len() - last.len_utf8()];
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
    fn either_part_of_an_alternative_can_be_shown() {
        let raw = b"From: a@b.org\r\nSubject: A\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/alternative; boundary=X\r\n\r\n--X\r\n\
Content-Type: text/plain\r\n\r\nplain words\r\n--X\r\n\
Content-Type: text/html\r\n\r\n<p>rich <b>words</b> <a href=\"https://x.org/\">here</a></p>\r\n--X--\r\n";
        let text = render_message(raw, 80);
        assert!(text.body.contains("plain words") && !text.html && text.alternative);
        let html = render_message_as(raw, 80, true);
        assert!(
            html.body.contains("rich") && html.html && html.alternative,
            "{html:?}"
        );
        assert_eq!(html.links, vec!["https://x.org/".to_string()]);
        // A text-only message has nothing to switch to.
        let only = render_message_as(b"Subject: t\r\n\r\njust text\r\n", 80, true);
        assert!(only.body.contains("just text") && !only.html && !only.alternative);
    }

    #[test]
    fn html_only_becomes_text_with_numbered_links() {
        let raw = b"From: a@b.org\r\nSubject: H\r\nContent-Type: text/html\r\n\r\n\
<p>Read <a href=\"https://example.org/x\">the news</a> now, then \
<a href=\"mailto:me@example.org\">write</a> or <a href=\"https://example.org/y?a=1&amp;b=2\">vote</a>.</p>\
<img src=\"https://tracker.example/p.gif\">\r\n";
        let r = render_message(raw, 60);
        assert!(r.body.contains("the news[1]"), "{}", r.body);
        assert!(r.body.contains("write[2]"), "{}", r.body);
        assert!(r.body.contains("vote[3]"), "{}", r.body);
        assert_eq!(
            r.links,
            [
                "https://example.org/x",
                "mailto:me@example.org",
                "https://example.org/y?a=1&b=2"
            ]
        );
        // The reader prints the list itself; the body has only the markers.
        assert!(!r.body.contains("https://example.org"), "{}", r.body);
        assert!(!r.body.contains("tracker"), "{}", r.body);
        assert!(!r.body.contains("<p>"));
    }

    #[test]
    fn plain_text_urls_are_found_in_order_once_without_punctuation() {
        let raw = b"From: a@b.org\r\nSubject: links\r\nContent-Type: text/plain\r\n\r\n\
See https://example.org/a. Also (https://example.org/b), <https://example.org/c>\r\n\
and HTTP://Example.org/d, then https://example.org/a again; https://en.wikipedia.org/wiki/X_(film)!\r\n\
Not links: ftp://x.org xhttp://y.org http:// mailto:a@b.org\r\n";
        let r = render_message(raw, 80);
        assert_eq!(
            r.links,
            [
                "https://example.org/a",
                "https://example.org/b",
                "https://example.org/c",
                "HTTP://Example.org/d",
                "https://en.wikipedia.org/wiki/X_(film)",
            ]
        );
    }

    #[test]
    fn all_headers_are_kept_in_order_and_decoded() {
        let raw = b"Received: from a.example\r\n  by b.example; Thu, 1 Jan 2026 10:00:00 +0000\r\n\
From: =?UTF-8?Q?Jos=C3=A9?= <jose@example.org>\r\nTo: a@b.org\r\n\
Subject: =?UTF-8?B?SMOpbGxv?=\r\nMessage-ID: <abc.123@example.org>\r\n\
X-Mailer: Tern Test 1.0\r\nx-lower-case: kept as written\r\n\r\nbody\r\n";
        let r = render_message(raw, 80);
        let names: Vec<&str> = r.all_headers.iter().map(|h| h.0.as_str()).collect();
        assert_eq!(
            names,
            [
                "Received",
                "From",
                "To",
                "Subject",
                "Message-ID",
                "X-Mailer",
                "x-lower-case"
            ]
        );
        let value = |n: &str| {
            r.all_headers
                .iter()
                .find(|h| h.0 == n)
                .map(|h| h.1.as_str())
        };
        assert_eq!(
            value("Received"),
            Some("from a.example  by b.example; Thu, 1 Jan 2026 10:00:00 +0000")
        );
        assert_eq!(value("From"), Some("José <jose@example.org>"));
        assert_eq!(value("To"), Some("a@b.org"));
        assert_eq!(value("Subject"), Some("Héllo"));
        assert_eq!(value("Message-ID"), Some("<abc.123@example.org>"));
        assert_eq!(value("X-Mailer"), Some("Tern Test 1.0"));
        assert_eq!(value("x-lower-case"), Some("kept as written"));
    }

    #[test]
    fn odd_html_tables_do_not_break_rendering() {
        for html in [
            "<table><tr><td rowspan=\"0\">x</td></tr></table>",
            "<table><td colspan=\"0\"><td rowspan=\"9999\"><tr><td><a href=\"https://a\">x</a>",
            &"<table><tr><td>".repeat(200),
        ] {
            let raw = format!("Content-Type: text/html\r\n\r\n{html}\r\n");
            let r = render_message(raw.as_bytes(), 20);
            assert!(r.links.len() <= 1, "{:?}", r.links);
        }
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
        assert!(r.links.is_empty() && r.all_headers.is_empty());
    }
}
