//! What a newcomer runs before there is any config: the built-in example, the manual,
//! shell completions, and what `tern` says when it finds no config.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failure is its panic

use std::process::Command;

fn tern(args: &[&str], home: &std::path::Path) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tern"))
        .args(args)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("TERN_LOG", home.join("tern.log"))
        .env_remove("TERN_CONFIG")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn without_a_config_tern_says_where_it_looked_and_the_example_it_prints_is_valid() {
    let home = tempfile::tempdir().unwrap();
    let (ok, _, err) = tern(&["sync"], home.path());
    assert!(!ok);
    let wanted = home.path().join(".config/tern/config.toml");
    assert!(err.contains(&wanted.display().to_string()), "{err}");
    assert!(err.contains("tern config example"), "{err}");

    let (ok, example, _) = tern(&["config", "example"], home.path());
    assert!(ok);
    assert_eq!(example, include_str!("../config.example.toml"));
    // Written where tern looks, it is read without a complaint about its syntax: only the
    // made-up server is out of reach.
    std::fs::create_dir_all(wanted.parent().unwrap()).unwrap();
    std::fs::write(&wanted, &example).unwrap();
    // `tern auth status` reads the config and needs no server: it names the example's
    // account and how it logs in.
    let (ok, out, err) = tern(&["auth", "status"], home.path());
    assert!(ok, "the example does not parse: {err}");
    assert!(
        out.contains("personal: logs in with login (not OAuth2)"),
        "{out}"
    );
}

#[test]
fn the_manual_and_completions_name_every_command_and_option() {
    let home = tempfile::tempdir().unwrap();
    let (ok, man, err) = tern(&["man"], home.path());
    assert!(ok, "{err}");
    assert!(man.starts_with(".ie") || man.contains(".TH tern"), "{man}");
    for word in [
        "sync",
        "list",
        "addresses",
        "auth",
        "completions",
        "\\-\\-account",
    ] {
        assert!(man.contains(word), "the manual lacks {word}");
    }
    for shell in ["bash", "zsh", "fish"] {
        let (ok, script, err) = tern(&["completions", shell], home.path());
        assert!(ok, "{shell}: {err}");
        for word in ["sync", "auth", "login", "logout", "--folder"] {
            assert!(script.contains(word), "{shell} completions lack {word}");
        }
    }
    // Every option has help: --account (once without) says what it does.
    let (ok, help, _) = tern(&["--help"], home.path());
    assert!(ok);
    let after = help.split("--account <NAME>").nth(1).unwrap_or_default();
    assert!(
        after.trim_start().starts_with("Open only this account"),
        "{help}"
    );
    // And each subcommand's options are in the manual, with their help.
    assert!(man.contains("\\fB\\-\\-folder\\fR"), "{man}");
    assert!(man.contains("A folder to sync"), "{man}");
}
