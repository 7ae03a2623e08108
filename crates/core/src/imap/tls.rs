//! TLS for IMAP with OpenSSL: strict chain and host-name checks against the system roots
//! plus an optional extra CA. The system roots are looked up on demand in the hashed
//! certificate directory where there is one, instead of parsing the whole bundle at every
//! connection (which native-tls did twice, about 120 ms a connection here).

use openssl::ssl::{
    Ssl, SslContext, SslContextBuilder, SslMethod, SslMode, SslOptions, SslVerifyMode, SslVersion,
};
use openssl::x509::verify::X509CheckFlags;
use openssl::x509::X509;
use std::net::IpAddr;
use std::path::Path;
use std::pin::Pin;
use tokio::net::TcpStream;

/// A TLS stream over TCP.
pub type TlsStream = tokio_openssl::SslStream<TcpStream>;

/// Why TLS could not be set up or the handshake failed.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read ca-certificate {path}: {reason}")]
    CaCertificate { path: String, reason: String },
    #[error("{0}")]
    Setup(#[from] openssl::error::ErrorStack),
    #[error("{0}")]
    Handshake(String),
}

fn system_roots(ctx: &mut SslContextBuilder) -> Result<(), openssl::error::ErrorStack> {
    let probe = openssl_probe::probe();
    let hashed = probe.cert_dir.iter().find(|d| {
        std::fs::read_dir(d)
            .map(|mut entries| {
                entries.any(|e| {
                    e.map(|e| e.file_name().to_string_lossy().ends_with(".0"))
                        .unwrap_or(false)
                })
            })
            .unwrap_or(false)
    });
    match (hashed, &probe.cert_file) {
        (Some(dir), _) => ctx.load_verify_locations(None, Some(dir))?,
        (None, Some(file)) => ctx.load_verify_locations(Some(file), None)?,
        (None, None) => ctx.set_default_verify_paths()?,
    }
    // A bundle named by SSL_CERT_FILE is trusted too, as OpenSSL and the HTTP client do
    // (a company's CA for every program, without ca-certificate in each account).
    if let Some(file) = std::env::var_os("SSL_CERT_FILE")
        .map(std::path::PathBuf::from)
        .filter(|f| f.is_file())
    {
        ctx.load_verify_locations(Some(&file), None)?;
    }
    Ok(())
}

/// A client context: TLS 1.2 or newer, peer verification on, system roots plus `ca`.
pub fn context(ca: Option<&Path>) -> Result<SslContext, TlsError> {
    let mut ctx = SslContextBuilder::new(SslMethod::tls_client())?;
    ctx.set_options(SslOptions::NO_COMPRESSION | SslOptions::NO_SSLV2 | SslOptions::NO_SSLV3);
    ctx.set_mode(
        SslMode::AUTO_RETRY | SslMode::ACCEPT_MOVING_WRITE_BUFFER | SslMode::ENABLE_PARTIAL_WRITE,
    );
    ctx.set_min_proto_version(Some(SslVersion::TLS1_2))?;
    ctx.set_cipher_list("DEFAULT:!aNULL:!eNULL:!MD5:!3DES:!DES:!RC4:!IDEA:!SEED:!aDSS:!SRP:!PSK")?;
    ctx.set_verify(SslVerifyMode::PEER);
    system_roots(&mut ctx)?;
    if let Some(path) = ca {
        let err = |reason: String| TlsError::CaCertificate {
            path: path.display().to_string(),
            reason,
        };
        let pem = std::fs::read(path).map_err(|e| err(e.to_string()))?;
        let certs = X509::stack_from_pem(&pem).map_err(|e| err(e.to_string()))?;
        if certs.is_empty() {
            return Err(err("no certificate in the file".into()));
        }
        for cert in certs {
            ctx.cert_store_mut().add_cert(cert)?;
        }
    }
    Ok(ctx.build())
}

/// Runs the handshake, checking the certificate names `host` (a name or an IP address).
pub async fn handshake(
    ctx: &SslContext,
    host: &str,
    tcp: TcpStream,
) -> Result<TlsStream, TlsError> {
    let mut ssl = Ssl::new(ctx)?;
    let param = ssl.param_mut();
    param.set_hostflags(X509CheckFlags::NO_PARTIAL_WILDCARDS);
    match host.parse::<IpAddr>() {
        Ok(ip) => param.set_ip(ip)?,
        Err(_) => {
            param.set_host(host)?;
            ssl.set_hostname(host)?; // SNI
        }
    }
    let mut stream = tokio_openssl::SslStream::new(ssl, tcp)?;
    match Pin::new(&mut stream).connect().await {
        Ok(()) => Ok(stream),
        Err(e) => {
            let verify = stream.ssl().verify_result();
            let detail = if verify.as_raw() != 0 {
                format!("certificate rejected: {}", verify.error_string())
            } else {
                e.to_string()
            };
            Err(TlsError::Handshake(detail))
        }
    }
}
