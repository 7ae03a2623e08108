//! Shared by the benchmarks: the filled private Dovecot, raw IMAP floors, running the
//! binary and writing a config. Each bench uses a different subset of these.
#![allow(dead_code)]

use std::process::Command;
use std::time::Instant;
use tern_testkit::{Dovecot, DovecotOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Messages in the benchmark INBOX: `TERN_BENCH_MESSAGES`, default 100,000.
pub fn message_count() -> usize {
    std::env::var("TERN_BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}

/// Starts a private Dovecot and delivers `n` generated messages (seed 42) into the first
/// user's INBOX.
pub fn filled_dovecot(n: usize) -> Dovecot {
    let d = Dovecot::start(DovecotOptions::default()).expect("dovecot");
    let user = d.users()[0].0.clone();
    let t = Instant::now();
    for m in tern_testkit::generate(n, 42, chrono::Utc::now()) {
        d.deliver(&user, "INBOX", &m.raw, &m.flags, m.date).unwrap();
    }
    eprintln!(
        "delivered {n} messages in {:.1}s",
        t.elapsed().as_secs_f64()
    );
    d
}

pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Reads until `pat` has arrived; returns everything read meanwhile (the last bytes only
/// when `keep_all` is false).
async fn read_until(
    s: &mut tern::imap::tls::TlsStream,
    buf: &mut [u8],
    pat: &[u8],
    keep_all: bool,
) -> Vec<u8> {
    let mut tail: Vec<u8> = Vec::new();
    loop {
        let n = s.read(buf).await.unwrap();
        assert!(n > 0, "closed");
        tail.extend_from_slice(&buf[..n]);
        if tail.windows(pat.len()).any(|w| w == pat) {
            return tail;
        }
        if !keep_all {
            let keep = tail.len().saturating_sub(pat.len());
            tail.drain(..keep);
        }
    }
}

async fn connect(d: &Dovecot) -> tern::imap::tls::TlsStream {
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", d.tls_port()))
        .await
        .unwrap();
    let ctx = tern::imap::tls::context(Some(d.ca_pem_path())).unwrap();
    tern::imap::tls::handshake(&ctx, "127.0.0.1", tcp)
        .await
        .unwrap()
}

/// The sync floor: one `UID FETCH 1:* {items}` read to its tagged OK without parsing
/// (timed from the command; connection, LOGIN and SELECT are not counted).
pub async fn floor(d: &Dovecot, items: &str) -> f64 {
    let mut s = connect(d).await;
    let (u, p) = d.users()[0].clone();
    let mut buf = vec![0u8; 1 << 16];
    s.write_all(format!("a LOGIN {u} {p}\r\nb SELECT INBOX\r\n").as_bytes())
        .await
        .unwrap();
    read_until(&mut s, &mut buf, b"\r\nb OK", false).await;
    let t = Instant::now();
    s.write_all(format!("f UID FETCH 1:* {items}\r\n").as_bytes())
        .await
        .unwrap();
    read_until(&mut s, &mut buf, b"\r\nf OK", false).await;
    t.elapsed().as_secs_f64()
}

/// The open floor's phases, in seconds.
#[derive(Debug, Clone, Copy, Default)]
pub struct OpenTimes {
    pub connect_tls: f64,
    pub login: f64,
    pub select: f64,
    pub fetch: f64,
}

impl OpenTimes {
    pub fn total(&self) -> f64 {
        self.connect_tls + self.login + self.select + self.fetch
    }
}

/// The open floor: TCP connect and TLS, LOGIN, SELECT INBOX, then `UID FETCH` of the
/// newest `count` messages' `{items}` read to the tagged OK without parsing; one command
/// at a time, each phase timed.
pub async fn open_floor(d: &Dovecot, items: &str, count: u32) -> OpenTimes {
    let t = Instant::now();
    let mut s = connect(d).await;
    let mut times = OpenTimes {
        connect_tls: t.elapsed().as_secs_f64(),
        ..OpenTimes::default()
    };
    let (u, p) = d.users()[0].clone();
    let mut buf = vec![0u8; 1 << 16];
    let t = Instant::now();
    s.write_all(format!("a LOGIN {u} {p}\r\n").as_bytes())
        .await
        .unwrap();
    read_until(&mut s, &mut buf, b"\r\na OK", false).await;
    times.login = t.elapsed().as_secs_f64();
    let t = Instant::now();
    s.write_all(b"b SELECT INBOX\r\n").await.unwrap();
    let sel = read_until(&mut s, &mut buf, b"\r\nb OK", true).await;
    times.select = t.elapsed().as_secs_f64();
    let sel = String::from_utf8_lossy(&sel);
    let uidnext: u32 = sel
        .split("[UIDNEXT ")
        .nth(1)
        .and_then(|r| r.split(']').next())
        .and_then(|v| v.parse().ok())
        .expect("UIDNEXT in the SELECT reply");
    let lo = uidnext.saturating_sub(count).max(1);
    let t = Instant::now();
    s.write_all(format!("f UID FETCH {lo}:{} {items}\r\n", uidnext - 1).as_bytes())
        .await
        .unwrap();
    read_until(&mut s, &mut buf, b"\r\nf OK", false).await;
    times.fetch = t.elapsed().as_secs_f64();
    times
}

/// The peak resident set of a running process, in KiB.
pub fn vm_hwm(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Runs the binary; returns (seconds, peak RSS in KiB).
pub fn run_tern(args: &[&str]) -> (f64, i64) {
    let t = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tern"))
        .args(args)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let (status, maxrss) = tern_testkit::pty::wait_with_peak_rss(&mut child).unwrap();
    let secs = t.elapsed().as_secs_f64();
    assert!(status == 0, "tern {args:?} failed");
    (secs, maxrss)
}

/// Writes `dir/{name}.toml` for the first user, with its cache in `dir/{name}`. No bodies
/// ahead of time (`prefetch = "none"`): these benchmarks measure the headers' path.
pub fn write_config(d: &Dovecot, dir: &std::path::Path, name: &str) -> std::path::PathBuf {
    let (user, pass) = &d.users()[0];
    let path = dir.join(format!("{name}.toml"));
    let text = format!(
        "[general]\ncache-dir = {cache:?}\n\n[accounts.bench]\nemail = \"{user}@example.org\"\nprefetch = \"none\"\n\n[accounts.bench.imap]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"tls\"\nusername = \"{user}\"\npassword-command = \"echo {pass}\"\nca-certificate = {ca:?}\n",
        cache = dir.join(name).display().to_string(),
        port = d.tls_port(),
        ca = d.ca_pem_path().display().to_string(),
    );
    std::fs::write(&path, text).unwrap();
    path
}
