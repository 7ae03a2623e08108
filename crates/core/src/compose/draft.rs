//! A message being written: what the editor shows (headers above the body, `Attach:`
//! lines for files) and what tern keeps beside it (threading headers, which message
//! it answers, which server draft it replaces).

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// A message being written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    pub from: String,
    pub to: String,
    pub cc: String,
    pub bcc: String,
    pub subject: String,
    pub attach: Vec<PathBuf>,
    pub body: String,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    /// The message this answers (folder, UIDVALIDITY, UID): flagged `\Answered` once sent.
    pub answers: Option<(String, u32, u32)>,
    /// The server draft this replaces (folder, UIDVALIDITY, UID): removed once the new
    /// draft or the sent message is stored.
    pub replaces: Option<(String, u32, u32)>,
    /// A whole message attached as message/rfc822 (`:forward-attached`).
    pub attached_message: Option<PathBuf>,
}

/// The editable headers, in the order the editor shows them.
const FIELDS: &[&str] = &["From", "To", "Cc", "Bcc", "Subject"];

impl Draft {
    /// The text the editor gets.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for name in FIELDS {
            out.push_str(&format!(
                "{name}: {}\n",
                self.field(name).replace('\n', " ")
            ));
        }
        for a in &self.attach {
            out.push_str(&format!("Attach: {}\n", a.display()));
        }
        out.push('\n');
        out.push_str(&self.body);
        if !self.body.ends_with('\n') {
            out.push('\n');
        }
        out
    }

    fn field(&self, name: &str) -> &str {
        match name {
            "From" => &self.from,
            "To" => &self.to,
            "Cc" => &self.cc,
            "Bcc" => &self.bcc,
            _ => &self.subject,
        }
    }

    /// Reads the editor's text back into the draft. Headers end at the first empty line;
    /// a line that is no known header is an error naming it (nothing is dropped silently).
    pub fn update_from_text(&mut self, text: &str) -> Result<(), String> {
        let text = text.replace("\r\n", "\n");
        let (head, body) = match text.split_once("\n\n") {
            Some((h, b)) => (h.to_string(), b.to_string()),
            None if text.lines().all(|l| l.contains(':')) => (text.clone(), String::new()),
            None => return Err("no empty line between the headers and the text".into()),
        };
        let mut next = Draft {
            body,
            attach: Vec::new(),
            ..self.clone()
        };
        let mut last: Option<String> = None;
        for line in head.lines() {
            if line.starts_with([' ', '\t']) {
                // A folded header line continues the one before.
                match last.as_deref() {
                    Some(n) if n != "Attach" => {
                        let f = next.field_mut(n);
                        f.push(' ');
                        f.push_str(line.trim());
                        continue;
                    }
                    _ => return Err(format!("a line that continues nothing: {line:?}")),
                }
            }
            let Some((name, value)) = line.split_once(':') else {
                return Err(format!("not a header (Name: value): {line:?}"));
            };
            let name = name.trim();
            let value = value.trim();
            let canonical = FIELDS
                .iter()
                .chain(&["Attach"])
                .find(|f| f.eq_ignore_ascii_case(name))
                .ok_or_else(|| {
                    format!(
                        "unknown header {name:?} (tern edits From, To, Cc, Bcc, Subject, Attach)"
                    )
                })?;
            if *canonical == "Attach" {
                if !value.is_empty() {
                    next.attach.push(expand_home(value));
                }
            } else {
                *next.field_mut(canonical) = value.to_string();
            }
            last = Some(canonical.to_string());
        }
        *self = next;
        Ok(())
    }

    fn field_mut(&mut self, name: &str) -> &mut String {
        match name {
            "From" => &mut self.from,
            "To" => &mut self.to,
            "Cc" => &mut self.cc,
            "Bcc" => &mut self.bcc,
            _ => &mut self.subject,
        }
    }

    /// A line for lists: recipient and subject.
    pub fn summary(&self) -> String {
        let to = if self.to.trim().is_empty() {
            "(no recipient)"
        } else {
            self.to.trim()
        };
        let subject = if self.subject.trim().is_empty() {
            "(no subject)"
        } else {
            self.subject.trim()
        };
        format!("to {to}: {subject}")
    }
}

/// `~/x` as the user means it.
fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips_and_bad_headers_are_named() {
        let d = Draft {
            from: "Alice <alice@example.org>".into(),
            to: "bob@example.org".into(),
            subject: "Zoë's plan".into(),
            attach: vec![PathBuf::from("/tmp/a b.pdf")],
            body: "Hi Bob,\n\nsee attached.\n".into(),
            in_reply_to: Some("<x@y>".into()),
            ..Draft::default()
        };
        let text = d.to_text();
        let mut back = Draft {
            in_reply_to: Some("<x@y>".into()),
            ..Draft::default()
        };
        back.update_from_text(&text).unwrap();
        assert_eq!(back, d);
        let edited = text.replace(
            "To: bob@example.org",
            "to: bob@example.org,\n  carol@example.org",
        );
        back.update_from_text(&edited).unwrap();
        assert_eq!(back.to, "bob@example.org, carol@example.org");
        let e = back.update_from_text("X-Evil: 1\n\nbody").unwrap_err();
        assert!(e.contains("X-Evil"), "{e}");
        assert_eq!(
            back.to, "bob@example.org, carol@example.org",
            "unchanged on error"
        );
    }
}
