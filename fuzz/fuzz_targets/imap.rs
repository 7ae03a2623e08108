//! The response reader: the byte guard read by read, the IMAP parser, and tern's readers
//! of what the server said. No input may panic or make the parse stall.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| tern_testkit::fuzz::imap_responses_check(data));
