//! The common providers' servers, known without asking the network.

use super::{domain_of, Found, Server};
use crate::config::{OAuth2Provider, Security};

struct Preset {
    name: &'static str,
    domains: &'static [&'static str],
    imap: (&'static str, u16, Security),
    smtp: (&'static str, u16, Security),
    oauth2: Option<OAuth2Provider>,
    note: Option<&'static str>,
}

const PRESETS: &[Preset] = &[
    Preset {
        name: "Gmail",
        domains: &["gmail.com", "googlemail.com"],
        imap: ("imap.gmail.com", 993, Security::Tls),
        smtp: ("smtp.gmail.com", 465, Security::Tls),
        oauth2: Some(OAuth2Provider::Google),
        note: Some("Gmail takes OAuth2, or an app password (Google account > Security > App passwords) with 2-step verification on"),
    },
    Preset {
        name: "Microsoft 365 / Outlook.com",
        domains: &["outlook.com", "hotmail.com", "live.com", "msn.com", "outlook.de", "hotmail.de", "hotmail.co.uk", "live.de"],
        imap: ("outlook.office365.com", 993, Security::Tls),
        smtp: ("smtp.office365.com", 587, Security::Starttls),
        oauth2: Some(OAuth2Provider::Microsoft),
        note: Some("Microsoft turned passwords off for IMAP: OAuth2 is the way in"),
    },
    Preset {
        name: "Fastmail",
        domains: &["fastmail.com", "fastmail.fm", "fastmail.net", "messagingengine.com"],
        imap: ("imap.fastmail.com", 993, Security::Tls),
        smtp: ("smtp.fastmail.com", 465, Security::Tls),
        oauth2: None,
        note: Some("Fastmail wants an app password (Settings > Privacy & Security > App passwords)"),
    },
    Preset {
        name: "iCloud",
        domains: &["icloud.com", "me.com", "mac.com"],
        imap: ("imap.mail.me.com", 993, Security::Tls),
        smtp: ("smtp.mail.me.com", 587, Security::Starttls),
        oauth2: None,
        note: Some("iCloud wants an app-specific password (appleid.apple.com > Sign-In and Security)"),
    },
    Preset {
        name: "Yahoo",
        domains: &["yahoo.com", "yahoo.co.uk", "yahoo.de", "yahoo.fr", "ymail.com", "rocketmail.com"],
        imap: ("imap.mail.yahoo.com", 993, Security::Tls),
        smtp: ("smtp.mail.yahoo.com", 465, Security::Tls),
        oauth2: None,
        note: Some("Yahoo wants an app password (Account security > Generate app password)"),
    },
    Preset {
        name: "GMX",
        domains: &["gmx.net", "gmx.de", "gmx.at", "gmx.ch", "gmx.com"],
        imap: ("imap.gmx.net", 993, Security::Tls),
        smtp: ("mail.gmx.net", 587, Security::Starttls),
        oauth2: None,
        note: Some("GMX serves IMAP only once it is switched on (Settings > POP3 & IMAP)"),
    },
    Preset {
        name: "Posteo",
        domains: &["posteo.de", "posteo.net", "posteo.org", "posteo.eu"],
        imap: ("posteo.de", 993, Security::Tls),
        smtp: ("posteo.de", 587, Security::Starttls),
        oauth2: None,
        note: None,
    },
    Preset {
        name: "mailbox.org",
        domains: &["mailbox.org"],
        imap: ("imap.mailbox.org", 993, Security::Tls),
        smtp: ("smtp.mailbox.org", 465, Security::Tls),
        oauth2: None,
        note: None,
    },
    Preset {
        name: "Proton Mail Bridge",
        domains: &["proton.me", "protonmail.com", "protonmail.ch", "pm.me"],
        imap: ("127.0.0.1", 1143, Security::Starttls),
        smtp: ("127.0.0.1", 1025, Security::Starttls),
        oauth2: None,
        note: Some("Proton Mail is read through Proton Mail Bridge on this machine: use the password Bridge shows, and export Bridge's certificate as ca-certificate"),
    },
];

/// The built-in servers of the address's provider, if it is a common one.
pub fn preset(email: &str) -> Option<Found> {
    let domain = domain_of(email)?;
    let p = PRESETS
        .iter()
        .find(|p| p.domains.contains(&domain.as_str()))?;
    let server = |(host, port, security): (&str, u16, Security)| Server {
        host: host.to_string(),
        port,
        security,
        username: email.trim().to_string(),
    };
    Some(Found {
        imap: server(p.imap),
        smtp: Some(server(p.smtp)),
        oauth2: p.oauth2,
        source: format!("the {} preset", p.name),
        note: p.note.map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_by_domain_whatever_the_case() {
        let g = preset("Someone@GMail.com").unwrap();
        assert_eq!(g.imap.host, "imap.gmail.com");
        assert_eq!(g.oauth2, Some(OAuth2Provider::Google));
        assert_eq!(g.imap.username, "Someone@GMail.com");
        let m = preset("a@outlook.com").unwrap();
        assert_eq!(m.smtp.unwrap().security, Security::Starttls);
        assert!(preset("a@example.org").is_none());
        assert!(preset("not an address").is_none());
    }
}
