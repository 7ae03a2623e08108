//! The byte stream under an IMAP session: plain TCP or TLS, with an optional trace of the
//! whole conversation to the log (`--trace-imap`) that never shows a secret.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// Plain or TLS-wrapped TCP.
#[derive(Debug)]
pub enum Transport {
    Plain(TcpStream),
    Tls(Box<super::tls::TlsStream>),
}

/// A transport that can log what passes through it.
#[derive(Debug)]
pub struct Traced {
    inner: Transport,
    trace: bool,
    /// While set, what tern writes is a credential and is logged only by its length.
    redact: Arc<AtomicBool>,
    label: Arc<str>,
    /// Bytes moved either way; a stalled link is one where this stops growing.
    progress: Arc<AtomicU64>,
    /// The bounds on what the server sends (see `guard`).
    guard: super::guard::Guard,
}

impl Traced {
    /// Wraps a transport; `trace` turns on logging of every byte (secrets redacted);
    /// a response may take `timeout` plus the time its size needs (see `guard`).
    pub fn new(inner: Transport, trace: bool, label: &str, timeout: std::time::Duration) -> Traced {
        Traced {
            inner,
            trace,
            redact: Arc::new(AtomicBool::new(false)),
            label: Arc::from(label),
            progress: Arc::new(AtomicU64::new(0)),
            guard: super::guard::Guard::new(timeout),
        }
    }

    /// A counter of bytes moved, for inactivity timeouts.
    pub fn progress(&self) -> Arc<AtomicU64> {
        self.progress.clone()
    }

    /// A switch that hides what is written while it is on (around LOGIN/AUTHENTICATE).
    pub fn redactor(&self) -> Arc<AtomicBool> {
        self.redact.clone()
    }

    /// Unwraps the transport (for STARTTLS).
    pub fn into_inner(self) -> Transport {
        self.inner
    }
}

fn log_bytes(label: &str, dir: &str, bytes: &[u8]) {
    for line in String::from_utf8_lossy(bytes).split_inclusive('\n') {
        tracing::trace!(target: "tern::imap::wire", "{label} {dir} {}", line.trim_end());
    }
}

impl AsyncRead for Traced {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let res = match &mut this.inner {
            Transport::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        };
        if let Poll::Ready(Ok(())) = res {
            let got = &buf.filled()[before..];
            this.progress.fetch_add(got.len() as u64, Ordering::Relaxed);
            if this.trace {
                log_bytes(&this.label, "S:", got);
            }
            // Checked before the parser sees the bytes: past a bound it never does.
            if let Err(why) = this.guard.feed(got) {
                tracing::warn!(conn = %this.label, "{why}");
                return Poll::Ready(Err(io::Error::new(io::ErrorKind::InvalidData, why)));
            }
        }
        res
    }
}

impl AsyncWrite for Traced {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let res = match &mut this.inner {
            Transport::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        };
        if let Poll::Ready(Ok(n)) = res {
            this.progress.fetch_add(n as u64, Ordering::Relaxed);
        }
        if this.trace {
            if let Poll::Ready(Ok(n)) = res {
                if this.redact.load(Ordering::Relaxed) {
                    // Only a length: any part of these bytes may be a credential.
                    tracing::trace!(target: "tern::imap::wire", "{} C: <credentials redacted, {n} bytes>", this.label);
                } else {
                    log_bytes(&this.label, "C:", &buf[..n]);
                }
            }
        }
        res
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().inner {
            Transport::Plain(s) => Pin::new(s).poll_flush(cx),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().inner {
            Transport::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Transport::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}
