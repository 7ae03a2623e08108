//! Mozilla autoconfig (config-v1.1.xml): the address's own domain says where its IMAP
//! and SMTP servers are. What a file says is checked before it is believed: host names
//! are host names, and a plain (unencrypted) server is taken only on this machine.

use super::{domain_of, Found, Server};
use crate::config::Security;

/// Where the autoconfig file of an address is looked for, in order.
pub fn autoconfig_urls(email: &str) -> Vec<String> {
    let Some(domain) = domain_of(email) else {
        return Vec::new();
    };
    let query: String = oauth2::url::form_urlencoded::Serializer::new(String::new())
        .append_pair("emailaddress", email.trim())
        .finish();
    vec![
        format!("https://autoconfig.{domain}/mail/config-v1.1.xml?{query}"),
        format!("https://{domain}/.well-known/autoconfig/mail/config-v1.1.xml"),
    ]
}

/// Asks each URL in turn; the first file that names an IMAP server wins. `Err` says why
/// each place gave nothing.
pub fn autoconfig(email: &str, urls: &[String]) -> Result<Found, String> {
    let agent = crate::web::agent();
    let mut why = Vec::new();
    for url in urls {
        if let Err(e) = crate::web::check_url(url) {
            why.push(e);
            continue;
        }
        let text = match agent.get(url).call() {
            Ok(mut r) if r.status().is_success() => {
                match r.body_mut().with_config().limit(1 << 20).read_to_string() {
                    Ok(t) => t,
                    Err(e) => {
                        why.push(format!("{url}: {}", crate::web::describe(&e)));
                        continue;
                    }
                }
            }
            Ok(r) => {
                why.push(format!("{url}: HTTP {}", r.status()));
                continue;
            }
            Err(e) => {
                why.push(format!("{url}: {}", crate::web::describe(&e)));
                continue;
            }
        };
        match parse(&text, email) {
            Ok(mut found) => {
                found.source = format!("autoconfig at {url}");
                return Ok(found);
            }
            Err(e) => why.push(format!("{url}: {e}")),
        }
    }
    Err(why.join("; "))
}

/// Reads a config-v1.1.xml for this address.
fn parse(text: &str, email: &str) -> Result<Found, String> {
    let doc =
        roxmltree::Document::parse(text).map_err(|e| format!("not an autoconfig file ({e})"))?;
    let provider = doc
        .descendants()
        .find(|n| n.has_tag_name("emailProvider"))
        .ok_or("no <emailProvider> in it")?;
    let servers = |tag: &str, kind: &str| -> Vec<(Server, bool)> {
        provider
            .children()
            .filter(|n| n.has_tag_name(tag) && n.attribute("type") == Some(kind))
            .filter_map(|n| server_of(n, email))
            .collect()
    };
    // TLS before STARTTLS before plain: the order of preference, whatever the file's.
    let best = |mut list: Vec<(Server, bool)>| {
        list.sort_by_key(|(s, _)| match s.security {
            Security::Tls => 0,
            Security::Starttls => 1,
            Security::Plain => 2,
        });
        list.into_iter().next()
    };
    let (imap, oauth) = best(servers("incomingServer", "imap")).ok_or("no IMAP server in it")?;
    let smtp = best(servers("outgoingServer", "smtp")).map(|(s, _)| s);
    Ok(Found {
        imap,
        smtp,
        oauth2: None,
        source: String::new(),
        note: oauth.then(|| {
            "the file says this server takes OAuth2: set up [accounts.NAME.oauth2] with your provider's endpoints".to_string()
        }),
    })
}

/// One `<incomingServer>`/`<outgoingServer>`; None when it is unusable (a bad host name,
/// plain text to another machine). The bool: it names OAuth2 among its ways to log in.
fn server_of(n: roxmltree::Node, email: &str) -> Option<(Server, bool)> {
    let text = |tag: &str| {
        n.children()
            .find(|c| c.has_tag_name(tag))
            .and_then(|c| c.text())
            .map(|t| t.trim().to_string())
    };
    let host = text("hostname")?;
    if host.is_empty()
        || host.len() > 253
        || !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c))
    {
        return None;
    }
    let port: u16 = text("port")?.parse().ok().filter(|p| *p > 0)?;
    let security = match text("socketType")?.to_ascii_uppercase().as_str() {
        "SSL" | "TLS" => Security::Tls,
        "STARTTLS" => Security::Starttls,
        "PLAIN" if crate::config::is_loopback_host(&host) => Security::Plain,
        _ => return None,
    };
    let (local, domain) = email.trim().rsplit_once('@').unwrap_or((email, ""));
    let username = text("username")
        .unwrap_or_else(|| "%EMAILADDRESS%".into())
        .replace("%EMAILADDRESS%", email.trim())
        .replace("%EMAILLOCALPART%", local)
        .replace("%EMAILDOMAIN%", domain);
    let oauth = n
        .children()
        .filter(|c| c.has_tag_name("authentication"))
        .any(|c| {
            c.text()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("OAuth2"))
        });
    Some((
        Server {
            host,
            port,
            security,
            username: crate::mail::sanitize(&username),
        },
        oauth,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"<?xml version="1.0"?>
<clientConfig version="1.1"><emailProvider id="example.org">
  <domain>example.org</domain>
  <incomingServer type="imap"><hostname>imap.example.org</hostname><port>143</port>
    <socketType>STARTTLS</socketType><username>%EMAILLOCALPART%</username>
    <authentication>password-cleartext</authentication></incomingServer>
  <incomingServer type="imap"><hostname>imap.example.org</hostname><port>993</port>
    <socketType>SSL</socketType><username>%EMAILLOCALPART%</username>
    <authentication>OAuth2</authentication></incomingServer>
  <incomingServer type="pop3"><hostname>pop.example.org</hostname><port>995</port>
    <socketType>SSL</socketType></incomingServer>
  <outgoingServer type="smtp"><hostname>smtp.example.org</hostname><port>25</port>
    <socketType>plain</socketType></outgoingServer>
  <outgoingServer type="smtp"><hostname>smtp.example.org</hostname><port>587</port>
    <socketType>STARTTLS</socketType><username>%EMAILADDRESS%</username></outgoingServer>
</emailProvider></clientConfig>"#;

    #[test]
    fn takes_the_safest_servers_and_fills_in_the_username() {
        let f = parse(FILE, "bob@example.org").unwrap();
        assert_eq!(f.imap.port, 993);
        assert_eq!(f.imap.security, Security::Tls);
        assert_eq!(f.imap.username, "bob");
        let smtp = f.smtp.unwrap();
        assert_eq!((smtp.port, smtp.security), (587, Security::Starttls));
        assert_eq!(smtp.username, "bob@example.org");
        assert!(f.note.unwrap().contains("OAuth2"));
    }

    #[test]
    fn hostile_files_are_refused_in_words() {
        let plain_only = FILE.replace("STARTTLS", "plain").replace("SSL", "plain");
        assert_eq!(
            parse(&plain_only, "b@example.org").unwrap_err(),
            "no IMAP server in it"
        );
        let bad_host = FILE.replace("imap.example.org", "imap.example.org;rm -rf");
        assert!(parse(&bad_host, "b@example.org").is_err());
        assert!(parse("<html>", "b@example.org")
            .unwrap_err()
            .contains("not an autoconfig"));
        assert!(autoconfig_urls("b@Example.ORG")[0].starts_with("https://autoconfig.example.org/"));
    }
}
