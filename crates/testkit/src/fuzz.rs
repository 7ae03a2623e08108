//! The check the fuzzers and the fuzz tests share: a message through the whole
//! message-to-screen path must not panic, and nothing drawn may hold a control character.

/// `data`: the first byte picks the width (1 to 200), the rest is the raw message.
/// Panics (which a fuzzer reports) when anything drawn could reach the terminal raw.
pub fn render_and_check(data: &[u8]) {
    let Some((w, raw)) = data.split_first() else {
        return;
    };
    let width = usize::from(*w % 200) + 1;
    let r = tern_core::mail::render_message(raw, width);
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
            let clean = tern_core::mail::sanitize(line);
            assert!(!clean.chars().any(|c| c.is_control()), "{clean:?}");
            for l in tern_core::mail::wrap(&clean, width) {
                assert!(!l.chars().any(|c| c.is_control()), "{l:?}");
            }
        }
    }
    for i in 0..r.attachments.len().min(4) {
        if let Some(a) = tern_core::mail::attachment_data(raw, i) {
            let name = tern_core::files::safe_file_name(&a.name);
            assert!(!name.contains('/') && !name.starts_with('.') && !name.is_empty());
        }
    }
}
