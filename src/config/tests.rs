use super::*;

const GOOD: &str = r#"
[general]
cache-dir = "/tmp/x"

[accounts.personal]
default = true
email = "alice@example.org"
name = "Alice Example"

[accounts.personal.imap]
host = "imap.example.org"
security = "tls"
username = "alice"
password-command = "pass show mail/personal"
auth = "login"

[accounts.personal.folders]
trash = "Trash"
archive = "Archive"
"#;

#[test]
fn parses_the_documented_schema() {
    let c = parse(GOOD, Path::new("c.toml")).expect("valid");
    let (name, a) = c.account(None).expect("default account");
    assert_eq!(name, "personal");
    assert_eq!(a.imap.port(), 993);
    assert_eq!(a.folders.archive.as_deref(), Some("Archive"));
    assert_eq!(c.cache_dir(), PathBuf::from("/tmp/x"));
}

#[test]
fn unknown_key_names_file_line_and_key() {
    let bad = GOOD.replace(
        "username = \"alice\"",
        "username = \"alice\"\nuser-name = \"x\"",
    );
    let err = parse(&bad, Path::new("/home/a/tern.toml"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("/home/a/tern.toml"), "{err}");
    assert!(err.contains("line 14"), "{err}");
    assert!(err.contains("user-name"), "{err}");
}

#[test]
fn plain_is_refused_for_remote_hosts_only() {
    let remote = GOOD.replace("security = \"tls\"", "security = \"plain\"");
    let err = parse(&remote, Path::new("c.toml")).unwrap_err().to_string();
    assert!(err.contains("plain"), "{err}");
    let local = remote.replace("imap.example.org", "127.0.0.1");
    let c = parse(&local, Path::new("c.toml")).expect("loopback plain ok");
    assert_eq!(c.account(None).unwrap().1.imap.port(), 143);
}

#[test]
fn loopback_detection() {
    assert!(is_loopback_host("localhost"));
    assert!(is_loopback_host("127.0.0.5"));
    assert!(is_loopback_host("[::1]"));
    assert!(!is_loopback_host("10.0.0.1"));
    assert!(!is_loopback_host("localhost.evil.org"));
}

#[test]
fn example_config_is_valid() {
    let text = include_str!("../../config.example.toml");
    parse(text, Path::new("config.example.toml")).expect("config.example.toml parses");
}
