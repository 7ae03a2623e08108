//! Attachments and links leaving tern: file names made safe, files saved without
//! overwriting anything, and URLs/files handed to the desktop's programs (never through
//! a shell).

mod open;

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Component, Path, PathBuf};

pub use open::{open_file, open_url};

/// Longest saved name, in bytes: below the usual 255-byte limit, with room for " (n)".
const MAX_NAME_BYTES: usize = 200;
/// Extensions up to this long (dot included) survive when a long name is cut.
const MAX_KEPT_EXTENSION: usize = 16;
/// Name used when nothing usable is left of the one in the mail.
const FALLBACK_NAME: &str = "attachment";

/// A file name from a mail made safe to create in a directory: the last path component
/// only, no control or invisible (bidi, zero-width) characters, none of `:*?"<>|` (they
/// break other systems and some tools), no leading dots (no hidden or dot files) and
/// at most 200 bytes. Never empty, `.` or `..`.
///
/// Shell metacharacters such as `$`, `;` and backticks are kept: tern never passes
/// names through a shell, and replacing them would mangle ordinary names like
/// "Q&A $5.pdf".
pub fn safe_file_name(name: &str) -> String {
    let last = name
        .split(['/', '\\'])
        .rfind(|part| !part.trim().is_empty())
        .unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter_map(|c| match c {
            ':' | '*' | '?' | '"' | '<' | '>' | '|' | '\0' => Some('_'),
            c if c.is_control() || crate::mail::is_invisible_format(c) => None,
            c => Some(c),
        })
        .collect();
    let trimmed = trim_name(&cleaned);
    let short = if trimmed.len() > MAX_NAME_BYTES {
        shorten(trimmed)
    } else {
        trimmed.to_string()
    };
    if short.is_empty() || short == "." || short == ".." {
        FALLBACK_NAME.to_string()
    } else {
        short
    }
}

/// Leading dots/spaces (hidden files, "..") and trailing dots/spaces (invisible, and
/// dropped by some systems) removed.
fn trim_name(name: &str) -> &str {
    name.trim_start_matches(['.', ' '])
        .trim_end_matches(['.', ' '])
}

/// `name` cut to MAX_NAME_BYTES on a char boundary, keeping a short extension.
fn shorten(name: &str) -> String {
    let ext = match name.rfind('.') {
        Some(dot) if dot > 0 && name.len() - dot <= MAX_KEPT_EXTENSION => &name[dot..],
        _ => "",
    };
    let stem = &name[..name.len() - ext.len()];
    let stem = trim_name(cut_to(stem, MAX_NAME_BYTES - ext.len()));
    format!("{stem}{ext}")
}

/// The longest prefix of `s` at most `max` bytes long that ends on a char boundary.
fn cut_to(s: &str, max: usize) -> &str {
    let mut end = max.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Writes `bytes` to a new file named after `name` (made safe) directly inside `dir`,
/// creating `dir` if needed. An existing file is never replaced: "name (1).ext",
/// "name (2).ext"… are tried instead. The file is readable by its owner only (mail
/// attachments are private). Returns the path written.
pub fn save_new(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<PathBuf> {
    fs::create_dir_all(dir)?;
    let name = safe_file_name(name);
    let (stem, ext) = match name.rfind('.') {
        Some(dot) if dot > 0 => name.split_at(dot),
        _ => (name.as_str(), ""),
    };
    for n in 0..10_000u32 {
        let candidate = if n == 0 {
            name.clone()
        } else {
            format!("{stem} ({n}){ext}")
        };
        let path = dir.join(&candidate);
        if !directly_inside(dir, &path, &candidate) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("the name {candidate:?} would leave the folder"),
            ));
        }
        // create_new is O_EXCL: it fails rather than replace a file or follow a symlink,
        // and there is no gap between checking and creating.
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path);
        let mut file = match file {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        };
        if let Err(e) = file.write_all(bytes).and_then(|()| file.flush()) {
            // A partial file would look like a saved attachment.
            drop(file);
            let _ = fs::remove_file(&path);
            return Err(e);
        }
        return Ok(path);
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!("too many files named like {name:?} already"),
    ))
}

/// Whether `path` (= `dir` joined with `name`) is one plain entry directly in `dir`.
fn directly_inside(dir: &Path, path: &Path, name: &str) -> bool {
    let mut parts = Path::new(name).components();
    matches!(parts.next(), Some(Component::Normal(_)))
        && parts.next().is_none()
        && path.parent() == Some(dir)
}

/// A path as typed, with a leading `~` or `~/` made the home folder (a final `/` kept).
pub fn expand_home(typed: &str) -> PathBuf {
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty());
    match (typed, home) {
        ("~", Some(h)) => PathBuf::from(h),
        (t, Some(h)) if t.starts_with("~/") => {
            let mut s = h;
            s.push(&t[1..]);
            PathBuf::from(s)
        }
        (t, _) => PathBuf::from(t),
    }
}

/// Where attachments are saved by default: the desktop's download folder, else
/// `$HOME/Downloads`, else the current folder.
pub fn default_download_dir() -> PathBuf {
    if let Some(dir) =
        directories::UserDirs::new().and_then(|u| u.download_dir().map(Path::to_path_buf))
    {
        return dir;
    }
    match std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        Some(home) => PathBuf::from(home).join("Downloads"),
        None => std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_tilde_is_the_home_folder_and_a_final_slash_stays() {
        let home = std::env::var("HOME").unwrap_or_default();
        if home.is_empty() {
            assert_eq!(expand_home("~/x/"), PathBuf::from("~/x/"));
            return;
        }
        assert_eq!(
            expand_home("~/Downloads/").to_string_lossy(),
            format!("{home}/Downloads/")
        );
        assert_eq!(expand_home("~"), PathBuf::from(&home));
        assert_eq!(expand_home("/tmp/~/a"), PathBuf::from("/tmp/~/a"));
        assert_eq!(expand_home("~bob/a"), PathBuf::from("~bob/a"));
    }

    #[test]
    fn hostile_names_become_plain_names() {
        assert_eq!(safe_file_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_file_name("/abs/x"), "x");
        assert_eq!(safe_file_name("..\\win.txt"), "win.txt");
        assert_eq!(safe_file_name(".bashrc"), "bashrc");
        assert_eq!(safe_file_name("a\u{202e}gpj.exe"), "agpj.exe");
        assert_eq!(safe_file_name("$(rm -rf ~).txt"), "$(rm -rf ~).txt");
        assert_eq!(
            safe_file_name("a:b*c?d\"e<f>g|h\0i.txt"),
            "a_b_c_d_e_f_g_h_i.txt"
        );
        assert_eq!(safe_file_name("tab\there\n.pdf"), "tabhere.pdf");
        assert_eq!(safe_file_name("dir/"), "dir");
        assert_eq!(safe_file_name(" . report .. "), "report");
        for empty in ["", ".", "..", "/", "a/..", "...", " ", "\u{200b}"] {
            assert_eq!(safe_file_name(empty), "attachment", "{empty:?}");
        }
    }

    #[test]
    fn long_names_are_cut_keeping_the_extension() {
        let long = format!("{}.pdf", "é".repeat(600));
        let safe = safe_file_name(&long);
        assert!(safe.len() <= MAX_NAME_BYTES, "{}", safe.len());
        assert!(safe.ends_with("é.pdf"), "{safe}");
        let no_ext = "x".repeat(1000);
        assert_eq!(safe_file_name(&no_ext), "x".repeat(MAX_NAME_BYTES));
        let long_ext = format!("a.{}", "b".repeat(300));
        assert_eq!(safe_file_name(&long_ext).len(), MAX_NAME_BYTES);
    }

    #[test]
    fn hostile_names_are_saved_inside_the_folder() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path().join("downloads");
        let names = [
            "../../etc/passwd".to_string(),
            "/abs/x".into(),
            "..\\win.txt".into(),
            ".bashrc".into(),
            "a\u{202e}gpj.exe".into(),
            "$(rm -rf ~).txt".into(),
            "".into(),
            "y".repeat(1000),
        ];
        for name in &names {
            let path = save_new(&dir, name, b"data").expect("saved");
            assert_eq!(path.parent(), Some(dir.as_path()), "{name:?}");
            assert_eq!(fs::read(&path).expect("read back"), b"data");
            let mode = fs::metadata(&path).expect("metadata").permissions().mode();
            assert_eq!(mode & 0o077, 0, "{name:?} is private");
        }
        let listed = fs::read_dir(&dir).expect("list").count();
        assert_eq!(listed, names.len());
        assert_eq!(
            fs::read_dir(tmp.path()).expect("list").count(),
            1,
            "nothing written beside the folder"
        );
    }

    #[test]
    fn collisions_get_numbers_and_never_overwrite() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path();
        let first = save_new(dir, "report.pdf", b"1").expect("first");
        let second = save_new(dir, "report.pdf", b"2").expect("second");
        let third = save_new(dir, "../report.pdf", b"3").expect("third");
        assert_eq!(first, dir.join("report.pdf"));
        assert_eq!(second, dir.join("report (1).pdf"));
        assert_eq!(third, dir.join("report (2).pdf"));
        assert_eq!(fs::read(&first).expect("read"), b"1");
        assert_eq!(fs::read(&third).expect("read"), b"3");
        let bare = save_new(dir, "notes", b"").expect("bare");
        let bare2 = save_new(dir, "notes", b"").expect("bare again");
        assert_eq!((bare, bare2), (dir.join("notes"), dir.join("notes (1)")));
    }

    #[test]
    fn an_existing_symlink_is_not_followed() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let target = tmp.path().join("target");
        fs::write(&target, b"keep").expect("target");
        let dir = tmp.path().join("d");
        fs::create_dir(&dir).expect("dir");
        std::os::unix::fs::symlink(&target, dir.join("a.txt")).expect("symlink");
        let path = save_new(&dir, "a.txt", b"new").expect("saved");
        assert_eq!(path, dir.join("a (1).txt"));
        assert_eq!(fs::read(&target).expect("read"), b"keep");
    }

    #[test]
    fn the_download_folder_is_absolute_or_current() {
        let dir = default_download_dir();
        assert!(!dir.as_os_str().is_empty());
    }
}
