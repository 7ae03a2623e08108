//! New drafts from an original message: reply (Reply-To honoured), reply to all (own
//! address dropped), reply to the list (List-Post), forward inline with attribution,
//! and forward as an attachment.

use super::draft::Draft;
use super::identity::{quote_name, Identity};
use mail_parser::{Address, HeaderValue, MessageParser};

/// What kind of answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyKind {
    Sender,
    All,
    List,
}

/// (name, email) of every address in a header.
fn addresses(a: Option<&Address<'_>>) -> Vec<(Option<String>, String)> {
    a.map(|a| {
        a.iter()
            .filter_map(|x| {
                let email = x.address()?.trim().to_string();
                (!email.is_empty()).then(|| (x.name().map(|n| n.to_string()), email))
            })
            .collect()
    })
    .unwrap_or_default()
}

fn join(list: &[(Option<String>, String)]) -> String {
    list.iter()
        .map(|(n, e)| match n {
            Some(n) if !n.trim().is_empty() => format!("{} <{e}>", quote_name(n)),
            _ => e.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn prefixed(prefix: &str, subject: &str) -> String {
    let s = subject.trim();
    let lower = s.to_lowercase();
    if lower.starts_with(&prefix.to_lowercase()) {
        s.to_string()
    } else {
        format!("{prefix} {s}")
    }
}

/// The text part of a message (HTML converted), for quoting.
fn text_of(msg: &mail_parser::Message<'_>) -> String {
    let plain = msg
        .text_part(0)
        .filter(|p| !p.is_text_html())
        .and_then(|_| msg.body_text(0));
    match plain {
        Some(t) => t.into_owned(),
        None => msg
            .body_html(0)
            .and_then(|h| {
                crate::contained::run(|| html2text::from_read(h.as_bytes(), 78))
                    .and_then(|r| r.ok())
            })
            .unwrap_or_default(),
    }
}

fn quote(text: &str) -> String {
    let mut out = String::new();
    for line in text.replace("\r\n", "\n").trim_end().lines() {
        if line.is_empty() || line.starts_with('>') {
            out.push('>');
        } else {
            out.push_str("> ");
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn date_text(msg: &mail_parser::Message<'_>) -> String {
    msg.date()
        .map(|d| d.to_rfc822())
        .unwrap_or_else(|| "an unknown date".into())
}

/// Whom the message was sent to: To, Cc, then the delivery headers a server adds
/// (Delivered-To, X-Original-To), so a message that reached an alias by Bcc or a list
/// is still answered from that alias.
fn recipients(msg: &mail_parser::Message<'_>) -> Vec<String> {
    let mut out: Vec<String> = addresses(msg.to())
        .into_iter()
        .chain(addresses(msg.cc()))
        .map(|(_, e)| e)
        .collect();
    for name in ["Delivered-To", "X-Original-To"] {
        for v in msg.header_values(name) {
            if let Some(t) = v.as_text() {
                out.push(t.trim().trim_matches(['<', '>']).to_string());
            }
        }
    }
    out
}

/// The first `mailto:` address of a List-Post header.
fn list_post(msg: &mail_parser::Message<'_>) -> Option<String> {
    let raw = match msg.header("List-Post")? {
        HeaderValue::Text(t) => t.to_string(),
        HeaderValue::TextList(l) => l.join(","),
        HeaderValue::Address(a) => addresses(Some(a))
            .first()
            .map(|x| format!("<{}>", x.1))
            .unwrap_or_default(),
        _ => return None,
    };
    let start = raw.to_ascii_lowercase().find("mailto:")? + "mailto:".len();
    let rest = &raw[start..];
    let end = rest.find(['>', '?', ',', ' ']).unwrap_or(rest.len());
    let addr = rest[..end].trim();
    (!addr.is_empty()).then(|| addr.to_string())
}

/// A reply to `raw`. Errors say why in plain words (unparseable, no list address).
pub fn reply(raw: &[u8], me: &Identity, kind: ReplyKind) -> Result<Draft, String> {
    let msg = MessageParser::default()
        .parse(raw)
        .ok_or("the message could not be parsed, so tern cannot reply to it")?;
    let from = addresses(msg.from());
    let reply_to = addresses(msg.reply_to());
    let sent_by_me = from.iter().any(|(_, e)| me.is_me(e));
    let mut to = match kind {
        ReplyKind::List => {
            let list = list_post(&msg)
                .ok_or("this message has no List-Post header (L replies to a mailing list)")?;
            vec![(None, list)]
        }
        // Answering one's own message goes to its recipients, as users expect.
        _ if sent_by_me => addresses(msg.to()),
        _ if !reply_to.is_empty() => reply_to,
        _ => from.clone(),
    };
    let mut cc = Vec::new();
    if kind == ReplyKind::All {
        for (n, e) in addresses(msg.to()).into_iter().chain(addresses(msg.cc())) {
            let seen = to
                .iter()
                .chain(&cc)
                .any(|(_, x): &(Option<String>, String)| x.eq_ignore_ascii_case(&e));
            if !me.is_me(&e) && !seen {
                cc.push((n, e));
            }
        }
        to.retain(|(_, e)| !me.is_me(e) || sent_by_me);
    }
    let message_id = msg.message_id().map(|m| format!("<{m}>"));
    let mut references: Vec<String> = match msg.references() {
        HeaderValue::Text(t) => vec![format!("<{t}>")],
        HeaderValue::TextList(l) => l.iter().map(|r| format!("<{r}>")).collect(),
        _ => Vec::new(),
    };
    if let Some(id) = &message_id {
        references.push(id.clone());
    }
    let who = from
        .first()
        .map(|(n, e)| n.clone().unwrap_or_else(|| e.clone()))
        .unwrap_or_else(|| "someone".into());
    let body = me.body_with(&format!(
        "On {}, {who} wrote:\n{}",
        date_text(&msg),
        quote(&text_of(&msg))
    ));
    Ok(Draft {
        from: me.from_line_for(recipients(&msg).iter().map(String::as_str)),
        to: join(&to),
        cc: join(&cc),
        subject: prefixed("Re:", msg.subject().unwrap_or("")),
        body,
        in_reply_to: message_id,
        references,
        ..Draft::default()
    })
}

/// A forward of `raw`, inline: attribution block, the text, and (by the caller) its
/// attachments re-attached.
pub fn forward(raw: &[u8], me: &Identity) -> Result<Draft, String> {
    let msg = MessageParser::default()
        .parse(raw)
        .ok_or("the message could not be parsed, so tern cannot forward it")?;
    let line = |name: &str, v: String| {
        if v.is_empty() {
            String::new()
        } else {
            format!("{name}: {v}\n")
        }
    };
    let body = me.body_with(&format!(
        "---------- Forwarded message ----------\n{}{}{}{}\n{}",
        line("From", join(&addresses(msg.from()))),
        line("Date", date_text(&msg)),
        line("Subject", msg.subject().unwrap_or("").to_string()),
        line("To", join(&addresses(msg.to()))),
        text_of(&msg)
    ));
    Ok(Draft {
        from: me.from_line_for(recipients(&msg).iter().map(String::as_str)),
        subject: prefixed("Fwd:", msg.subject().unwrap_or("")),
        body,
        ..Draft::default()
    })
}

/// The From line for answering or forwarding `raw` (see `Identity::from_line_for`).
pub fn from_for(raw: &[u8], me: &Identity) -> String {
    match MessageParser::default().parse(raw) {
        Some(msg) => me.from_line_for(recipients(&msg).iter().map(String::as_str)),
        None => me.from_line(),
    }
}

/// The subject for a forward as an attachment.
pub fn forward_subject(raw: &[u8]) -> String {
    let subject = MessageParser::default()
        .parse(raw)
        .and_then(|m| m.subject().map(String::from))
        .unwrap_or_default();
    prefixed("Fwd:", &subject)
}

/// A draft stored on the server (Drafts folder), opened again for editing.
pub fn recall(raw: &[u8]) -> Result<Draft, String> {
    let msg = MessageParser::default()
        .parse(raw)
        .ok_or("the draft could not be parsed")?;
    let references = match msg.references() {
        HeaderValue::Text(t) => vec![format!("<{t}>")],
        HeaderValue::TextList(l) => l.iter().map(|r| format!("<{r}>")).collect(),
        _ => Vec::new(),
    };
    let in_reply_to = match msg.in_reply_to() {
        HeaderValue::Text(t) => Some(format!("<{t}>")),
        HeaderValue::TextList(l) => l.first().map(|t| format!("<{t}>")),
        _ => None,
    };
    Ok(Draft {
        from: join(&addresses(msg.from())),
        to: join(&addresses(msg.to())),
        cc: join(&addresses(msg.cc())),
        bcc: join(&addresses(msg.bcc())),
        subject: msg.subject().unwrap_or("").to_string(),
        body: msg.body_text(0).map(|t| t.into_owned()).unwrap_or_default(),
        in_reply_to,
        references,
        ..Draft::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGINAL: &[u8] =
        b"From: Bob <bob@example.org>\r\nTo: Alice <alice@example.org>, carol@example.org\r\n\
Cc: Dave <dave@example.org>, ALICE@example.org\r\nReply-To: bob-replies@example.org\r\n\
Subject: Lunch?\r\nMessage-ID: <m2@example.org>\r\nReferences: <m1@example.org>\r\n\
List-Post: <mailto:team@lists.example.org>\r\nDate: Thu, 26 Nov 2026 10:00:00 +0000\r\n\r\n\
Shall we?\r\n> earlier\r\n";

    fn me() -> Identity {
        Identity {
            name: Some("Alice Example".into()),
            email: "alice@example.org".into(),
            ..Identity::default()
        }
    }

    #[test]
    fn reply_honours_reply_to_quotes_and_threads() {
        let d = reply(ORIGINAL, &me(), ReplyKind::Sender).unwrap();
        assert_eq!(d.to, "bob-replies@example.org");
        assert_eq!(d.cc, "");
        assert_eq!(d.subject, "Re: Lunch?");
        assert_eq!(d.in_reply_to.as_deref(), Some("<m2@example.org>"));
        assert_eq!(d.references, vec!["<m1@example.org>", "<m2@example.org>"]);
        assert!(
            d.body.contains("Bob wrote:\n> Shall we?\n>> earlier\n"),
            "{}",
            d.body
        );
        assert_eq!(d.from, "Alice Example <alice@example.org>");
    }

    #[test]
    fn reply_all_drops_own_address_and_list_reply_uses_list_post() {
        let d = reply(ORIGINAL, &me(), ReplyKind::All).unwrap();
        assert_eq!(d.to, "bob-replies@example.org");
        assert_eq!(d.cc, "carol@example.org, Dave <dave@example.org>");
        let d = reply(ORIGINAL, &me(), ReplyKind::List).unwrap();
        assert_eq!(d.to, "team@lists.example.org");
        let no_list = b"From: x@y.org\r\nSubject: s\r\n\r\nb\r\n";
        assert!(reply(no_list, &me(), ReplyKind::List)
            .unwrap_err()
            .contains("List-Post"));
    }

    #[test]
    fn a_reply_to_an_alias_is_written_from_it_with_the_signature() {
        let mine = Identity {
            aliases: vec!["*@mine.example".into()],
            signature: Some("Alice".into()),
            ..me()
        };
        let to_alias = b"From: Bob <bob@example.org>\r\nTo: sales@mine.example\r\n\
Subject: Offer\r\n\r\nHow much?\r\n";
        let d = reply(to_alias, &mine, ReplyKind::Sender).unwrap();
        assert_eq!(d.from, "Alice Example <sales@mine.example>");
        assert!(d.body.starts_with("\n\n-- \nAlice\n\nOn "), "{:?}", d.body);
        // Reached by Bcc: the server's Delivered-To says which address.
        let bcc = b"From: Bob <bob@example.org>\r\nTo: list@lists.example\r\n\
Delivered-To: ceo@mine.example\r\nSubject: Hi\r\n\r\nHi\r\n";
        let d = forward(bcc, &mine).unwrap();
        assert_eq!(d.from, "Alice Example <ceo@mine.example>");
        // Reply to all leaves every address of mine out.
        let all = b"From: Bob <bob@example.org>\r\nTo: sales@mine.example, carol@x.org\r\n\
Subject: S\r\n\r\nb\r\n";
        assert_eq!(reply(all, &mine, ReplyKind::All).unwrap().cc, "carol@x.org");
        let plain = reply(to_alias, &me(), ReplyKind::Sender).unwrap();
        assert_eq!(plain.from, "Alice Example <alice@example.org>");
    }

    #[test]
    fn forward_keeps_attribution_and_text() {
        let d = forward(ORIGINAL, &me()).unwrap();
        assert_eq!(d.subject, "Fwd: Lunch?");
        assert!(d.body.contains("From: Bob <bob@example.org>"), "{}", d.body);
        assert!(d.body.contains("Shall we?"));
        assert_eq!(d.to, "");
    }
}
