//! `tern man`: the manual page in roff, made from the same definitions as `--help`: the
//! main page by clap_mangen, then a section for every subcommand with its options.

use std::io::Write;

/// Writes the whole manual.
pub fn render(cmd: clap::Command, out: &mut impl Write) -> std::io::Result<()> {
    clap_mangen::Man::new(cmd.clone()).render(out)?;
    writeln!(out, ".SH COMMANDS")?;
    for sub in cmd.get_subcommands() {
        command(sub, "tern", out)?;
    }
    Ok(())
}

fn command(cmd: &clap::Command, parent: &str, out: &mut impl Write) -> std::io::Result<()> {
    if cmd.is_hide_set() || cmd.get_name() == "help" {
        return Ok(());
    }
    let name = format!("{parent} {}", cmd.get_name());
    let mut usage = name.clone();
    for arg in cmd.get_positionals() {
        let value = arg.get_id().as_str().to_uppercase();
        usage.push_str(&if arg.is_required_set() {
            format!(" {value}")
        } else {
            format!(" [{value}]")
        });
    }
    if cmd
        .get_arguments()
        .any(|a| a.get_long().is_some() && a.get_id() != "help")
    {
        usage.push_str(" [OPTIONS]");
    }
    writeln!(out, ".SS \"{}\"", escape(&usage))?;
    if let Some(about) = cmd.get_long_about().or(cmd.get_about()) {
        writeln!(out, "{}", escape(&about.to_string()))?;
    }
    for arg in cmd.get_arguments() {
        if arg.is_hide_set() || arg.get_id() == "help" || arg.get_id() == "version" {
            continue;
        }
        let value = arg
            .get_value_names()
            .and_then(|v| v.first().map(|n| n.to_string()))
            .unwrap_or_else(|| arg.get_id().as_str().to_uppercase());
        let head = match arg.get_long() {
            Some(long) if arg.get_action().takes_values() => {
                format!(
                    "\\fB\\-\\-{}\\fR \\fI<{}>\\fR",
                    escape(long),
                    escape(&value)
                )
            }
            Some(long) => format!("\\fB\\-\\-{}\\fR", escape(long)),
            None => format!("\\fI{}\\fR", escape(&value)),
        };
        writeln!(out, ".TP\n{head}")?;
        if let Some(help) = arg.get_long_help().or(arg.get_help()) {
            writeln!(out, "{}", escape(&help.to_string()))?;
        }
        let defaults: Vec<String> = arg
            .get_default_values()
            .iter()
            .map(|d| d.to_string_lossy().into_owned())
            .collect();
        if !defaults.is_empty() && arg.get_action().takes_values() {
            writeln!(out, "(default: {})", escape(&defaults.join(", ")))?;
        }
    }
    for sub in cmd.get_subcommands() {
        command(sub, &name, out)?;
    }
    Ok(())
}

/// Text made safe for roff: backslashes and hyphens escaped, no line read as a request.
fn escape(text: &str) -> String {
    text.replace('\\', "\\e")
        .replace('-', "\\-")
        .lines()
        .map(|l| {
            if l.starts_with('.') || l.starts_with('\'') {
                format!("\\&{l}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}
