//! The message-to-screen path: parse, pick parts, HTML to text, sanitise, lay out. No
//! input may panic, and nothing drawn may hold a control character.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tern_testkit::fuzz::render_and_check(data));
