//! nfnetlink message encoding: netlink attributes, nf_tables messages and the
//! NFNL_MSG_BATCH_BEGIN/END transaction that carries them (include/uapi/linux/netfilter/
//! nfnetlink.h, nf_tables.h). Integers in nf_tables attributes are big-endian.

/// NLA_F_NESTED.
const NLA_F_NESTED: u16 = 0x8000;
/// NFNL_SUBSYS_NFTABLES.
pub(crate) const NFNL_SUBSYS_NFTABLES: u16 = 10;
const NFNL_MSG_BATCH_BEGIN: u16 = 0x10;
const NFNL_MSG_BATCH_END: u16 = 0x11;

pub(crate) const NLM_F_REQUEST: u16 = 0x1;
pub(crate) const NLM_F_ACK: u16 = 0x4;
pub(crate) const NLM_F_EXCL: u16 = 0x200;
pub(crate) const NLM_F_CREATE: u16 = 0x400;
pub(crate) const NLM_F_APPEND: u16 = 0x800;

/// enum nf_tables_msg_types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum MsgType {
    NewTable = 0,
    GetTable = 1,
    DelTable = 2,
    NewChain = 3,
    NewRule = 6,
    NewSet = 9,
    NewSetElem = 12,
    DelSetElem = 14,
}

/// An attribute stream being written (the payload of one message or of a nest).
#[derive(Debug, Default)]
pub(crate) struct Attrs {
    pub(crate) buf: Vec<u8>,
}

fn pad4(buf: &mut Vec<u8>) {
    while buf.len() % 4 != 0 {
        buf.push(0);
    }
}

impl Attrs {
    /// One attribute with raw data.
    pub(crate) fn bytes(&mut self, ty: u16, data: &[u8]) -> &mut Self {
        let len = 4 + data.len();
        self.buf.extend_from_slice(&(len as u16).to_ne_bytes());
        self.buf.extend_from_slice(&ty.to_ne_bytes());
        self.buf.extend_from_slice(data);
        pad4(&mut self.buf);
        self
    }

    /// A NUL-terminated string (NLA_STRING as libmnl's mnl_attr_put_strz writes it).
    pub(crate) fn str(&mut self, ty: u16, s: &str) -> &mut Self {
        let mut data = Vec::with_capacity(s.len() + 1);
        data.extend_from_slice(s.as_bytes());
        data.push(0);
        self.bytes(ty, &data)
    }

    /// A big-endian u32 (NLA_U32 in nf_tables).
    pub(crate) fn be32(&mut self, ty: u16, v: u32) -> &mut Self {
        self.bytes(ty, &v.to_be_bytes())
    }

    /// A nested attribute whose content `f` writes.
    pub(crate) fn nest(&mut self, ty: u16, f: impl FnOnce(&mut Attrs)) -> &mut Self {
        let start = self.buf.len();
        self.buf.extend_from_slice(&[0, 0]);
        self.buf
            .extend_from_slice(&(ty | NLA_F_NESTED).to_ne_bytes());
        let mut inner = Attrs {
            buf: std::mem::take(&mut self.buf),
        };
        f(&mut inner);
        self.buf = inner.buf;
        let len = (self.buf.len() - start) as u16;
        self.buf[start..start + 2].copy_from_slice(&len.to_ne_bytes());
        pad4(&mut self.buf);
        self
    }
}

/// One request of a batch, kept for matching the kernel's answer to it.
#[derive(Debug, Clone)]
pub(crate) struct Sent {
    pub(crate) seq: u32,
    pub(crate) what: String,
}

/// An nfnetlink batch: BATCH_BEGIN, nf_tables messages (each with NLM_F_ACK), BATCH_END.
/// The kernel applies it as one transaction: all or nothing.
#[derive(Debug)]
pub(crate) struct Batch {
    pub(crate) buf: Vec<u8>,
    pub(crate) seq: u32,
    pub(crate) sent: Vec<Sent>,
}

fn header(buf: &mut Vec<u8>, ty: u16, flags: u16, seq: u32, family: u8, res_id: u16) -> usize {
    let start = buf.len();
    buf.extend_from_slice(&0u32.to_ne_bytes());
    buf.extend_from_slice(&ty.to_ne_bytes());
    buf.extend_from_slice(&(NLM_F_REQUEST | flags).to_ne_bytes());
    buf.extend_from_slice(&seq.to_ne_bytes());
    buf.extend_from_slice(&0u32.to_ne_bytes());
    // struct nfgenmsg: family, version (NFNETLINK_V0), res_id (big-endian).
    buf.push(family);
    buf.push(0);
    buf.extend_from_slice(&res_id.to_be_bytes());
    start
}

fn finish(buf: &mut [u8], start: usize) {
    let len = (buf.len() - start) as u32;
    buf[start..start + 4].copy_from_slice(&len.to_ne_bytes());
}

impl Batch {
    /// A batch whose first sequence number is `seq`.
    pub(crate) fn new(seq: u32) -> Batch {
        let mut buf = Vec::with_capacity(4096);
        let start = header(
            &mut buf,
            NFNL_MSG_BATCH_BEGIN,
            0,
            seq,
            libc::AF_UNSPEC as u8,
            NFNL_SUBSYS_NFTABLES,
        );
        finish(&mut buf, start);
        Batch {
            buf,
            seq: seq.wrapping_add(1),
            sent: Vec::new(),
        }
    }

    /// Appends one nf_tables message of `family` whose attributes `f` writes.
    pub(crate) fn msg(
        &mut self,
        ty: MsgType,
        family: u8,
        flags: u16,
        what: impl Into<String>,
        f: impl FnOnce(&mut Attrs),
    ) {
        let seq = self.seq;
        self.seq = seq.wrapping_add(1);
        let ty = (NFNL_SUBSYS_NFTABLES << 8) | ty as u16;
        let start = header(&mut self.buf, ty, flags | NLM_F_ACK, seq, family, 0);
        let mut attrs = Attrs {
            buf: std::mem::take(&mut self.buf),
        };
        f(&mut attrs);
        self.buf = attrs.buf;
        finish(&mut self.buf, start);
        self.sent.push(Sent {
            seq,
            what: what.into(),
        });
    }

    /// Whether the batch carries no nf_tables message.
    pub(crate) fn is_empty(&self) -> bool {
        self.sent.is_empty()
    }

    /// Closes the batch: the bytes to send.
    pub(crate) fn end(mut self) -> (Vec<u8>, Vec<Sent>, u32) {
        let seq = self.seq;
        let start = header(
            &mut self.buf,
            NFNL_MSG_BATCH_END,
            0,
            seq,
            libc::AF_UNSPEC as u8,
            NFNL_SUBSYS_NFTABLES,
        );
        finish(&mut self.buf, start);
        (self.buf, self.sent, seq.wrapping_add(1))
    }
}

/// A single request outside a batch (NFT_MSG_GETTABLE).
pub(crate) fn single(ty: MsgType, family: u8, seq: u32, f: impl FnOnce(&mut Attrs)) -> Vec<u8> {
    let mut buf = Vec::new();
    let ty = (NFNL_SUBSYS_NFTABLES << 8) | ty as u16;
    let start = header(&mut buf, ty, NLM_F_ACK, seq, family, 0);
    let mut attrs = Attrs { buf };
    f(&mut attrs);
    let mut buf = attrs.buf;
    finish(&mut buf, start);
    buf
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_are_padded_and_nested() {
        let mut a = Attrs::default();
        a.str(1, "filter");
        assert_eq!(a.buf.len(), 12); // 4 + "filter\0" = 11, padded to 12
        assert_eq!(&a.buf[..4], &[11, 0, 1, 0]);
        let mut n = Attrs::default();
        n.nest(4, |x| {
            x.be32(1, 3);
        });
        assert_eq!(&n.buf[..4], &[12, 0, 4, 0x80]);
        assert_eq!(&n.buf[8..12], &[0, 0, 0, 3]);
    }

    #[test]
    fn batch_is_framed_by_begin_and_end() {
        let mut b = Batch::new(7);
        b.msg(MsgType::NewTable, 2, NLM_F_CREATE, "table", |a| {
            a.str(1, "keepalived");
        });
        let (bytes, sent, next) = b.end();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].seq, 8);
        assert_eq!(next, 10);
        // BATCH_BEGIN: 20 bytes, type 0x10, res_id NFNL_SUBSYS_NFTABLES big-endian.
        assert_eq!(u32::from_ne_bytes(bytes[0..4].try_into().unwrap()), 20);
        assert_eq!(u16::from_ne_bytes(bytes[4..6].try_into().unwrap()), 0x10);
        assert_eq!(&bytes[16..20], &[0, 0, 0, 10]);
        let msg_len = u32::from_ne_bytes(bytes[20..24].try_into().unwrap()) as usize;
        assert_eq!(
            u16::from_ne_bytes(bytes[24..26].try_into().unwrap()),
            0x0a00
        );
        let end = 20 + msg_len;
        assert_eq!(
            u16::from_ne_bytes(bytes[end + 4..end + 6].try_into().unwrap()),
            0x11
        );
        assert_eq!(bytes.len(), end + 20);
    }
}
