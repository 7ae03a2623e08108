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
    let text = include_str!("../../../../config.example.toml");
    parse(text, Path::new("config.example.toml")).expect("config.example.toml parses");
}

#[test]
fn keys_theme_and_ui_settings_parse_and_the_layout_is_remembered() {
    let text = format!(
        "{GOOD}\n[keys.list]\n\"x\" = \"delete\"\n\"g i\" = \"go_to_folder\"\n[keys.global]\n\"C-s\" = \"sync_now\"\n[theme]\nunread = \"bold yellow\"\n"
    )
    .replace(
        "cache-dir = \"/tmp/x\"",
        "cache-dir = \"/tmp/x\"\ndownload-dir = \"/tmp/dl\"\nnew-mail-command = \"true\"\nbell = true\nreader-layout = \"split\"",
    );
    let c = parse(&text, Path::new("c.toml")).expect("valid");
    assert_eq!(
        c.keys.list.get("g i").map(String::as_str),
        Some("go_to_folder")
    );
    assert_eq!(
        c.theme.get("unread").map(String::as_str),
        Some("bold yellow")
    );
    assert_eq!(c.general.reader_layout, Some(ReaderLayout::Split));
    assert!(c.general.bell);
    // `z` writes the layout back, keeping the user's comments and other keys.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, format!("# my mail\n{text}")).unwrap();
    remember_reader_layout(&path, ReaderLayout::Full).unwrap();
    let after = std::fs::read_to_string(&path).unwrap();
    assert!(after.starts_with("# my mail\n"), "{after}");
    let c = parse(&after, &path).expect("still valid");
    assert_eq!(c.general.reader_layout, Some(ReaderLayout::Full));
    assert_eq!(c.keys.list.len(), 2);
    // A typo in a table name is an error naming the key.
    let bad = format!("{GOOD}\n[keys.lsit]\n\"x\" = \"delete\"\n");
    let e = parse(&bad, Path::new("c.toml")).unwrap_err().to_string();
    assert!(e.contains("lsit"), "{e}");
}

#[test]
fn entry_errors_name_the_line() {
    let text = format!("{GOOD}\n[keys.list]\n\"x\" = \"delete\"\n\"y\" = \"explode\"\n[theme]\nunread = \"sparkly\"\n");
    let lines: Vec<&str> = text.lines().collect();
    let y = lines.iter().position(|l| l.starts_with("\"y\"")).unwrap() + 1;
    let unread = lines.iter().position(|l| l.starts_with("unread")).unwrap() + 1;
    let table = |t: &[&str]| t.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(line_of(&text, &table(&["keys", "list"]), "y"), Some(y));
    assert_eq!(line_of(&text, &table(&["theme"]), "unread"), Some(unread));
    assert_eq!(line_of(&text, &table(&["theme"]), "cursor"), None);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, &text).unwrap();
    let e = EntryError::new(&["keys", "list"], "y", "no action named \"explode\"");
    assert_eq!(
        e.located(&path),
        format!(
            "{}: line {y}: [keys.list] \"y\": no action named \"explode\"",
            path.display()
        )
    );
}

#[test]
fn oauth2_needs_its_table_and_custom_needs_its_urls() {
    let oauth = GOOD.replace(
        "password-command = \"pass show mail/personal\"\nauth = \"login\"",
        "auth = \"oauth2\"",
    );
    let err = parse(&oauth, Path::new("c.toml")).unwrap_err().to_string();
    assert!(err.contains("[accounts.personal.oauth2]"), "{err}");

    let preset = format!(
        "{oauth}\n[accounts.personal.oauth2]\nprovider = \"microsoft\"\nclient-id = \"abc\"\n"
    );
    let c = parse(&preset, Path::new("c.toml")).expect("a preset needs no URLs");
    let o = c.account(None).unwrap().1.oauth2.clone().unwrap();
    let s = crate::oauth2::OAuth2Settings::from_config("personal", &o).unwrap();
    assert_eq!(s.flow, OAuth2Flow::Device);
    assert!(s.endpoints.scopes.iter().any(|x| x == "offline_access"));

    let stray = format!("{preset}token-url = \"https://x.example/token\"\n");
    let err = parse(&stray, Path::new("c.toml")).unwrap_err().to_string();
    assert!(
        err.contains("only read with provider = \"custom\""),
        "{err}"
    );

    let custom = preset.replace("\"microsoft\"", "\"custom\"");
    let err = parse(&custom, Path::new("c.toml")).unwrap_err().to_string();
    assert!(err.contains("token-url"), "{err}");
    let custom = format!("{custom}token-url = \"https://x.example/token\"\nflow = \"browser\"\n");
    let err = parse(&custom, Path::new("c.toml")).unwrap_err().to_string();
    assert!(err.contains("authorization-url"), "{err}");

    // Google's device flow does not grant mail: said when the flow is chosen.
    let google = format!("{preset}flow = \"device\"\n").replace("\"microsoft\"", "\"google\"");
    let c = parse(&google, Path::new("c.toml")).unwrap();
    let o = c.account(None).unwrap().1.oauth2.clone().unwrap();
    let err = crate::oauth2::OAuth2Settings::from_config("personal", &o)
        .unwrap_err()
        .to_string();
    assert!(err.contains("flow = \"browser\""), "{err}");
    // Tokens never go over plain HTTP to another machine.
    let http = custom
        .replace("https://x.example/token", "http://x.example/token")
        .replace(
            "flow = \"browser\"",
            "flow = \"device\"\ndevice-authorization-url = \"http://127.0.0.1:9/d\"",
        );
    let c = parse(&http, Path::new("c.toml")).unwrap();
    let o = c.account(None).unwrap().1.oauth2.clone().unwrap();
    let err = crate::oauth2::OAuth2Settings::from_config("personal", &o)
        .unwrap_err()
        .to_string();
    assert!(err.contains("only https"), "{err}");
}
