//! Where passwords and tokens come from: a password command, the OS keyring, or a prompt.
//! A `Secret` never prints itself, so it cannot reach a log by accident.

use crate::config::ImapConfig;
use std::fmt;
use std::sync::Arc;

/// A password or token. Debug and Display print a placeholder.
#[derive(Clone)]
pub struct Secret(Arc<str>);

impl Secret {
    /// Wraps a secret value.
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(Arc::from(s.into()))
    }
    /// The secret itself; only for the authentication exchange.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Secret) -> bool {
        self.0 == other.0
    }
}

impl Eq for Secret {}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Why no secret could be had.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("password-command `{command}` failed: {reason}")]
    Command { command: String, reason: String },
    #[error("no keyring is reachable here ({0}). Use password-command in the config (e.g. `pass show mail/x`), or leave both unset to be asked at start-up")]
    NoKeyring(String),
    #[error("the keyring has no password for account {account:?} ({reason}); store one with `tern password set {account}`")]
    NotInKeyring { account: String, reason: String },
    #[error("cannot prompt for the password: {0}")]
    Prompt(String),
}

const SERVICE: &str = "tern";

/// Gets the account's secret by the configured route. Prompts on the terminal only when
/// `interactive` is true; otherwise a missing route is an error.
pub fn resolve(account: &str, imap: &ImapConfig, interactive: bool) -> Result<Secret, SecretError> {
    resolve_route(
        account,
        imap.password_command.as_deref(),
        imap.password_keyring,
        &format!("{}@{}", imap.username, imap.host),
        interactive,
    )
}

/// The same chain for any server: the command, else the keyring entry of the account,
/// else a prompt naming `who` (user@host).
pub fn resolve_route(
    account: &str,
    command: Option<&str>,
    keyring: bool,
    who: &str,
    interactive: bool,
) -> Result<Secret, SecretError> {
    if let Some(cmd) = command {
        return run_password_command(cmd);
    }
    if keyring {
        return from_keyring(account);
    }
    if !interactive {
        return Err(SecretError::Prompt(
            "no terminal to ask on; set password-command or password-keyring".into(),
        ));
    }
    let prompt = format!("Password for {who}: ");
    rpassword::prompt_password(prompt)
        .map(Secret::new)
        .map_err(|e| SecretError::Prompt(e.to_string()))
}

/// Runs `sh -c COMMAND` and takes the first line of its output as the secret.
pub fn run_password_command(cmd: &str) -> Result<Secret, SecretError> {
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| SecretError::Command {
            command: cmd.to_string(),
            reason: e.to_string(),
        })?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(SecretError::Command {
            command: cmd.to_string(),
            reason: format!("{} {}", out.status, err.lines().next().unwrap_or("").trim()),
        });
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().next().unwrap_or("").to_string();
    if first.is_empty() {
        return Err(SecretError::Command {
            command: cmd.to_string(),
            reason: "it printed nothing".into(),
        });
    }
    Ok(Secret::new(first))
}

/// Picks a credential store that works here: Secret Service when a D-Bus session exists,
/// else the kernel keyutils store. Returns the store's name.
fn init_store() -> Result<&'static str, SecretError> {
    use std::sync::OnceLock;
    static CHOSEN: OnceLock<Result<&'static str, String>> = OnceLock::new();
    CHOSEN
        .get_or_init(|| {
            let mut why = Vec::new();
            if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some() {
                match zbus_secret_service_keyring_store::Store::new() {
                    Ok(s) => {
                        keyring_core::set_default_store(s);
                        return Ok("Secret Service");
                    }
                    Err(e) => why.push(format!("Secret Service: {e}")),
                }
            } else {
                why.push("no D-Bus session for the Secret Service".to_string());
            }
            match linux_keyutils_keyring_store::Store::new() {
                Ok(s) => {
                    keyring_core::set_default_store(s);
                    Ok("kernel keyring")
                }
                Err(e) => {
                    why.push(format!("kernel keyring: {e}"));
                    Err(why.join("; "))
                }
            }
        })
        .clone()
        .map_err(SecretError::NoKeyring)
}

fn from_keyring(account: &str) -> Result<Secret, SecretError> {
    init_store()?;
    let entry = keyring_core::Entry::new(SERVICE, account)
        .map_err(|e| SecretError::NoKeyring(e.to_string()))?;
    entry
        .get_password()
        .map(Secret::new)
        .map_err(|e| SecretError::NotInKeyring {
            account: account.to_string(),
            reason: e.to_string(),
        })
}

/// Stores a password in the keyring; returns the name of the store that took it.
pub fn store_in_keyring(account: &str, secret: &Secret) -> Result<&'static str, SecretError> {
    let store = init_store()?;
    let entry = keyring_core::Entry::new(SERVICE, account)
        .map_err(|e| SecretError::NoKeyring(e.to_string()))?;
    entry
        .set_password(secret.expose())
        .map_err(|e| SecretError::NoKeyring(format!("{store}: {e}")))?;
    Ok(store)
}

/// A keyring entry of tern's own (OAuth2 grants): its value, `Ok(None)` when absent.
pub(crate) fn keyring_get(user: &str) -> Result<Option<String>, SecretError> {
    init_store()?;
    let entry = keyring_core::Entry::new(SERVICE, user)
        .map_err(|e| SecretError::NoKeyring(e.to_string()))?;
    match entry.get_password() {
        Ok(v) => Ok(Some(v)),
        Err(keyring_core::Error::NoEntry) => Ok(None),
        Err(e) => Err(SecretError::NoKeyring(e.to_string())),
    }
}

/// Sets a keyring entry of tern's own; returns the store's name.
pub(crate) fn keyring_set(user: &str, value: &str) -> Result<&'static str, SecretError> {
    let store = init_store()?;
    let entry = keyring_core::Entry::new(SERVICE, user)
        .map_err(|e| SecretError::NoKeyring(e.to_string()))?;
    entry
        .set_password(value)
        .map_err(|e| SecretError::NoKeyring(format!("{store}: {e}")))?;
    Ok(store)
}

/// Removes a keyring entry of tern's own; `Ok(false)` when there was none.
pub(crate) fn keyring_delete(user: &str) -> Result<bool, SecretError> {
    init_store()?;
    let entry = keyring_core::Entry::new(SERVICE, user)
        .map_err(|e| SecretError::NoKeyring(e.to_string()))?;
    match entry.delete_credential() {
        Ok(()) => Ok(true),
        Err(keyring_core::Error::NoEntry) => Ok(false),
        Err(e) => Err(SecretError::NoKeyring(e.to_string())),
    }
}

/// The name of the keyring tern uses here, when one is reachable.
pub(crate) fn keyring_name() -> Result<&'static str, SecretError> {
    init_store()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_first_line_is_the_secret() {
        let s = run_password_command("printf 'hunter2\\nsecond\\n'").unwrap();
        assert_eq!(s.expose(), "hunter2");
        assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
    }

    #[test]
    fn no_keyring_names_the_alternatives() {
        let said = SecretError::NoKeyring("kernel keyring: denied".into()).to_string();
        assert!(said.starts_with("no keyring is reachable here"), "{said}");
        assert!(
            said.contains("password-command") && said.contains("asked at start-up"),
            "{said}"
        );
    }

    #[test]
    fn failing_command_says_so() {
        let e = run_password_command("echo nope >&2; exit 3")
            .unwrap_err()
            .to_string();
        assert!(e.contains("nope") && e.contains("failed"), "{e}");
    }
}
