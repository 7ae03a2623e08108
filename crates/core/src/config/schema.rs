//! The serde structs of the config file. Key names are a contract with users.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The whole config file.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub general: General,
    #[serde(default)]
    pub accounts: BTreeMap<String, Account>,
    /// Key bindings over the defaults: key sequence to action name (`none` unbinds).
    #[serde(default)]
    pub keys: Keys,
    /// Colours and styles: element name to a spec like `"bold yellow"` or `"black on cyan"`.
    #[serde(default)]
    pub theme: BTreeMap<String, String>,
}

/// `[keys.list]`, `[keys.reader]`, `[keys.global]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Keys {
    #[serde(default)]
    pub list: BTreeMap<String, String>,
    #[serde(default)]
    pub reader: BTreeMap<String, String>,
    #[serde(default)]
    pub global: BTreeMap<String, String>,
}

/// Where the reader goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReaderLayout {
    /// The reader takes the screen.
    #[default]
    Full,
    /// The reader sits below the list.
    Split,
}

/// `[general]`: settings shared by all accounts.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct General {
    pub cache_dir: Option<PathBuf>,
    /// Megabytes of message bodies kept in the cache (default 2048); the least recently
    /// read go first, the prefetch window's last.
    pub body_cache_mb: Option<u64>,
    /// Where `s` saves attachments (default: the XDG download folder).
    pub download_dir: Option<PathBuf>,
    /// Run (by `sh -c`) when new mail arrives in the open folder, with the folder, sender
    /// and subject in TERN_FOLDER, TERN_FROM and TERN_SUBJECT (never in the command text).
    pub new_mail_command: Option<String>,
    /// Ring the terminal bell on new mail.
    #[serde(default)]
    pub bell: bool,
    /// `full` or `split`; `z` toggles it and tern writes the choice back here.
    pub reader_layout: Option<ReaderLayout>,
    /// Show the folder sidebar (`true`/`false`); unset: only on screens 100 columns
    /// wide or more. `B` (`:toggle-sidebar`) toggles it and tern writes the choice here.
    pub sidebar: Option<bool>,
    /// `y` in the reader copies a link to the terminal's clipboard with OSC 52 (the
    /// terminal, and tmux with `set-clipboard on`, must allow it).
    #[serde(default)]
    pub osc52: bool,
    /// The editor for composing (default: $VISUAL, then $EDITOR, then vi). Split on
    /// spaces, run without a shell; the file name is added as the last argument.
    pub editor: Option<String>,
}

/// `[accounts.NAME]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Account {
    #[serde(default)]
    pub default: bool,
    pub email: String,
    pub name: Option<String>,
    pub imap: ImapConfig,
    /// How mail is sent: SMTP (this table) or a sendmail-like program.
    pub smtp: Option<SmtpConfig>,
    /// A program that reads the message on standard input and sends it (no shell).
    pub sendmail_command: Option<Vec<String>>,
    /// APPEND a copy of sent mail to the Sent folder (default true).
    pub save_sent: Option<bool>,
    #[serde(default)]
    pub folders: FolderNames,
    /// More addresses of this account: exact, or `*@domain`. A reply or forward is sent
    /// from the one the original was sent to.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Text put below a new message after a `-- ` line.
    pub signature: Option<String>,
    /// A command (run by `sh -c` at start) whose output is the signature.
    pub signature_command: Option<String>,
    /// The signature goes below the quoted original instead of above it.
    #[serde(default)]
    pub signature_below_quote: bool,
    /// Folders whose new mail is announced (counts, bell, new-mail-command) besides the
    /// open one; default INBOX alone.
    pub watch: Option<Vec<String>>,
    /// Seconds between the counts' refreshes (how soon new mail in a watched folder that
    /// is not open is seen); default 60.
    pub poll_seconds: Option<u64>,
    /// Asked at To: completion with the typed text as its last argument (no shell);
    /// prints `address<TAB>name` lines (khard, abook --mutt-query, notmuch-address).
    pub address_book_command: Option<String>,
    /// OAuth2 for `auth = "oauth2"`: the provider, the user's own client and the flow.
    pub oauth2: Option<OAuth2Config>,
    /// Bodies fetched ahead of time, for reading and searching offline: of messages newer
    /// than `"30d"` (the default; also `"2w"`), or `"all"`, or `"none"`.
    pub prefetch: Option<String>,
}

/// Which bodies the worker fetches ahead of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prefetch {
    None,
    /// Messages dated within this many days.
    Days(u32),
    All,
}

impl Prefetch {
    /// `"30d"`, `"2w"`, `"all"`, `"none"`.
    pub fn parse(text: &str) -> Result<Prefetch, String> {
        let t = text.trim().to_ascii_lowercase();
        match t.as_str() {
            "all" => return Ok(Prefetch::All),
            "none" | "0d" => return Ok(Prefetch::None),
            _ => {}
        }
        let (n, unit) = t.split_at(t.len().saturating_sub(1));
        let days = match (n.parse::<u32>(), unit) {
            (Ok(n), "d") => Some(n),
            (Ok(n), "w") => n.checked_mul(7),
            _ => None,
        };
        match days {
            Some(0) => Ok(Prefetch::None),
            Some(d) => Ok(Prefetch::Days(d)),
            None => Err(format!(
                "prefetch = {text:?} is not a window: write \"30d\" (days), \"2w\" (weeks), \"all\" or \"none\""
            )),
        }
    }

    /// The oldest date (Unix seconds) inside the window at `now`; None: no window.
    pub fn since(self, now: i64) -> Option<i64> {
        match self {
            Prefetch::None => None,
            Prefetch::All => Some(i64::MIN),
            Prefetch::Days(d) => Some(now - i64::from(d) * 86_400),
        }
    }
}

impl Account {
    /// The prefetch window (default 30 days); the config was checked when read.
    pub fn prefetch(&self) -> Prefetch {
        self.prefetch
            .as_deref()
            .map(|p| Prefetch::parse(p).unwrap_or(Prefetch::Days(30)))
            .unwrap_or(Prefetch::Days(30))
    }
}

/// `[accounts.NAME.oauth2]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct OAuth2Config {
    /// Presets of endpoints and scopes, or `custom` with the URLs below.
    pub provider: OAuth2Provider,
    /// The client the user registered with the provider.
    pub client_id: String,
    /// Prints the client secret (run by `sh -c`), for providers that want one.
    pub client_secret_command: Option<String>,
    /// `device` (a code typed on any machine's browser) or `browser` (a loopback redirect).
    pub flow: Option<OAuth2Flow>,
    /// The SASL mechanism the token is given with, for IMAP and SMTP alike.
    #[serde(default)]
    pub sasl: Sasl,
    /// Where the refresh token is kept: `keyring`, or `file` (a 0600 file under the XDG
    /// data dir; survives reboots where the kernel keyring does not). Unset: the keyring
    /// when one is reachable, else the file.
    pub token_store: Option<TokenStore>,
    /// The loopback port of the browser flow (0 or unset: any free port); fix it when an
    /// `ssh -L` carries the redirect from another machine's browser.
    pub redirect_port: Option<u16>,
    /// `custom` only.
    pub device_authorization_url: Option<String>,
    /// `custom` only.
    pub authorization_url: Option<String>,
    /// `custom` only.
    pub token_url: Option<String>,
    /// `custom` only.
    pub revocation_url: Option<String>,
    /// `custom` only.
    pub scopes: Option<Vec<String>>,
}

/// Which provider's endpoints and scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OAuth2Provider {
    Google,
    Microsoft,
    Custom,
}

impl OAuth2Provider {
    /// The config spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            OAuth2Provider::Google => "google",
            OAuth2Provider::Microsoft => "microsoft",
            OAuth2Provider::Custom => "custom",
        }
    }
}

/// Where an OAuth2 grant is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenStore {
    Keyring,
    File,
}

/// How the user grants access.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OAuth2Flow {
    /// RFC 8628: a URL and a code, typed in any browser (works over SSH).
    Device,
    /// Authorization code with PKCE and a loopback redirect (RFC 8252).
    Browser,
}

/// How an OAuth2 token is handed to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sasl {
    #[default]
    Xoauth2,
    /// RFC 7628.
    Oauthbearer,
}

/// `[accounts.NAME.smtp]`. `sendmail-command` and `save-sent` may also sit here.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub security: Option<Security>,
    pub username: Option<String>,
    pub password_command: Option<String>,
    #[serde(default)]
    pub password_keyring: bool,
    #[serde(default)]
    pub auth: AuthMethod,
    pub ca_certificate: Option<PathBuf>,
    pub sendmail_command: Option<Vec<String>>,
    pub save_sent: Option<bool>,
}

impl SmtpConfig {
    /// The port, defaulted from the security mode (465 for tls, 587 for starttls).
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.security {
            Some(Security::Tls) => 465,
            Some(Security::Starttls) | None => 587,
            Some(Security::Plain) => 25,
        })
    }
}

impl Account {
    /// The sendmail command, from the account or its `[smtp]` table.
    pub fn sendmail(&self) -> Option<&[String]> {
        self.sendmail_command
            .as_deref()
            .or_else(|| self.smtp.as_ref()?.sendmail_command.as_deref())
    }

    /// Whether sent mail is copied to the Sent folder.
    pub fn saves_sent(&self) -> bool {
        self.save_sent
            .or_else(|| self.smtp.as_ref()?.save_sent)
            .unwrap_or(true)
    }
}

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    Tls,
    Starttls,
    Plain,
}

/// How tern proves who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthMethod {
    #[default]
    Login,
    Xoauth2,
    Oauthbearer,
    /// tern runs OAuth2 itself (`[accounts.NAME.oauth2]`, `tern auth login`).
    Oauth2,
}

impl AuthMethod {
    /// The config spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::Login => "login",
            AuthMethod::Xoauth2 => "xoauth2",
            AuthMethod::Oauthbearer => "oauthbearer",
            AuthMethod::Oauth2 => "oauth2",
        }
    }
}

/// `[accounts.NAME.imap]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ImapConfig {
    pub host: String,
    pub port: Option<u16>,
    pub security: Security,
    pub username: String,
    pub password_command: Option<String>,
    #[serde(default)]
    pub password_keyring: bool,
    #[serde(default)]
    pub auth: AuthMethod,
    pub ca_certificate: Option<PathBuf>,
}

impl ImapConfig {
    /// The port, defaulted from the security mode.
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.security {
            Security::Tls => 993,
            Security::Starttls | Security::Plain => 143,
        })
    }
}

/// `[accounts.NAME.folders]`: overrides for the special folders.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct FolderNames {
    pub trash: Option<String>,
    pub archive: Option<String>,
    pub sent: Option<String>,
    pub drafts: Option<String>,
}
