//! One cached message made an index document.

use super::Fields;
use crate::mail::{Address, MessageSummary, Uid, UidValidity};
use mail_parser::{MessageParser, MimeHeaders};
use tantivy::{TantivyDocument, Term};

/// The most text of one body that is indexed: a huge text part costs no more than this.
const MAX_BODY_CHARS: usize = 256 * 1024;

/// The term naming one message.
pub(super) fn key_term(f: &Fields, folder: &str, uidv: UidValidity, uid: Uid) -> Term {
    Term::from_field_text(f.key, &format!("{folder}\0{uidv}\0{uid}"))
}

/// The term naming a folder's messages.
pub(super) fn folder_term(f: &Fields, folder: &str) -> Term {
    Term::from_field_text(f.folder, folder)
}

fn addresses(list: &[Address]) -> String {
    let mut out = String::new();
    for a in list {
        if let Some(n) = &a.name {
            out.push_str(n);
            out.push(' ');
        }
        out.push_str(&a.email);
        out.push(' ');
    }
    out
}

/// The text of a body and its attachments' names.
fn body_text(raw: &[u8]) -> (String, String) {
    let Some(msg) = MessageParser::default().parse(raw) else {
        // Unparseable: its bytes as text are still its words.
        let mut t = String::from_utf8_lossy(raw).into_owned();
        truncate(&mut t);
        return (t, String::new());
    };
    // mail-parser gives an HTML-only message's text with the markup taken out.
    let mut text = String::new();
    for i in 0..msg.text_body.len().max(1) {
        match msg.body_text(i) {
            Some(t) => {
                text.push_str(&t);
                text.push('\n');
            }
            None => break,
        }
        if text.len() > MAX_BODY_CHARS {
            break;
        }
    }
    truncate(&mut text);
    let mut names = String::new();
    for a in msg.attachments() {
        if let Some(n) = a.attachment_name() {
            names.push_str(n);
            names.push(' ');
        }
    }
    (text, names)
}

fn truncate(s: &mut String) {
    if s.len() > MAX_BODY_CHARS {
        let mut cut = MAX_BODY_CHARS;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
}

/// The document of a message of `folder` (UIDVALIDITY `uidv`), with its body's text
/// when the body is cached.
pub(super) fn document(
    f: &Fields,
    folder: &str,
    uidv: UidValidity,
    m: &MessageSummary,
    body: Option<&[u8]>,
) -> TantivyDocument {
    let mut d = TantivyDocument::new();
    d.add_text(f.key, format!("{folder}\0{uidv}\0{}", m.uid));
    d.add_text(f.folder, folder);
    d.add_u64(f.uidv, u64::from(uidv));
    d.add_u64(f.uid, u64::from(m.uid));
    d.add_i64(f.date, m.sort_date());
    d.add_text(f.subject, &m.subject);
    d.add_text(f.from, addresses(&m.from));
    let mut to = addresses(&m.to);
    to.push_str(&addresses(&m.cc));
    d.add_text(f.to, to);
    d.add_u64(f.body_in, u64::from(body.is_some()));
    if let Some(raw) = body {
        let (text, names) = body_text(raw);
        d.add_text(f.body, text);
        if !names.is_empty() {
            d.add_text(f.attachments, names);
        }
    }
    d
}
