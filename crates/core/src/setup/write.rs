//! Writing a new account into the config file: every other account, comment and blank
//! line kept as it was (toml_edit), the result checked as tern will read it before it is
//! written, the file 0600, written whole or not at all.

use super::Server;
use crate::config::{OAuth2Flow, OAuth2Provider, Security};

use std::path::Path;
use toml_edit::{value, DocumentMut, Item, Table};

/// How the new account's secret is had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretRoute {
    /// `password-keyring = true` (the password stored by setup).
    Keyring,
    /// `password-command = "..."`.
    Command(String),
    /// `auth = "oauth2"` with this provider, client and flow.
    OAuth2 {
        provider: OAuth2Provider,
        client_id: String,
        flow: Option<OAuth2Flow>,
    },
    /// Nothing written: tern asks at start-up.
    Prompt,
}

/// An account as `tern setup` writes it.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub name: String,
    pub email: String,
    pub display_name: Option<String>,
    pub imap: Server,
    pub smtp: Option<Server>,
    pub secret: SecretRoute,
    /// An extra trust root for both servers (a private CA, Proton Mail Bridge's own).
    pub ca_certificate: Option<std::path::PathBuf>,
}

/// What was done to the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    Created,
    Added,
    Replaced,
}

fn security(s: Security) -> &'static str {
    match s {
        Security::Tls => "tls",
        Security::Starttls => "starttls",
        Security::Plain => "plain",
    }
}

fn server_table(s: &Server, a: &NewAccount, default_port: u16) -> Table {
    let route = &a.secret;
    let mut t = Table::new();
    t.insert("host", value(s.host.as_str()));
    if s.port != default_port {
        t.insert("port", value(i64::from(s.port)));
    }
    t.insert("security", value(security(s.security)));
    t.insert("username", value(s.username.as_str()));
    match route {
        SecretRoute::Keyring => {
            t.insert("password-keyring", value(true));
        }
        SecretRoute::Command(cmd) => {
            t.insert("password-command", value(cmd.as_str()));
        }
        SecretRoute::OAuth2 { .. } => {
            t.insert("auth", value("oauth2"));
        }
        SecretRoute::Prompt => {}
    }
    if let Some(ca) = &a.ca_certificate {
        t.insert("ca-certificate", value(ca.display().to_string()));
    }
    t
}

/// Adds (or with `replace`, replaces) `[accounts.NAME]` in the config at `path`, creating
/// the file when there is none. An account of that name is refused unless `replace`.
pub fn write_account(path: &Path, a: &NewAccount, replace: bool) -> Result<Written, String> {
    let shown = path.display();
    let (text, existed) = match std::fs::read_to_string(path) {
        Ok(t) => (t, true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (String::new(), false),
        Err(e) => return Err(format!("{shown}: {e}")),
    };
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e| format!("{shown} is not valid TOML, so it is left alone: {e}"))?;
    let accounts = doc
        .entry("accounts")
        .or_insert_with(|| {
            let mut t = Table::new();
            t.set_implicit(true);
            Item::Table(t)
        })
        .as_table_mut()
        .ok_or_else(|| format!("{shown}: `accounts` is not a table"))?;
    let had = accounts.contains_key(&a.name);
    if had && !replace {
        return Err(format!(
            "{shown} already has an account named {:?}; nothing was changed (choose another name, or confirm replacing it)",
            a.name
        ));
    }
    let others: Vec<String> = accounts
        .iter()
        .map(|(k, _)| k.to_string())
        .filter(|k| *k != a.name)
        .collect();
    // The first account opens by default; a second one keeps the first as the default.
    if let [only] = others.as_slice() {
        if let Some(t) = accounts.get_mut(only).and_then(Item::as_table_mut) {
            if !t.contains_key("default") {
                t.insert("default", value(true));
            }
        }
    }
    let mut acct = Table::new();
    if others.is_empty() {
        acct.insert("default", value(true));
    }
    acct.insert("email", value(a.email.trim()));
    if let Some(n) = a.display_name.as_deref().filter(|n| !n.trim().is_empty()) {
        acct.insert("name", value(n.trim()));
    }
    let imap_port = match a.imap.security {
        Security::Tls => 993,
        _ => 143,
    };
    acct.insert("imap", Item::Table(server_table(&a.imap, a, imap_port)));
    if let Some(smtp) = &a.smtp {
        let port = match smtp.security {
            Security::Tls => 465,
            Security::Starttls => 587,
            Security::Plain => 25,
        };
        acct.insert("smtp", Item::Table(server_table(smtp, a, port)));
    }
    if let SecretRoute::OAuth2 {
        provider,
        client_id,
        flow,
    } = &a.secret
    {
        let mut o = Table::new();
        o.insert("provider", value(provider.as_str()));
        o.insert("client-id", value(client_id.as_str()));
        if let Some(f) = flow {
            o.insert(
                "flow",
                value(match f {
                    OAuth2Flow::Device => "device",
                    OAuth2Flow::Browser => "browser",
                }),
            );
        }
        acct.insert("oauth2", Item::Table(o));
    }
    acct.decor_mut().set_prefix(format!(
        "\n# Written by `tern setup` for {}.\n",
        a.email.trim()
    ));
    accounts.insert(&a.name, Item::Table(acct));
    let out = doc.to_string();
    // Checked as tern reads it: what is written, tern opens.
    crate::config::parse(&out, path)
        .map_err(|e| format!("the new config would not be valid, so nothing was written: {e}"))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    crate::atomic_file::write_atomic(path, out.as_bytes(), 0o600)
        .map_err(|e| format!("{shown}: {e}"))?;
    Ok(match (existed, had) {
        (false, _) => Written::Created,
        (true, true) => Written::Replaced,
        (true, false) => Written::Added,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(name: &str) -> NewAccount {
        NewAccount {
            name: name.into(),
            email: "bob@example.org".into(),
            display_name: Some("Bob".into()),
            imap: Server {
                host: "imap.example.org".into(),
                port: 993,
                security: Security::Tls,
                username: "bob".into(),
            },
            smtp: Some(Server {
                host: "smtp.example.org".into(),
                port: 587,
                security: Security::Starttls,
                username: "bob".into(),
            }),
            secret: SecretRoute::Command("pass show bob".into()),
            ca_certificate: None,
        }
    }

    #[test]
    fn adds_beside_what_is_there_keeping_every_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        let first = write_account(&path, &account("home"), false).unwrap();
        assert_eq!(first, Written::Created);
        let mut text = std::fs::read_to_string(&path).unwrap();
        text = format!("# my own comment\n{text}\n# trailing words\n");
        std::fs::write(&path, &text).unwrap();
        let second = write_account(&path, &account("work"), false).unwrap();
        assert_eq!(second, Written::Added);
        let after = std::fs::read_to_string(&path).unwrap();
        for line in text.lines() {
            assert!(after.contains(line), "lost {line:?}:\n{after}");
        }
        let c = crate::config::parse(&after, &path).unwrap();
        assert_eq!(
            c.account(None).unwrap().0,
            "home",
            "the first stays the default"
        );
        assert_eq!(c.accounts["work"].smtp.as_ref().unwrap().port(), 587);
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(&path).unwrap().permissions(),
        );
        assert_eq!(mode & 0o777, 0o600);
        // Not overwritten without asking.
        let err = write_account(&path, &account("work"), false).unwrap_err();
        assert!(
            err.contains("already has an account named \"work\""),
            "{err}"
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), after);
        assert_eq!(
            write_account(&path, &account("work"), true).unwrap(),
            Written::Replaced
        );
    }
}
