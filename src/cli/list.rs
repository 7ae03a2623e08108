//! `tern list`: the newest messages of a folder, straight from the cache.

use super::AccountContext;
use std::io::Write;
use tern_core::mail::{fit, sanitize, Address, MessageSummary};

/// Options of `tern list`.
#[derive(Debug)]
pub struct ListOptions {
    pub folder: String,
    pub limit: usize,
    pub json: bool,
}

fn addr_line(list: &[Address]) -> String {
    list.iter()
        .map(|a| a.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn date_string(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0)
        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| "?".into())
}

pub(super) fn json_line(m: &MessageSummary) -> serde_json::Value {
    let date = chrono::DateTime::from_timestamp(m.sort_date(), 0).map(|d| d.to_rfc3339());
    serde_json::json!({
        "uid": m.uid,
        "flags": m.flags.imap_names(),
        "date": date,
        "internal_date": chrono::DateTime::from_timestamp(m.internal_date, 0).map(|d| d.to_rfc3339()),
        "from": addr_line(&m.from),
        "from_email": m.from.first().map(|a| a.email.clone()),
        "to": m.to.iter().map(|a| a.email.clone()).collect::<Vec<_>>(),
        "subject": m.subject,
        "size": m.size,
        "message_id": m.message_id,
        "has_attachments": m.has_attachments,
    })
}

/// Prints the newest `limit` messages (0 = all), newest first.
pub fn list(ctx: &AccountContext, opts: &ListOptions) -> anyhow::Result<()> {
    let rows = tern_core::control::list_rows(&ctx.cache, &ctx.name, &opts.folder, opts.limit)
        .map_err(anyhow::Error::msg)?;
    print_rows(rows, opts.json)
}

/// Prints the rows as `tern list` does (text or one JSON object per line).
pub fn print_rows(rows: Vec<MessageSummary>, json: bool) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    for m in rows {
        if json {
            writeln!(out, "{}", json_line(&m))?;
        } else {
            use tern_core::mail::Flag;
            let flags = format!(
                "{}{}{}",
                if m.flags.has(Flag::Seen) { ' ' } else { 'N' },
                if m.flags.has(Flag::Flagged) { '!' } else { ' ' },
                if m.flags.has(Flag::Answered) {
                    'r'
                } else {
                    ' '
                }
            );
            writeln!(
                out,
                "{} {} {} {}",
                date_string(m.sort_date()),
                fit(&sanitize(&addr_line(&m.from)), 24),
                flags,
                sanitize(&m.subject)
            )?;
        }
    }
    Ok(())
}
