//! `tern demo`: a throwaway local Dovecot filled with realistic generated mail, a config
//! pointing at it, then a sync and a listing, so anyone can see tern work in one command.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tern_testkit::{Dovecot, DovecotOptions};

/// Runs the demo with `messages` generated messages; the server lives while this runs.
pub fn demo(messages: usize) -> anyhow::Result<()> {
    // Two users, so the client shows two accounts side by side.
    let mut dovecot = Dovecot::start(DovecotOptions {
        users: vec![
            ("alice".into(), "secret".into()),
            ("bob".into(), "hunter2".into()),
        ],
        ..DovecotOptions::default()
    })?;
    let (user, pass) = dovecot.users()[0].clone();
    let (user2, pass2) = dovecot.users()[1].clone();
    eprintln!(
        "demo: started a private Dovecot on 127.0.0.1:{} (TLS)",
        dovecot.tls_port()
    );
    let end = chrono::Utc::now();
    for m in tern_testkit::generate(messages, 2026, end) {
        dovecot.deliver(&user, "INBOX", &m.raw, &m.flags, m.date)?;
    }
    for m in tern_testkit::generate(messages / 10, 77, end - chrono::Duration::days(400)) {
        dovecot.deliver(&user, "Archive", &m.raw, &m.flags, m.date)?;
    }
    let personal = (messages / 5).max(1);
    for m in tern_testkit::generate(personal, 4242, end) {
        dovecot.deliver(&user2, "INBOX", &m.raw, &m.flags, m.date)?;
    }
    eprintln!(
        "demo: delivered {} messages to two accounts",
        messages + messages / 10 + personal
    );
    // Outside the server's temporary folder, so the cache stays readable after the demo.
    let dir = std::env::temp_dir().join("tern-demo");
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    let config_path = dir.join("config.toml");
    let pass_file = dir.join("password");
    std::fs::write(&pass_file, format!("{pass}\n"))?;
    let pass_file2 = dir.join("password-personal");
    std::fs::write(&pass_file2, format!("{pass2}\n"))?;
    // A private SMTP server too, so that sending can be tried (mail stays local).
    let smtp = tern_testkit::SmtpServer::start(dovecot.root(), tern_testkit::SmtpMode::Starttls);
    let smtp_section = match &smtp {
        Ok(s) => {
            let smtp_pass = dir.join("smtp-password");
            std::fs::write(&smtp_pass, format!("{}\n", s.credentials().1))?;
            eprintln!(
                "demo: started a private SMTP server on 127.0.0.1:{} (STARTTLS)",
                s.port()
            );
            format!(
                "\n[accounts.demo.smtp]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"starttls\"\nusername = \"{}\"\n\
                 password-command = {:?}\nca-certificate = {:?}\n",
                s.port(),
                s.credentials().0,
                format!("cat '{}'", smtp_pass.display()),
                dovecot.ca_pem_path().display().to_string(),
            )
        }
        Err(e) => {
            eprintln!("demo: no SMTP server ({e}); sending will say it is not set up");
            String::new()
        }
    };
    let config = format!(
        "[general]\ncache-dir = {cache:?}\n\n[accounts.demo]\ndefault = true\nemail = \"{user}@example.org\"\nname = \"Demo User\"\n\n\
         [accounts.demo.imap]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"tls\"\nusername = \"{user}\"\n\
         password-command = {cmd:?}\nca-certificate = {ca:?}\n",
        cache = dir.join("cache").display().to_string(),
        port = dovecot.tls_port(),
        cmd = format!("cat '{}'", pass_file.display()),
        ca = dovecot.ca_pem_path().display().to_string(),
    );
    let second = format!(
        "\n[accounts.personal]\nemail = \"{user2}@example.org\"\nname = \"Demo User\"\n\n\
         [accounts.personal.imap]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"tls\"\nusername = \"{user2}\"\n\
         password-command = {cmd:?}\nca-certificate = {ca:?}\n",
        port = dovecot.tls_port(),
        cmd = format!("cat '{}'", pass_file2.display()),
        ca = dovecot.ca_pem_path().display().to_string(),
    );
    let smtp2 = smtp_section.replace("[accounts.demo.smtp]", "[accounts.personal.smtp]");
    std::fs::write(&config_path, config + &smtp_section + &second + &smtp2)?;
    eprintln!("demo: config written to {}", config_path.display());
    let exe = std::env::current_exe()?;
    let status = std::process::Command::new(&exe)
        .arg("--config")
        .arg(&config_path)
        .arg("sync")
        .status()?;
    anyhow::ensure!(status.success(), "tern sync failed");
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
        // On a terminal: the interactive client, against the live server. A hangup (a
        // dropped SSH link) or SIGTERM reaches the client, which ends as with `q`; this
        // process must outlive it to stop the servers, never leave them orphaned.
        let signalled = Arc::new(AtomicBool::new(false));
        for sig in [
            signal_hook::consts::SIGHUP,
            signal_hook::consts::SIGTERM,
            signal_hook::consts::SIGINT,
        ] {
            signal_hook::flag::register(sig, signalled.clone())?;
        }
        let mut child = std::process::Command::new(&exe)
            .arg("--config")
            .arg(&config_path)
            .spawn()?;
        let status = wait_passing_on(&mut child, &signalled)?;
        dovecot.stop();
        drop(smtp);
        if signalled.load(Ordering::Relaxed) {
            return Ok(());
        }
        anyhow::ensure!(status.success(), "tern exited with {status}");
        eprintln!(
            "demo: done; the server is gone, the cache stays:\n  {} --config {}",
            exe.display(),
            config_path.display()
        );
        return Ok(());
    }
    let status = std::process::Command::new(&exe)
        .arg("--config")
        .arg(&config_path)
        .args(["list", "--limit", "25"])
        .status()?;
    anyhow::ensure!(status.success(), "tern list failed");
    eprintln!(
        "demo: done; the server is gone, the cache stays. Read it offline:\n  {} --config {} list --limit 10 --json",
        exe.display(),
        config_path.display()
    );
    dovecot.stop();
    Ok(())
}

/// Waits for the client; a signal sent to this process alone (not to the terminal's
/// whole group) is passed on to it as SIGTERM, so that it ends cleanly too.
fn wait_passing_on(
    child: &mut std::process::Child,
    signalled: &AtomicBool,
) -> anyhow::Result<std::process::ExitStatus> {
    let mut passed_on = false;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        if signalled.load(Ordering::Relaxed) && !passed_on {
            passed_on = true;
            // No shell: the program and the pid only.
            let _ = std::process::Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
