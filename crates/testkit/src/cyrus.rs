//! A private throwaway Cyrus IMAP 3.6 server in a temp dir, for tests: a second real
//! server beside [`super::Dovecot`], so that tern is not only ever checked against one.
//!
//! Cyrus's `master` runs in the foreground with its own `imapd.conf` and `cyrus.conf`
//! (every path inside the temp dir, every service given `-C`: master does not pass its
//! own `-C` on), an `imap` and an `imaps` service on free ports of 127.0.0.1, and real
//! password checks against a private sasldb written with `saslpasswd2`. The namespace is
//! the one most Cyrus sites use: `/` as separator and the alternate namespace, so the
//! user's folders sit beside INBOX (`Archive`, `Lists/rust`), and INBOX with Drafts, Sent,
//! Trash, Archive and Junk (special-use set) is created at the first login.
//!
//! Debian's `cyrus-imapd` conflicts with `dovecot-imapd` (both provide `imap-server`), so
//! where Dovecot is installed the imapd binary is unpacked from the package instead (see
//! `scripts/test.sh`); it is looked for in [`IMAPD_PATHS`]. The rest (`master`,
//! `ctl_cyrusdb`) comes from `cyrus-common` and `saslpasswd2` from `sasl2-bin`.
//!
//! Cyrus logs only to syslog; a failure to start reports master's exit status and output.

use super::probe::{bind_any, connect, find_binary, greeting, try_login};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::cyrus_tools::{add_sasl_user, binaries, chown_tree, refused, Session};
pub use super::DevError;
use super::{current_ids, lookup_user, make_certs_valid, Ids};

/// Where Cyrus's `imapd` is looked for, after `$TERN_CYRUS_IMAPD`: the installed package,
/// then the package unpacked by `scripts/test.sh` where it cannot be installed.
pub const IMAPD_PATHS: [&str; 2] = [
    "/usr/lib/cyrus/bin/imapd",
    "/opt/tern-cyrus-imapd/usr/lib/cyrus/bin/imapd",
];

/// Where `cyrus-common` keeps `master` and the other tools.
pub(super) const CYRUS_BIN: &str = "/usr/lib/cyrus/bin";

/// The SASL realm (also Cyrus's `servername`); sasldb entries are `user@REALM`.
pub(super) const REALM: &str = "tern-test";

/// Special-use folders created at a user's first login (with the attribute set).
const SPECIAL: [&str; 5] = ["Drafts", "Sent", "Trash", "Archive", "Junk"];

const START_TIMEOUT: Duration = Duration::from_secs(20);
const POLL: Duration = Duration::from_millis(20);

/// `imapd.conf`; `@R@` is the temp dir.
const IMAPD_CONF: &str = "configdirectory: @R@/conf
partition-default: @R@/spool
defaultpartition: default
proc_path: @R@/conf/proc
mboxname_lockpath: @R@/conf/lock
idlesocket: @R@/conf/socket/idle
lmtpsocket: @R@/conf/socket/lmtp
notifysocket: @R@/conf/socket/notify
servername: @REALM@
unixhierarchysep: yes
altnamespace: yes
allowplaintext: yes
sasl_pwcheck_method: auxprop
sasl_auxprop_plugin: sasldb
sasl_sasldb_path: @R@/sasldb
sasl_mech_list: PLAIN LOGIN
tls_server_cert: @R@/server.pem
tls_server_key: @R@/server.key
tls_versions: tls1_2 tls1_3
master_bind_errors_fatal: yes
autocreate_quota: 0
autocreate_inbox_folders: @SPECIAL@
autocreate_subscribe_folders: @SPECIAL@
specialusealways: yes
imapidlepoll: 1
";

/// `cyrus.conf`; `@B@` is the dir of master's tools, `@IMAPD@` the imapd binary.
const CYRUS_CONF: &str = "START {
  recover cmd=\"@B@/ctl_cyrusdb -C @R@/imapd.conf -r\"
}
SERVICES {
  imap cmd=\"@IMAPD@ -C @R@/imapd.conf\" listen=\"127.0.0.1:@PLAIN@\" prefork=0
  imaps cmd=\"@IMAPD@ -s -C @R@/imapd.conf\" listen=\"127.0.0.1:@TLS@\" prefork=0
}
EVENTS {
}
";

/// Options for [`Cyrus::start_with`].
#[derive(Clone, Debug)]
pub struct CyrusOptions {
    /// (username, password) pairs; the first is used for the readiness LOGIN check.
    pub users: Vec<(String, String)>,
    /// Capabilities left out of CAPABILITY (Cyrus's `suppress_capabilities`, spelt as
    /// Cyrus does, e.g. `["QRESYNC", "MOVE"]`). Cyrus may still accept them when used:
    /// they are hidden from a client that, like tern, only uses what is advertised.
    pub disable_caps: Vec<String>,
    /// SubjectAltNames of the server certificate (IP SAN for IPs, DNS SAN otherwise).
    pub cert_hosts: Vec<String>,
}

impl Default for CyrusOptions {
    fn default() -> Self {
        CyrusOptions {
            users: vec![("alice".into(), "secret".into())],
            disable_caps: Vec::new(),
            cert_hosts: vec!["127.0.0.1".into(), "localhost".into()],
        }
    }
}

/// A running private Cyrus instance; stopped (and its temp dir removed) on drop.
pub struct Cyrus {
    dir: tempfile::TempDir,
    ca_pem: PathBuf,
    master_bin: PathBuf,
    tls_port: u16,
    plain_port: u16,
    users: Vec<(String, String)>,
    disable_caps: Vec<String>,
    /// uid/gid owning the files; `Some` only when running as root (chown needed).
    chown_to: Option<(u32, u32)>,
    child: Option<Child>,
    /// One plain IMAP session kept open for [`Cyrus::deliver`] (user, connection).
    delivery: Mutex<Option<(String, Session)>>,
}

impl Cyrus {
    /// Starts Cyrus with one user (`alice` / `secret`).
    pub fn start() -> Result<Cyrus, DevError> {
        Cyrus::start_with(CyrusOptions::default())
    }

    /// Writes config, certificates and users to a fresh temp dir and starts Cyrus on
    /// free ports; returns once every user can log in.
    pub fn start_with(opts: CyrusOptions) -> Result<Cyrus, DevError> {
        let (master_bin, imapd, ctl) = binaries()?;
        let saslpasswd = find_binary("saslpasswd2").ok_or_else(|| {
            DevError::NotInstalled(
                "saslpasswd2 not found; install it with `apt-get install -y sasl2-bin`".into(),
            )
        })?;
        if opts.users.is_empty() {
            return Err(DevError::InvalidArgument(
                "at least one user is needed".into(),
            ));
        }
        for (u, pw) in &opts.users {
            let bad_user = u.is_empty()
                || !u
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b));
            if bad_user || pw.contains(['\n', '\r']) || pw.is_empty() {
                return Err(DevError::InvalidArgument(format!(
                    "unsupported user/password {u:?}"
                )));
            }
        }
        if let Some(c) = opts.disable_caps.iter().find(|c| {
            c.is_empty()
                || !c
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-=+".contains(&b))
        }) {
            return Err(DevError::InvalidArgument(format!("bad capability {c:?}")));
        }
        let tmp_base = std::env::temp_dir();
        // UNIX socket paths under the config dir must stay short (108 bytes).
        let tmp_base = if tmp_base.as_os_str().len() > 40 {
            PathBuf::from("/tmp")
        } else {
            tmp_base
        };
        let dir = tempfile::Builder::new()
            .prefix("tern-cyrus-")
            .tempdir_in(tmp_base)?;
        let root = dir.path().to_path_buf();
        // As root, master drops to the `cyrus` user (cyrus-common creates it); otherwise
        // it runs as whoever we are, named as its `cyrus_user`.
        let euid = crate::effective_ids().0;
        let ids = if euid == 0 {
            lookup_user("cyrus")?
        } else {
            current_ids()?
        };
        let chown_to = (euid == 0).then_some((ids.uid, ids.gid));
        fs::set_permissions(&root, fs::Permissions::from_mode(0o755))?;
        for d in [
            "conf",
            "conf/db",
            "conf/socket",
            "conf/proc",
            "conf/lock",
            "conf/log",
            "conf/msg",
            "conf/user",
            "conf/quota",
            "conf/sieve",
            "spool",
        ] {
            fs::create_dir(root.join(d))?;
        }

        let hosts = if opts.cert_hosts.is_empty() {
            CyrusOptions::default().cert_hosts
        } else {
            opts.cert_hosts.clone()
        };
        let pems = make_certs_valid(&hosts, true)?;
        let ca_pem = root.join("ca.pem");
        fs::write(&ca_pem, &pems.ca)?;
        fs::write(root.join("server.pem"), &pems.chain)?;
        let key_path = root.join("server.key");
        fs::write(&key_path, &pems.key)?;
        fs::set_permissions(&key_path, fs::Permissions::from_mode(0o600))?;
        for (u, pw) in &opts.users {
            add_sasl_user(&saslpasswd, &root.join("sasldb"), u, pw)?;
        }

        let mut cy = Cyrus {
            dir,
            ca_pem,
            master_bin,
            tls_port: 0,
            plain_port: 0,
            users: opts.users,
            disable_caps: opts.disable_caps,
            chown_to,
            child: None,
            delivery: Mutex::new(None),
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            // Hold both probe sockets at once so the ports are distinct.
            let probes = [bind_any()?, bind_any()?];
            let ports: Vec<u16> = probes
                .iter()
                .filter_map(|l| l.local_addr().ok())
                .map(|a| a.port())
                .collect();
            drop(probes);
            let [plain, tls] = ports[..] else { continue };
            (cy.plain_port, cy.tls_port) = (plain, tls);
            cy.write_config(&ids, &imapd, &ctl)?;
            match cy.launch() {
                Ok(()) => return Ok(cy),
                Err(e) => {
                    cy.stop();
                    // Another process may have taken a port between probe and bind (master
                    // exits then, `master_bind_errors_fatal`): try other ports. Its reason
                    // went to syslog only, so any early exit is retried a few times.
                    if attempt >= 3 || !matches!(e, DevError::Startup(_)) {
                        return Err(e);
                    }
                }
            }
        }
    }

    /// Port of the implicit-TLS (imaps) listener on 127.0.0.1.
    pub fn tls_port(&self) -> u16 {
        self.tls_port
    }

    /// Port of the plain IMAP listener on 127.0.0.1 (offers STARTTLS, allows plaintext LOGIN).
    pub fn plain_port(&self) -> u16 {
        self.plain_port
    }

    /// Path of the test CA certificate (PEM) that signed the server certificate.
    pub fn ca_pem_path(&self) -> &Path {
        &self.ca_pem
    }

    /// The instance's temp dir (config, certs, databases, mail spool).
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// The configured (username, password) pairs.
    pub fn users(&self) -> &[(String, String)] {
        &self.users
    }

    /// Stops Cyrus (SIGTERM to master, which ends its children) and waits until master is
    /// gone and the ports are closed.
    pub fn stop(&mut self) {
        if let Ok(mut d) = self.delivery.lock() {
            *d = None;
        }
        let Some(mut child) = self.child.take() else {
            return;
        };
        // SAFETY: kill touches no memory; the pid is our own child's.
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match child.try_wait() {
                Ok(Some(_)) | Err(_) => break,
                Ok(None) if Instant::now() > deadline => {
                    // Master and its imapds are their own process group (see `launch`).
                    // SAFETY: kill touches no memory; the group is our own child's.
                    unsafe { libc::kill(-(child.id() as libc::pid_t), libc::SIGKILL) };
                    let _ = child.wait();
                    break;
                }
                Ok(None) => thread::sleep(POLL),
            }
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline
            && (connect(self.plain_port).is_ok() || connect(self.tls_port).is_ok())
        {
            thread::sleep(POLL);
        }
    }

    /// Starts Cyrus again after [`Cyrus::stop`], on the same ports with the same mail.
    pub fn restart(&mut self) -> Result<(), DevError> {
        self.stop();
        self.launch()
    }

    /// Stores a message in `user`'s `folder` by APPEND over IMAP, with these flags and
    /// INTERNALDATE. `folder` is "INBOX" or e.g. "Archive" / "Lists/rust", created and
    /// subscribed if missing. The session is kept open for the next delivery.
    pub fn deliver(
        &self,
        user: &str,
        folder: &str,
        raw: &[u8],
        flags: &[&str],
        internal_date: DateTime<Utc>,
    ) -> Result<(), DevError> {
        let Some((_, pass)) = self.users.iter().find(|(u, _)| u == user) else {
            return Err(DevError::InvalidArgument(format!("unknown user {user:?}")));
        };
        let flags: Vec<String> = flags.iter().map(|f| f.to_string()).collect();
        tern_core::imap::ops::check_flags(&flags)
            .map_err(|e| DevError::InvalidArgument(e.to_string()))?;
        let mut slot = self
            .delivery
            .lock()
            .map_err(|_| DevError::InvalidArgument("a delivery panicked".into()))?;
        if slot.as_ref().is_none_or(|(u, _)| u != user) {
            *slot = Some((
                user.to_string(),
                Session::login(self.plain_port, user, pass)?,
            ));
        }
        let Some((_, session)) = slot.as_mut() else {
            unreachable!("just set")
        };
        let mailbox = tern_core::imap::mailbox_arg(folder);
        let head = format!(
            "APPEND {mailbox} ({}) \"{}\" {{{}+}}\r\n",
            flags.join(" "),
            internal_date.format("%e-%b-%Y %H:%M:%S +0000"),
            raw.len()
        );
        let append = |s: &mut Session| s.run_with(head.as_bytes(), raw);
        let result = match append(session) {
            Err(e) => Err(e),
            Ok(reply) if reply.starts_with("OK") => Ok(()),
            Ok(reply) if reply.contains("[TRYCREATE]") => {
                session.expect_ok(&format!("CREATE {mailbox}"))?;
                session.expect_ok(&format!("SUBSCRIBE {mailbox}"))?;
                match append(session)? {
                    r if r.starts_with("OK") => Ok(()),
                    r => Err(refused("APPEND", &r)),
                }
            }
            Ok(reply) => Err(refused("APPEND", &reply)),
        };
        if result.is_err() {
            // The session may be in any state now: the next delivery logs in afresh.
            *slot = None;
        }
        result
    }

    fn write_config(&self, ids: &Ids, imapd: &Path, ctl: &Path) -> Result<(), DevError> {
        let root = self.root();
        let r = root.display().to_string();
        let mut conf = IMAPD_CONF
            .replace("@R@", &r)
            .replace("@REALM@", REALM)
            .replace("@SPECIAL@", &SPECIAL.join(" | "));
        for s in SPECIAL {
            conf.push_str(&format!("xlist-{}: {s}\n", s.to_ascii_lowercase()));
        }
        if !self.disable_caps.is_empty() {
            conf.push_str(&format!(
                "suppress_capabilities: {}\n",
                self.disable_caps.join(" ")
            ));
        }
        if self.chown_to.is_none() {
            conf.push_str(&format!(
                "cyrus_user: {}\ncyrus_group: {}\n",
                ids.name, ids.group
            ));
        }
        fs::write(root.join("imapd.conf"), conf)?;
        let bin = ctl.parent().unwrap_or(Path::new(CYRUS_BIN));
        let services = CYRUS_CONF
            .replace("@R@", &r)
            .replace("@B@", &bin.display().to_string())
            .replace("@IMAPD@", &imapd.display().to_string())
            .replace("@PLAIN@", &self.plain_port.to_string())
            .replace("@TLS@", &self.tls_port.to_string());
        fs::write(root.join("cyrus.conf"), services)?;
        if let Some((uid, gid)) = self.chown_to {
            chown_tree(root, uid, gid)?;
        }
        Ok(())
    }

    fn output_tail(&self) -> String {
        let s = fs::read_to_string(self.root().join("master.out")).unwrap_or_default();
        let lines: Vec<&str> = s.lines().collect();
        let tail = lines[lines.len().saturating_sub(15)..].join("\n");
        if tail.trim().is_empty() {
            "(no output; Cyrus logs to syslog)".into()
        } else {
            tail
        }
    }

    /// Spawns `master -D` and waits until both ports answer and every user can log in
    /// (the first login also creates the user's INBOX and special-use folders).
    fn launch(&mut self) -> Result<(), DevError> {
        let root = self.root().to_path_buf();
        let out = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(root.join("master.out"))?;
        let child = Command::new(&self.master_bin)
            .arg("-C")
            .arg(root.join("imapd.conf"))
            .arg("-M")
            .arg(root.join("cyrus.conf"))
            .arg("-p")
            .arg(root.join("master.pid"))
            .arg("-D")
            // Master ends by signalling its whole process group: without a group of its
            // own that would hit other Cyrus instances (and the test process itself).
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()?;
        self.child = Some(child);
        let deadline = Instant::now() + START_TIMEOUT;
        let mut stage = 0;
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    self.child = None;
                    return Err(DevError::Startup(format!(
                        "cyrus master exited ({status}):\n{}",
                        self.output_tail()
                    )));
                }
            }
            let done = match stage {
                0 => greeting(self.plain_port).is_ok(),
                1 => connect(self.tls_port).is_ok(),
                n => {
                    let (user, pass) = &self.users[n - 2];
                    try_login(self.plain_port, user, pass).unwrap_or(false)
                }
            };
            if done {
                stage += 1;
                if stage == 2 + self.users.len() {
                    return Ok(());
                }
                continue;
            }
            if Instant::now() > deadline {
                return Err(DevError::Timeout(format!(
                    "cyrus not ready after {START_TIMEOUT:?} (stage {stage}); master output:\n{}",
                    self.output_tail()
                )));
            }
            thread::sleep(POLL);
        }
    }
}

impl Drop for Cyrus {
    fn drop(&mut self) {
        self.stop();
    }
}
