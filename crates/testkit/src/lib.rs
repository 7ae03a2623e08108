//! The test kit: private throwaway Dovecot, Cyrus and SMTP servers, an OAuth2
//! authorization server (Node's oidc-provider), a realistic mail generator, a
//! fault-injecting TCP proxy and the fuzz render check, used by the integration tests,
//! the benchmarks and `tern demo` (behind the `demo` feature); never part of the
//! installed binary.

pub mod cyrus;
mod cyrus_tools;
pub mod dovecot;
pub mod fuzz;
pub mod mailgen;
mod mime_encode;
pub mod oauth2_server;
mod probe;
pub mod proxy;
pub mod pty;
pub mod secret_service;
pub mod smtp;

pub use cyrus::{Cyrus, CyrusOptions};
pub use dovecot::{Dovecot, DovecotOptions, OAuth2Passdb, Submission};
pub use mailgen::{generate, GeneratedMessage};
pub use oauth2_server::{OAuthOptions, OAuthServer};
pub use secret_service::SecretService;
pub use smtp::{Received, SmtpMode, SmtpServer};

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};

use chrono::Utc;
use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
    SubjectKeyIdentifier,
};
use openssl::x509::{X509Builder, X509NameBuilder, X509};

/// Errors from the dev server helpers (Dovecot, Cyrus, SMTP).
#[derive(thiserror::Error, Debug)]
pub enum DevError {
    /// Server binaries are missing.
    #[error("{0}")]
    NotInstalled(String),
    /// A filesystem or socket error.
    #[error("io error: {0}")]
    Io(#[from] io::Error),
    /// Generating the test certificates failed.
    #[error("certificate generation failed: {0}")]
    Cert(#[from] openssl::error::ErrorStack),
    /// A server did not become ready (or stop) in time; includes the tail of its log.
    #[error("timed out: {0}")]
    Timeout(String),
    /// A server exited or refused to start; includes the tail of its log.
    #[error("server failed to start: {0}")]
    Startup(String),
    /// A bad argument (unknown user or flag, unsupported folder name).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// A scripted step against a running server failed (the scripted user met a page
    /// it did not expect, an HTTP call was refused); includes what was seen.
    #[error("failed: {0}")]
    Failed(String),
}

/// A system user and its primary group.
pub(crate) struct Ids {
    pub(crate) uid: u32,
    pub(crate) gid: u32,
    pub(crate) name: String,
    pub(crate) group: String,
}

/// Reads a C string the caller knows to be valid (or null) into a `String`.
fn cstr(p: *const libc::c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    // SAFETY: `p` points into a passwd/group record filled by a *_r call into a buffer
    // that outlives this call, and such strings are NUL-terminated.
    unsafe { std::ffi::CStr::from_ptr(p) }
        .to_string_lossy()
        .into_owned()
}

/// A passwd entry by name or by uid, with the thread-safe getpw*_r calls: tests start
/// servers on parallel threads, and getpwnam's static record would be shared by them.
fn passwd(name: Option<&std::ffi::CStr>, uid: u32) -> Option<(u32, u32, String)> {
    let mut buf = vec![0 as libc::c_char; 16 * 1024];
    // SAFETY: an all-zero passwd is a valid value for the C struct (null pointers, zeros).
    let mut pw: libc::passwd = unsafe { std::mem::zeroed() };
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer is valid for the call: the name is NUL-terminated, the
    // record and the buffer are ours and the buffer's length is passed.
    let rc = unsafe {
        match name {
            Some(n) => {
                libc::getpwnam_r(n.as_ptr(), &mut pw, buf.as_mut_ptr(), buf.len(), &mut found)
            }
            None => libc::getpwuid_r(uid, &mut pw, buf.as_mut_ptr(), buf.len(), &mut found),
        }
    };
    if rc != 0 || found.is_null() {
        return None;
    }
    Some((pw.pw_uid, pw.pw_gid, cstr(pw.pw_name)))
}

fn group_name(gid: u32) -> String {
    let mut buf = vec![0 as libc::c_char; 16 * 1024];
    // SAFETY: an all-zero group is a valid value for the C struct.
    let mut gr: libc::group = unsafe { std::mem::zeroed() };
    let mut found: *mut libc::group = std::ptr::null_mut();
    // SAFETY: the record and the buffer are ours and the buffer's length is passed.
    let rc = unsafe { libc::getgrgid_r(gid, &mut gr, buf.as_mut_ptr(), buf.len(), &mut found) };
    if rc != 0 || found.is_null() {
        gid.to_string()
    } else {
        cstr(gr.gr_name)
    }
}

/// The effective user and group ids of this process.
pub(crate) fn effective_ids() -> (u32, u32) {
    // SAFETY: geteuid and getegid cannot fail and touch no memory of ours.
    unsafe { (libc::geteuid(), libc::getegid()) }
}

pub(crate) fn lookup_user(name: &str) -> Result<Ids, DevError> {
    let cname =
        std::ffi::CString::new(name).map_err(|e| DevError::InvalidArgument(e.to_string()))?;
    let Some((uid, gid, _)) = passwd(Some(&cname), 0) else {
        return Err(DevError::InvalidArgument(format!(
            "system user {name:?} not found"
        )));
    };
    Ok(Ids {
        uid,
        gid,
        name: name.to_string(),
        group: group_name(gid),
    })
}

pub(crate) fn current_ids() -> Result<Ids, DevError> {
    let (uid, gid) = effective_ids();
    let Some((_, _, name)) = passwd(None, uid) else {
        return Err(DevError::InvalidArgument(format!(
            "uid {uid} has no passwd entry"
        )));
    };
    Ok(Ids {
        uid,
        gid,
        name,
        group: group_name(gid),
    })
}

/// PEM files for a test server: the CA certificate, the server chain and the server key.
pub(crate) struct CertPems {
    pub(crate) ca: Vec<u8>,
    pub(crate) chain: Vec<u8>,
    pub(crate) key: Vec<u8>,
}

/// Makes a test CA and a server certificate signed by it with SANs for `hosts`.
/// With `valid` false the server certificate expired yesterday (to test refusal).
pub(crate) fn make_certs_valid(hosts: &[String], valid: bool) -> Result<CertPems, DevError> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
    let ca_key = PKey::from_ec_key(EcKey::generate(&group)?)?;
    let key = PKey::from_ec_key(EcKey::generate(&group)?)?;
    let ca = build_cert(&ca_key, &ca_key, None, "tern test CA", hosts, true)?;
    let cert = build_cert(&key, &ca_key, Some(&ca), "tern test server", hosts, valid)?;
    let mut chain = cert.to_pem()?;
    chain.extend(ca.to_pem()?);
    Ok(CertPems {
        ca: ca.to_pem()?,
        chain,
        key: key.private_key_to_pem_pkcs8()?,
    })
}

fn build_cert(
    key: &PKey<Private>,
    signer: &PKey<Private>,
    issuer: Option<&X509>,
    cn: &str,
    hosts: &[String],
    valid: bool,
) -> Result<X509, DevError> {
    let mut name = X509NameBuilder::new()?;
    name.append_entry_by_nid(Nid::COMMONNAME, cn)?;
    let name = name.build();
    let mut b = X509Builder::new()?;
    b.set_version(2)?;
    let mut serial = BigNum::new()?;
    serial.rand(63, MsbOption::MAYBE_ZERO, false)?;
    let serial = serial.to_asn1_integer()?;
    b.set_serial_number(&serial)?;
    b.set_subject_name(&name)?;
    b.set_issuer_name(issuer.map_or(&*name, |i| i.subject_name()))?;
    b.set_pubkey(key)?;
    let now = Utc::now().timestamp();
    let (from, until) = if valid {
        (
            Asn1Time::from_unix(now - 86_400)?,
            Asn1Time::from_unix(now + 30 * 86_400)?,
        )
    } else {
        (
            Asn1Time::from_unix(now - 30 * 86_400)?,
            Asn1Time::from_unix(now - 86_400)?,
        )
    };
    b.set_not_before(&from)?;
    b.set_not_after(&until)?;
    let ski = SubjectKeyIdentifier::new().build(&b.x509v3_context(issuer.map(|i| &**i), None))?;
    b.append_extension(ski)?;
    if let Some(ca) = issuer {
        b.append_extension(BasicConstraints::new().critical().build()?)?;
        b.append_extension(
            KeyUsage::new()
                .critical()
                .digital_signature()
                .key_agreement()
                .build()?,
        )?;
        b.append_extension(ExtendedKeyUsage::new().server_auth().build()?)?;
        let mut san = SubjectAlternativeName::new();
        for h in hosts {
            if h.parse::<std::net::IpAddr>().is_ok() {
                san.ip(h);
            } else {
                san.dns(h);
            }
        }
        let san = san.build(&b.x509v3_context(Some(ca), None))?;
        b.append_extension(san)?;
        let aki = AuthorityKeyIdentifier::new()
            .keyid(true)
            .build(&b.x509v3_context(Some(ca), None))?;
        b.append_extension(aki)?;
    } else {
        b.append_extension(BasicConstraints::new().critical().ca().build()?)?;
        b.append_extension(
            KeyUsage::new()
                .critical()
                .key_cert_sign()
                .crl_sign()
                .build()?,
        )?;
    }
    b.sign(signer, MessageDigest::sha256())?;
    Ok(b.build())
}

/// In-process IMAP command filter between Dovecot's login proxy and its backend listener.
pub(crate) struct Filter {
    pub(crate) port: u16,
    backend: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Filter {
    pub(crate) fn start(disabled: Vec<String>) -> Result<Filter, DevError> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        let stop = Arc::new(AtomicBool::new(false));
        let backend = Arc::new(AtomicU64::new(0));
        let (stop2, backend2) = (stop.clone(), backend.clone());
        let disabled = Arc::new(disabled);
        let thread = thread::Builder::new()
            .name("dovecot-filter".into())
            .spawn(move || {
                for conn in listener.incoming() {
                    if stop2.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(client) = conn else { continue };
                    let port = backend2.load(Ordering::SeqCst) as u16;
                    let disabled = disabled.clone();
                    let _ = thread::Builder::new()
                        .name("dovecot-filter-conn".into())
                        .spawn(move || {
                            let _ = filter_conn(client, port, &disabled);
                        });
                }
            })?;
        Ok(Filter {
            port,
            backend,
            stop,
            thread: Some(thread),
        })
    }

    pub(crate) fn set_backend(&self, port: u16) {
        self.backend.store(u64::from(port), Ordering::SeqCst);
    }

    pub(crate) fn shutdown(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn filter_conn(client: TcpStream, port: u16, disabled: &[String]) -> io::Result<()> {
    let backend = TcpStream::connect(("127.0.0.1", port))?;
    let (mut b_read, mut c_write) = (backend.try_clone()?, client.try_clone()?);
    let down = thread::spawn(move || {
        let _ = io::copy(&mut b_read, &mut c_write);
        let _ = c_write.shutdown(Shutdown::Both);
    });
    let mut reader = BufReader::new(client);
    let mut up = backend;
    let mut at_start = true;
    loop {
        let mut line = Vec::new();
        if reader.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        let out = if at_start {
            rewrite_command(&line, disabled)
        } else {
            line.clone()
        };
        up.write_all(&out)?;
        at_start = true;
        if let Some(n) = literal_len(&line) {
            io::copy(&mut (&mut reader).take(n), &mut up)?;
            at_start = false;
        }
    }
    let _ = up.shutdown(Shutdown::Both);
    let _ = down.join();
    Ok(())
}

/// Length of a `{N}` / `{N+}` literal announced at the end of a line.
fn literal_len(line: &[u8]) -> Option<u64> {
    let s = std::str::from_utf8(line)
        .ok()?
        .trim_end_matches(['\r', '\n']);
    let inner = s.strip_suffix('}')?;
    let open = inner.rfind('{')?;
    inner[open + 1..].trim_end_matches('+').parse().ok()
}

/// Rewrites `ENABLE` arguments and commands that name a disabled capability to unknown atoms.
fn rewrite_command(line: &[u8], disabled: &[String]) -> Vec<u8> {
    let Ok(s) = std::str::from_utf8(line) else {
        return line.to_vec();
    };
    let mut words: Vec<String> = s.split(' ').map(str::to_string).collect();
    if words.len() < 2 {
        return line.to_vec();
    }
    let is_disabled = |w: &str| {
        let w = w.trim_end_matches(['\r', '\n']).to_ascii_uppercase();
        disabled.contains(&w)
    };
    let cmd = words[1].trim_end_matches(['\r', '\n']).to_ascii_uppercase();
    let start = if cmd == "UID" { 2 } else { 1 };
    if cmd == "ENABLE" {
        for w in words.iter_mut().skip(2) {
            if is_disabled(w) {
                *w = format!("X-DISABLED-{w}");
            }
        }
    } else if words.len() > start && is_disabled(&words[start]) {
        words[start] = format!("X-DISABLED-{}", words[start]);
    }
    words.join(" ").into_bytes()
}
