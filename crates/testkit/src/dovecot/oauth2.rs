//! OAuth2 login (the `oauth2` passdb: Dovecot asks the authorization server about each
//! token by introspection) and Dovecot's submission service (SMTP with the same logins,
//! relaying to another server) for the private Dovecot.

use super::DevError;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::Path;

/// Dovecot's `oauth2` passdb: bearer tokens (`AUTHENTICATE XOAUTH2` / `OAUTHBEARER`)
/// checked by RFC 7662 introspection, beside the passwd-file passdb for passwords.
#[derive(Clone, Debug)]
pub struct OAuth2Passdb {
    /// The introspection endpoint with the introspecting client's credentials as the
    /// URL's user and password (sent as HTTP Basic), e.g.
    /// `http://dovecot:SECRET@127.0.0.1:PORT/token/introspection`
    /// ([`crate::OAuthServer::introspection_url_for_dovecot`]). The response's `username`
    /// must be the login name, and `active` must be `true`.
    ///
    /// With it, failed logins are answered at once (`auth_failure_delay = 0` and no auth
    /// penalty tracking), so that refused tokens keep tests fast.
    pub introspection_url: String,
}

/// Dovecot's submission service (SMTP on a free 127.0.0.1 port, STARTTLS with the same
/// certificate, the same passdbs as IMAP), relaying every message to `relay_host:relay_port`
/// as a trusted client (plain SMTP, no AUTH: e.g. [`crate::SmtpServer::start_relay`]).
#[derive(Clone, Debug)]
pub struct Submission {
    pub relay_host: String,
    pub relay_port: u16,
}

/// Makes the config text `c` (the root already in it) serve OAuth2 logins and, with
/// `submission`, SMTP on `submission_port`; writes the oauth2 passdb's own file.
pub(super) fn configure(
    c: &mut String,
    root: &Path,
    oauth2: Option<&OAuth2Passdb>,
    submission: Option<(&Submission, u16)>,
) -> Result<(), DevError> {
    let mut mechs = "plain login".to_string();
    let mut protocols = "imap".to_string();
    if let Some(o) = oauth2 {
        if o.introspection_url.contains('\n') {
            return Err(DevError::InvalidArgument(format!(
                "bad introspection URL {:?}",
                o.introspection_url
            )));
        }
        let ext = root.join("dovecot-oauth2.conf.ext");
        fs::write(
            &ext,
            format!(
                "introspection_mode = post\n\
                 introspection_url = {}\n\
                 force_introspection = yes\n\
                 username_attribute = username\n\
                 active_attribute = active\n\
                 active_value = true\n\
                 timeout_msecs = 10000\n",
                o.introspection_url
            ),
        )?;
        mechs.push_str(" xoauth2 oauthbearer");
        // Passwords are for the passwd-file passdb only; tokens for the oauth2 one.
        *c = c.replace("  #PASSWD_MECHS\n", "  mechanisms = plain login\n");
        c.push_str(&format!(
            "passdb {{\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n  args = {}\n}}\n\
             auth_verbose = yes\n\
             # Refusals at once: no failure delay, and no penalty tracking (in 2.3 even\n\
             # login_trusted_networks do not skip it).\n\
             auth_failure_delay = 0\n\
             service anvil {{\n  unix_listener anvil-auth-penalty {{\n    mode = 0\n  }}\n}}\n",
            ext.display()
        ));
    }
    if let Some((s, port)) = submission {
        if s.relay_host.contains(['\n', ' ']) {
            return Err(DevError::InvalidArgument(format!(
                "bad relay host {:?}",
                s.relay_host
            )));
        }
        protocols.push_str(" submission");
        c.push_str(&format!(
            "submission_relay_host = {}\n\
             submission_relay_port = {}\n\
             submission_relay_trusted = yes\n\
             submission_relay_ssl = no\n\
             service submission-login {{\n  inet_listener submission {{\n    \
             address = 127.0.0.1\n    port = {port}\n  }}\n}}\n",
            s.relay_host, s.relay_port
        ));
    }
    *c = c
        .replace("@MECHS@", &mechs)
        .replace("@PROTOCOLS@", &protocols)
        .replace("  #PASSWD_MECHS\n", "");
    Ok(())
}

/// Whether the SMTP listener on `port` greets with 220.
pub(super) fn smtp_greets(port: u16) -> bool {
    let Ok(s) = super::connect(port) else {
        return false;
    };
    let mut line = String::new();
    BufReader::new(s).read_line(&mut line).is_ok() && line.starts_with("220")
}
