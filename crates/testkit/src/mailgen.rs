//! Deterministic, realistic-looking generated mail (threads, lists, MIME, encoded words).

use chrono::{DateTime, Duration, FixedOffset, Offset, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::LazyLock;

use super::mime_encode::*;

/// One generated RFC 5322 message plus the metadata a test needs to check it.
#[derive(Clone, Debug)]
pub struct GeneratedMessage {
    /// The full message, CRLF line endings.
    pub raw: Vec<u8>,
    /// The message's date (Date header and suggested INTERNALDATE).
    pub date: DateTime<Utc>,
    /// IMAP system flags such as `\\Seen`.
    pub flags: Vec<&'static str>,
    /// Message-ID including angle brackets.
    pub message_id: String,
    /// Decoded subject.
    pub subject: String,
    /// Decoded From, as `Name <addr>`.
    pub from: String,
}

/// Deterministic for a seed; messages in date order (oldest first), ~`n`*20 minutes up to `end`.
pub fn generate(n: usize, seed: u64, end: DateTime<Utc>) -> impl Iterator<Item = GeneratedMessage> {
    Generator {
        rng: StdRng::seed_from_u64(seed),
        seed,
        n,
        i: 0,
        start: end - Duration::minutes(20 * n as i64),
        threads: Vec::new(),
    }
}

/// ~40 senders as `Name <addr>`, `|`-separated.
const SENDERS_TEXT: &str =
    "Bob Fischer <bob@fischer.example.com>|José Müller <jose.mueller@example.de>|\
    Zoë Ångström <zoe@angstrom.example.se>|李雷 <lilei@example.cn>|\
    Ольга Петрова <olga.petrova@example.ru>|Carol Danvers <carol@example.net>|\
    Dave O'Brien <dave.obrien@example.ie>|Émilie Durand <emilie.durand@example.fr>|\
    Frank Nakamura <frank@nakamura.example.jp>|Grace Hopper <grace@navy.example.mil>|\
    Hannah Schmidt <h.schmidt@example.de>|Ivan Horvat <ivan.horvat@example.hr>|\
    Jürgen Weiß <juergen.weiss@example.at>|Karin Lindqvist <karin@example.se>|\
    Liam Murphy <liam@murphy.example.ie>|María José García <mjgarcia@example.es>|\
    Nadia Haddad <nadia@example.lb>|Oscar Wilde <oscar@example.co.uk>|\
    Priya Raghunathan <priya.r@example.in>|Quentin Blake <quentin@example.co.uk>|\
    Rafael Nóbrega <rafael@example.com.br>|Sofia Rossi <sofia.rossi@example.it>|\
    Tomás Ó Briain <tomas@example.ie>|Ulla Kärkkäinen <ulla@example.fi>|\
    Victor Hugo <victor@example.fr>|Wang Fang 王芳 <wangfang@example.cn>|\
    Xavier Dupont <xavier@example.be>|Yuki Tanaka 田中由紀 <yuki.tanaka@example.jp>|\
    Zainab Okafor <zainab@example.ng>|Αλέξανδρος Παπαδόπουλος <alex.papa@example.gr>|\
    Ngozi Adeyemi <ngozi@example.ng>|Søren Kierkegaard <soren@example.dk>|\
    Ana Łukasiewicz <ana.lukasiewicz@example.pl>|GitHub <notifications@github.example.com>|\
    Billing Team <billing@shop.example.com>|Calendar <calendar-noreply@example.org>|\
    Peter van der Berg <peter@vdberg.example.nl>|Chloé Lefèvre <chloe.lefevre@example.fr>|\
    Mehmet Yılmaz <mehmet@example.com.tr>|Eve Adams <eve@adams.example.org>";
static SENDERS: LazyLock<Vec<(&str, &str)>> = LazyLock::new(|| {
    let split = |s: &'static str| {
        s.split_once(" <")
            .map(|(n, a)| (n, a.trim_end_matches('>')))
    };
    SENDERS_TEXT.split('|').filter_map(split).collect()
});

const ME: &str = "Alice Example <alice@example.org>";

/// (list id, display name, post address)
const LISTS: [(&str, &str, &str); 4] = [
    (
        "rust-users.lists.example.org",
        "Rust users",
        "rust-users@lists.example.org",
    ),
    (
        "debian-devel.lists.example.org",
        "Debian development",
        "debian-devel@lists.example.org",
    ),
    (
        "hiking.groups.example.net",
        "Weekend hiking club",
        "hiking@groups.example.net",
    ),
    (
        "announce.tern.example.org",
        "tern announcements",
        "announce@tern.example.org",
    ),
];

const TOPICS_TEXT: &str =
    "Quarterly report draft|Lunch on Friday?|Build failure on main|Invoice #48213|\
    Meeting notes: roadmap planning|Hiking trip this weekend 🏔️|\
    Question about lifetimes in async code|Überweisung für die Miete|Résumé and cover letter|\
    会议纪要|Отчёт за неделю|Release 0.4.0 is out 🎉|Server maintenance window|\
    Your order has shipped|Photos from the conference|Proposal: drop support for old kernels|\
    Can you review my PR?|Flight itinerary change|Birthday party plans 🎂|Re-org announcement|\
    Performance regression in parser|Welcome to the team!|Budget for Q4|\
    Cache invalidation strategy|Kaffee und Kuchen am Sonntag|Interview schedule|\
    Security advisory: update now|Book club: next pick|Wohnungsbesichtigung – Termin|\
    Data migration plan";
static TOPICS: LazyLock<Vec<&str>> = LazyLock::new(|| TOPICS_TEXT.split('|').collect());

const SENTENCES_TEXT: &str = "Thanks for sending this over so quickly.|\
    I had a look at the numbers and they mostly add up, except for the travel line.|\
    Could we move the meeting to Thursday afternoon instead?|\
    The build has been failing since yesterday's merge, probably a flaky test.|\
    Let me know if you need anything else from my side.|\
    I think the simplest fix is to retry the request with a short backoff.|\
    Attached is the latest version with your comments addressed.|\
    We should probably write this down somewhere so we don't forget it again.|\
    Honestly I'm not sure this is worth the extra complexity.|\
    The weather forecast looks great for Saturday, so let's meet at the trailhead at eight.|\
    Please find the summary below; the full minutes are on the wiki.|\
    I'll be out of office next week with limited access to email.|\
    Does anyone have experience with this library in production?|\
    It works on my machine, but CI disagrees, as usual.|Der Termin passt mir gut, bis dann!|\
    Merci beaucoup pour votre aide, c'était très utile.|Спасибо, посмотрю завтра утром.|\
    好的，我们明天再讨论。|We shipped the fix in the last release; upgrading should resolve it.|\
    Can you double-check the totals before we send this to the client?|\
    I've cc'd the rest of the team so everyone is in the loop.|\
    The benchmark numbers improved by about thirty percent after the change.|\
    Sorry for the late reply, this slipped through the cracks.|\
    Sounds good to me, let's go ahead with option B.";
static SENTENCES: LazyLock<Vec<&str>> = LazyLock::new(|| SENTENCES_TEXT.split('|').collect());

const ZONES: [i32; 9] = [0, 3600, 7200, -18000, -25200, 19800, 32400, -10800, 36000];

struct Thread {
    subject: String,
    refs: Vec<String>,
    list: Option<usize>,
    target: usize,
    last_from: usize,
}

struct Generator {
    rng: StdRng,
    seed: u64,
    n: usize,
    i: usize,
    start: DateTime<Utc>,
    threads: Vec<Thread>,
}

impl Iterator for Generator {
    type Item = GeneratedMessage;

    fn next(&mut self) -> Option<GeneratedMessage> {
        if self.i >= self.n {
            return None;
        }
        let i = self.i;
        self.i += 1;
        Some(self.message(i))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.n - self.i, Some(self.n - self.i))
    }
}

impl Generator {
    fn message(&mut self, i: usize) -> GeneratedMessage {
        let rng = &mut self.rng;
        let date = self.start
            + Duration::minutes(20 * i as i64 + rng.random_range(0..20))
            + Duration::seconds(rng.random_range(0..60));
        let from_idx = rng.random_range(0..SENDERS.len());
        let domain = SENDERS[from_idx]
            .1
            .split('@')
            .nth(1)
            .unwrap_or("example.com");
        let message_id = format!(
            "<{:x}.{}.{:08x}@{}>",
            self.seed,
            i,
            rng.random::<u32>(),
            domain
        );

        // Reply to an open thread, or start a new message (possibly a new thread).
        let reply_to = (!self.threads.is_empty() && rng.random_bool(0.4))
            .then(|| rng.random_range(0..self.threads.len()));
        let (subject, refs, list, quoted_from) = match reply_to {
            Some(t) => {
                let th = &mut self.threads[t];
                let refs = th.refs.clone();
                th.refs.push(message_id.clone());
                let quoted = th.last_from;
                th.last_from = from_idx;
                let out = (format!("Re: {}", th.subject), refs, th.list, Some(quoted));
                if th.refs.len() >= th.target {
                    self.threads.swap_remove(t);
                }
                out
            }
            None => {
                let list = rng
                    .random_bool(0.3)
                    .then(|| rng.random_range(0..LISTS.len()));
                let mut subject = TOPICS[rng.random_range(0..TOPICS.len())].to_string();
                if let Some(l) = list {
                    if rng.random_bool(0.5) {
                        subject = format!(
                            "[{}] {subject}",
                            LISTS[l].0.split('.').next().unwrap_or("list")
                        );
                    }
                }
                if rng.random_bool(0.5) && self.threads.len() < 40 {
                    let target = rng.random_range(2..=8);
                    let th = Thread {
                        subject: subject.clone(),
                        refs: vec![message_id.clone()],
                        list,
                        target,
                        last_from: from_idx,
                    };
                    self.threads.push(th);
                }
                (subject, Vec::new(), list, None)
            }
        };

        let rng = &mut self.rng;
        let (name, addr) = SENDERS[from_idx];
        let zone =
            FixedOffset::east_opt(ZONES[rng.random_range(0..ZONES.len())]).unwrap_or(Utc.fix());
        let mut h = String::with_capacity(4096);
        h.push_str(&format!("Return-Path: <{addr}>\r\n"));
        h.push_str(&format!(
            "Date: {}\r\n",
            date.with_timezone(&zone).format("%a, %d %b %Y %H:%M:%S %z")
        ));
        h.push_str(&format!(
            "From: {}\r\n",
            mailbox(name, addr, from_idx % 2 == 0)
        ));
        match list {
            Some(l) => h.push_str(&format!("To: {}\r\n", LISTS[l].2)),
            None if rng.random_bool(0.25) => {
                let other = SENDERS[rng.random_range(0..SENDERS.len())];
                h.push_str(&format!(
                    "To: {ME},\r\n {}\r\n",
                    mailbox(other.0, other.1, true)
                ));
            }
            None => h.push_str(&format!("To: {ME}\r\n")),
        }
        if rng.random_bool(0.15) {
            let cc = SENDERS[rng.random_range(0..SENDERS.len())];
            h.push_str(&format!("Cc: {}\r\n", mailbox(cc.0, cc.1, false)));
        }
        h.push_str(&format!(
            "Subject: {}\r\n",
            header_text(&subject, rng.random_bool(0.5))
        ));
        h.push_str(&format!("Message-ID: {message_id}\r\n"));
        if let Some(parent) = refs.last() {
            h.push_str(&format!(
                "In-Reply-To: {parent}\r\nReferences: {}\r\n",
                refs.join("\r\n ")
            ));
        }
        if let Some(l) = list {
            let (id, desc, post) = LISTS[l];
            h.push_str(&format!(
                "List-Id: {desc} <{id}>\r\nList-Post: <mailto:{post}>\r\nList-Unsubscribe: <mailto:{}?subject=unsubscribe>\r\nPrecedence: list\r\n",
                post.replace('@', "-request@")
            ));
        }
        h.push_str("MIME-Version: 1.0\r\n");

        let mut text = paragraphs(rng, name);
        if let Some(q) = quoted_from {
            text.push_str(&format!(
                "\r\nOn {}, {} wrote:\r\n",
                (date - Duration::hours(rng.random_range(1..72))).format("%a, %d %b %Y at %H:%M"),
                SENDERS[q].0
            ));
            for _ in 0..rng.random_range(2..8) {
                text.push_str(&format!(
                    "> {}\r\n",
                    SENTENCES[rng.random_range(0..SENTENCES.len())]
                ));
            }
            if rng.random_bool(0.3) {
                text.push_str(">\r\n> > Earlier: what do you all think?\r\n");
            }
        }
        let boundary = format!("----=_Part_{:x}_{i}", self.seed);
        let kind = rng.random_range(0..100);
        let body = if kind < 55 {
            h.push_str(
                "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n",
            );
            text
        } else if kind < 75 {
            h.push_str(&format!(
                "Content-Type: multipart/alternative; boundary=\"{boundary}\"\r\n"
            ));
            let html = html_of(&text);
            format!(
                "This is a multi-part message in MIME format.\r\n\r\n--{boundary}\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{text}\r\n--{boundary}\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}--{boundary}--\r\n",
                base64_lines(html.as_bytes())
            )
        } else if kind < 82 {
            h.push_str(
                "Content-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n",
            );
            html_of(&text)
        } else if kind < 94 {
            h.push_str(&format!(
                "Content-Type: multipart/mixed; boundary=\"{boundary}\"\r\n"
            ));
            let mut b = format!("--{boundary}\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{text}\r\n");
            for _ in 0..rng.random_range(1..=2) {
                b.push_str(&format!("--{boundary}\r\n{}", attachment(rng)));
            }
            b.push_str(&format!("--{boundary}--\r\n"));
            b
        } else {
            h.push_str("Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n");
            let latin = "Grüße aus Köln! Das Café öffnet um 9 Uhr, die Führung beginnt pünktlich.\r\nÀ bientôt, ça va très bien.\r\n\r\n";
            return self.finish(
                h,
                qp_latin1(&format!("{latin}{text}")),
                date,
                i,
                message_id,
                subject,
                name,
                addr,
            );
        };
        self.finish(h, body, date, i, message_id, subject, name, addr)
    }

    #[allow(clippy::too_many_arguments)]
    fn finish(
        &mut self,
        mut h: String,
        body: String,
        date: DateTime<Utc>,
        i: usize,
        message_id: String,
        subject: String,
        name: &str,
        addr: &str,
    ) -> GeneratedMessage {
        let rng = &mut self.rng;
        h.push_str("\r\n");
        let mut raw = h.into_bytes();
        raw.extend_from_slice(body.as_bytes());
        let mut flags = Vec::new();
        let newest = i * 10 >= self.n * 9;
        if !newest && rng.random_bool(0.97) {
            flags.push("\\Seen");
        }
        if !newest && rng.random_bool(0.08) {
            flags.push("\\Answered");
        }
        if rng.random_bool(0.03) {
            flags.push("\\Flagged");
        }
        GeneratedMessage {
            raw,
            date,
            flags,
            message_id,
            subject,
            from: format!("{name} <{addr}>"),
        }
    }
}

fn paragraphs(rng: &mut StdRng, name: &str) -> String {
    let mut s = String::from(
        ["Hi Alice,", "Hello,", "Hi all,", "Dear Alice,", "Hey!"][rng.random_range(0..5)],
    );
    s.push_str("\r\n\r\n");
    let paras = if rng.random_bool(0.1) {
        rng.random_range(6..14)
    } else {
        rng.random_range(1..5)
    };
    for _ in 0..paras {
        let mut line_len = 0;
        for _ in 0..rng.random_range(1..6) {
            let sentence = SENTENCES[rng.random_range(0..SENTENCES.len())];
            for word in sentence.split(' ') {
                if line_len + word.len() > 72 {
                    s.push_str("\r\n");
                    line_len = 0;
                } else if line_len > 0 {
                    s.push(' ');
                    line_len += 1;
                }
                s.push_str(word);
                line_len += word.len();
            }
        }
        s.push_str("\r\n\r\n");
    }
    let first = name.split(' ').next().unwrap_or(name);
    if rng.random_bool(0.5) {
        s.push_str(&format!("Best,\r\n{first}\r\n"));
    } else {
        s.push_str(&format!(
            "Cheers,\r\n{first}\r\n\r\n-- \r\n{name}\r\nSent from my terminal\r\n"
        ));
    }
    s
}

fn html_of(text: &str) -> String {
    let mut html =
        String::from("<!DOCTYPE html>\r\n<html><head><meta charset=\"utf-8\"></head><body>\r\n");
    for para in text.split("\r\n\r\n").filter(|p| !p.is_empty()) {
        let esc = para
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        html.push_str(&format!("<p>{}</p>\r\n", esc.replace("\r\n", "<br>\r\n")));
    }
    html.push_str("</body></html>\r\n");
    html
}

fn attachment(rng: &mut StdRng) -> String {
    const NAMES: [(&str, &str); 8] = [
        ("report Q3.pdf", "application/pdf"),
        ("Übersicht 2024.pdf", "application/pdf"),
        ("résumé.pdf", "application/pdf"),
        ("photo 1.png", "image/png"),
        ("screenshot.png", "image/png"),
        ("notes.txt", "text/plain"),
        ("数据 摘要.txt", "text/plain"),
        ("invoice-48213.pdf", "application/pdf"),
    ];
    let (fname, ctype) = NAMES[rng.random_range(0..NAMES.len())];
    let mut data: Vec<u8> = match ctype {
        "application/pdf" => {
            b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n".to_vec()
        }
        "image/png" => b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(),
        _ => Vec::new(),
    };
    if ctype == "text/plain" {
        for _ in 0..rng.random_range(5..40) {
            data.extend_from_slice(SENTENCES[rng.random_range(0..SENTENCES.len())].as_bytes());
            data.extend_from_slice(b"\r\n");
        }
    } else {
        let len = rng.random_range(500..3000);
        data.extend((0..len).map(|_| rng.random::<u8>()));
    }
    let params = if fname.is_ascii() {
        format!("name=\"{fname}\"\r\nContent-Disposition: attachment; filename=\"{fname}\"")
    } else {
        format!(
            "name=\"{}\"\r\nContent-Disposition: attachment;\r\n filename*=UTF-8''{}",
            encode_b(fname),
            pct_encode(fname)
        )
    };
    format!(
        "Content-Type: {ctype}; {params}\r\nContent-Transfer-Encoding: base64\r\n\r\n{}",
        base64_lines(&data)
    )
}
