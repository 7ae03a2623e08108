//! A private throwaway Dovecot 2.3 IMAP server in a temp dir, for tests, demos and benchmarks.
//!
//! Dovecot 2.3 answers `ENABLE QRESYNC` (and accepts `MOVE`, `IDLE`, ...) even when the
//! capability is not advertised, so when `disable_caps` is non-empty the listeners proxy
//! (Dovecot's own login proxy) through a small in-process filter that rewrites `ENABLE`
//! arguments and commands named after a disabled capability, so Dovecot really refuses them.

use super::probe::{bind_any, connect, find_binary, greeting, try_login};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

pub use super::DevError;
use super::{current_ids, lookup_user, make_certs_valid, Filter, Ids};

mod maildir;
mod oauth2;

pub use oauth2::{OAuth2Passdb, Submission};

/// Options for [`Dovecot::start`].
#[derive(Clone, Debug)]
pub struct DovecotOptions {
    /// (username, password) pairs; the first is used for the readiness LOGIN check.
    pub users: Vec<(String, String)>,
    /// Capabilities to remove from CAPABILITY (and to refuse), e.g. `["QRESYNC", "MOVE"]`.
    pub disable_caps: Vec<String>,
    /// SubjectAltNames of the server certificate (IP SAN for IPs, DNS SAN otherwise).
    pub cert_hosts: Vec<String>,
    /// Serve a certificate that expired yesterday (to test that it is refused).
    pub cert_expired: bool,
    /// Also accept OAuth2 bearer tokens (`XOAUTH2`, `OAUTHBEARER`), checked by
    /// introspection; passwords still work. Not with `disable_caps`.
    pub oauth2: Option<OAuth2Passdb>,
    /// Also run the submission service (SMTP, see [`Dovecot::submission_port`]).
    pub submission: Option<Submission>,
    /// Connections one user may have from one address (`mail_max_userip_connections`;
    /// None: 1000): a server that refuses one more.
    pub max_connections: Option<u32>,
}

impl Default for DovecotOptions {
    fn default() -> Self {
        DovecotOptions {
            users: vec![("alice".into(), "secret".into())],
            disable_caps: Vec::new(),
            cert_hosts: vec!["127.0.0.1".into(), "localhost".into()],
            cert_expired: false,
            oauth2: None,
            submission: None,
            max_connections: None,
        }
    }
}

/// Dovecot 2.3.19's default post-login CAPABILITY list (used when some are disabled).
const DEFAULT_CAPS: &str = "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY \
    THREAD=REFERENCES THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT \
    CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES \
    WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW STATUS=SIZE \
    SAVEDATE LITERAL+ NOTIFY SPECIAL-USE";

/// Config template; `@R@` is the temp dir. Special-use mailboxes are auto-created and subscribed.
const CONFIG: &str = "base_dir = @R@/run
state_dir = @R@/state
log_path = @R@/dovecot.log
info_log_path = @R@/dovecot.log
instance_name = tern-@PLAIN@
login_greeting = @GREETING@
protocols = @PROTOCOLS@
listen = 127.0.0.1
ssl = yes
ssl_cert = <@R@/server.pem
ssl_key = <@R@/server.key
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = @MECHS@
first_valid_uid = @UID@
first_valid_gid = @GID@
mail_location = maildir:@R@/mail/%u
imap_idle_notify_interval = 1 secs
mailbox_idle_check_interval = 1 secs
passdb {
  driver = passwd-file
  args = @R@/passwd.%{lport}
  #PASSWD_MECHS
}
userdb {
  driver = passwd-file
  args = @R@/passwd
}
protocol imap {
  mail_max_userip_connections = @MAXCONN@
}
# The default 256 MB kills the imap process of a million-message folder (benchmarks).
service imap {
  vsz_limit = 4G
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = @PLAIN@
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = @TLS@
    ssl = yes
  }
  #BACKEND
}
namespace inbox {
  inbox = yes
  separator = /
  #MAILBOXES
}
";

const START_TIMEOUT: Duration = Duration::from_secs(20);
const POLL: Duration = Duration::from_millis(20);

/// A running private Dovecot instance; stopped (and its temp dir removed) on drop.
pub struct Dovecot {
    dir: tempfile::TempDir,
    conf: PathBuf,
    ca_pem: PathBuf,
    dovecot_bin: PathBuf,
    tls_port: u16,
    plain_port: u16,
    submission_port: u16,
    users: Vec<(String, String)>,
    oauth2: Option<OAuth2Passdb>,
    submission: Option<Submission>,
    max_connections: u32,
    /// uid/gid owning the mail dirs; `Some` only when running as root (chown needed).
    chown_to: Option<(u32, u32)>,
    child: Option<Child>,
    filter: Option<Filter>,
}

impl Dovecot {
    /// Writes config, certificates and users to a fresh temp dir and starts Dovecot on free ports.
    pub fn start(opts: DovecotOptions) -> Result<Dovecot, DevError> {
        let dovecot_bin = find_binary("dovecot").ok_or_else(|| {
            DevError::NotInstalled(
                "dovecot not found; install it with `apt-get install -y dovecot-imapd`".into(),
            )
        })?;
        // Without its package Dovecot would only time out: say what to install.
        if opts.submission.is_some() && !Path::new("/usr/lib/dovecot/submission").exists() {
            return Err(DevError::NotInstalled(
                "Dovecot's submission service is not installed; install it with \
                 `apt-get install -y dovecot-submissiond`"
                    .into(),
            ));
        }
        if opts.oauth2.is_some() && !opts.disable_caps.is_empty() {
            // The filter's proxy passdb entries would not cover token logins.
            return Err(DevError::InvalidArgument(
                "oauth2 cannot be combined with disable_caps".into(),
            ));
        }
        if opts.users.is_empty() {
            return Err(DevError::InvalidArgument(
                "at least one user is needed".into(),
            ));
        }
        let tmp_base = std::env::temp_dir();
        // UNIX socket paths under base_dir must stay short (108 bytes).
        let tmp_base = if tmp_base.as_os_str().len() > 40 {
            PathBuf::from("/tmp")
        } else {
            tmp_base
        };
        let dir = tempfile::Builder::new()
            .prefix("tern-dovecot-")
            .tempdir_in(tmp_base)?;
        let root = dir.path().to_path_buf();
        let euid = crate::effective_ids().0;
        let ids = if euid == 0 {
            lookup_user("nobody")?
        } else {
            current_ids()?
        };
        let chown_to = (euid == 0).then_some((ids.uid, ids.gid));
        fs::set_permissions(&root, fs::Permissions::from_mode(0o755))?;
        let mail = root.join("mail");
        fs::create_dir(&mail)?;
        if let Some((uid, gid)) = chown_to {
            std::os::unix::fs::chown(&mail, Some(uid), Some(gid))?;
        }

        let hosts = if opts.cert_hosts.is_empty() {
            DovecotOptions::default().cert_hosts
        } else {
            opts.cert_hosts.clone()
        };
        let pems = make_certs_valid(&hosts, !opts.cert_expired)?;
        let ca_pem = root.join("ca.pem");
        fs::write(&ca_pem, &pems.ca)?;
        fs::write(root.join("server.pem"), &pems.chain)?;
        let key_path = root.join("server.key");
        fs::write(&key_path, &pems.key)?;
        fs::set_permissions(&key_path, fs::Permissions::from_mode(0o600))?;

        let disabled: Vec<String> = opts
            .disable_caps
            .iter()
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let filter = if disabled.is_empty() {
            None
        } else {
            Some(Filter::start(disabled.clone())?)
        };

        let mut dc = Dovecot {
            conf: root.join("dovecot.conf"),
            dir,
            ca_pem,
            dovecot_bin,
            tls_port: 0,
            plain_port: 0,
            submission_port: 0,
            users: opts.users.clone(),
            oauth2: opts.oauth2.clone(),
            submission: opts.submission.clone(),
            max_connections: opts.max_connections.unwrap_or(1000),
            chown_to,
            child: None,
            filter,
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            // Hold all the probe sockets at once so the ports are distinct.
            let probes = [bind_any()?, bind_any()?, bind_any()?, bind_any()?];
            let ports: Vec<u16> = probes
                .iter()
                .filter_map(|l| l.local_addr().ok())
                .map(|a| a.port())
                .collect();
            drop(probes);
            let [plain, tls, backend_port, submission] = ports[..] else {
                continue;
            };
            (dc.plain_port, dc.tls_port) = (plain, tls);
            dc.submission_port = if dc.submission.is_some() {
                submission
            } else {
                0
            };
            let cfg = ConfigParams {
                ids: &ids,
                disabled: &disabled,
                backend_port,
                filter: dc.filter.as_ref(),
            };
            dc.write_config(&cfg)?;
            if let Some(f) = &dc.filter {
                f.set_backend(backend_port);
            }
            match dc.launch() {
                Ok(()) => return Ok(dc),
                Err(e) => {
                    dc.stop();
                    // Another process grabbed one of the ports between probe and bind: retry.
                    if attempt >= 5 || !e.to_string().contains("Address already in use") {
                        return Err(e);
                    }
                }
            }
        }
    }

    /// The greeting only this instance sends (its temp dir's name is unique).
    fn greeting_text(&self) -> String {
        let id = self
            .dir
            .path()
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        format!("tern test server {id} ready")
    }

    /// Port of the implicit-TLS (imaps-style) listener on 127.0.0.1.
    pub fn tls_port(&self) -> u16 {
        self.tls_port
    }

    /// Port of the plain IMAP listener on 127.0.0.1 (offers STARTTLS, allows plaintext LOGIN).
    pub fn plain_port(&self) -> u16 {
        self.plain_port
    }

    /// Port of the submission service (SMTP with STARTTLS) on 127.0.0.1, when
    /// [`DovecotOptions::submission`] asked for it; 0 otherwise.
    pub fn submission_port(&self) -> u16 {
        self.submission_port
    }

    /// Path of the test CA certificate (PEM) that signed the server certificate.
    pub fn ca_pem_path(&self) -> &Path {
        &self.ca_pem
    }

    /// The instance's temp dir (config, certs, logs, mail).
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Path of Dovecot's log file.
    pub fn log_path(&self) -> PathBuf {
        self.root().join("dovecot.log")
    }

    /// The configured (username, password) pairs.
    pub fn users(&self) -> &[(String, String)] {
        &self.users
    }

    /// Stops Dovecot and waits until its master process is gone and the port is closed.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        // What `doveadm stop` does (SIGTERM to the master), but we are the master's parent and
        // must reap it ourselves: doveadm would keep polling the zombie for ~3 s.
        // SAFETY: kill touches no memory; the pid is our own child's.
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match child.try_wait() {
                Ok(Some(_)) | Err(_) => break,
                Ok(None) if Instant::now() > deadline => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
                Ok(None) => thread::sleep(POLL),
            }
        }
        self.kill_leftovers();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline && connect(self.plain_port).is_ok() {
            thread::sleep(POLL);
        }
    }

    /// Ends what is left of this instance once its master is gone: its TLS login
    /// processes outlive the master for about 30 s, holding clients' connections open,
    /// and a stopped server must look stopped to them at once. SIGTERM first, so a mail
    /// process lets go of its locks; SIGKILL for what is still there after 2 s; then the
    /// dotlocks a killed process may have left (a stale `dovecot-uidlist.lock` makes the
    /// restarted server wait on the folder), since no process of the instance is left.
    fn kill_leftovers(&self) {
        let left = |signal: libc::c_int| -> usize {
            let tag = format!("dovecot-tern-{}/", self.plain_port);
            let procs = match fs::read_dir("/proc") {
                Ok(p) => p,
                // Said, not passed over: a test that stops the server would otherwise
                // wait 30 s for its clients to see it stopped, and fail without saying why.
                Err(e) if !thread::panicking() => {
                    panic!("cannot list /proc to stop the test Dovecot's leftover processes: {e}")
                }
                // Already failing: a second panic would abort and hide the first.
                Err(_) => return 0,
            };
            let mut found = 0;
            for entry in procs.flatten() {
                let Ok(pid) = entry.file_name().to_string_lossy().parse::<libc::pid_t>() else {
                    continue;
                };
                let Ok(cmdline) = fs::read(entry.path().join("cmdline")) else {
                    continue;
                };
                if cmdline.starts_with(tag.as_bytes()) {
                    found += 1;
                    // SAFETY: kill touches no memory; the pid is a process of this
                    // instance (its title begins with the instance's name).
                    unsafe { libc::kill(pid, signal) };
                }
            }
            found
        };
        let deadline = Instant::now() + Duration::from_secs(2);
        while left(libc::SIGTERM) > 0 && Instant::now() < deadline {
            thread::sleep(POLL);
        }
        if left(libc::SIGKILL) > 0 {
            remove_dotlocks(&self.root().join("mail"));
        }
    }

    /// Starts Dovecot again after [`Dovecot::stop`], on the same ports with the same mail.
    pub fn restart(&mut self) -> Result<(), DevError> {
        self.stop();
        self.launch()
    }

    fn write_config(&self, p: &ConfigParams) -> Result<(), DevError> {
        let root = self.root().to_path_buf();
        let r = root.display();
        let mut passwd = String::new();
        for (u, pw) in &self.users {
            if u.contains([':', '\n', '/']) || pw.contains([':', '\n']) || u == ".." {
                return Err(DevError::InvalidArgument(format!(
                    "unsupported user/password {u:?}"
                )));
            }
            passwd.push_str(&format!(
                "{u}:{{PLAIN}}{pw}:{uid}:{gid}::{r}/mail/{u}::userdb_mail=maildir:{r}/mail/{u}\n",
                uid = p.ids.uid,
                gid = p.ids.gid
            ));
        }
        fs::write(root.join("passwd"), &passwd)?;
        // passdb file per local port: the public listeners proxy through the filter if needed.
        let public = match p.filter {
            Some(f) => self
                .users
                .iter()
                .map(|(u, pw)| {
                    format!(
                        "{u}:{{PLAIN}}{pw}::::::proxy host=127.0.0.1 port={}\n",
                        f.port
                    )
                })
                .collect(),
            None => passwd.clone(),
        };
        fs::write(root.join(format!("passwd.{}", self.plain_port)), &public)?;
        fs::write(root.join(format!("passwd.{}", self.tls_port)), &public)?;
        fs::write(root.join(format!("passwd.{}", p.backend_port)), &passwd)?;
        if self.submission.is_some() {
            fs::write(
                root.join(format!("passwd.{}", self.submission_port)),
                &passwd,
            )?;
        }

        let mut c = CONFIG
            .replace("@R@", &r.to_string())
            .replace("@PLAIN@", &self.plain_port.to_string())
            .replace("@GREETING@", &self.greeting_text())
            .replace("@MAXCONN@", &self.max_connections.to_string())
            .replace("@TLS@", &self.tls_port.to_string())
            .replace("@UID@", &p.ids.uid.to_string())
            .replace("@GID@", &p.ids.gid.to_string());
        if p.filter.is_some() {
            let l = format!(
                "inet_listener backend {{\n    address = 127.0.0.1\n    port = {}\n  }}\n",
                p.backend_port
            );
            c = c.replace("#BACKEND\n", &l);
        }
        let boxes: String = ["Drafts", "Sent", "Trash", "Archive", "Junk"]
            .iter()
            .map(|b| {
                format!("  mailbox {b} {{\n    special_use = \\{b}\n    auto = subscribe\n  }}\n")
            })
            .collect();
        c = c.replace("  #MAILBOXES\n", &boxes);
        oauth2::configure(
            &mut c,
            &root,
            self.oauth2.as_ref(),
            self.submission.as_ref().map(|s| (s, self.submission_port)),
        )?;
        if crate::effective_ids().0 != 0 {
            c.push_str(&format!(
                "default_internal_user = {n}\ndefault_internal_group = {g}\ndefault_login_user = {n}\n",
                n = p.ids.name,
                g = p.ids.group
            ));
            let submission = self.submission.is_some().then_some("submission-login");
            for s in [
                "imap-login",
                "anvil",
                "ipc",
                "old-stats",
                "aggregator",
                "director",
            ]
            .into_iter()
            .chain(submission)
            {
                c.push_str(&format!("service {s} {{\n  chroot =\n}}\n"));
            }
        }
        if !p.disabled.is_empty() {
            let caps = DEFAULT_CAPS
                .split_whitespace()
                .filter(|c| !p.disabled.iter().any(|d| d == c));
            c.push_str(&format!(
                "imap_capability = {}\n",
                caps.collect::<Vec<_>>().join(" ")
            ));
        }
        fs::write(&self.conf, c)?;
        Ok(())
    }

    fn log_tail(&self) -> String {
        let mut out = String::new();
        for f in ["dovecot.out", "dovecot.log"] {
            if let Ok(s) = fs::read_to_string(self.root().join(f)) {
                let lines: Vec<&str> = s.lines().collect();
                out.push_str(&lines[lines.len().saturating_sub(15)..].join("\n"));
                out.push('\n');
            }
        }
        out
    }

    /// Spawns `dovecot -F -c CONF` and waits until the ports greet and LOGIN succeeds.
    fn launch(&mut self) -> Result<(), DevError> {
        let out = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.root().join("dovecot.out"))?;
        let child = Command::new(&self.dovecot_bin)
            .arg("-F")
            .arg("-c")
            .arg(&self.conf)
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()?;
        self.child = Some(child);
        let deadline = Instant::now() + START_TIMEOUT;
        let (user, pass) = self.users[0].clone();
        let mut stage = 0;
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    self.child = None;
                    return Err(DevError::Startup(format!(
                        "dovecot exited ({status}):\n{}",
                        self.log_tail()
                    )));
                }
            }
            let done = match stage {
                // This instance's own greeting: a port taken meanwhile by another test's
                // server must not pass for ours (its folders and mail are not ours).
                0 => greeting(self.plain_port)
                    .is_ok_and(|(_, line)| line.contains(&self.greeting_text())),
                1 => connect(self.tls_port).is_ok(),
                2 => self.submission.is_none() || oauth2::smtp_greets(self.submission_port),
                _ => try_login(self.plain_port, &user, &pass).unwrap_or(false),
            };
            if done {
                stage += 1;
                if stage == 4 {
                    return Ok(());
                }
                continue;
            }
            if Instant::now() > deadline {
                return Err(DevError::Timeout(format!(
                    "dovecot not ready after {START_TIMEOUT:?} (stage {stage}); log tail:\n{}",
                    self.log_tail()
                )));
            }
            thread::sleep(POLL);
        }
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        self.stop();
        if let Some(f) = self.filter.take() {
            f.shutdown();
        }
    }
}

struct ConfigParams<'a> {
    ids: &'a Ids,
    disabled: &'a [String],
    backend_port: u16,
    filter: Option<&'a Filter>,
}

/// Removes the dotlock files under `dir` (`*.lock`), left by mail processes killed while
/// holding them.
fn remove_dotlocks(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            remove_dotlocks(&path);
        } else if path.extension().is_some_and(|x| x == "lock") {
            let _ = fs::remove_file(&path);
        }
    }
}
