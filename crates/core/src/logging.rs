//! Logs go to a file under the XDG state dir, never to the terminal the UI owns.

use std::path::PathBuf;

/// Where the log file lives: `$TERN_LOG`, else `<XDG state dir>/tern/tern.log`.
pub fn log_path() -> PathBuf {
    if let Some(p) = std::env::var_os("TERN_LOG").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let dirs = crate::config::project_dirs();
    let base = dirs
        .as_ref()
        .and_then(|d| d.state_dir().map(|p| p.to_path_buf()))
        .or_else(|| dirs.as_ref().map(|d| d.cache_dir().to_path_buf()))
        .unwrap_or_else(std::env::temp_dir);
    base.join("tern.log")
}

/// Starts logging to the file; `trace_imap` adds the IMAP conversation (secrets redacted).
/// Failing to open the log is not fatal: tern runs without one.
pub fn init(trace_imap: bool) -> Option<PathBuf> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    let path = log_path();
    if let Some(dir) = path.parent() {
        let _ = std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir);
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(&path)
        .ok()?;
    let default = if trace_imap {
        "info,tern::imap::wire=trace"
    } else {
        "info"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("TERN_LOG_LEVEL")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let ok = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(file))
        .try_init()
        .is_ok();
    ok.then_some(path)
}
