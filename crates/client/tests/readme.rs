//! The README's key list is the default `?` word for word, between its markers;
//! `TERN_UPDATE_README=1 cargo test -p tern-client --test readme` writes it anew.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failure is its panic

use tern_client::app::help::help_lines;
use tern_client::app::keymap::Keymaps;
use tern_client::app::state::AppState;

#[test]
fn the_readme_key_list_is_the_default_help() {
    let mut state = AppState::new("a", "INBOX");
    state.keys_help = Keymaps::default().help();
    let help: Vec<String> = help_lines(&state)
        .into_iter()
        .map(|l| l.text.trim_end().to_string())
        .collect();
    let block = format!(
        "<!-- help:start -->\n```\n{}\n```\n<!-- help:end -->",
        help.join("\n")
    );
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md");
    let readme = std::fs::read_to_string(path).unwrap();
    let (Some(start), Some(end)) = (
        readme.find("<!-- help:start -->"),
        readme.find("<!-- help:end -->"),
    ) else {
        panic!("README.md has no <!-- help:start --> … <!-- help:end --> block");
    };
    let current = &readme[start..end + "<!-- help:end -->".len()];
    if std::env::var_os("TERN_UPDATE_README").is_some() {
        std::fs::write(path, readme.replace(current, &block)).unwrap();
        return;
    }
    assert_eq!(
        current, block,
        "README.md's key list differs from `?`: run TERN_UPDATE_README=1 cargo test -p tern-client --test readme"
    );
}
