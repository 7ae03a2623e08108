//! A private Secret Service for tests: a D-Bus session bus of its own and gnome-keyring's
//! daemon on it, its keyring in a temporary home, both stopped on drop. `tern password
//! set` and the IMAP login then use the real `org.freedesktop.secrets` API, as on a desktop.

use crate::DevError;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A running session bus with a Secret Service on it.
pub struct SecretService {
    bus: Child,
    keyring: Child,
    address: String,
    _home: tempfile::TempDir,
}

fn missing(what: &str) -> DevError {
    DevError::NotInstalled(format!(
        "{what} not found; install it with `apt-get install -y dbus-daemon dbus-bin gnome-keyring`"
    ))
}

impl SecretService {
    /// Starts the bus, then the keyring daemon (unlocked) on it; returns once the
    /// keyring answers.
    pub fn start() -> Result<SecretService, DevError> {
        for (bin, what) in [
            ("/usr/bin/dbus-daemon", "dbus-daemon"),
            ("/usr/bin/gnome-keyring-daemon", "gnome-keyring-daemon"),
            ("/usr/bin/dbus-send", "dbus-send"),
        ] {
            if !Path::new(bin).exists() {
                return Err(missing(what));
            }
        }
        let home = tempfile::tempdir()?;
        let mut bus = Command::new("/usr/bin/dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .arg(format!(
                "--address=unix:path={}",
                home.path().join("bus").display()
            ))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let mut address = String::new();
        if let Some(out) = bus.stdout.take() {
            BufReader::new(out).read_line(&mut address)?;
        }
        let address = address.trim().to_string();
        if address.is_empty() {
            let _ = bus.kill();
            return Err(DevError::Startup("dbus-daemon gave no address".into()));
        }
        let mut keyring = Command::new("/usr/bin/gnome-keyring-daemon")
            .args(["--foreground", "--unlock", "--components=secrets"])
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .env("HOME", home.path())
            .env("XDG_RUNTIME_DIR", home.path())
            .env("XDG_DATA_HOME", home.path().join("data"))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        // The keyring's password (a new keyring is made with it).
        if let Some(mut stdin) = keyring.stdin.take() {
            stdin.write_all(b"tern-test-keyring")?;
        }
        // Ready once it owns the Secret Service's name on the bus.
        let started = std::time::Instant::now();
        loop {
            let owned = Command::new("/usr/bin/dbus-send")
                .args([
                    &format!("--bus={address}"),
                    "--print-reply",
                    "--dest=org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner",
                    "string:org.freedesktop.secrets",
                ])
                .output()?;
            if String::from_utf8_lossy(&owned.stdout).contains("boolean true") {
                break;
            }
            if let Ok(Some(status)) = keyring.try_wait() {
                let _ = bus.kill();
                return Err(DevError::Startup(format!(
                    "gnome-keyring-daemon exited: {status}"
                )));
            }
            if started.elapsed() > std::time::Duration::from_secs(20) {
                let _ = keyring.kill();
                let _ = bus.kill();
                return Err(DevError::Timeout(
                    "gnome-keyring-daemon never took org.freedesktop.secrets".into(),
                ));
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Ok(SecretService {
            bus,
            keyring,
            address,
            _home: home,
        })
    }

    /// The bus's address, for `DBUS_SESSION_BUS_ADDRESS`.
    pub fn address(&self) -> &str {
        &self.address
    }
}

impl Drop for SecretService {
    fn drop(&mut self) {
        let _ = self.keyring.kill();
        let _ = self.keyring.wait();
        let _ = self.bus.kill();
        let _ = self.bus.wait();
    }
}
