//! The terminal: raw mode and the alternate screen, restored on every exit path (a
//! panic included, through ratatui's hook, and a guard for early returns).

use ratatui::DefaultTerminal;

/// Restores the terminal when dropped.
pub struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        ratatui::restore();
    }
}

/// Enters raw mode and the alternate screen; the guard puts the terminal back.
pub fn init() -> std::io::Result<(DefaultTerminal, Guard)> {
    let terminal = ratatui::try_init()?;
    // Over ratatui's hook (which restores the terminal): panics a parser had inside
    // `contained::run` are logged, not shown.
    tern_core::contained::install_hook();
    Ok((terminal, Guard))
}

/// Takes the terminal again after a program (the editor) had it.
pub fn retake() -> std::io::Result<DefaultTerminal> {
    let terminal = ratatui::try_init()?;
    tern_core::contained::install_hook();
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
pub fn suspend() -> std::io::Result<DefaultTerminal> {
    ratatui::restore();
    // SIGTSTP's default action stops us until SIGCONT (signal-hook's safe raise).
    signal_hook::low_level::raise(signal_hook::consts::SIGTSTP)?;
    let terminal = ratatui::try_init()?;
    tern_core::contained::install_hook();
    wipe()?;
    Ok(terminal)
}
