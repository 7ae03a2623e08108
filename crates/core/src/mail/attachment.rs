//! The bytes of one attachment, found by its place in the list the reader shows.

use mail_parser::{MessageParser, MessagePart, MimeHeaders};

/// One attachment, decoded (base64/quoted-printable undone), ready to be saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub name: String,
    pub mime: String,
    pub bytes: Vec<u8>,
}

/// The name the reader lists for an attachment. Shared with `render` so the name shown
/// and the name saved can't drift apart.
pub(crate) fn part_name(part: &MessagePart<'_>) -> String {
    part.attachment_name().unwrap_or("(unnamed)").to_string()
}

/// The MIME type the reader lists for an attachment, `type/subtype` as declared.
pub(crate) fn part_mime(part: &MessagePart<'_>) -> String {
    part.content_type()
        .map(|c| match c.subtype() {
            Some(s) => format!("{}/{}", c.ctype(), s),
            None => c.ctype().to_string(),
        })
        .unwrap_or_else(|| "application/octet-stream".into())
}

/// The attachment at `index` in `Rendered.attachments` of the same raw message; `None`
/// when the message can't be parsed or has no such attachment.
pub fn attachment_data(raw: &[u8], index: usize) -> Option<Attachment> {
    let msg = MessageParser::default().parse(raw)?;
    // Same iterator as render_message uses, so the indexes line up.
    let part = msg.attachments().nth(index)?;
    Some(Attachment {
        name: part_name(part),
        mime: part_mime(part),
        bytes: part.contents().to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::render_message;

    const RAW: &[u8] = b"From: a@b.org\r\nSubject: files\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\
Content-Type: text/plain; charset=utf-8\r\n\r\nSee attached.\r\n--b\r\n\
Content-Type: application/octet-stream; name=\"bin.dat\"\r\n\
Content-Disposition: attachment; filename=\"bin.dat\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\nAAH/gA0KAA==\r\n--b\r\n\
Content-Type: text/csv\r\nContent-Disposition: attachment\r\n\
Content-Transfer-Encoding: quoted-printable\r\n\r\na,b=3Dc\r\n1,2\r\n--b--\r\n";

    #[test]
    fn two_attachments_come_back_byte_for_byte_in_the_listed_order() {
        let listed = render_message(RAW, 80).attachments;
        assert_eq!(listed.len(), 2);

        let first = attachment_data(RAW, 0).expect("first attachment");
        assert_eq!(first.name, "bin.dat");
        assert_eq!(first.mime, "application/octet-stream");
        assert_eq!(first.bytes, vec![0x00, 0x01, 0xff, 0x80, 0x0d, 0x0a, 0x00]);

        let second = attachment_data(RAW, 1).expect("second attachment");
        assert_eq!(second.name, "(unnamed)");
        assert_eq!(second.mime, "text/csv");
        assert_eq!(second.bytes, b"a,b=c\r\n1,2".to_vec());

        for (shown, got) in listed.iter().zip([&first, &second]) {
            assert_eq!((&shown.name, &shown.mime), (&got.name, &got.mime));
            assert_eq!(shown.size, got.bytes.len());
        }
    }

    #[test]
    fn out_of_range_or_unparseable_is_none() {
        assert_eq!(attachment_data(RAW, 2), None);
        assert_eq!(attachment_data(b"", 0), None);
        assert_eq!(attachment_data(b"Subject: x\r\n\r\nhi", 0), None);
    }
}
