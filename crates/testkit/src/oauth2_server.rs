//! A private OAuth2 authorization server for tests: the `oidc-provider` npm package run by
//! Node (`crates/testkit/oauth2/provider.mjs`), with a public native client `tern-test`
//! (device code, authorization code with PKCE S256 and any loopback redirect port, refresh
//! tokens rotated on each use), a confidential client `dovecot` that may introspect every
//! token, and any login name with one password. A scripted user with a browser
//! (`user.mjs`) approves device codes and authorization requests through the real pages.
//!
//! The node modules come from `npm ci --prefix crates/testkit/oauth2 --no-audit --no-fund`
//! (scripts/test.sh runs it).

use super::probe::find_binary;
use super::DevError;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// The public native client's id.
const CLIENT_ID: &str = "tern-test";
/// The introspecting client's id.
const INTROSPECTOR_ID: &str = "dovecot";
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a scripted user may take (a few pages, then the client's redirect).
const USER_TIMEOUT: Duration = Duration::from_secs(60);
const HTTP_TIMEOUT: Duration = Duration::from_secs(30);

/// Options for [`OAuthServer::start`].
#[derive(Clone, Debug)]
pub struct OAuthOptions {
    /// Lifetime of access tokens (whole seconds, at least one); short ones force refreshes.
    pub access_token_ttl: Duration,
    /// The password of every account (any login name is an account).
    pub password: String,
}

impl Default for OAuthOptions {
    fn default() -> Self {
        OAuthOptions {
            access_token_ttl: Duration::from_secs(3600),
            password: "secret".into(),
        }
    }
}

/// A running authorization server on 127.0.0.1; Node is killed on drop.
pub struct OAuthServer {
    child: Child,
    port: u16,
    node: PathBuf,
    project: PathBuf,
    dir: tempfile::TempDir,
    dovecot_secret: String,
    password: String,
}

/// The Node project (provider.mjs, user.mjs, node_modules).
fn project_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("oauth2")
}

fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

impl OAuthServer {
    /// Starts `node provider.mjs` on a free port and waits until it listens.
    pub fn start(opts: OAuthOptions) -> Result<OAuthServer, DevError> {
        let project = project_dir();
        let node = find_binary("node").ok_or_else(|| {
            DevError::NotInstalled(
                "node not found: the OAuth2 test server needs Node.js 18 or later and npm \
                 (apt-get install -y nodejs npm)"
                    .into(),
            )
        })?;
        if !project
            .join("node_modules/oidc-provider/package.json")
            .is_file()
        {
            return Err(DevError::NotInstalled(format!(
                "the OAuth2 test server's node modules are missing: run \
                 `npm ci --prefix {} --no-audit --no-fund` (scripts/test.sh does)",
                project.display()
            )));
        }
        let ttl = opts.access_token_ttl.as_secs();
        if ttl == 0 || opts.password.is_empty() {
            return Err(DevError::InvalidArgument(
                "the access token TTL must be at least a second, the password not empty".into(),
            ));
        }
        let dir = tempfile::Builder::new().prefix("tern-oauth2-").tempdir()?;
        let log = dir.path().join("provider.log");
        let log_file = std::fs::File::create(&log)?;
        let dovecot_secret = format!("dovecot-{:016x}", rand::random::<u64>());
        let mut child = Command::new(&node)
            .arg(project.join("provider.mjs"))
            .args(["--port", "0", "--access-ttl", &ttl.to_string()])
            // Secrets in the environment would be tidier, but this is a test server on
            // loopback with throwaway values.
            .args(["--password", &opts.password])
            .args(["--dovecot-secret", &dovecot_secret])
            .current_dir(&project)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| DevError::Startup("no stdout from node".into()))?;
        let (tx, rx) = mpsc::channel();
        thread::Builder::new()
            .name("oauth2-stdout".into())
            .spawn(move || {
                let mut lines = BufReader::new(stdout).lines();
                let _ = tx.send(lines.next());
                // Keep reading so that node never blocks on a full pipe.
                for _ in lines {}
            })?;
        let first = match rx.recv_timeout(START_TIMEOUT) {
            Ok(Some(Ok(line))) => line,
            other => {
                let _ = child.kill();
                let _ = child.wait();
                let why = match other {
                    Err(_) => format!("no LISTENING line after {START_TIMEOUT:?}"),
                    _ => "node exited before listening".into(),
                };
                return Err(DevError::Startup(format!(
                    "the OAuth2 test server did not start ({why}); its log:\n{}",
                    tail(&log, 30)
                )));
            }
        };
        let port = first
            .strip_prefix("LISTENING ")
            .and_then(|p| p.trim().parse::<u16>().ok());
        let Some(port) = port else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(DevError::Startup(format!(
                "the OAuth2 test server said {first:?}; its log:\n{}",
                tail(&log, 30)
            )));
        };
        Ok(OAuthServer {
            child,
            port,
            node,
            project,
            dir,
            dovecot_secret,
            password: opts.password,
        })
    }

    /// `http://127.0.0.1:PORT`
    pub fn issuer(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The public native client's id, `tern-test` (no secret).
    pub fn client_id(&self) -> &str {
        CLIENT_ID
    }

    /// The password every account has.
    pub fn password(&self) -> &str {
        &self.password
    }

    /// RFC 8628 device authorization endpoint.
    pub fn device_authorization_url(&self) -> String {
        format!("{}/device/auth", self.issuer())
    }

    /// Authorization endpoint (code flow; PKCE S256 required).
    pub fn authorization_url(&self) -> String {
        format!("{}/auth", self.issuer())
    }

    pub fn token_url(&self) -> String {
        format!("{}/token", self.issuer())
    }

    /// RFC 7009 revocation endpoint (the public client may revoke its own tokens).
    pub fn revocation_url(&self) -> String {
        format!("{}/token/revocation", self.issuer())
    }

    /// RFC 7662 introspection endpoint (needs a client's authentication).
    pub fn introspection_url(&self) -> String {
        format!("{}/token/introspection", self.issuer())
    }

    /// The introspection endpoint with the `dovecot` client's id and secret in the URL,
    /// as [`crate::dovecot::OAuth2Passdb::introspection_url`] wants it.
    pub fn introspection_url_for_dovecot(&self) -> String {
        format!(
            "http://{INTROSPECTOR_ID}:{}@127.0.0.1:{}/token/introspection",
            self.dovecot_secret, self.port
        )
    }

    /// The introspecting client's id and secret (HTTP Basic at the introspection endpoint).
    pub fn introspection_credentials(&self) -> (&str, &str) {
        (INTROSPECTOR_ID, &self.dovecot_secret)
    }

    /// The server's log (requests, grants, refusals); the scripted users' traces are in
    /// `user.log` beside it.
    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("provider.log")
    }

    /// A user opens `verification_uri`, types `user_code`, signs in and allows.
    pub fn approve_device(
        &self,
        verification_uri: &str,
        user_code: &str,
        login: &str,
        password: &str,
    ) -> Result<(), DevError> {
        self.user(&[
            "approve-device",
            verification_uri,
            user_code,
            login,
            password,
        ])
        .map(drop)
    }

    /// As [`OAuthServer::approve_device`], but the user denies at the consent page.
    pub fn deny_device(
        &self,
        verification_uri: &str,
        user_code: &str,
        login: &str,
        password: &str,
    ) -> Result<(), DevError> {
        self.user(&["deny-device", verification_uri, user_code, login, password])
            .map(drop)
    }

    /// A user opens the authorization request `url`, signs in, allows, and the browser
    /// follows the redirect to the client's loopback redirect URI; returns the body of
    /// the client's answer (an error when its status is not 2xx).
    pub fn browse(&self, url: &str, login: &str, password: &str) -> Result<String, DevError> {
        self.browse_as("browse", url, login, password)
    }

    /// As [`OAuthServer::browse`], but the user denies at the consent page (the client
    /// gets `error=access_denied`).
    pub fn browse_deny(&self, url: &str, login: &str, password: &str) -> Result<String, DevError> {
        self.browse_as("browse-deny", url, login, password)
    }

    fn browse_as(
        &self,
        how: &str,
        url: &str,
        login: &str,
        password: &str,
    ) -> Result<String, DevError> {
        let out = self.user(&[how, url, login, password])?;
        let (status_line, body) = out.split_once('\n').unwrap_or((&out, ""));
        let status: u16 = status_line
            .strip_prefix("STATUS ")
            .and_then(|s| s.trim().parse().ok())
            .ok_or_else(|| DevError::Failed(format!("the scripted user printed {out:?}")))?;
        if (200..300).contains(&status) {
            Ok(body.to_string())
        } else {
            Err(DevError::Failed(format!(
                "the client's redirect URI answered {status}: {body}"
            )))
        }
    }

    /// TEST ONLY route: destroys every grant of `account` (its access and refresh tokens
    /// with them), as an administrator would; returns how many grants there were.
    pub fn revoke_all(&self, account: &str) -> Result<u64, DevError> {
        let url = format!(
            "{}/test/revoke-all?account={}",
            self.issuer(),
            percent_encode(account)
        );
        let reply = http_post_form(&url, &[])?;
        if reply.status != 200 {
            return Err(DevError::Failed(format!(
                "revoke-all answered {}: {}",
                reply.status, reply.body
            )));
        }
        let json: serde_json::Value = serde_json::from_str(&reply.body)
            .map_err(|e| DevError::Failed(format!("revoke-all answered {:?}: {e}", reply.body)))?;
        Ok(json["revoked_grants"].as_u64().unwrap_or(0))
    }

    /// Runs `node user.mjs ARGS`; its stdout, or its complaint as the error.
    fn user(&self, args: &[&str]) -> Result<String, DevError> {
        let trace_path = self.dir.path().join("user.log");
        let trace = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&trace_path)?;
        let start_len = trace.metadata()?.len();
        let mut child = Command::new(&self.node)
            .arg(self.project.join("user.mjs"))
            .args(args)
            .current_dir(&self.project)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(trace)
            .spawn()?;
        let mut stdout = child
            .stdout
            .take()
            .ok_or_else(|| DevError::Startup("no stdout from node".into()))?;
        let reader = thread::spawn(move || {
            let mut s = String::new();
            let _ = stdout.read_to_string(&mut s);
            s
        });
        let deadline = Instant::now() + USER_TIMEOUT;
        let status = loop {
            if let Some(status) = child.try_wait()? {
                break Some(status);
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            thread::sleep(Duration::from_millis(20));
        };
        let out = reader.join().unwrap_or_default();
        let traced = std::fs::read(&trace_path).unwrap_or_default();
        let traced = String::from_utf8_lossy(traced.get(start_len as usize..).unwrap_or(&[]));
        match status {
            Some(s) if s.success() => Ok(out),
            Some(s) => Err(DevError::Failed(format!(
                "user.mjs {} ({s}):\n{traced}",
                args.first().unwrap_or(&"")
            ))),
            None => Err(DevError::Timeout(format!(
                "user.mjs {} took over {USER_TIMEOUT:?}:\n{traced}",
                args.first().unwrap_or(&"")
            ))),
        }
    }
}

impl Drop for OAuthServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP answer: status and body.
#[derive(Debug, Clone)]
pub struct HttpReply {
    pub status: u16,
    pub body: String,
}

impl HttpReply {
    /// The body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_default()
    }
}

/// Percent-encodes all but RFC 3986's unreserved characters.
pub fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `application/x-www-form-urlencoded`, with [`percent_encode`].
pub fn form_encode(form: &[(&str, &str)]) -> String {
    form.iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// POSTs `form` to a plain `http://host:port/path` URL (user:password@ in it becomes HTTP
/// Basic), for tests that talk to the authorization server by hand.
pub fn http_post_form(url: &str, form: &[(&str, &str)]) -> Result<HttpReply, DevError> {
    let bad = || DevError::InvalidArgument(format!("not a plain http URL: {url}"));
    let rest = url.strip_prefix("http://").ok_or_else(bad)?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (userinfo, host) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    let body = form_encode(form);
    let mut req = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\
         Accept: application/json\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(u) = userinfo {
        req.push_str(&format!(
            "Authorization: Basic {}\r\n",
            openssl::base64::encode_block(u.as_bytes())
        ));
    }
    req.push_str("\r\n");
    req.push_str(&body);
    let mut stream = TcpStream::connect(host)?;
    stream.set_read_timeout(Some(HTTP_TIMEOUT))?;
    stream.set_write_timeout(Some(HTTP_TIMEOUT))?;
    stream.write_all(req.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    parse_reply(&raw).ok_or_else(|| {
        DevError::Failed(format!(
            "a malformed HTTP answer from {url}: {:?}",
            String::from_utf8_lossy(&raw)
        ))
    })
}

fn parse_reply(raw: &[u8]) -> Option<HttpReply> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..split]).ok()?;
    let mut body = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let chunked = lines.any(|l| {
        l.to_ascii_lowercase()
            .replace(' ', "")
            .starts_with("transfer-encoding:chunked")
    });
    if chunked {
        body = dechunk(&body)?;
    }
    Some(HttpReply {
        status,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let eol = data.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&data[..eol]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        data = &data[eol + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        data = data.get(size + 2..)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_parse_plain_and_chunked() {
        let r = parse_reply(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}").unwrap();
        assert_eq!((r.status, r.body.as_str()), (200, "{}"));
        let r = parse_reply(
            b"HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
        )
        .unwrap();
        assert_eq!((r.status, r.body.as_str()), (400, "abcde"));
    }

    #[test]
    fn forms_encode() {
        assert_eq!(
            form_encode(&[("scope", "openid mail"), ("a", "x&y=z")]),
            "scope=openid%20mail&a=x%26y%3Dz"
        );
    }
}
