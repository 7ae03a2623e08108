//! The terminal: raw mode and the alternate screen, restored on every exit path (a
//! panic included, through ratatui's hook, and a guard for early returns).

use crate::ansi::AnsiBackend;
use crate::app::geometry::bands;
use crate::app::state::AppState;
use ratatui::buffer::Buffer;

/// The terminal the client draws on, and what it shows.
pub struct Term {
    inner: ratatui::Terminal<AnsiBackend>,
    /// The last frame written: what the terminal shows, so that only what changes is
    /// written (and rows that moved are scrolled, see `frame_diff`).
    shown: Option<Buffer>,
}

impl Term {
    pub fn size(&self) -> std::io::Result<ratatui::layout::Size> {
        self.inner.size()
    }

    /// Draws the state: renders a frame and writes what differs from the last one.
    pub fn paint(&mut self, state: &AppState) -> std::io::Result<()> {
        use std::io::Write;
        // A new size clears the screen (and `shown` no longer fits it: all is written).
        self.inner.autoresize()?;
        {
            let mut frame = self.inner.get_frame();
            crate::ui::render(&mut frame, state);
        }
        let new = self.inner.current_buffer_mut();
        let out = crate::frame_diff::bytes(self.shown.as_ref(), new, &bands(state, new.area));
        std::io::stdout().write_all(&out)?;
        // The frame is kept as what is shown; the buffer given back is reset by
        // ratatui before it is drawn into again.
        match self.shown.as_mut() {
            Some(shown) if shown.area == new.area => std::mem::swap(shown, new),
            _ => self.shown = Some(new.clone()),
        }
        self.inner.swap_buffers();
        self.inner.hide_cursor()?;
        ratatui::backend::Backend::flush(self.inner.backend_mut())
    }
}

/// Raw mode, the alternate screen and ratatui's panic hook, with our backend.
fn take() -> std::io::Result<Term> {
    drop(ratatui::try_init()?);
    let inner = ratatui::Terminal::new(AnsiBackend::stdout())?;
    tern_core::contained::install_hook();
    Ok(Term { inner, shown: None })
}

/// Restores the terminal when dropped.
pub struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        ratatui::restore();
    }
}

/// Enters raw mode and the alternate screen; the guard puts the terminal back.
pub fn init() -> std::io::Result<(Term, Guard)> {
    // `take` puts our hook over ratatui's (which restores the terminal): panics a parser
    // had inside `contained::run` are logged, not shown.
    Ok((take()?, Guard))
}

/// Takes the terminal again after a program (the editor) had it.
pub fn retake() -> std::io::Result<Term> {
    let terminal = take()?;
    wipe()?;
    Ok(terminal)
}

/// Clears the screen without asking the terminal where its cursor is: ratatui's
/// `clear` does ask, and the answer can be taken by the key reader running meanwhile
/// ("the cursor position could not be read"). A fresh terminal redraws in full anyway.
fn wipe() -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout();
    crossterm::execute!(
        out,
        crossterm::terminal::Clear(crossterm::terminal::ClearType::All)
    )?;
    out.flush()
}

/// Gives the terminal back to the shell and stops the process (as Ctrl-z does outside
/// raw mode); once resumed with `fg`, takes the terminal again.
pub fn suspend() -> std::io::Result<Term> {
    ratatui::restore();
    // SIGTSTP's default action stops us until SIGCONT (signal-hook's safe raise).
    signal_hook::low_level::raise(signal_hook::consts::SIGTSTP)?;
    let terminal = take()?;
    wipe()?;
    Ok(terminal)
}

/// Puts `text` on the terminal's clipboard with OSC 52 (tmux passes it on with
/// `set-clipboard on`). Mail text reaches here only as a checked link.
pub fn copy_to_clipboard(text: &str) {
    use base64::Engine;
    use std::io::Write;
    let clean: String = text.chars().filter(|c| !c.is_control()).collect();
    let encoded = base64::engine::general_purpose::STANDARD.encode(clean.as_bytes());
    let mut out = std::io::stdout();
    let _ = write!(out, "\x1b]52;c;{encoded}\x07");
    let _ = out.flush();
}
