//! The DNS messages of DNS_CHECK (RFC 1035 section 4): the query keepalived sends and a
//! response read defensively (any bytes: an error, never a panic).
//!
//! ```text
//!  0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15
//! +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
//! |                      ID                       |
//! |QR|   Opcode  |AA|TC|RD|RA|   Z    |   RCODE   |
//! |                    QDCOUNT                    |
//! |                    ANCOUNT                    |
//! |                    NSCOUNT                    |
//! |                    ARCOUNT                    |
//! +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
//! ```

use keepalived_conf::model::DnsType;

mod field {
    pub const ID: usize = 0;
    pub const FLAGS: usize = 2;
    pub const QDCOUNT: usize = 4;
    pub const ANCOUNT: usize = 6;
    pub const HEADER_LEN: usize = 12;
}

/// The QR bit.
const QR: u16 = 0x8000;
/// Recursion desired.
const RD: u16 = 0x0100;
/// Class IN.
pub const CLASS_IN: u16 = 1;
/// Names longer than this are refused (RFC 1035: 255 octets).
const MAX_NAME: usize = 255;

/// The numeric type of a DNS_CHECK `type`.
pub fn type_code(t: DnsType) -> u16 {
    match t {
        DnsType::A => 1,
        DnsType::Ns => 2,
        DnsType::Cname => 5,
        DnsType::Soa => 6,
        DnsType::Mx => 15,
        DnsType::Txt => 16,
        DnsType::Aaaa => 28,
    }
}

/// Why a message could not be read or built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DnsError {
    /// Shorter than its header or a field it announces.
    Truncated,
    /// A label longer than 63 octets or a name longer than 255.
    BadName,
    /// A compression pointer loop or one pointing forward.
    BadPointer,
}

/// The query keepalived's `dns_make_query` builds: one question, recursion desired.
pub fn query(id: u16, name: &str, qtype: u16) -> Result<Vec<u8>, DnsError> {
    let mut out = Vec::with_capacity(field::HEADER_LEN + name.len() + 6);
    out.extend_from_slice(&id.to_be_bytes());
    out.extend_from_slice(&RD.to_be_bytes());
    out.extend_from_slice(&1u16.to_be_bytes());
    out.extend_from_slice(&[0; 6]);
    if name.len() > MAX_NAME {
        return Err(DnsError::BadName);
    }
    for label in name.split('.').filter(|l| !l.is_empty()) {
        let len = u8::try_from(label.len()).map_err(|_| DnsError::BadName)?;
        if len > 63 {
            return Err(DnsError::BadName);
        }
        out.push(len);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
    out.extend_from_slice(&qtype.to_be_bytes());
    out.extend_from_slice(&CLASS_IN.to_be_bytes());
    Ok(out)
}

/// A response's header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// The query id echoed.
    pub id: u16,
    /// It is a response (QR set).
    pub response: bool,
    /// RCODE (0 = no error).
    pub rcode: u8,
    /// Questions.
    pub qdcount: u16,
    /// Answers.
    pub ancount: u16,
}

fn be16(b: &[u8], at: usize) -> Result<u16, DnsError> {
    let s = b.get(at..at + 2).ok_or(DnsError::Truncated)?;
    Ok(u16::from_be_bytes([s[0], s[1]]))
}

impl Header {
    /// The header of `msg`.
    pub fn parse(msg: &[u8]) -> Result<Header, DnsError> {
        if msg.len() < field::HEADER_LEN {
            return Err(DnsError::Truncated);
        }
        let flags = be16(msg, field::FLAGS)?;
        Ok(Header {
            id: be16(msg, field::ID)?,
            response: flags & QR != 0,
            rcode: (flags & 0x000f) as u8,
            qdcount: be16(msg, field::QDCOUNT)?,
            ancount: be16(msg, field::ANCOUNT)?,
        })
    }
}

/// Reads the name at `at`; returns it (dotted, `.` for the root) and where it ends in the
/// message (after the first pointer, if any).
pub fn read_name(msg: &[u8], mut at: usize) -> Result<(String, usize), DnsError> {
    let mut name = String::new();
    let mut end = None;
    let mut jumps = 0;
    loop {
        let len = *msg.get(at).ok_or(DnsError::Truncated)?;
        match len & 0xc0 {
            0x00 if len == 0 => {
                let end = end.unwrap_or(at + 1);
                if name.is_empty() {
                    name.push('.');
                }
                return Ok((name, end));
            }
            0x00 => {
                let label = msg
                    .get(at + 1..at + 1 + usize::from(len))
                    .ok_or(DnsError::Truncated)?;
                if !name.is_empty() {
                    name.push('.');
                }
                name.push_str(&String::from_utf8_lossy(label));
                if name.len() > MAX_NAME {
                    return Err(DnsError::BadName);
                }
                at += 1 + usize::from(len);
            }
            0xc0 => {
                let ptr = usize::from(be16(msg, at)? & 0x3fff);
                if ptr >= at || jumps > 64 {
                    return Err(DnsError::BadPointer);
                }
                jumps += 1;
                end.get_or_insert(at + 2);
                at = ptr;
            }
            _ => return Err(DnsError::BadName),
        }
    }
}

/// One resource record of the answer section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// Owner name.
    pub name: String,
    /// TYPE.
    pub rtype: u16,
    /// CLASS.
    pub class: u16,
    /// TTL.
    pub ttl: u32,
    /// RDATA.
    pub rdata: Vec<u8>,
}

/// A parsed message: header, questions (name, type) and answer records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The header.
    pub header: Header,
    /// The question section: name and QTYPE.
    pub questions: Vec<(String, u16)>,
    /// The answer section.
    pub answers: Vec<Answer>,
}

/// The header, questions and answer records of `msg`.
pub fn parse_response(msg: &[u8]) -> Result<Message, DnsError> {
    let h = Header::parse(msg)?;
    let mut at = field::HEADER_LEN;
    let mut questions = Vec::new();
    for _ in 0..h.qdcount {
        let (name, end) = read_name(msg, at)?;
        questions.push((name, be16(msg, end)?));
        be16(msg, end + 2)?;
        at = end + 4;
    }
    let mut answers = Vec::new();
    for _ in 0..h.ancount {
        let (name, end) = read_name(msg, at)?;
        let rtype = be16(msg, end)?;
        let class = be16(msg, end + 2)?;
        let ttl = (u32::from(be16(msg, end + 4)?) << 16) | u32::from(be16(msg, end + 6)?);
        let rdlen = usize::from(be16(msg, end + 8)?);
        let rdata = msg
            .get(end + 10..end + 10 + rdlen)
            .ok_or(DnsError::Truncated)?
            .to_vec();
        answers.push(Answer {
            name,
            rtype,
            class,
            ttl,
            rdata,
        });
        at = end + 10 + rdlen;
    }
    Ok(Message {
        header: h,
        questions,
        answers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A query for `example.com` A, id 0x1234, as keepalived builds it.
    static QUERY: [u8; 29] = [
        0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 7, b'e', b'x',
        b'a', b'm', b'p', b'l', b'e', 3, b'c', b'o', b'm', 0, 0x00, 0x01, 0x00, 0x01,
    ];

    #[test]
    fn test_construct_query() {
        assert_eq!(query(0x1234, "example.com", 1).unwrap(), QUERY);
        assert_eq!(query(0x1234, "example.com.", 1).unwrap(), QUERY);
        let root = query(1, ".", type_code(DnsType::Soa)).unwrap();
        assert_eq!(&root[12..], &[0, 0, 6, 0, 1]);
        assert_eq!(query(1, &"a".repeat(64), 1), Err(DnsError::BadName));
    }

    #[test]
    fn test_parse_response_with_a_compressed_answer() {
        let mut msg = QUERY.to_vec();
        msg[2] = 0x81;
        msg[3] = 0x80;
        msg[7] = 1;
        msg.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, 10, 0, 0, 1]);
        let m = parse_response(&msg).unwrap();
        let (h, q, a) = (m.header, m.questions, m.answers);
        assert!(h.response);
        assert_eq!((h.id, h.rcode, h.ancount), (0x1234, 0, 1));
        assert_eq!(q, vec![("example.com".to_owned(), 1)]);
        assert_eq!(a[0].name, "example.com");
        assert_eq!(
            (a[0].rtype, a[0].ttl, a[0].rdata.clone()),
            (1, 3600, vec![10, 0, 0, 1])
        );
    }

    #[test]
    fn test_check_len() {
        assert_eq!(Header::parse(&QUERY[..11]), Err(DnsError::Truncated));
        assert_eq!(
            parse_response(&QUERY[..20]).map(|_| ()),
            Err(DnsError::Truncated)
        );
    }

    #[test]
    fn pointer_loops_are_refused() {
        let mut msg = QUERY[..12].to_vec();
        msg[5] = 1;
        msg.extend_from_slice(&[0xc0, 12]);
        assert_eq!(read_name(&msg, 12), Err(DnsError::BadPointer));
    }

    #[test]
    fn rcode_is_read_from_the_flags() {
        let mut msg = QUERY.to_vec();
        msg[2] = 0x81;
        msg[3] = 0x83;
        assert_eq!(Header::parse(&msg).unwrap().rcode, 3);
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_parse_without_panic(data in proptest::collection::vec(proptest::num::u8::ANY, 0..600)) {
            let _ = parse_response(&data);
            let _ = read_name(&data, 0);
        }

        #[test]
        fn any_name_query_parses_back(labels in proptest::collection::vec("[a-z0-9]{1,20}", 0..6)) {
            let name = labels.join(".");
            let q = query(7, &name, 1).unwrap();
            let qs = parse_response(&q).unwrap().questions;
            let want = if name.is_empty() { ".".to_owned() } else { name };
            proptest::prop_assert_eq!(&qs[0].0, &want);
        }
    }
}
