//! The message-to-screen path: parse, pick parts, HTML to text, sanitise, lay out. No
//! input may panic, and nothing drawn may hold a control character.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (width, raw) = match data.split_first() {
        Some((w, rest)) => (usize::from(*w % 200) + 1, rest),
        None => return,
    };
    let r = tern::mail::render_message(raw, width);
    let texts = r
        .headers
        .iter()
        .chain(&r.all_headers)
        .flat_map(|(n, v)| [n.clone(), v.clone()])
        .chain(std::iter::once(r.body.clone()))
        .chain(r.links.iter().cloned())
        .chain(r.attachments.iter().map(|a| a.name.clone()))
        .chain(r.note.iter().cloned());
    for t in texts {
        for line in t.lines() {
            let clean = tern::mail::sanitize(line);
            assert!(!clean.chars().any(|c| c.is_control()));
            for l in tern::mail::wrap(&clean, width) {
                assert!(!l.chars().any(|c| c.is_control()));
            }
        }
    }
    for i in 0..r.attachments.len().min(4) {
        if let Some(a) = tern::mail::attachment_data(raw, i) {
            let name = tern::files::safe_file_name(&a.name);
            assert!(!name.contains('/') && !name.starts_with('.') && !name.is_empty());
        }
    }
});
