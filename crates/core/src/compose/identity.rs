//! Who writes: the account's address and name, its other addresses (aliases, exact or
//! `*@domain`), and its signature. A reply or forward is written from the address the
//! original was sent to when that address is one of the account's.

/// The writer of a draft.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    pub name: Option<String>,
    pub email: String,
    /// More addresses that are this account's: exact, or `*@domain` for a whole domain.
    pub aliases: Vec<String>,
    /// Put below the text after a `-- ` line (from `signature` or `signature-command`).
    pub signature: Option<String>,
    /// The signature goes below the quoted original instead of above it.
    pub signature_below_quote: bool,
}

/// A display name as it may stand in an address line.
pub(super) fn quote_name(n: &str) -> String {
    if n.chars().any(|c| ",;<>@\"()[]:.".contains(c)) {
        format!("\"{}\"", n.replace(['"', '\\'], ""))
    } else {
        n.to_string()
    }
}

impl Identity {
    /// The From line, with the account's own address.
    pub fn from_line(&self) -> String {
        self.from_line_as(&self.email)
    }

    /// The From line with `email` (one of the account's addresses).
    pub fn from_line_as(&self, email: &str) -> String {
        match &self.name {
            Some(n) if !n.trim().is_empty() => format!("{} <{email}>", quote_name(n)),
            _ => email.to_string(),
        }
    }

    /// Whether `email` is one of the account's addresses.
    pub fn is_me(&self, email: &str) -> bool {
        let email = email.trim();
        email.eq_ignore_ascii_case(&self.email)
            || self.aliases.iter().any(|a| match a.strip_prefix("*@") {
                Some(domain) => email
                    .rsplit_once('@')
                    .is_some_and(|(_, d)| d.eq_ignore_ascii_case(domain)),
                None => email.eq_ignore_ascii_case(a.trim()),
            })
    }

    /// The From line for answering a message sent to `recipients`: the first of them
    /// that is one of the account's addresses, else the account's own.
    pub fn from_line_for<'a>(&self, recipients: impl IntoIterator<Item = &'a str>) -> String {
        match recipients.into_iter().find(|r| self.is_me(r)) {
            Some(addr) => self.from_line_as(addr.trim()),
            None => self.from_line(),
        }
    }

    /// A new draft's text: room to write, then the signature and what is carried over
    /// (a reply's quote, a forward's block), the signature above it unless
    /// `signature_below_quote`.
    pub fn body_with(&self, carried: &str) -> String {
        let sig = match self.signature.as_deref().map(str::trim_end) {
            Some(s) if !s.is_empty() => format!("-- \n{s}\n"),
            _ => return format!("\n\n{carried}"),
        };
        if carried.is_empty() {
            format!("\n\n{sig}")
        } else if self.signature_below_quote {
            format!("\n\n{carried}\n{sig}")
        } else {
            format!("\n\n{sig}\n{carried}")
        }
    }
}

/// The signature a `signature-command` prints (run by `sh -c`: the user's own config),
/// or why there is none, in plain words.
pub fn signature_from_command(cmd: &str) -> Result<String, String> {
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("signature-command {cmd:?} could not run: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(format!(
            "signature-command {cmd:?} failed ({}): {}",
            out.status,
            err.lines().next().unwrap_or("").trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim_end().to_string())
}

impl Identity {
    /// The account's identity from its config; a `signature-command` is run now, and
    /// when it fails the identity has no signature and the second value says why.
    pub fn of_account(account: &crate::config::Account) -> (Identity, Option<String>) {
        let (signature, problem) = match (&account.signature, &account.signature_command) {
            (Some(s), _) => (Some(s.clone()), None),
            (None, Some(cmd)) => match signature_from_command(cmd) {
                Ok(s) => (Some(s), None),
                Err(e) => (None, Some(e)),
            },
            (None, None) => (None, None),
        };
        let identity = Identity {
            name: account.name.clone(),
            email: account.email.clone(),
            aliases: account.aliases.clone(),
            signature,
            signature_below_quote: account.signature_below_quote,
        };
        (identity, problem)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn me() -> Identity {
        Identity {
            name: Some("Alice Example".into()),
            email: "alice@example.org".into(),
            aliases: vec!["alice@work.example".into(), "*@mine.example".into()],
            signature: Some("Alice\nhttps://alice.example\n".into()),
            signature_below_quote: false,
        }
    }

    #[test]
    fn aliases_exact_and_by_domain_choose_the_from_line() {
        let me = me();
        assert!(me.is_me("ALICE@example.org") && me.is_me("alice@work.example"));
        assert!(me.is_me("anything@MINE.example") && !me.is_me("alice@other.example"));
        assert_eq!(
            me.from_line_for(["bob@x.org", "sales@mine.example"]),
            "Alice Example <sales@mine.example>"
        );
        assert_eq!(
            me.from_line_for(["bob@x.org"]),
            "Alice Example <alice@example.org>"
        );
    }

    #[test]
    fn the_signature_goes_above_the_quote_or_below_it() {
        let mut me = me();
        assert_eq!(me.body_with(""), "\n\n-- \nAlice\nhttps://alice.example\n");
        let above = me.body_with("Bob wrote:\n> hi\n");
        assert_eq!(
            above,
            "\n\n-- \nAlice\nhttps://alice.example\n\nBob wrote:\n> hi\n"
        );
        me.signature_below_quote = true;
        let below = me.body_with("Bob wrote:\n> hi\n");
        assert_eq!(
            below,
            "\n\nBob wrote:\n> hi\n\n-- \nAlice\nhttps://alice.example\n"
        );
        me.signature = None;
        assert_eq!(me.body_with("Bob wrote:\n> hi\n"), "\n\nBob wrote:\n> hi\n");
    }
}
