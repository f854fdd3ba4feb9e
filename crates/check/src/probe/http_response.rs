//! An HTTP response read as keepalived reads it: the status code from the status line, the
//! body after the first blank line, its MD5 (up to Content-Length when given), the body
//! kept (bounded) for the regex.

use md5::{Digest, Md5};

/// How much of a body is kept for regex matching.
pub const MAX_KEPT_BODY: usize = 1 << 20;
/// How long the header may grow before the response is taken as garbage.
const MAX_HEADER: usize = 64 * 1024;

/// A response being received.
#[derive(Debug, Clone, Default)]
pub struct Response {
    header: Vec<u8>,
    in_body: bool,
    status: Option<u16>,
    content_length: Option<usize>,
    md5: Md5,
    rx_body: usize,
    body: Vec<u8>,
}

impl Response {
    /// An empty response.
    pub fn new() -> Response {
        Response::default()
    }

    /// Takes the next bytes received.
    pub fn feed(&mut self, mut data: &[u8]) {
        if !self.in_body {
            let before = self.header.len();
            self.header.extend_from_slice(data);
            match header_end(&self.header) {
                Some(end) => {
                    let consumed = end.saturating_sub(before);
                    data = data.get(consumed..).unwrap_or_default();
                    self.header.truncate(end);
                    self.status = status_code(&self.header);
                    self.content_length = content_length(&self.header);
                    self.in_body = true;
                }
                None => {
                    if self.header.len() > MAX_HEADER {
                        self.header.truncate(MAX_HEADER);
                    }
                    return;
                }
            }
        }
        let take = match self.content_length {
            Some(cl) => data.len().min(cl.saturating_sub(self.rx_body)),
            None => data.len(),
        };
        let counted = data.get(..take).unwrap_or_default();
        self.md5.update(counted);
        let room = MAX_KEPT_BODY.saturating_sub(self.body.len());
        self.body
            .extend_from_slice(data.get(..data.len().min(room)).unwrap_or_default());
        self.rx_body += data.len();
    }

    /// Whether the header has been received (keepalived: "no data received" otherwise).
    pub fn has_header(&self) -> bool {
        self.in_body
    }

    /// The status code (0 when the status line could not be read).
    pub fn status(&self) -> u16 {
        self.status.unwrap_or(0)
    }

    /// The MD5 of the body.
    pub fn digest(&self) -> [u8; 16] {
        self.md5.clone().finalize().into()
    }

    /// The body received (up to [`MAX_KEPT_BODY`]).
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// Content-Length and the body bytes received, when they differ.
    pub fn length_mismatch(&self) -> Option<(usize, usize)> {
        self.content_length
            .filter(|cl| *cl != self.rx_body)
            .map(|cl| (cl, self.rx_body))
    }
}

/// Where the body starts: after the first `\r\n\r\n` (or a bare `\n\n`).
fn header_end(buf: &[u8]) -> Option<usize> {
    let crlf = buf.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4);
    let lf = buf.windows(2).position(|w| w == b"\n\n").map(|p| p + 2);
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The status code of `HTTP/x.y NNN ...`.
pub fn status_code(header: &[u8]) -> Option<u16> {
    let line = header.split(|b| *b == b'\n').next()?;
    if !line.starts_with(b"HTTP/") {
        return None;
    }
    let rest = line.splitn(2, |b| *b == b' ').nth(1)?;
    let digits: Vec<u8> = rest
        .iter()
        .copied()
        .skip_while(|b| *b == b' ')
        .take_while(u8::is_ascii_digit)
        .collect();
    std::str::from_utf8(&digits).ok()?.parse().ok()
}

/// The `Content-Length:` header value (name matched case-insensitively).
pub fn content_length(header: &[u8]) -> Option<usize> {
    header.split(|b| *b == b'\n').skip(1).find_map(|line| {
        let colon = line.iter().position(|b| *b == b':')?;
        let (name, value) = line.split_at(colon);
        if !name.eq_ignore_ascii_case(b"content-length") {
            return None;
        }
        let v = std::str::from_utf8(value.get(1..)?).ok()?.trim();
        v.parse().ok()
    })
}

/// `status` is accepted by `ranges` (inclusive; empty means 200-299).
pub fn status_ok(status: u16, ranges: &[(u16, u16)]) -> bool {
    if ranges.is_empty() {
        return (200..=299).contains(&status);
    }
    ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&status))
}

/// The digest as genhash prints it: 32 lower-case hex digits.
pub fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const RESPONSE: &[u8] = b"HTTP/1.0 200 OK\r\nServer: t\r\ncontent-length: 5\r\n\r\nhello";

    #[test]
    fn the_status_code_and_body_are_read_in_any_chunking() {
        for split in 0..RESPONSE.len() {
            let mut r = Response::new();
            r.feed(&RESPONSE[..split]);
            r.feed(&RESPONSE[split..]);
            assert!(r.has_header());
            assert_eq!(r.status(), 200);
            assert_eq!(r.body(), b"hello");
            assert_eq!(hex(&r.digest()), "5d41402abc4b2a76b9719d911017c592");
            assert_eq!(r.length_mismatch(), None);
        }
    }

    #[test]
    fn the_digest_stops_at_content_length() {
        let mut r = Response::new();
        r.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloEXTRA");
        assert_eq!(hex(&r.digest()), "5d41402abc4b2a76b9719d911017c592");
        assert_eq!(r.length_mismatch(), Some((5, 10)));
    }

    #[test]
    fn a_response_without_header_end_has_no_header() {
        let mut r = Response::new();
        r.feed(b"HTTP/1.0 200 OK\r\nServer: t\r\n");
        assert!(!r.has_header());
        assert_eq!(r.status(), 0);
    }

    #[test]
    fn a_garbage_status_line_gives_status_0() {
        assert_eq!(status_code(b"HTTP/1.0 abc\r\n"), None);
        assert_eq!(status_code(b"SMTP 200\r\n"), None);
        assert_eq!(status_code(b"HTTP/1.1 404 Not Found"), Some(404));
    }

    #[test]
    fn status_codes_default_to_2xx_and_ranges_are_inclusive() {
        assert!(status_ok(204, &[]));
        assert!(!status_ok(301, &[]));
        assert!(status_ok(404, &[(200, 200), (400, 499)]));
        assert!(!status_ok(500, &[(200, 200), (400, 499)]));
        assert!(status_ok(499, &[(400, 499)]));
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_are_taken_without_panic(data in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let mut r = Response::new();
            r.feed(&data);
            let _ = (r.status(), r.digest(), r.length_mismatch());
        }
    }
}
