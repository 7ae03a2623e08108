//! A draft turned into a MIME message with lettre's builder: encoded words for
//! non-ASCII names and subjects, a UTF-8 text part, attachments with detected types,
//! Date and a Message-ID on the account's domain.

use super::draft::Draft;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, Mailboxes, MultiPart, SinglePart};
use lettre::Message;

/// What sending needs: the message for the wire (no Bcc header), the copy for Sent
/// (Bcc kept, as users expect to see it), and the envelope recipients.
#[derive(Debug, Clone)]
pub struct Built {
    pub wire: Vec<u8>,
    pub copy: Vec<u8>,
    pub from: String,
    pub recipients: Vec<String>,
    pub message_id: String,
}

fn mailboxes(field: &str, text: &str) -> Result<Vec<Mailbox>, String> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let list: Mailboxes = text
        .parse()
        .map_err(|e| format!("{field}: {text:?} is not a list of addresses ({e})"))?;
    Ok(list.into_iter().collect())
}

/// A fresh Message-ID on `domain`.
pub fn message_id(domain: &str) -> String {
    let n: u128 = rand::random();
    format!("<{n:032x}@{domain}>")
}

/// Builds the message. Errors name the field or file in plain words.
pub fn build(draft: &Draft, domain: &str) -> Result<Built, String> {
    build_inner(draft, domain, true)
}

/// Builds a draft for the Drafts folder (recipients may still be missing).
pub fn build_draft(draft: &Draft, domain: &str) -> Result<Vec<u8>, String> {
    build_inner(draft, domain, false).map(|b| b.copy)
}

fn build_inner(draft: &Draft, domain: &str, to_send: bool) -> Result<Built, String> {
    let from = mailboxes("From", &draft.from)?
        .into_iter()
        .next()
        .ok_or("From is empty")?;
    let to = mailboxes("To", &draft.to)?;
    let cc = mailboxes("Cc", &draft.cc)?;
    let bcc = mailboxes("Bcc", &draft.bcc)?;
    let nobody = to.is_empty() && cc.is_empty() && bcc.is_empty();
    if nobody && to_send {
        return Err("no recipient: fill in To (or Cc, Bcc)".into());
    }
    let id = message_id(domain);
    let mut b = Message::builder();
    if nobody {
        // A draft to no one yet: an envelope is still needed to build it.
        let env =
            lettre::address::Envelope::new(Some(from.email.clone()), vec![from.email.clone()])
                .map_err(|e| e.to_string())?;
        b = b.envelope(env);
    }
    let mut b = b
        .from(from.clone())
        .subject(draft.subject.clone())
        .date_now()
        .message_id(Some(id.clone()))
        .user_agent(format!("tern {}", env!("CARGO_PKG_VERSION")));
    for m in to {
        b = b.to(m);
    }
    for m in cc {
        b = b.cc(m);
    }
    for m in bcc {
        b = b.bcc(m);
    }
    if let Some(r) = &draft.in_reply_to {
        b = b.in_reply_to(r.clone());
    }
    if !draft.references.is_empty() {
        b = b.references(draft.references.join(" "));
    }
    let text = SinglePart::builder()
        .header(ContentType::TEXT_PLAIN)
        .body(draft.body.clone());
    let mut parts = Vec::new();
    for path in &draft.attach {
        let bytes = std::fs::read(path)
            .map_err(|e| format!("Attach: cannot read {}: {e}", path.display()))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "attachment".into());
        let mime = mime_guess::from_path(path).first_or_octet_stream();
        let ct = ContentType::parse(mime.essence_str())
            .unwrap_or(ContentType::parse("application/octet-stream").map_err(|e| e.to_string())?);
        parts.push(Attachment::new(name).body(bytes, ct));
    }
    if let Some(path) = &draft.attached_message {
        let bytes = std::fs::read(path)
            .map_err(|e| format!("the forwarded message could not be read: {e}"))?;
        let ct = ContentType::parse("message/rfc822").map_err(|e| e.to_string())?;
        parts.push(Attachment::new("forwarded.eml".into()).body(bytes, ct));
    }
    let make = |b: lettre::message::MessageBuilder| -> Result<Message, String> {
        let r = if parts.is_empty() {
            b.singlepart(text.clone())
        } else {
            let mut mp = MultiPart::mixed().singlepart(text.clone());
            for p in &parts {
                mp = mp.singlepart(p.clone());
            }
            b.multipart(mp)
        };
        r.map_err(|e| format!("the message could not be built: {e}"))
    };
    let wire = make(b.clone())?;
    let copy = make(b.keep_bcc())?;
    let env = wire.envelope();
    Ok(Built {
        from: env.from().map(|a| a.to_string()).unwrap_or_default(),
        recipients: env.to().iter().map(|a| a.to_string()).collect(),
        wire: wire.formatted(),
        copy: copy.formatted(),
        message_id: id,
    })
}

/// The domain of an address (for Message-IDs).
pub fn domain_of(email: &str) -> String {
    email
        .rsplit_once('@')
        .map(|(_, d)| d.trim().to_string())
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use mail_parser::{MessageParser, MimeHeaders};

    #[test]
    fn non_ascii_attachments_threading_and_bcc() {
        let dir = tempfile::tempdir().unwrap();
        let pdf = dir.path().join("report.pdf");
        std::fs::write(&pdf, b"%PDF-1.4\x00\xff binary").unwrap();
        let d = Draft {
            from: "Zoë Ångström <zoe@example.se>".into(),
            to: "Bob <bob@example.org>".into(),
            bcc: "secret@example.org".into(),
            subject: "Grüße — 会议".into(),
            body: "Hallo Bob,\nanbei der Bericht. ✓\n".into(),
            attach: vec![pdf],
            in_reply_to: Some("<m2@example.org>".into()),
            references: vec!["<m1@example.org>".into(), "<m2@example.org>".into()],
            ..Draft::default()
        };
        let b = build(&d, "example.se").unwrap();
        assert!(b.message_id.ends_with("@example.se>"));
        assert_eq!(b.recipients, vec!["bob@example.org", "secret@example.org"]);
        let wire = String::from_utf8_lossy(&b.wire);
        assert!(!wire.contains("secret@example.org"), "no Bcc on the wire");
        assert!(wire.contains("=?utf-8?"), "encoded words: {wire}");
        let copy = String::from_utf8_lossy(&b.copy);
        assert!(
            copy.contains("secret@example.org"),
            "Bcc kept in the Sent copy"
        );
        let m = MessageParser::default().parse(&b.wire).unwrap();
        assert_eq!(m.subject(), Some("Grüße — 会议"));
        assert_eq!(
            m.from().unwrap().first().unwrap().name(),
            Some("Zoë Ångström")
        );
        assert!(m.body_text(0).unwrap().contains("anbei der Bericht. ✓"));
        let a = m.attachment(0).unwrap();
        assert_eq!(a.attachment_name(), Some("report.pdf"));
        assert_eq!(a.content_type().unwrap().subtype(), Some("pdf"));
        assert_eq!(a.contents(), b"%PDF-1.4\x00\xff binary");
        assert_eq!(m.in_reply_to().as_text(), Some("m2@example.org"));
        assert!(m.date().is_some());
    }

    #[test]
    fn forward_as_attachment_is_message_rfc822_and_drafts_need_no_recipient() {
        let dir = tempfile::tempdir().unwrap();
        let eml = dir.path().join("forwarded.eml");
        let original = b"From: bob@example.org\r\nSubject: plan\r\n\r\nthe plan\r\n";
        std::fs::write(&eml, original).unwrap();
        let d = Draft {
            from: "me@example.org".into(),
            to: "erin@example.org".into(),
            subject: "Fwd: plan".into(),
            attached_message: Some(eml),
            ..Draft::default()
        };
        let b = build(&d, "example.org").unwrap();
        let m = MessageParser::default().parse(&b.wire).unwrap();
        let part = m.attachment(0).expect("the forwarded message");
        assert_eq!(part.content_type().unwrap().ctype(), "message");
        assert_eq!(part.content_type().unwrap().subtype(), Some("rfc822"));
        let inner = part.message().expect("parsed as a message");
        assert_eq!(inner.subject(), Some("plan"));
        let draft = Draft {
            from: "me@example.org".into(),
            subject: "half done".into(),
            ..Draft::default()
        };
        let raw = build_draft(&draft, "example.org").unwrap();
        let m = MessageParser::default().parse(&raw).unwrap();
        assert_eq!(m.subject(), Some("half done"));
    }

    #[test]
    fn bad_input_is_named() {
        let d = Draft {
            from: "me@example.org".into(),
            to: "not an address".into(),
            ..Draft::default()
        };
        assert!(build(&d, "x").unwrap_err().starts_with("To:"));
        let d = Draft {
            from: "me@example.org".into(),
            ..Draft::default()
        };
        assert!(build(&d, "x").unwrap_err().contains("no recipient"));
        let d = Draft {
            from: "me@example.org".into(),
            to: "a@b.org".into(),
            attach: vec!["/nonexistent/file.txt".into()],
            ..Draft::default()
        };
        assert!(build(&d, "x")
            .unwrap_err()
            .contains("/nonexistent/file.txt"));
    }
}
