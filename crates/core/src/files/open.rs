//! Handing a link or a saved file to another program: $BROWSER, a mailcap viewer or
//! xdg-open. Arguments go straight to the program (never through `sh -c`), so nothing
//! from a mail can be run as a command.

use std::ffi::{OsStr, OsString};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Characters that mean something to a shell. Mailcap commands are written for
/// `sh -c`; one that needs any of these can't be run faithfully without a shell, so it
/// is not used at all.
const SHELL_META: &[char] = &[
    '|', ';', '&', '$', '<', '>', '`', '\'', '"', '(', ')', '\\', '*', '?', '[', ']', '{', '}',
    '~', '#', '!', '\n', '\r',
];

/// Opens `url` in the browser: `$BROWSER` if set, else `xdg-open`. Only http, https and
/// mailto links are opened; anything else (file:, javascript:, data:…) is refused.
pub fn open_url(url: &str) -> Result<(), String> {
    let browser = std::env::var("BROWSER")
        .ok()
        .filter(|b| !b.trim().is_empty());
    let desktop = ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|d| !d.is_empty()));
    if browser.is_none() && !desktop {
        // Over SSH xdg-open has nothing to open a page on (or runs a text browser
        // inside tern's own terminal): say so instead.
        checked_url(url)?;
        return Err("no browser here: $BROWSER is not set and there is no desktop".into());
    }
    open_url_with(url, browser.as_deref())
}

/// `open_url` with the value of $BROWSER given, so tests need not change the
/// environment.
fn open_url_with(url: &str, browser: Option<&str>) -> Result<(), String> {
    let url = checked_url(url)?;
    let words: Vec<&str> = browser.unwrap_or("").split_whitespace().collect();
    let Some((program, args)) = words.split_first() else {
        return spawn_detached(OsStr::new("xdg-open"), vec![OsString::from(url)]);
    };
    let mut argv: Vec<OsString> = args.iter().map(OsString::from).collect();
    let mut placed = false;
    for arg in argv.iter_mut() {
        if arg == "%s" {
            *arg = OsString::from(&url);
            placed = true;
        }
    }
    if !placed {
        argv.push(OsString::from(&url));
    }
    spawn_detached(OsStr::new(program), argv)
}

/// The URL to open, or why it is refused, in plain words.
fn checked_url(url: &str) -> Result<String, String> {
    let url = url.trim();
    if url.chars().any(char::is_control) {
        return Err("the link contains control characters; not opened".into());
    }
    let scheme = match url.split_once(':') {
        Some((s, _))
            if !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
        {
            s.to_ascii_lowercase()
        }
        _ => {
            return Err(
                "the link has no scheme; tern opens only http, https and mailto links".into(),
            )
        }
    };
    let rest = &url[scheme.len() + 1..];
    let allowed = match scheme.as_str() {
        "http" | "https" => rest.starts_with("//") && rest.len() > 2,
        "mailto" => !rest.is_empty(),
        _ => {
            let shown: String = scheme.chars().take(20).collect();
            return Err(format!(
                "tern opens only http, https and mailto links, not {shown}: links"
            ));
        }
    };
    if !allowed {
        return Err(format!("the {scheme} link has no address; not opened"));
    }
    // Spaces are not valid in a URL; browsers read them as %20 anyway.
    Ok(url.replace(' ', "%20"))
}

/// Opens a saved file with the viewer mailcap names for `mime` (when that viewer can be
/// run without a shell), else with `xdg-open`.
pub fn open_file(path: &Path, mime: &str) -> Result<(), String> {
    // A relative name starting with "-" would be read as an option by the viewer.
    let path: PathBuf = if path.is_relative() {
        Path::new(".").join(path)
    } else {
        path.to_path_buf()
    };
    let mut tables = Vec::new();
    if let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        tables.push(PathBuf::from(home).join(".mailcap"));
    }
    tables.push(PathBuf::from("/etc/mailcap"));
    open_file_with(&path, mime, &tables)
}

/// `open_file` with the mailcap files given, so tests need not change $HOME.
fn open_file_with(path: &Path, mime: &str, tables: &[PathBuf]) -> Result<(), String> {
    let viewer = tables.iter().find_map(|file| {
        // An unreadable or non-UTF-8 mailcap is as good as none.
        let text = std::fs::read_to_string(file).ok()?;
        mailcap_command(&text, mime)
    });
    match viewer {
        Some(words) => {
            let (program, argv) = command_argv(&words, path.as_os_str());
            spawn_detached(&program, argv)
        }
        None => spawn_detached(OsStr::new("xdg-open"), vec![path.as_os_str().to_owned()]),
    }
}

/// The command words of the first usable mailcap entry for `mime` in `text`. Entries
/// that need a terminal, print text for a pager, run a `test=`, or need a shell are
/// skipped, so a later usable entry (or xdg-open) is chosen instead.
fn mailcap_command(text: &str, mime: &str) -> Option<Vec<String>> {
    let mime = mime
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let (major, _) = mime.split_once('/').unwrap_or((&mime, ""));
    logical_lines(text).into_iter().find_map(|line| {
        let fields = split_fields(&line);
        let (kind, command) = (fields.first()?.to_ascii_lowercase(), fields.get(1)?);
        let matches =
            kind == mime || kind == format!("{major}/*") || (!kind.contains('/') && kind == major);
        let skipped = fields.iter().skip(2).any(|flag| {
            let flag = flag.to_ascii_lowercase();
            flag == "needsterminal" || flag == "copiousoutput" || flag.starts_with("test")
        });
        if !matches || skipped || mime.is_empty() {
            return None;
        }
        runnable_words(command)
    })
}

/// Lines with comments and blanks dropped and `\`-continued lines joined.
fn logical_lines(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        match line.strip_suffix('\\') {
            Some(head) => current.push_str(head),
            None => {
                current.push_str(line);
                let done = std::mem::take(&mut current);
                if !done.trim().is_empty() && !done.trim_start().starts_with('#') {
                    lines.push(done);
                }
            }
        }
    }
    if !current.trim().is_empty() && !current.trim_start().starts_with('#') {
        lines.push(current);
    }
    lines
}

/// The `;`-separated fields of a mailcap entry, trimmed; `\;` is a literal semicolon
/// (kept escaped, so a command containing one is seen as needing a shell).
fn split_fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                field.push('\\');
                if let Some(next) = chars.next() {
                    field.push(next);
                }
            }
            ';' => fields.push(std::mem::take(&mut field).trim().to_string()),
            c => field.push(c),
        }
    }
    fields.push(field.trim().to_string());
    fields
}

/// The words of a mailcap command if it can run without a shell: no shell
/// metacharacters and no `%` escape other than `%s`.
fn runnable_words(command: &str) -> Option<Vec<String>> {
    if command.contains(SHELL_META) {
        return None;
    }
    let words: Vec<String> = command.split_whitespace().map(String::from).collect();
    let other_escape = words.iter().any(|w| w.replace("%s", "").contains('%'));
    // "%s" as the program would run the attachment itself.
    let runs_the_file = words.first().is_some_and(|w| w.contains("%s"));
    (!words.is_empty() && !other_escape && !runs_the_file).then_some(words)
}

/// Program and arguments for mailcap `words`: each `%s` becomes the path, inside its one
/// argument; without any `%s` the path is added as the last argument.
fn command_argv(words: &[String], path: &OsStr) -> (OsString, Vec<OsString>) {
    let mut placed = false;
    let mut argv: Vec<OsString> = words
        .iter()
        .map(|w| {
            let mut parts = w.split("%s");
            let mut arg = OsString::from(parts.next().unwrap_or(""));
            for part in parts {
                arg.push(path);
                arg.push(part);
                placed = true;
            }
            arg
        })
        .collect();
    if !placed {
        argv.push(path.to_os_string());
    }
    let program = if argv.is_empty() {
        OsString::new()
    } else {
        argv.remove(0)
    };
    (program, argv)
}

/// Starts `program` detached from the terminal and does not wait for it; a background
/// thread reaps it when it ends so it never lingers as a zombie.
fn spawn_detached(program: &OsStr, args: Vec<OsString>) -> Result<(), String> {
    let shown = program.to_string_lossy().into_owned();
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        // Its own process group: Ctrl-C or Ctrl-Z in tern's terminal must not reach it.
        .process_group(0)
        .spawn()
        .map_err(|e| format!("could not run {shown}: {e}"))?;
    let reaper = std::thread::Builder::new()
        .name("reap-viewer".into())
        .spawn(move || {
            let _ = child.wait();
        });
    if let Err(e) = reaper {
        // The program is running all the same; at worst it stays a zombie until tern exits.
        tracing::warn!("could not start a thread to wait for {shown}: {e}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;
    use std::sync::Mutex;
    use std::time::{Duration, Instant};

    /// Held by every test that changes the environment.
    static ENV: Mutex<()> = Mutex::new(());

    /// A script that writes its arguments, one a line, to the returned file.
    fn recorder(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
        let script = dir.join(name);
        let out = dir.join(format!("{name}.args"));
        let body = format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{0}.tmp' && mv '{0}.tmp' '{0}'\n",
            out.display()
        );
        std::fs::write(&script, body).expect("write script");
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o700))
            .expect("chmod script");
        (script, out)
    }

    /// Runs `launch`, retrying while the just-written script is briefly "busy" (another
    /// test's fork can hold it open for writing until its exec).
    fn launch(mut launch: impl FnMut() -> Result<(), String>) {
        for _ in 0..50 {
            match launch() {
                Err(e) if e.contains("busy") => std::thread::sleep(Duration::from_millis(20)),
                other => return other.expect("launched"),
            }
        }
        panic!("the script stayed busy");
    }

    /// The arguments the recorder got, once it has written them.
    fn recorded(out: &Path) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(text) = std::fs::read_to_string(out) {
                return text.lines().map(String::from).collect();
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("{} was never written", out.display());
    }

    #[test]
    fn only_web_and_mail_links_are_opened() {
        for (bad, says) in [
            ("file:///etc/passwd", "not file: links"),
            ("javascript:alert(1)", "not javascript: links"),
            ("JavaScript:alert(1)", "not javascript: links"),
            ("data:text/html,hi", "not data: links"),
            ("example.org/x", "no scheme"),
            ("", "no scheme"),
            ("https:", "no address"),
            ("http://", "no address"),
            ("https://x.org/\x1b[2J", "control characters"),
        ] {
            let err = open_url_with(bad, Some("/nonexistent/browser")).expect_err(bad);
            assert!(err.contains(says), "{bad:?}: {err}");
        }
        assert_eq!(
            checked_url(" HTTPS://x.org/a b ").as_deref(),
            Ok("HTTPS://x.org/a%20b")
        );
        assert_eq!(
            checked_url("mailto:a@b.org").as_deref(),
            Ok("mailto:a@b.org")
        );
        let err = open_url_with("https://x.org", Some("/nonexistent/tern-browser --new"))
            .expect_err("no such program");
        assert!(
            err.starts_with("could not run /nonexistent/tern-browser: "),
            "{err}"
        );
    }

    #[test]
    fn browser_from_the_environment_gets_the_url_as_one_argument() {
        let _env = ENV.lock().unwrap_or_else(|e| e.into_inner());
        let tmp = tempfile::tempdir().expect("temp dir");
        let (script, out) = recorder(tmp.path(), "browser");
        let url = "https://example.org/a?b=1&c=$(touch%20x);d";

        let saved = std::env::var_os("BROWSER");
        std::env::set_var(
            "BROWSER",
            format!("{}  --new-window %s --x", script.display()),
        );
        let result = std::panic::catch_unwind(|| launch(|| open_url(url)));
        match saved {
            Some(v) => std::env::set_var("BROWSER", v),
            None => std::env::remove_var("BROWSER"),
        }
        result.expect("open_url launched");
        assert_eq!(recorded(&out), ["--new-window", url, "--x"]);

        // Without %s the URL comes last.
        let (script, out) = recorder(tmp.path(), "browser2");
        let browser = format!("{} -a", script.display());
        launch(|| open_url_with("mailto:a@b.org", Some(&browser)));
        assert_eq!(recorded(&out), ["-a", "mailto:a@b.org"]);
    }

    #[test]
    fn mailcap_picks_the_first_entry_runnable_without_a_shell() {
        let table = r#"# viewers
image/png; feh %s; test=test -n "$DISPLAY"
image/png; less %s; needsterminal
image/png; cat %s | display
image/png; sh -c 'view %s'
image/png; mpv %s \; rm -rf ~
IMAGE/PNG; sxiv -b %s ; description="PNG"
image/*; imv --file=%s
application/pdf; zathura \
    --fork %s
text/html; w3m -dump %s; copiousoutput
application/x-run; %s --help
application/x-charset; view -c %{charset} %s
audio; play
"#;
        let words = |mime| mailcap_command(table, mime);
        assert_eq!(
            words("image/png"),
            Some(vec!["sxiv".into(), "-b".into(), "%s".into()])
        );
        assert_eq!(words("Image/PNG; name=x"), words("image/png"));
        assert_eq!(
            words("image/jpeg"),
            Some(vec!["imv".into(), "--file=%s".into()])
        );
        assert_eq!(
            words("application/pdf"),
            Some(vec!["zathura".into(), "--fork".into(), "%s".into()])
        );
        assert_eq!(words("audio/ogg"), Some(vec!["play".into()]));
        for refused in [
            "text/html",
            "application/x-run",
            "application/x-charset",
            "video/mp4",
            "",
        ] {
            assert_eq!(words(refused), None, "{refused}");
        }
        assert_eq!(
            mailcap_command("video/mp4; mpv %s \\; rm -rf ~", "video/mp4"),
            None
        );
        assert_eq!(
            mailcap_command("video/mp4; mpv %s | cat", "video/mp4"),
            None
        );
        assert_eq!(
            mailcap_command("video/mp4; mpv $HOME/%s", "video/mp4"),
            None
        );
    }

    #[test]
    fn the_path_is_one_argument_wherever_percent_s_is() {
        let path = OsStr::new("/tmp/a b;$(x).pdf");
        let words: Vec<String> = ["view", "--file=%s", "-x"].map(String::from).into();
        let (program, args) = command_argv(&words, path);
        assert_eq!(program, "view");
        assert_eq!(args, ["--file=/tmp/a b;$(x).pdf", "-x"]);
        let (program, args) = command_argv(&["view".to_string()], path);
        assert_eq!(
            (program.as_os_str(), args.as_slice()),
            (OsStr::new("view"), &[path.to_owned()][..])
        );
    }

    #[test]
    fn a_file_opens_with_its_mailcap_viewer() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let (script, out) = recorder(tmp.path(), "viewer");
        let mailcap = tmp.path().join("mailcap");
        let table = format!("application/x-tern-test; {} --view %s\n", script.display());
        std::fs::write(&mailcap, table).expect("write mailcap");
        let file = tmp.path().join("odd name;|.bin");
        let missing = tmp.path().join("no-such-mailcap");
        launch(|| {
            open_file_with(
                &file,
                "application/x-tern-test",
                &[missing.clone(), mailcap.clone()],
            )
        });
        assert_eq!(
            recorded(&out),
            ["--view".to_string(), file.display().to_string()]
        );
    }
}
