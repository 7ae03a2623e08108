//! Running a third-party parser that may panic on hostile input without taking tern
//! (or the terminal) down: the panic is caught, logged, and kept off the screen.

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};

thread_local! {
    static CONTAINED: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f`; a panic inside becomes `None`. The panic hook stays quiet for it (it would
/// otherwise restore the terminal under the running client and print over the screen).
pub fn run<R>(f: impl FnOnce() -> R) -> Option<R> {
    let before = CONTAINED.with(|c| c.replace(true));
    let out = catch_unwind(AssertUnwindSafe(f)).ok();
    CONTAINED.with(|c| c.set(before));
    out
}

/// Whether the current thread is inside `run` (for the panic hook).
pub fn active() -> bool {
    CONTAINED.with(|c| c.get())
}

/// Wraps the installed panic hook so that contained panics are only logged.
pub fn install_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if active() {
            tracing::warn!("contained a panic in a parser: {info}");
        } else {
            previous(info);
        }
    }));
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_panic_becomes_none_and_the_rest_goes_on() {
        assert_eq!(super::run(|| 2 + 2), Some(4));
        let r: Option<()> = super::run(|| panic!("hostile table"));
        assert_eq!(r, None);
        assert!(!super::active());
    }
}
