//! Configuration: the TOML schema (a contract with users), where the file lives, and
//! validation that names the file, line and key of every mistake.

mod schema;

pub use schema::{
    Account, AuthMethod, Config, FolderNames, General, ImapConfig, Keys, OAuth2Config, OAuth2Flow,
    OAuth2Provider, Prefetch, ReaderLayout, Sasl, Security, SmtpConfig, TokenStore,
};

use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// Why a configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error(
        "no config file at {0}. To start, run `tern setup` (it asks for your address and \
         writes it), or `tern config example > {0}` and fill it in; or pass --config FILE, \
         or set TERN_CONFIG"
    )]
    Missing(PathBuf),
    #[error("no account named {0:?} in the config")]
    NoSuchAccount(String),
}

/// The commented example config (`tern config example`).
pub const EXAMPLE: &str = include_str!("../../../../config.example.toml");

/// Where the config file is: `--config`, else `$TERN_CONFIG`, else the XDG config dir.
pub fn locate(explicit: Option<&Path>) -> Result<PathBuf, ConfigError> {
    if let Some(p) = explicit {
        return Ok(p.to_path_buf());
    }
    if let Some(p) = std::env::var_os("TERN_CONFIG").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    let dirs = project_dirs();
    Ok(dirs
        .map(|d| d.config_dir().join("config.toml"))
        .unwrap_or_else(|| PathBuf::from("tern.toml")))
}

/// The XDG directories for tern, when a home directory is known.
pub fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "tern")
}

/// Reads, parses and validates the config file.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ConfigError::Missing(path.to_path_buf()))
        }
        Err(source) => {
            return Err(ConfigError::Read {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    parse(&text, path)
}

/// Parses and validates config text; `path` only labels errors.
pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
    let config: Config = toml::from_str(text).map_err(|e| ConfigError::Parse {
        path: path.to_path_buf(),
        message: describe_toml_error(text, &e),
    })?;
    validate(&config).map_err(|message| ConfigError::Invalid {
        path: path.to_path_buf(),
        message,
    })?;
    Ok(config)
}

fn describe_toml_error(text: &str, e: &toml::de::Error) -> String {
    let msg = e.message().trim().to_string();
    match e.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            let key = text
                .get(span.clone())
                .map(|s| s.trim().to_string())
                .unwrap_or_default();
            if key.is_empty() || key.len() > 60 {
                format!("line {line}: {msg}")
            } else {
                format!("line {line}, at `{key}`: {msg}")
            }
        }
        None => msg,
    }
}

fn validate(config: &Config) -> Result<(), String> {
    if config.accounts.is_empty() {
        return Err("no [accounts.NAME] table: at least one account is needed".into());
    }
    let defaults = config.accounts.values().filter(|a| a.default).count();
    if defaults > 1 {
        return Err("more than one account has `default = true`".into());
    }
    if defaults == 0 && config.accounts.len() > 1 {
        return Err("several accounts and none has `default = true`".into());
    }
    for (name, acct) in &config.accounts {
        let imap = &acct.imap;
        if imap.host.trim().is_empty() {
            return Err(format!("[accounts.{name}.imap] host is empty"));
        }
        if imap.security == Security::Plain && !is_loopback_host(&imap.host) {
            return Err(format!(
                "[accounts.{name}.imap] security = \"plain\" is refused for {:?}: it would send \
                 the password unencrypted. Use \"tls\" or \"starttls\" (plain is only allowed \
                 for a loopback address)",
                imap.host
            ));
        }
        if imap.password_command.is_some() && imap.password_keyring {
            return Err(format!(
                "[accounts.{name}.imap] password-command and password-keyring are both set: pick one"
            ));
        }
        validate_sending(name, acct)?;
        if acct.poll_seconds == Some(0) {
            return Err(format!("[accounts.{name}] poll-seconds must be 1 or more"));
        }
        if acct.signature.is_some() && acct.signature_command.is_some() {
            return Err(format!(
                "[accounts.{name}] signature and signature-command are both set: pick one"
            ));
        }
        if let Some(bad) = acct
            .aliases
            .iter()
            .find(|a| !a.contains('@') || a.trim().is_empty())
        {
            return Err(format!(
                "[accounts.{name}] aliases: {bad:?} is not an address (an alias is \"me@example.org\" or \"*@example.org\")"
            ));
        }
        if matches!(imap.auth, AuthMethod::Xoauth2 | AuthMethod::Oauthbearer)
            && imap.password_command.is_none()
        {
            return Err(format!(
                "[accounts.{name}.imap] auth = {:?} needs password-command to print the token \
                 (or auth = \"oauth2\" with an [accounts.{name}.oauth2] table, and tern gets it)",
                imap.auth.as_str()
            ));
        }
        validate_oauth2(name, acct)?;
        if let Some(p) = &acct.prefetch {
            Prefetch::parse(p).map_err(|e| format!("[accounts.{name}] {e}"))?;
        }
    }
    Ok(())
}

/// `auth = "oauth2"` needs the `[oauth2]` table, and `custom` needs its URLs.
fn validate_oauth2(name: &str, acct: &Account) -> Result<(), String> {
    let uses = acct.imap.auth == AuthMethod::Oauth2
        || acct
            .smtp
            .as_ref()
            .is_some_and(|s| s.auth == AuthMethod::Oauth2);
    let t = format!("[accounts.{name}.oauth2]");
    let Some(o) = &acct.oauth2 else {
        if uses {
            return Err(format!(
                "auth = \"oauth2\" needs an {t} table with provider and client-id"
            ));
        }
        return Ok(());
    };
    if o.client_id.trim().is_empty() {
        return Err(format!("{t} client-id is empty"));
    }
    let custom_keys = [
        (
            "device-authorization-url",
            o.device_authorization_url.is_some(),
        ),
        ("authorization-url", o.authorization_url.is_some()),
        ("token-url", o.token_url.is_some()),
        ("revocation-url", o.revocation_url.is_some()),
        ("scopes", o.scopes.is_some()),
    ];
    if o.provider != OAuth2Provider::Custom {
        if let Some((key, _)) = custom_keys.iter().find(|(_, set)| *set) {
            return Err(format!(
                "{t} {key} is only read with provider = \"custom\" (the {:?} preset has its own)",
                o.provider.as_str()
            ));
        }
        return Ok(());
    }
    if o.token_url.is_none() {
        return Err(format!("{t} provider = \"custom\" needs token-url"));
    }
    match o.flow.unwrap_or(OAuth2Flow::Device) {
        OAuth2Flow::Device if o.device_authorization_url.is_none() => Err(format!(
            "{t} flow = \"device\" needs device-authorization-url (or flow = \"browser\" with authorization-url)"
        )),
        OAuth2Flow::Browser if o.authorization_url.is_none() => Err(format!(
            "{t} flow = \"browser\" needs authorization-url"
        )),
        _ => Ok(()),
    }
}

/// Sending needs either a sendmail command or a complete `[smtp]` table.
fn validate_sending(name: &str, acct: &Account) -> Result<(), String> {
    if let Some(cmd) = acct.sendmail() {
        if cmd.first().is_none_or(|p| p.trim().is_empty()) {
            return Err(format!(
                "[accounts.{name}] sendmail-command is empty: give the program and its arguments as a list"
            ));
        }
        return Ok(());
    }
    let Some(smtp) = &acct.smtp else {
        return Ok(()); // reading only; sending says what is missing
    };
    let t = format!("[accounts.{name}.smtp]");
    let host = smtp.host.as_deref().unwrap_or("");
    if host.trim().is_empty() {
        return Err(format!(
            "{t} host is missing (or set sendmail-command instead)"
        ));
    }
    let Some(security) = smtp.security else {
        return Err(format!(
            "{t} security is missing: \"tls\", \"starttls\" or \"plain\""
        ));
    };
    if smtp.username.is_none() {
        return Err(format!("{t} username is missing"));
    }
    if security == Security::Plain && !is_loopback_host(host) {
        return Err(format!(
            "{t} security = \"plain\" is refused for {host:?}: it would send the password unencrypted"
        ));
    }
    if smtp.password_command.is_some() && smtp.password_keyring {
        return Err(format!(
            "{t} password-command and password-keyring are both set: pick one"
        ));
    }
    if matches!(smtp.auth, AuthMethod::Xoauth2 | AuthMethod::Oauthbearer)
        && smtp.password_command.is_none()
    {
        return Err(format!(
            "{t} auth = {:?} needs password-command to print the token",
            smtp.auth.as_str()
        ));
    }
    Ok(())
}

/// Writes `[general] reader-layout` into the config file, keeping everything else in it
/// (comments and layout) as it was.
pub fn remember_reader_layout(path: &Path, layout: ReaderLayout) -> Result<(), String> {
    let value = match layout {
        ReaderLayout::Full => "full",
        ReaderLayout::Split => "split",
    };
    remember(path, "reader-layout", toml_edit::value(value))
}

/// Writes `[general] sidebar` into the config file, as `remember_reader_layout` does.
pub fn remember_sidebar(path: &Path, shown: bool) -> Result<(), String> {
    remember(path, "sidebar", toml_edit::value(shown))
}

/// Sets one key of `[general]` in the config file, keeping the rest as it was.
fn remember(path: &Path, key: &str, value: toml_edit::Item) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let general = doc
        .entry("general")
        .or_insert_with(|| toml_edit::Item::Table(toml_edit::Table::new()));
    let Some(table) = general.as_table_like_mut() else {
        return Err(format!("{}: [general] is not a table", path.display()));
    };
    table.insert(key, value);
    // Written whole or not at all, keeping the file's permissions.
    let mode = std::fs::metadata(path)
        .map(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o7777)
        .unwrap_or(0o600);
    crate::atomic_file::write_atomic(path, doc.to_string().as_bytes(), mode)
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// A mistake in one entry of a table the client reads itself (`[keys.*]`, `[theme]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryError {
    /// The table's path, e.g. `["keys", "list"]`.
    pub table: Vec<String>,
    pub key: String,
    pub message: String,
}

impl std::fmt::Display for EntryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "[{}] {:?}: {}",
            self.table.join("."),
            self.key,
            self.message
        )
    }
}

impl std::error::Error for EntryError {}

impl EntryError {
    pub fn new(table: &[&str], key: &str, message: impl Into<String>) -> EntryError {
        EntryError {
            table: table.iter().map(|t| t.to_string()).collect(),
            key: key.to_string(),
            message: message.into(),
        }
    }

    /// The error as every other config error says it: the file, the line, the entry.
    pub fn located(&self, path: &Path) -> String {
        let line = std::fs::read_to_string(path)
            .ok()
            .and_then(|text| line_of(&text, &self.table, &self.key));
        match line {
            Some(n) => format!("{}: line {n}: {self}", path.display()),
            None => format!("{}: {self}", path.display()),
        }
    }
}

/// The line (from 1) where `key` of the table `table` is written in config text.
pub fn line_of(text: &str, table: &[String], key: &str) -> Option<usize> {
    let doc = toml_edit::Document::parse(text).ok()?;
    let mut t: &dyn toml_edit::TableLike = doc.as_table();
    for name in table {
        t = t.get(name)?.as_table_like()?;
    }
    let (k, _) = t.get_key_value(key)?;
    let start = k.span()?.start;
    Some(text.get(..start)?.matches('\n').count() + 1)
}

/// Whether `host` names this machine's loopback interface (plain text is tolerable there).
pub fn is_loopback_host(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    if h.eq_ignore_ascii_case("localhost") {
        return true;
    }
    h.parse::<IpAddr>()
        .map(|ip| ip.is_loopback())
        .unwrap_or(false)
}

impl Config {
    /// The account to use: the named one, else the default, else the only one.
    pub fn account(&self, name: Option<&str>) -> Result<(&str, &Account), ConfigError> {
        if let Some(n) = name {
            return self
                .accounts
                .get_key_value(n)
                .map(|(k, v)| (k.as_str(), v))
                .ok_or_else(|| ConfigError::NoSuchAccount(n.to_string()));
        }
        self.accounts
            .iter()
            .find(|(_, a)| a.default)
            .or_else(|| self.accounts.iter().next())
            .map(|(k, v)| (k.as_str(), v))
            .ok_or_else(|| ConfigError::NoSuchAccount("(default)".into()))
    }

    /// The cache directory: `general.cache-dir`, else the XDG cache dir.
    pub fn cache_dir(&self) -> PathBuf {
        if let Some(dir) = &self.general.cache_dir {
            return dir.clone();
        }
        project_dirs()
            .map(|d| d.cache_dir().to_path_buf())
            .unwrap_or_else(|| std::env::temp_dir().join("tern-cache"))
    }
}

#[cfg(test)]
mod tests;
