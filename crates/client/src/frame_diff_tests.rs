//! Every frame's bytes fed to a terminal emulator (the `vt100` crate): what it then
//! shows must be the frame, cell for cell, after scrolls of every size in the list and
//! the reader, with the sidebar beside them.

use super::*;
use crate::action::Action;
use crate::app::state::Effect;
use crate::app::state::{AppState, Link};
use crate::app::update::{update, Event};
use ratatui::backend::TestBackend;
use ratatui::style::{Color, Modifier};
use ratatui::Terminal;
use tern_core::imap::protocol::{DoneResult, WorkerCommand, WorkerEvent};
use tern_core::mail::{Address, MessageSummary, Row};

const NOW: i64 = 1_795_000_000;

fn row(uid: u32) -> Row {
    Row::of(&MessageSummary {
        uid,
        from: vec![Address {
            name: Some(format!("Sender {}", uid % 17)),
            email: "x@example.org".into(),
        }],
        // Some subjects repeat, so rows alike at other distances tempt the detection.
        subject: format!("Subject {} {}", uid % 5, "word ".repeat((uid % 7) as usize)),
        date: Some(NOW - i64::from(100_000 - uid) * 60),
        // Unread (bold), flagged (coloured) and plain rows.
        flags: tern_core::mail::Flags::from_imap(match uid % 11 {
            0 => vec!["\\Flagged"],
            n if n % 4 == 0 => vec![],
            _ => vec!["\\Seen"],
        }),
        has_attachments: uid % 3 == 0,
        ..MessageSummary::default()
    })
}

fn state(width: u16, height: u16, messages: u32) -> AppState {
    let mut s = AppState::new("personal", "INBOX");
    s.folders = [
        "INBOX",
        "Archive",
        "Sent",
        "Trash",
        "Lists/rust",
        "Lists/tokio",
    ]
    .iter()
    .map(|n| tern_core::mail::FolderInfo {
        name: (*n).into(),
        delimiter: Some("/".into()),
        special: None,
        selectable: true,
        status: None,
    })
    .collect();
    s.now = NOW;
    s.link = Link::Online;
    update(&mut s, Event::Resize { width, height });
    s.set_messages((1..=messages).rev().map(row).collect());
    s
}

/// Draws frames and checks that an emulator fed their bytes shows each.
struct Screen {
    term: Terminal<TestBackend>,
    last: Option<Buffer>,
    vt: vt100::Parser,
    written: Vec<usize>,
}

impl Screen {
    fn new(s: &AppState) -> Screen {
        let (w, h) = s.screen;
        Screen {
            term: Terminal::new(TestBackend::new(w, h)).unwrap(),
            last: None,
            vt: vt100::Parser::new(h.try_into().unwrap(), w.try_into().unwrap(), 0),
            written: Vec::new(),
        }
    }

    fn frame(&mut self, s: &AppState, what: &str) {
        let new = self
            .term
            .draw(|f| crate::ui::render(f, s))
            .unwrap()
            .buffer
            .clone();
        let out = bytes(
            self.last.as_ref(),
            &new,
            &crate::app::geometry::bands(s, new.area),
        );
        self.vt.process(&out);
        self.written.push(out.len());
        same(self.vt.screen(), &new, what);
        self.last = Some(new);
    }
}

fn vt_colour(c: Color) -> vt100::Color {
    match c {
        Color::Reset => vt100::Color::Default,
        Color::Black => vt100::Color::Idx(0),
        Color::Red => vt100::Color::Idx(1),
        Color::Green => vt100::Color::Idx(2),
        Color::Yellow => vt100::Color::Idx(3),
        Color::Blue => vt100::Color::Idx(4),
        Color::Magenta => vt100::Color::Idx(5),
        Color::Cyan => vt100::Color::Idx(6),
        Color::Gray => vt100::Color::Idx(7),
        Color::DarkGray => vt100::Color::Idx(8),
        Color::LightRed => vt100::Color::Idx(9),
        Color::LightGreen => vt100::Color::Idx(10),
        Color::LightYellow => vt100::Color::Idx(11),
        Color::LightBlue => vt100::Color::Idx(12),
        Color::LightMagenta => vt100::Color::Idx(13),
        Color::LightCyan => vt100::Color::Idx(14),
        Color::White => vt100::Color::Idx(15),
        Color::Indexed(i) => vt100::Color::Idx(i),
        Color::Rgb(r, g, b) => vt100::Color::Rgb(r, g, b),
    }
}

/// The emulator's screen is the buffer: every cell's text, colours and reverse.
fn same(screen: &vt100::Screen, buf: &Buffer, what: &str) {
    let text = |y: u16| -> String {
        (0..buf.area.width)
            .filter_map(|x| screen.cell(y, x))
            .filter(|c| !c.is_wide_continuation())
            .map(|c| {
                if c.has_contents() {
                    c.contents().to_string()
                } else {
                    " ".into()
                }
            })
            .collect()
    };
    for y in 0..buf.area.height {
        let mut x = 0;
        while x < buf.area.width {
            let want = &buf[(x, y)];
            let got = screen.cell(y, x).unwrap();
            let got_text = if got.has_contents() {
                got.contents()
            } else {
                " "
            };
            // A blank's colour and boldness do not show (nor are they written).
            let blank = looks_blank(want);
            assert!(
                got_text == want.symbol()
                    && (blank || got.fgcolor() == vt_colour(want.fg))
                    && got.bgcolor() == vt_colour(want.bg)
                    && got.inverse() == want.modifier.contains(Modifier::REVERSED),
                "{what}: cell {x},{y} shows {got_text:?} ({:?}/{:?}), the frame has {:?} ({:?}/{:?})\nrow shown: {}",
                got.fgcolor(),
                got.bgcolor(),
                want.symbol(),
                want.fg,
                want.bg,
                text(y)
            );
            x += if got.is_wide() { 2 } else { 1 };
        }
    }
}

#[test]
fn the_emulator_shows_every_frame_after_list_scrolls_of_every_size() {
    for (w, h) in [(200, 50), (80, 24)] {
        let mut s = state(w, h, 3_000);
        let mut screen = Screen::new(&s);
        screen.frame(&s, "first");
        let steps: Vec<(&str, Action)> = [
            ("j", Action::Down),
            ("C-d", Action::HalfPageDown),
            ("C-d", Action::HalfPageDown),
            ("C-u", Action::HalfPageUp),
            ("page down", Action::PageDown),
            ("page up", Action::PageUp),
            ("G", Action::Last),
            ("k", Action::Up),
            ("g g", Action::First),
        ]
        .into_iter()
        .collect();
        for (what, a) in steps {
            // Far enough down that the view scrolls by one row per key too.
            for _ in 0..h {
                s.act(a);
                screen.frame(&s, &format!("{w}x{h} {what}"));
            }
        }
    }
}

#[test]
fn a_scroll_writes_only_the_rows_that_came_into_view() {
    let mut s = state(200, 50, 3_000);
    let mut screen = Screen::new(&s);
    screen.frame(&s, "first");
    let full = screen.written[0];
    s.act(Action::HalfPageDown);
    screen.frame(&s, "C-d");
    let half = screen.written[1];
    // The scroll region is set, and less than two thirds of a full draw goes out (a
    // rewrite of every row is about the full draw).
    assert!(
        half * 3 < full * 2,
        "C-d wrote {half} bytes, the first frame {full}"
    );
    // Small screens and short folders scroll as well as they draw.
    let mut small = state(80, 24, 5);
    let mut screen = Screen::new(&small);
    screen.frame(&small, "5 rows");
    small.act(Action::HalfPageDown);
    screen.frame(&small, "5 rows, C-d");
}

#[test]
fn the_reader_scrolls_on_the_emulator_as_drawn() {
    let mut s = state(200, 50, 300);
    s.split = false;
    s.relayout();
    let mut screen = Screen::new(&s);
    screen.frame(&s, "list");
    s.act(Action::Open);
    let fetch = s.fetch_due();
    let Some(Effect::Send(WorkerCommand::FetchBody { id, uid, .. })) = fetch
        .into_iter()
        .find(|e| matches!(e, Effect::Send(WorkerCommand::FetchBody { .. })))
    else {
        panic!("no fetch")
    };
    let text: String = (1..=3_000)
        .map(|i| format!("line {i} of the body {}\r\n", "x".repeat(i % 40)))
        .collect();
    let raw = format!("From: a@example.org\r\nSubject: long\r\n\r\n{text}");
    let render = s.on_worker(WorkerEvent::Done {
        id,
        result: DoneResult::Body {
            folder: "INBOX".into(),
            uid,
            raw: raw.into_bytes(),
        },
    });
    let Some(Effect::Render { raw, html, .. }) = render.into_iter().next() else {
        panic!("no render")
    };
    let shown = tern_core::mail::render_message_as(&raw, 198, html);
    update(&mut s, Event::Rendered(uid, shown));
    screen.frame(&s, "reader");
    assert!(
        screen.vt.screen().contents().contains("line 1 of the body"),
        "{}",
        screen.vt.screen().contents()
    );
    for (what, a) in [
        ("j", Action::Down),
        ("C-d", Action::HalfPageDown),
        ("page down", Action::PageDown),
        ("C-u", Action::HalfPageUp),
        ("k", Action::Up),
    ] {
        for _ in 0..30 {
            s.act(a);
            screen.frame(&s, &format!("reader {what}"));
        }
    }
}

#[test]
fn shift_moves_whole_rows_and_blanks_what_came_in() {
    let mut b = Buffer::empty(Rect::new(0, 0, 3, 4));
    for y in 0..4u16 {
        b.set_string(0, y, format!("{y}{y}{y}"), ratatui::style::Style::default());
    }
    let mut up = b.clone();
    shift(
        &mut up,
        Scroll {
            top: 1,
            bottom: 3,
            by: 1,
        },
    );
    let rows = |b: &Buffer| -> Vec<String> {
        (0..4u16)
            .map(|y| (0..3u16).map(|x| b[(x, y)].symbol().to_string()).collect())
            .collect()
    };
    assert_eq!(rows(&up), ["000", "222", "333", "   "]);
    let mut down = b.clone();
    shift(
        &mut down,
        Scroll {
            top: 0,
            bottom: 2,
            by: -2,
        },
    );
    assert_eq!(rows(&down), ["   ", "   ", "000", "333"]);
}
