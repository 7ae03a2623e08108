//! The OAuth2 chain without tern: the authorization server (oidc-provider) issues tokens
//! through the real device and authorization code flows, a scripted user approves them
//! through the real pages, and Dovecot checks the tokens itself by introspection, for IMAP
//! and for its submission service, which relays to the test SMTP server.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failure is its panic

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use openssl::ssl::{SslConnector, SslMethod, SslStream};
use serde_json::Value;
use tern_testkit::oauth2_server::{http_post_form, percent_encode, HttpReply};
use tern_testkit::{
    Dovecot, DovecotOptions, OAuth2Passdb, OAuthOptions, OAuthServer, SmtpServer, Submission,
};

const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

fn b64(data: &[u8]) -> String {
    openssl::base64::encode_block(data)
}

fn xoauth2(user: &str, token: &str) -> String {
    b64(format!("user={user}\x01auth=Bearer {token}\x01\x01").as_bytes())
}

fn oauthbearer(user: &str, token: &str, port: u16) -> String {
    b64(
        format!("n,a={user},\x01host=127.0.0.1\x01port={port}\x01auth=Bearer {token}\x01\x01")
            .as_bytes(),
    )
}

/// `AUTHENTICATE mech initial-response` on the plain IMAP port; the tagged answer.
/// A failure comes as a `+` continuation with the error (JSON), answered with an empty line.
fn imap_authenticate(port: u16, mech: &str, ir: &str) -> String {
    let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut r = BufReader::new(s);
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    assert!(line.starts_with("* OK"), "{line}");
    write!(r.get_mut(), "a AUTHENTICATE {mech} {ir}\r\n").unwrap();
    loop {
        line.clear();
        assert!(r.read_line(&mut line).unwrap() > 0, "connection closed");
        if line.starts_with("+ ") {
            r.get_mut().write_all(b"\r\n").unwrap();
        } else if let Some(rest) = line.strip_prefix("a ") {
            let _ = r.get_mut().write_all(b"b LOGOUT\r\n");
            return rest.trim_end().to_string();
        }
    }
}

fn token_request(oauth: &OAuthServer, form: &[(&str, &str)]) -> HttpReply {
    let mut form = form.to_vec();
    form.push(("client_id", oauth.client_id()));
    http_post_form(&oauth.token_url(), &form).unwrap()
}

struct Tokens {
    access: String,
    refresh: String,
}

fn tokens(reply: &HttpReply) -> Tokens {
    assert_eq!(reply.status, 200, "{}", reply.body);
    let j = reply.json();
    Tokens {
        access: j["access_token"].as_str().unwrap().to_string(),
        refresh: j["refresh_token"].as_str().unwrap().to_string(),
    }
}

/// The device flow by hand: ask for a code, let alice approve it, poll for the tokens.
fn device_flow(oauth: &OAuthServer) -> Tokens {
    let dev = http_post_form(
        &oauth.device_authorization_url(),
        &[
            ("client_id", oauth.client_id()),
            ("scope", "openid offline_access mail"),
        ],
    )
    .unwrap();
    assert_eq!(dev.status, 200, "{}", dev.body);
    let dev = dev.json();
    let device_code = dev["device_code"].as_str().unwrap();
    let poll = || {
        token_request(
            oauth,
            &[("grant_type", DEVICE_GRANT), ("device_code", device_code)],
        )
    };
    let pending = poll();
    assert_eq!(pending.status, 400);
    assert_eq!(pending.json()["error"], "authorization_pending");
    oauth
        .approve_device(
            dev["verification_uri"].as_str().unwrap(),
            dev["user_code"].as_str().unwrap(),
            "alice",
            "secret",
        )
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let reply = poll();
        if reply.status == 200 {
            return tokens(&reply);
        }
        assert_eq!(
            reply.json()["error"],
            "authorization_pending",
            "{}",
            reply.body
        );
        assert!(Instant::now() < deadline, "no tokens after approval");
        thread::sleep(Duration::from_millis(200));
    }
}

/// One SMTP reply (all its lines): the code and the text of the last line.
fn smtp_reply<R: BufRead>(r: &mut R) -> (u16, String) {
    let mut line = String::new();
    loop {
        line.clear();
        assert!(
            r.read_line(&mut line).unwrap() > 0,
            "SMTP connection closed"
        );
        if line.as_bytes().get(3) != Some(&b'-') {
            return (line[..3].parse().unwrap(), line.trim_end().to_string());
        }
    }
}

fn smtp_cmd<S: Read + Write>(r: &mut BufReader<S>, cmd: &str) -> (u16, String) {
    write!(r.get_mut(), "{cmd}\r\n").unwrap();
    smtp_reply(r)
}

/// Dovecot's submission port: EHLO, STARTTLS, EHLO, then `AUTH XOAUTH2`; the TLS
/// connection and AUTH's reply code (a failure's 334 challenge is answered empty).
fn submission_auth(d: &Dovecot, token: &str) -> (BufReader<SslStream<TcpStream>>, u16) {
    let s = TcpStream::connect(("127.0.0.1", d.submission_port())).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut r = BufReader::new(s);
    assert_eq!(smtp_reply(&mut r).0, 220);
    assert_eq!(smtp_cmd(&mut r, "EHLO client.test").0, 250);
    assert_eq!(smtp_cmd(&mut r, "STARTTLS").0, 220);
    let mut tls = SslConnector::builder(SslMethod::tls()).unwrap();
    tls.set_ca_file(d.ca_pem_path()).unwrap();
    let stream = tls.build().connect("127.0.0.1", r.into_inner()).unwrap();
    let mut r = BufReader::new(stream);
    assert_eq!(smtp_cmd(&mut r, "EHLO client.test").0, 250);
    let (mut code, _) = smtp_cmd(&mut r, &format!("AUTH XOAUTH2 {}", xoauth2("alice", token)));
    if code == 334 {
        code = smtp_cmd(&mut r, "").0;
    }
    (r, code)
}

#[test]
fn device_flow_tokens_log_in_to_imap_and_submission_until_revoked() {
    let oauth = OAuthServer::start(OAuthOptions {
        access_token_ttl: Duration::from_secs(300),
        ..OAuthOptions::default()
    })
    .unwrap();
    let relay = SmtpServer::start_relay().unwrap();
    let d = Dovecot::start(DovecotOptions {
        oauth2: Some(OAuth2Passdb {
            introspection_url: oauth.introspection_url_for_dovecot(),
        }),
        submission: Some(Submission {
            relay_host: "127.0.0.1".into(),
            relay_port: relay.port(),
        }),
        ..DovecotOptions::default()
    })
    .unwrap();
    let log = || {
        format!(
            "\n--- dovecot.log ---\n{}\n--- provider.log ---\n{}",
            std::fs::read_to_string(d.log_path()).unwrap_or_default(),
            std::fs::read_to_string(oauth.log_path()).unwrap_or_default()
        )
    };

    let t = device_flow(&oauth);

    // The provider says what Dovecot will read: active, and the login name.
    let (id, secret) = oauth.introspection_credentials();
    let url = oauth
        .introspection_url()
        .replace("http://", &format!("http://{id}:{secret}@"));
    let intro = http_post_form(&url, &[("token", &t.access)])
        .unwrap()
        .json();
    assert_eq!(intro["active"], Value::Bool(true));
    assert_eq!(intro["username"], "alice");
    assert_eq!(intro["sub"], "alice");

    // IMAP: the token logs in (both mechanisms); garbage and a password do not.
    let ok = imap_authenticate(d.plain_port(), "XOAUTH2", &xoauth2("alice", &t.access));
    assert!(ok.starts_with("OK"), "{ok}{}", log());
    let ok = imap_authenticate(
        d.plain_port(),
        "OAUTHBEARER",
        &oauthbearer("alice", &t.access, d.plain_port()),
    );
    assert!(ok.starts_with("OK"), "{ok}{}", log());
    let no = imap_authenticate(
        d.plain_port(),
        "XOAUTH2",
        &xoauth2("alice", "garbage-token"),
    );
    assert!(no.starts_with("NO"), "{no}");
    let no = imap_authenticate(d.plain_port(), "XOAUTH2", &xoauth2("alice", "secret"));
    assert!(no.starts_with("NO"), "a password is no token: {no}");
    // A refresh token is not an access token.
    let no = imap_authenticate(d.plain_port(), "XOAUTH2", &xoauth2("alice", &t.refresh));
    assert!(no.starts_with("NO"), "{no}");
    // Someone else's name with alice's token.
    let no = imap_authenticate(d.plain_port(), "XOAUTH2", &xoauth2("bob", &t.access));
    assert!(no.starts_with("NO"), "{no}");

    // Submission: AUTH XOAUTH2 after STARTTLS, and the message goes on to the relay.
    let (_, code) = submission_auth(&d, "garbage-token");
    assert_eq!(code, 535);
    let (mut r, code) = submission_auth(&d, &t.access);
    assert_eq!(code, 235, "{}", log());
    let (code, text) = smtp_cmd(&mut r, "MAIL FROM:<alice@example.test>");
    assert_eq!(code, 250, "{text}{}", log());
    assert_eq!(smtp_cmd(&mut r, "RCPT TO:<bob@example.test>").0, 250);
    assert_eq!(smtp_cmd(&mut r, "DATA").0, 354);
    let msg = "From: alice@example.test\r\nTo: bob@example.test\r\nSubject: sent with a token\r\n\
               Message-ID: <oauth2-test@example.test>\r\n\r\nHello over OAuth2.\r\n.";
    let (code, text) = smtp_cmd(&mut r, msg);
    assert_eq!(code, 250, "{text}{}", log());
    let _ = smtp_cmd(&mut r, "QUIT");
    let deadline = Instant::now() + Duration::from_secs(10);
    let received = loop {
        let got = relay.received();
        if !got.is_empty() || Instant::now() > deadline {
            break got;
        }
        thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(received.len(), 1, "{}", log());
    assert_eq!(received[0].mail_from, "alice@example.test");
    assert_eq!(received[0].rcpt_tos, vec!["bob@example.test".to_string()]);
    assert!(String::from_utf8_lossy(&received[0].raw).contains("Subject: sent with a token"));

    // Refresh: a new pair (rotated), and the new access token logs in.
    let t2 = tokens(&token_request(
        &oauth,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &t.refresh),
        ],
    ));
    assert_ne!(t2.refresh, t.refresh, "refresh tokens rotate");
    let ok = imap_authenticate(d.plain_port(), "XOAUTH2", &xoauth2("alice", &t2.access));
    assert!(ok.starts_with("OK"), "{ok}{}", log());

    // The administrator revokes alice's grants: the refresh token is refused, and Dovecot
    // refuses the access token that was good a moment ago.
    assert!(oauth.revoke_all("alice").unwrap() >= 1);
    let refused = token_request(
        &oauth,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &t2.refresh),
        ],
    );
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert_eq!(refused.json()["error"], "invalid_grant");
    let no = imap_authenticate(d.plain_port(), "XOAUTH2", &xoauth2("alice", &t2.access));
    assert!(no.starts_with("NO"), "{no}");
    // Passwords still work beside tokens.
    let ok = imap_authenticate(d.plain_port(), "PLAIN", &b64(b"\0alice\0secret"));
    assert!(ok.starts_with("OK"), "{ok}");
}

/// A one-shot loopback "client": answers the first request and returns its target.
fn loopback_client() -> (u16, thread::JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = thread::spawn(move || {
        let (s, _) = listener.accept().unwrap();
        let mut r = BufReader::new(s);
        let mut request_line = String::new();
        r.read_line(&mut request_line).unwrap();
        let mut line = String::new();
        while r.read_line(&mut line).unwrap() > 2 {
            line.clear();
        }
        let body = "signed in; you can close this window";
        write!(
            r.get_mut(),
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        request_line
            .split(' ')
            .nth(1)
            .unwrap_or_default()
            .to_string()
    });
    (port, handle)
}

fn query_param(target: &str, name: &str) -> Option<String> {
    let query = target.split_once('?')?.1;
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name).then(|| v.to_string())
    })
}

fn authorization_request(oauth: &OAuthServer, redirect: &str, challenge: &str) -> String {
    format!(
        "{}?client_id={}&response_type=code&redirect_uri={}&scope={}&state=st4te\
         &code_challenge={challenge}&code_challenge_method=S256",
        oauth.authorization_url(),
        oauth.client_id(),
        percent_encode(redirect),
        percent_encode("openid offline_access mail"),
    )
}

#[test]
fn authorization_code_with_pkce_through_a_loopback_redirect() {
    let oauth = OAuthServer::start(OAuthOptions::default()).unwrap();
    let verifier = "a-verifier-of-more-than-forty-three-characters-0123456789";
    let challenge = b64(&openssl::sha::sha256(verifier.as_bytes()))
        .replace('+', "-")
        .replace('/', "_")
        .replace('=', "");

    // Any loopback port is accepted for the registered http://127.0.0.1/.
    let (port, client) = loopback_client();
    let redirect = format!("http://127.0.0.1:{port}/");
    let body = oauth
        .browse(
            &authorization_request(&oauth, &redirect, &challenge),
            "carol",
            "secret",
        )
        .unwrap();
    assert_eq!(body, "signed in; you can close this window");
    let target = client.join().unwrap();
    assert_eq!(query_param(&target, "state").as_deref(), Some("st4te"));
    let code = query_param(&target, "code").unwrap();

    // The wrong verifier is refused; the right one gets the tokens, then the code is spent.
    let wrong = token_request(
        &oauth,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", &redirect),
            (
                "code_verifier",
                "an-entirely-different-verifier-0123456789-abcdefgh",
            ),
        ],
    );
    assert_eq!(wrong.json()["error"], "invalid_grant", "{}", wrong.body);
    let (port2, client2) = loopback_client();
    let redirect2 = format!("http://127.0.0.1:{port2}/");
    oauth
        .browse(
            &authorization_request(&oauth, &redirect2, &challenge),
            "carol",
            "secret",
        )
        .unwrap();
    let code = query_param(&client2.join().unwrap(), "code").unwrap();
    let t = tokens(&token_request(
        &oauth,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", &redirect2),
            ("code_verifier", verifier),
        ],
    ));
    assert!(!t.access.is_empty() && !t.refresh.is_empty());

    // A wrong password stops at the sign-in page; a denial reaches the client as an error.
    let url = authorization_request(&oauth, "http://127.0.0.1:1/", &challenge);
    let err = oauth
        .browse(&url, "carol", "wrong")
        .unwrap_err()
        .to_string();
    assert!(err.contains("sign-in was refused"), "{err}");
    let (port4, client4) = loopback_client();
    let url = authorization_request(&oauth, &format!("http://127.0.0.1:{port4}/"), &challenge);
    oauth.browse_deny(&url, "carol", "secret").unwrap();
    let target = client4.join().unwrap();
    assert_eq!(
        query_param(&target, "error").as_deref(),
        Some("access_denied")
    );

    // Without PKCE the request is refused at the client's redirect.
    let (port5, client5) = loopback_client();
    let url = format!(
        "{}?client_id={}&response_type=code&redirect_uri={}&scope=mail&state=s",
        oauth.authorization_url(),
        oauth.client_id(),
        percent_encode(&format!("http://127.0.0.1:{port5}/")),
    );
    oauth.browse(&url, "carol", "secret").unwrap();
    assert_eq!(
        query_param(&client5.join().unwrap(), "error").as_deref(),
        Some("invalid_request")
    );
}

#[test]
fn a_denied_device_code_is_refused_at_the_token_endpoint() {
    let oauth = OAuthServer::start(OAuthOptions::default()).unwrap();
    let dev = http_post_form(
        &oauth.device_authorization_url(),
        &[("client_id", oauth.client_id()), ("scope", "mail")],
    )
    .unwrap()
    .json();
    oauth
        .deny_device(
            dev["verification_uri"].as_str().unwrap(),
            dev["user_code"].as_str().unwrap(),
            "alice",
            "secret",
        )
        .unwrap();
    let reply = token_request(
        &oauth,
        &[
            ("grant_type", DEVICE_GRANT),
            ("device_code", dev["device_code"].as_str().unwrap()),
        ],
    );
    assert_eq!(reply.json()["error"], "access_denied", "{}", reply.body);
}
