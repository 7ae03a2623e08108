use super::*;
use crate::app::state::{AppState, Link};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use tern_core::mail::{Address, Flags, FolderInfo, FolderStatus, MessageSummary, Row, SpecialUse};

mod outbox;
mod scroll;

const NOW: i64 = 1_795_000_000; // 2026-11-18

fn msg(uid: u32, from: &str, subject: &str, age_secs: i64, flags: &[&str]) -> Row {
    Row::of(&MessageSummary {
        uid,
        from: vec![Address {
            name: Some(from.into()),
            email: "x@example.org".into(),
        }],
        subject: subject.into(),
        date: Some(NOW - age_secs),
        flags: Flags::from_imap(flags.iter().copied()),
        has_attachments: uid % 3 == 0,
        ..MessageSummary::default()
    })
}

fn folder(name: &str, special: Option<SpecialUse>, unseen: u32, messages: u32) -> FolderInfo {
    FolderInfo {
        name: name.into(),
        delimiter: Some("/".into()),
        special,
        selectable: true,
        status: Some(FolderStatus {
            messages,
            unseen,
            ..FolderStatus::default()
        }),
    }
}

fn state() -> AppState {
    let mut s = AppState::new("personal", "INBOX");
    s.folders = vec![
        folder("Trash", Some(SpecialUse::Trash), 0, 12),
        folder("Lists/rust \u{1b}[2J", None, 3, 1_200),
        folder("INBOX", Some(SpecialUse::Inbox), 1, 5),
        folder("Archive", Some(SpecialUse::Archive), 0, 30_000),
        folder("Sent", Some(SpecialUse::Sent), 0, 40),
    ];
    s.now = NOW;
    s.link = Link::Online;
    s.rows = 23;
    s.set_messages(vec![
        msg(9, "Alice Example", "Quarterly report draft", 60, &[]),
        msg(8, "李雷", "会议记录 meeting notes", 3_600, &["\\Seen"]),
        msg(7, "Zoë Ångström", "Re: Hiking trip this weekend 🏔️", 90_000, &["\\Seen", "\\Flagged"]),
        msg(6, "Evil\u{1b}]0;pwned\u{7} Corp\u{202e}", "\u{1b}[2Jclear\u{9b}31mred\u{0}", 200_000, &["\\Seen"]),
        msg(5, "A very long sender name that will not fit in its column", "A very long subject line that goes on and on well past the right edge of any reasonable terminal", 40_000_000, &["\\Seen", "\\Answered"]),
    ]);
    s
}

fn draw(width: u16, height: u16, state: &AppState) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| render(f, state)).unwrap();
    terminal
}

#[test]
fn list_at_80x24() {
    let mut s = state();
    s.act(crate::action::Action::Down);
    insta::assert_snapshot!(draw(80, 24, &s).backend());
}

#[test]
fn list_at_200x50_while_syncing() {
    let mut s = state();
    s.progress = Some((12_000, 100_000));
    insta::assert_snapshot!(draw(200, 50, &s).backend());
}

#[test]
fn hostile_strings_never_reach_the_buffer() {
    let t = draw(80, 24, &state());
    let text: String = t
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect();
    assert!(
        !text.chars().any(|c| c.is_control() || c == '\u{202e}'),
        "{text:?}"
    );
}

#[test]
fn g_before_the_whole_folder_is_read_says_it_goes_on_to_the_end() {
    let mut s = state();
    let rows: Vec<Row> = (1..=3)
        .rev()
        .map(|u| msg(u, "Ann", "hi", i64::from(3 - u) * 60, &[]))
        .collect();
    s.total = 1_000;
    s.set_messages(rows);
    s.act(crate::action::Action::Last);
    let line = status_bar::text(&s);
    assert!(line.contains("3/1,000 (reading to the end…)"), "{line}");
    let all: Vec<Row> = (1..=1_000)
        .rev()
        .map(|u| msg(u, "Ann", "hi", i64::from(1_000 - u) * 60, &[]))
        .collect();
    s.set_messages(all);
    let line = status_bar::text(&s);
    assert!(
        line.contains("| 1,000/1,000 |") && !line.contains("reading"),
        "{line}"
    );
}

#[test]
fn offline_status_says_why_and_when() {
    let mut s = state();
    s.link = Link::Offline {
        reason: "cannot connect to imap.example.org:993: Connection refused".into(),
        retry_at: s.now + 8,
    };
    let line = status_bar::text(&s);
    assert!(
        line.contains("offline, retry in 8s") && line.contains("Connection refused"),
        "{line}"
    );
}

#[test]
fn reader_at_80x24() {
    let mut s = state();
    s.act(crate::action::Action::Open);
    s.fetch_due();
    let raw = "From: =?UTF-8?B?Wm/DqyDDhW5nc3Ryw7Zt?= <zoe@example.se>\r\nTo: me@example.org\r\n\
Subject: Hiking\r\nDate: Thu, 1 Jan 2026 10:00:00 +0000\r\n\r\n\
Shall we go on Saturday? The weather looks good and the trail should be dry by then.\r\n\r\n\
> Are you free this weekend?\r\n> \x1b[31mred\r\n\r\nZoë\r\n";
    let uid = s.reader.as_ref().unwrap().uid;
    s.set_rendered(uid, tern_core::mail::render_message(raw.as_bytes(), 80));
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    s.resize(80, 24);
    terminal.draw(|f| render(f, &s)).unwrap();
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn help_lists_every_default_key() {
    let mut s = state();
    s.act(crate::action::Action::Help);
    s.keys_help = vec![(
        "Message list",
        crate::app::keymap::Keymap::list_defaults().describe(),
    )];
    let t = draw(200, 60, &s);
    let text: String = t
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect();
    for (key, action) in crate::action::default_keys(crate::action::View::List) {
        assert!(
            text.contains(key) && text.contains(action.describe()) && text.contains(action.name()),
            "{key}"
        );
    }
    // The help keeps its keys: they scroll it; only q, Esc or ? close it.
    s.resize(80, 24);
    s.act(crate::action::Action::Down);
    assert!(s.help);
    assert_eq!(s.help_scroll, 1);
    s.act(crate::action::Action::Archive);
    assert!(s.help, "other keys do nothing");
    s.act(crate::action::Action::Quit);
    assert!(!s.help);
}

#[test]
fn the_help_scrolls_and_finds_at_80x24() {
    let mut s = state();
    s.keys_help = vec![
        (
            "Message list",
            crate::app::keymap::Keymap::list_defaults().describe(),
        ),
        (
            "Reader",
            crate::app::keymap::Keymap::reader_defaults().describe(),
        ),
    ];
    s.resize(80, 24);
    s.act(crate::action::Action::Help);
    let first = text_of(&draw(80, 24, &s));
    assert!(first.contains("Message list"), "{first}");
    assert!(
        first.contains("help: j k Space b g G scroll, / find, q closes | 1-23/"),
        "{first}"
    );
    // Every line fits the width: no column is cut to a few letters.
    assert!(
        first.contains("toggle_flagged     flag / unflag"),
        "{first}"
    );
    s.act(crate::action::Action::Last);
    let last = text_of(&draw(80, 24, &s));
    assert!(last.contains(":ACTION"), "{last}");
    s.act(crate::action::Action::First);
    s.act(crate::action::Action::Search);
    for c in "save".chars() {
        s.prompt_key(crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Char(c),
            crossterm::event::KeyModifiers::NONE,
        ));
    }
    s.prompt_key(crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Enter,
        crossterm::event::KeyModifiers::NONE,
    ));
    let found = text_of(&draw(80, 24, &s));
    assert!(
        found.lines().next().unwrap_or("").contains("save"),
        "{found}"
    );
}

fn text_of(t: &Terminal<TestBackend>) -> String {
    let b = t.backend().buffer();
    let w = usize::from(b.area.width);
    b.content()
        .chunks(w)
        .map(|row| row.iter().map(|c| c.symbol()).collect::<String>() + "\n")
        .collect()
}

#[test]
fn split_reader_with_selection_and_threads_at_200x50() {
    let mut s = state();
    s.folders.push(folder("Lists", None, 0, 0));
    s.split = true;
    s.act(crate::action::Action::Select);
    s.act(crate::action::Action::ToggleThreads);
    s.act(crate::action::Action::Open);
    let uid = s.reader.as_ref().unwrap().uid;
    let raw = "From: a@example.org\r\nSubject: Quarterly report draft\r\n\r\nSee https://example.org/q3 please.\r\n";
    s.set_rendered(uid, tern_core::mail::render_message(raw.as_bytes(), 150));
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();
    s.resize(200, 50);
    terminal.draw(|f| render(f, &s)).unwrap();
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn picker_and_command_line_at_80x24() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let mut s = state();
    s.act(crate::action::Action::MoveTo);
    s.prompt_key(KeyEvent::new(KeyCode::Char('a'), KeyModifiers::NONE));
    let t = draw(80, 24, &s);
    insta::assert_snapshot!(t.backend());
    let text = text_of(&t);
    assert!(text.contains("move to: a"), "{text}");
    assert!(text.contains("Archive"), "{text}");
}

#[test]
fn search_all_results_show_the_folder_at_80x24() {
    let mut s = state();
    s.results = Some(crate::app::results::AllHits {
        query: "invoice".into(),
        hits: vec![
            crate::app::results::AllHit {
                account: 0,
                folder: "Archive".into(),
                row: msg(3, "Bob", "Invoice 2026-11", 500, &["\\Seen"]),
            },
            crate::app::results::AllHit {
                account: 0,
                folder: "Lists/rust \u{1b}[2J".into(),
                row: msg(4, "Carol", "Re: invoice", 900, &[]),
            },
        ],
        cursor: 1,
        ..Default::default()
    });
    let t = draw(80, 24, &s);
    insta::assert_snapshot!(t.backend());
    assert!(!text_of(&t).contains('\u{1b}'));
}

/// Every view at both sizes the issue names, hostile and wide strings included.
#[test]
fn every_view_at_80x24_and_200x50() {
    use crate::action::Action;
    let hostile_mail = "From: =?UTF-8?B?Wm/DqyDDhW5nc3Ryw7Zt?= <zoe@example.se>\r\nTo: \u{1b}]52;c;cHduZWQ=\u{7}me@example.org\r\n\
Subject: 会议 \u{202e}txt.exe\r\nDate: Thu, 1 Jan 2026 10:00:00 +0000\r\nContent-Type: text/html\r\n\r\n\
<p>Hi \u{1b}[2J<a href=\"https://example.org/a\">there</a> 🏔️</p><blockquote>quoted</blockquote>\r\n";
    type Setup = Box<dyn Fn(&mut AppState)>;
    let views: Vec<(&str, Setup)> = vec![
        ("list", Box::new(|_s: &mut AppState| {})),
        (
            "reader",
            Box::new(move |s: &mut AppState| {
                s.act(Action::Open);
                let uid = s.reader.as_ref().unwrap().uid;
                s.set_rendered(
                    uid,
                    tern_core::mail::render_message(hostile_mail.as_bytes(), 78),
                );
            }),
        ),
        (
            "help",
            Box::new(|s: &mut AppState| {
                s.keys_help = vec![(
                    "Message list",
                    crate::app::keymap::Keymap::list_defaults().describe(),
                )];
                s.act(Action::Help);
            }),
        ),
        (
            "command_line",
            Box::new(|s: &mut AppState| {
                s.act(Action::CommandLine);
                for c in "move Ar".chars() {
                    s.prompt_key(crossterm::event::KeyEvent::new(
                        crossterm::event::KeyCode::Char(c),
                        crossterm::event::KeyModifiers::NONE,
                    ));
                }
            }),
        ),
        (
            "selection_threads_oldest_first",
            Box::new(|s: &mut AppState| {
                s.act(Action::Select);
                s.act(Action::SelectRange);
                s.act(Action::Down);
                s.act(Action::ToggleThreads);
                s.act(Action::ToggleSort);
            }),
        ),
    ];
    for (name, setup) in &views {
        for (w, h) in [(80u16, 24u16), (200, 50)] {
            let mut s = state();
            setup(&mut s);
            let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
            s.resize(w, h);
            terminal.draw(|f| render(f, &s)).unwrap();
            let text = text_of(&terminal);
            assert!(
                !text
                    .chars()
                    .any(|c| c.is_control() && c != '\n' || c == '\u{202e}'),
                "{name} {w}x{h}: {text:?}"
            );
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), terminal.backend());
        }
    }
}

#[test]
fn the_position_counter_has_one_format() {
    let mut s = AppState::new("acct", "INBOX");
    s.set_messages(
        (1..=3000)
            .rev()
            .map(|uid| MessageSummary {
                uid,
                ..MessageSummary::default()
            })
            .map(Row::from)
            .collect(),
    );
    s.act(crate::action::Action::Last);
    let text = super::status_bar::text(&s);
    assert!(text.contains("| 3,000/3,000 |"), "{text}");
}

#[test]
fn on_a_narrow_screen_what_was_just_said_comes_before_the_search() {
    let mut s = state();
    s.resize(200, 50);
    s.set_filter(Some(crate::app::state::Filter {
        query: "thirty".into(),
        words: vec!["thirty".into()],
        terms: Vec::new(),
        flags: Vec::new(),
        local: None,
        server: None,
        substring: false,
        at_once: None,
    }));
    s.status = Some("20 found; the text of 3 messages is not indexed yet".into());
    let wide = super::status_bar::text(&s);
    assert!(
        wide.ends_with(
            "| search: thirty (Esc clears) | 20 found; the text of 3 messages is not indexed yet"
        ),
        "{wide}"
    );
    s.resize(80, 24);
    let narrow = super::status_bar::text(&s);
    let found = narrow.find("20 found").unwrap();
    assert!(found < narrow.find("search: thirty").unwrap(), "{narrow}");
    assert!(found < 80, "{narrow}");
    assert!(!narrow.contains("Esc clears"), "{narrow}");
    // Offline with a change queued, the retry's countdown goes before what was found.
    s.link = crate::app::state::Link::Offline {
        retry_at: s.now + 9,
        reason: "cannot connect".into(),
    };
    s.queued = 1;
    s.status = Some("10 found".into());
    let offline = super::status_bar::text(&s);
    assert!(!offline.contains("retry in"), "{offline}");
    let found = offline.find("10 found").unwrap();
    assert!(found + "10 found".len() <= 80, "{offline}");
    // A reason too long for what is left is cut where the line ends, and says so.
    s.status = None;
    s.link = crate::app::state::Link::Offline {
        retry_at: s.now + 5,
        reason: "cannot connect to 127.0.0.1:46645: connection refused".into(),
    };
    let cut = super::status_bar::shown(&s);
    assert!(cut.ends_with('…') && cut.chars().count() == 80, "{cut}");
    assert!(super::status_bar::text(&s).ends_with("connection refused"));
    assert!(cut.contains("| canno"), "{cut}");
}

#[test]
fn the_retry_countdown_ticks() {
    use crate::app::update::{update, Event};
    let mut s = state();
    s.now = 5000;
    update(
        &mut s,
        Event::Worker(tern_core::imap::protocol::WorkerEvent::Offline {
            reason: "cannot connect".into(),
            retry_in_secs: 17,
        }),
    );
    assert!(status_bar::text(&s).contains("offline, retry in 17s"));
    update(&mut s, Event::Tick { now: 5005 });
    assert!(status_bar::text(&s).contains("offline, retry in 12s"));
    update(&mut s, Event::Tick { now: 5030 });
    assert!(status_bar::text(&s).contains("offline, retry in 0s"));
}

#[test]
fn the_default_theme_writes_only_the_sixteen_colours() {
    let mut s = state();
    s.act(crate::action::Action::Select);
    s.act(crate::action::Action::Select);
    s.split = true;
    let t = draw(120, 30, &s);
    let out = String::from_utf8(crate::ansi::encode_buffer(t.backend().buffer())).unwrap();
    // The selection is magenta, the flag red: as the 16 colours, nothing else.
    assert!(out.contains(";35m"), "{out:?}");
    assert!(out.contains(";31m"), "{out:?}");
    for wide in ["38;5;", "48;5;", "38;2;", "48;2;", "\x1b[58", ";58;"] {
        assert!(!out.contains(wide), "{wide:?} in {out:?}");
    }
}

#[test]
fn a_narrow_list_keeps_the_subject_before_the_sender() {
    let mut s = state();
    s.split = false;
    let t = draw(40, 10, &s);
    let rows: Vec<String> = (0..10)
        .map(|y| {
            (0..40)
                .map(|x| t.backend().buffer()[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect();
    let row = rows
        .iter()
        .find(|r| r.contains("Quarterly"))
        .unwrap_or_else(|| panic!("{rows:#?}"));
    // 14 letters of the subject; the sender cut to 8 columns.
    assert!(row.contains("Quarterly repo"), "{row:?}");
    assert!(row.contains(" Alice … Quarterly"), "{row:?}");
}

#[test]
fn all_inboxes_show_each_rows_account_and_the_sidebar_heads_each_account() {
    let mut s = state();
    s.accounts.push(crate::app::accounts::Parked {
        account: "work\u{1b}[31m".into(),
        folder: "INBOX".into(),
        folders: vec![folder("INBOX", Some(SpecialUse::Inbox), 1, 1)],
        all: vec![msg(40, "Boss", "Deadline moved up", 1_800, &[])],
        link: Link::Offline {
            reason: "no route".into(),
            retry_at: NOW + 5,
        },
        ..Default::default()
    });
    s.merged = Some(crate::app::merged::Merged::default());
    s.rebuild_merged();
    let text = text_of(&draw(120, 24, &s));
    assert!(text.contains("All inboxes | 1/6 |"), "{text}");
    // Newest first across accounts: work's message sits between personal's first two.
    let rows: Vec<&str> = text.lines().filter(|l| l.contains(':')).collect();
    let at = |what: &str| rows.iter().position(|l| l.contains(what));
    assert!(
        at("Quarterly") < at("Deadline") && at("Deadline") < at("meeting notes"),
        "{text}"
    );
    assert!(
        rows[at("Deadline").unwrap()].contains("work[31m  N"),
        "{text}"
    );
    assert!(!text.contains('\u{1b}'), "{text}");
    // The sidebar: all inboxes first with both INBOXes counted, each account headed,
    // the one offline said so.
    let top = text.lines().next().unwrap_or("");
    assert!(
        top.starts_with("All inboxes") && top.contains("/6 "),
        "{text}"
    );
    assert!(text.contains("work[31m (offline)"), "{text}");
    assert!(text.contains("| online | work[31m offline"), "{text}");
}
