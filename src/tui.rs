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
    Ok((terminal, Guard))
}
