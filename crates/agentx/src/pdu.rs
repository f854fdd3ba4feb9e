//! RFC 2741 section 6: the header and the PDUs.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |   h.version   |    h.type     |    h.flags    |  <reserved>   |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                          h.sessionID                          |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                        h.transactionID                        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                          h.packetID                           |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |                        h.payload_length                       |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! ```

use crate::codec::{Reader, Writer};
use crate::error::DecodeError;
use crate::oid::Oid;
use crate::value::VarBind;

/// The header's length.
pub const HEADER_LEN: usize = 20;

/// The largest payload accepted (net-snmp's own limit is far lower).
const MAX_PAYLOAD: u32 = 1 << 20;

mod field {
    pub const VERSION: usize = 0;
    pub const TYPE: usize = 1;
    pub const FLAGS: usize = 2;
    pub const PAYLOAD_LENGTH: std::ops::Range<usize> = 16..20;
}

/// h.flags bits (6.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Flags(pub u8);

impl Flags {
    /// INSTANCE_REGISTRATION.
    pub const INSTANCE_REGISTRATION: u8 = 0x01;
    /// NEW_INDEX.
    pub const NEW_INDEX: u8 = 0x02;
    /// ANY_INDEX.
    pub const ANY_INDEX: u8 = 0x04;
    /// NON_DEFAULT_CONTEXT: a context octet string follows the header.
    pub const NON_DEFAULT_CONTEXT: u8 = 0x08;
    /// NETWORK_BYTE_ORDER: multi-byte fields are big-endian.
    pub const NETWORK_BYTE_ORDER: u8 = 0x10;

    /// Whether `bit` is set.
    pub fn has(self, bit: u8) -> bool {
        self.0 & bit != 0
    }
}

/// h.type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum PduType {
    /// agentx-Open-PDU.
    Open = 1,
    /// agentx-Close-PDU.
    Close = 2,
    /// agentx-Register-PDU.
    Register = 3,
    /// agentx-Unregister-PDU.
    Unregister = 4,
    /// agentx-Get-PDU.
    Get = 5,
    /// agentx-GetNext-PDU.
    GetNext = 6,
    /// agentx-GetBulk-PDU.
    GetBulk = 7,
    /// agentx-TestSet-PDU.
    TestSet = 8,
    /// agentx-CommitSet-PDU.
    CommitSet = 9,
    /// agentx-UndoSet-PDU.
    UndoSet = 10,
    /// agentx-CleanupSet-PDU.
    CleanupSet = 11,
    /// agentx-Notify-PDU.
    Notify = 12,
    /// agentx-Ping-PDU.
    Ping = 13,
    /// agentx-IndexAllocate-PDU.
    IndexAllocate = 14,
    /// agentx-IndexDeallocate-PDU.
    IndexDeallocate = 15,
    /// agentx-AddAgentCaps-PDU.
    AddAgentCaps = 16,
    /// agentx-RemoveAgentCaps-PDU.
    RemoveAgentCaps = 17,
    /// agentx-Response-PDU.
    Response = 18,
}

impl PduType {
    fn from_u8(v: u8) -> Result<PduType, DecodeError> {
        use PduType::*;
        Ok(match v {
            1 => Open,
            2 => Close,
            3 => Register,
            4 => Unregister,
            5 => Get,
            6 => GetNext,
            7 => GetBulk,
            8 => TestSet,
            9 => CommitSet,
            10 => UndoSet,
            11 => CleanupSet,
            12 => Notify,
            13 => Ping,
            14 => IndexAllocate,
            15 => IndexDeallocate,
            16 => AddAgentCaps,
            17 => RemoveAgentCaps,
            18 => Response,
            v => return Err(DecodeError::PduType(v)),
        })
    }
}

/// The header fields a PDU is sent with (the type, flags and length follow from the PDU).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Header {
    /// h.flags as received (encode adds NETWORK_BYTE_ORDER and NON_DEFAULT_CONTEXT itself).
    pub flags: Flags,
    /// h.sessionID.
    pub session_id: u32,
    /// h.transactionID.
    pub transaction_id: u32,
    /// h.packetID.
    pub packet_id: u32,
}

/// One element of a SearchRangeList (5.2): `start` (included if `include`) up to `end`
/// (excluded; the null OID means no bound).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchRange {
    /// Where the search starts.
    pub start: Oid,
    /// Whether `start` itself may be returned.
    pub include: bool,
    /// The exclusive upper bound (null: none).
    pub end: Oid,
}

/// An agentx-Register-PDU's fields (6.2.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Register {
    /// Seconds the master waits for this region's answers (0: the session's).
    pub timeout: u8,
    /// Lower is preferred; net-snmp's default is 127.
    pub priority: u8,
    /// The region's subtree.
    pub subtree: Oid,
    /// A range (range_subid, upper_bound): 0 for none.
    pub range_subid: u8,
    /// The upper bound of the range sub-identifier.
    pub upper_bound: u32,
}

/// agentx-Close-PDU reasons (6.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseReason {
    /// reasonOther.
    Other,
    /// reasonParseError.
    ParseError,
    /// reasonProtocolError.
    ProtocolError,
    /// reasonTimeouts.
    Timeouts,
    /// reasonShutdown.
    Shutdown,
    /// reasonByManager.
    ByManager,
    /// Any other code.
    Unknown(u8),
}

impl CloseReason {
    fn code(self) -> u8 {
        match self {
            CloseReason::Other => 1,
            CloseReason::ParseError => 2,
            CloseReason::ProtocolError => 3,
            CloseReason::Timeouts => 4,
            CloseReason::Shutdown => 5,
            CloseReason::ByManager => 6,
            CloseReason::Unknown(c) => c,
        }
    }

    fn from_code(c: u8) -> CloseReason {
        match c {
            1 => CloseReason::Other,
            2 => CloseReason::ParseError,
            3 => CloseReason::ProtocolError,
            4 => CloseReason::Timeouts,
            5 => CloseReason::Shutdown,
            6 => CloseReason::ByManager,
            c => CloseReason::Unknown(c),
        }
    }
}

/// res.error values (6.2.16).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseError {
    /// noAgentXError.
    NoError,
    /// genErr.
    GenErr,
    /// noSuchName (SNMPv1's, which net-snmp's write handlers still return).
    NoSuchName,
    /// noAccess.
    NoAccess,
    /// wrongType.
    WrongType,
    /// wrongLength.
    WrongLength,
    /// wrongValue.
    WrongValue,
    /// noCreation.
    NoCreation,
    /// notWritable (what a read-only subagent answers to TestSet).
    NotWritable,
    /// openFailed.
    OpenFailed,
    /// notOpen.
    NotOpen,
    /// duplicateRegistration.
    DuplicateRegistration,
    /// requestDenied.
    RequestDenied,
    /// parseError.
    ParseError,
    /// processingError.
    ProcessingError,
    /// Any other code.
    Other(u16),
}

impl ResponseError {
    /// The code on the wire.
    pub fn code(self) -> u16 {
        match self {
            ResponseError::NoError => 0,
            ResponseError::NoSuchName => 2,
            ResponseError::GenErr => 5,
            ResponseError::NoAccess => 6,
            ResponseError::WrongType => 7,
            ResponseError::WrongLength => 8,
            ResponseError::WrongValue => 10,
            ResponseError::NoCreation => 11,
            ResponseError::NotWritable => 17,
            ResponseError::OpenFailed => 256,
            ResponseError::NotOpen => 257,
            ResponseError::DuplicateRegistration => 263,
            ResponseError::RequestDenied => 265,
            ResponseError::ParseError => 266,
            ResponseError::ProcessingError => 268,
            ResponseError::Other(c) => c,
        }
    }

    fn from_code(c: u16) -> ResponseError {
        match c {
            0 => ResponseError::NoError,
            2 => ResponseError::NoSuchName,
            5 => ResponseError::GenErr,
            6 => ResponseError::NoAccess,
            7 => ResponseError::WrongType,
            8 => ResponseError::WrongLength,
            10 => ResponseError::WrongValue,
            11 => ResponseError::NoCreation,
            17 => ResponseError::NotWritable,
            256 => ResponseError::OpenFailed,
            257 => ResponseError::NotOpen,
            263 => ResponseError::DuplicateRegistration,
            265 => ResponseError::RequestDenied,
            266 => ResponseError::ParseError,
            268 => ResponseError::ProcessingError,
            c => ResponseError::Other(c),
        }
    }
}

/// A PDU's payload. `context` is the non-default context, when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pdu {
    /// Opens a session (subagent -> master).
    Open {
        /// Default timeout in seconds.
        timeout: u8,
        /// The subagent's identifier.
        id: Oid,
        /// Its description.
        descr: Vec<u8>,
    },
    /// Ends a session.
    Close(CloseReason),
    /// Registers a region.
    Register {
        /// The non-default context.
        context: Option<Vec<u8>>,
        /// The region.
        reg: Register,
    },
    /// Unregisters a region (the `timeout` field is reserved here).
    Unregister {
        /// The non-default context.
        context: Option<Vec<u8>>,
        /// The region.
        reg: Register,
    },
    /// Get (master -> subagent): every `end` is ignored.
    Get {
        /// The non-default context.
        context: Option<Vec<u8>>,
        /// The requested names.
        ranges: Vec<SearchRange>,
    },
    /// GetNext.
    GetNext {
        /// The non-default context.
        context: Option<Vec<u8>>,
        /// The ranges.
        ranges: Vec<SearchRange>,
    },
    /// GetBulk.
    GetBulk {
        /// The non-default context.
        context: Option<Vec<u8>>,
        /// Leading ranges answered once.
        non_repeaters: u16,
        /// Repetitions of the others.
        max_repetitions: u16,
        /// The ranges.
        ranges: Vec<SearchRange>,
    },
    /// TestSet.
    TestSet {
        /// The non-default context.
        context: Option<Vec<u8>>,
        /// The values to set.
        varbinds: Vec<VarBind>,
    },
    /// CommitSet.
    CommitSet,
    /// UndoSet.
    UndoSet,
    /// CleanupSet.
    CleanupSet,
    /// A notification (subagent -> master), starting with sysUpTime.0 (optional) and
    /// snmpTrapOID.0.
    Notify {
        /// The non-default context.
        context: Option<Vec<u8>>,
        /// The notification's varbinds.
        varbinds: Vec<VarBind>,
    },
    /// Ping.
    Ping {
        /// The non-default context.
        context: Option<Vec<u8>>,
    },
    /// Adds an sysORTable entry.
    AddAgentCaps {
        /// The non-default context.
        context: Option<Vec<u8>>,
        /// sysORID.
        id: Oid,
        /// sysORDescr.
        descr: Vec<u8>,
    },
    /// Removes an sysORTable entry.
    RemoveAgentCaps {
        /// The non-default context.
        context: Option<Vec<u8>>,
        /// sysORID.
        id: Oid,
    },
    /// A response.
    Response {
        /// res.sysUpTime.
        sys_up_time: u32,
        /// res.error.
        error: ResponseError,
        /// res.index.
        index: u16,
        /// The varbinds.
        varbinds: Vec<VarBind>,
    },
    /// IndexAllocate / IndexDeallocate, kept opaque (a subagent of ours never receives them).
    Index {
        /// Which of the two.
        ty: PduType,
        /// The payload bytes (in the received byte order).
        payload: Vec<u8>,
    },
}

/// How long the PDU at the start of `buf` is, once its header is there: `None` while fewer
/// than [`HEADER_LEN`] bytes are buffered; an error when the length field is not valid.
pub fn frame_len(buf: &[u8]) -> Option<Result<usize, DecodeError>> {
    if buf.len() < HEADER_LEN {
        return None;
    }
    let b: [u8; 4] = buf[field::PAYLOAD_LENGTH].try_into().expect("4 bytes");
    let len = if Flags(buf[field::FLAGS]).has(Flags::NETWORK_BYTE_ORDER) {
        u32::from_be_bytes(b)
    } else {
        u32::from_le_bytes(b)
    };
    if len % 4 != 0 || len > MAX_PAYLOAD {
        return Some(Err(DecodeError::PayloadLength(len)));
    }
    Some(Ok(HEADER_LEN + len as usize))
}

fn ranges(r: &mut Reader<'_>) -> Result<Vec<SearchRange>, DecodeError> {
    let mut out = Vec::new();
    while !r.is_empty() {
        let (start, include) = r.oid()?;
        let (end, _) = r.oid()?;
        out.push(SearchRange {
            start,
            include,
            end,
        });
    }
    Ok(out)
}

fn varbinds(r: &mut Reader<'_>) -> Result<Vec<VarBind>, DecodeError> {
    let mut out = Vec::new();
    while !r.is_empty() {
        out.push(r.varbind()?);
    }
    Ok(out)
}

fn register(r: &mut Reader<'_>) -> Result<Register, DecodeError> {
    let timeout = r.u8("register")?;
    let priority = r.u8("register")?;
    let range_subid = r.u8("register")?;
    r.u8("register")?;
    let (subtree, _) = r.oid()?;
    let upper_bound = if range_subid != 0 {
        r.u32("upper_bound")?
    } else {
        0
    };
    Ok(Register {
        timeout,
        priority,
        subtree,
        range_subid,
        upper_bound,
    })
}

impl Pdu {
    /// This PDU's type.
    pub fn pdu_type(&self) -> PduType {
        match self {
            Pdu::Open { .. } => PduType::Open,
            Pdu::Close(_) => PduType::Close,
            Pdu::Register { .. } => PduType::Register,
            Pdu::Unregister { .. } => PduType::Unregister,
            Pdu::Get { .. } => PduType::Get,
            Pdu::GetNext { .. } => PduType::GetNext,
            Pdu::GetBulk { .. } => PduType::GetBulk,
            Pdu::TestSet { .. } => PduType::TestSet,
            Pdu::CommitSet => PduType::CommitSet,
            Pdu::UndoSet => PduType::UndoSet,
            Pdu::CleanupSet => PduType::CleanupSet,
            Pdu::Notify { .. } => PduType::Notify,
            Pdu::Ping { .. } => PduType::Ping,
            Pdu::AddAgentCaps { .. } => PduType::AddAgentCaps,
            Pdu::RemoveAgentCaps { .. } => PduType::RemoveAgentCaps,
            Pdu::Response { .. } => PduType::Response,
            Pdu::Index { ty, .. } => *ty,
        }
    }

    fn context(&self) -> Option<&[u8]> {
        match self {
            Pdu::Register { context, .. }
            | Pdu::Unregister { context, .. }
            | Pdu::Get { context, .. }
            | Pdu::GetNext { context, .. }
            | Pdu::GetBulk { context, .. }
            | Pdu::TestSet { context, .. }
            | Pdu::Notify { context, .. }
            | Pdu::Ping { context }
            | Pdu::AddAgentCaps { context, .. }
            | Pdu::RemoveAgentCaps { context, .. } => context.as_deref(),
            _ => None,
        }
    }

    /// Decodes one whole PDU (header and payload, exactly `frame_len` bytes).
    pub fn decode(bytes: &[u8]) -> Result<(Header, Pdu), DecodeError> {
        let total = match frame_len(bytes) {
            None => return Err(DecodeError::Truncated("header")),
            Some(r) => r?,
        };
        if bytes.len() < total {
            return Err(DecodeError::Truncated("payload"));
        }
        if bytes.len() > total {
            return Err(DecodeError::Trailing(bytes.len() - total));
        }
        if bytes[field::VERSION] != 1 {
            return Err(DecodeError::Version(bytes[field::VERSION]));
        }
        let ty = PduType::from_u8(bytes[field::TYPE])?;
        let flags = Flags(bytes[field::FLAGS]);
        let big = flags.has(Flags::NETWORK_BYTE_ORDER);
        let mut h = Reader::new(&bytes[4..HEADER_LEN], big);
        let header = Header {
            flags,
            session_id: h.u32("sessionID")?,
            transaction_id: h.u32("transactionID")?,
            packet_id: h.u32("packetID")?,
        };
        let mut r = Reader::new(&bytes[HEADER_LEN..], big);
        let with_context = flags.has(Flags::NON_DEFAULT_CONTEXT);
        let context = |r: &mut Reader<'_>| -> Result<Option<Vec<u8>>, DecodeError> {
            if with_context {
                r.octets().map(Some)
            } else {
                Ok(None)
            }
        };
        let pdu = match ty {
            PduType::Open => {
                let timeout = r.u8("open")?;
                r.take(3, "open")?;
                let (id, _) = r.oid()?;
                Pdu::Open {
                    timeout,
                    id,
                    descr: r.octets()?,
                }
            }
            PduType::Close => {
                let reason = CloseReason::from_code(r.u8("close")?);
                r.take(3, "close")?;
                Pdu::Close(reason)
            }
            PduType::Register => Pdu::Register {
                context: context(&mut r)?,
                reg: register(&mut r)?,
            },
            PduType::Unregister => Pdu::Unregister {
                context: context(&mut r)?,
                reg: register(&mut r)?,
            },
            PduType::Get => Pdu::Get {
                context: context(&mut r)?,
                ranges: ranges(&mut r)?,
            },
            PduType::GetNext => Pdu::GetNext {
                context: context(&mut r)?,
                ranges: ranges(&mut r)?,
            },
            PduType::GetBulk => {
                let context = context(&mut r)?;
                let non_repeaters = r.u16("getbulk")?;
                let max_repetitions = r.u16("getbulk")?;
                Pdu::GetBulk {
                    context,
                    non_repeaters,
                    max_repetitions,
                    ranges: ranges(&mut r)?,
                }
            }
            PduType::TestSet => Pdu::TestSet {
                context: context(&mut r)?,
                varbinds: varbinds(&mut r)?,
            },
            PduType::CommitSet => Pdu::CommitSet,
            PduType::UndoSet => Pdu::UndoSet,
            PduType::CleanupSet => Pdu::CleanupSet,
            PduType::Notify => Pdu::Notify {
                context: context(&mut r)?,
                varbinds: varbinds(&mut r)?,
            },
            PduType::Ping => Pdu::Ping {
                context: context(&mut r)?,
            },
            PduType::AddAgentCaps => {
                let context = context(&mut r)?;
                let (id, _) = r.oid()?;
                Pdu::AddAgentCaps {
                    context,
                    id,
                    descr: r.octets()?,
                }
            }
            PduType::RemoveAgentCaps => {
                let context = context(&mut r)?;
                Pdu::RemoveAgentCaps {
                    context,
                    id: r.oid()?.0,
                }
            }
            PduType::Response => {
                let sys_up_time = r.u32("response")?;
                let error = ResponseError::from_code(r.u16("response")?);
                let index = r.u16("response")?;
                Pdu::Response {
                    sys_up_time,
                    error,
                    index,
                    varbinds: varbinds(&mut r)?,
                }
            }
            PduType::IndexAllocate | PduType::IndexDeallocate => {
                let n = r.remaining();
                Pdu::Index {
                    ty,
                    payload: r.take(n, "index")?.to_vec(),
                }
            }
        };
        if !r.is_empty() {
            return Err(DecodeError::Trailing(r.remaining()));
        }
        Ok((header, pdu))
    }

    /// The PDU's bytes, in network byte order, with `header`'s IDs and flags (plus
    /// NETWORK_BYTE_ORDER, and NON_DEFAULT_CONTEXT when there is a context).
    pub fn encode(&self, header: &Header) -> Vec<u8> {
        let mut w = Writer::default();
        if let Some(c) = self.context() {
            w.octets(c);
        }
        let write_reg = |w: &mut Writer, reg: &Register, timeout: u8| {
            w.u8(timeout);
            w.u8(reg.priority);
            w.u8(reg.range_subid);
            w.u8(0);
            w.oid(&reg.subtree, false);
            if reg.range_subid != 0 {
                w.u32(reg.upper_bound);
            }
        };
        let write_ranges = |w: &mut Writer, ranges: &[SearchRange]| {
            for s in ranges {
                w.oid(&s.start, s.include);
                w.oid(&s.end, false);
            }
        };
        match self {
            Pdu::Open { timeout, id, descr } => {
                w.u8(*timeout);
                w.u8(0);
                w.u16(0);
                w.oid(id, false);
                w.octets(descr);
            }
            Pdu::Close(reason) => {
                w.u8(reason.code());
                w.u8(0);
                w.u16(0);
            }
            Pdu::Register { reg, .. } => write_reg(&mut w, reg, reg.timeout),
            Pdu::Unregister { reg, .. } => write_reg(&mut w, reg, 0),
            Pdu::Get { ranges, .. } | Pdu::GetNext { ranges, .. } => write_ranges(&mut w, ranges),
            Pdu::GetBulk {
                non_repeaters,
                max_repetitions,
                ranges,
                ..
            } => {
                w.u16(*non_repeaters);
                w.u16(*max_repetitions);
                write_ranges(&mut w, ranges);
            }
            Pdu::TestSet { varbinds, .. } | Pdu::Notify { varbinds, .. } => {
                for vb in varbinds {
                    w.varbind(vb);
                }
            }
            Pdu::CommitSet | Pdu::UndoSet | Pdu::CleanupSet | Pdu::Ping { .. } => {}
            Pdu::AddAgentCaps { id, descr, .. } => {
                w.oid(id, false);
                w.octets(descr);
            }
            Pdu::RemoveAgentCaps { id, .. } => w.oid(id, false),
            Pdu::Response {
                sys_up_time,
                error,
                index,
                varbinds,
            } => {
                w.u32(*sys_up_time);
                w.u16(error.code());
                w.u16(*index);
                for vb in varbinds {
                    w.varbind(vb);
                }
            }
            Pdu::Index { payload, .. } => {
                // Kept as received; pad so that the length stays a multiple of 4.
                w.buf.extend_from_slice(payload);
                while w.buf.len() % 4 != 0 {
                    w.buf.push(0);
                }
            }
        }
        let payload = w.buf;
        let mut flags = (header.flags.0 | Flags::NETWORK_BYTE_ORDER) & !Flags::NON_DEFAULT_CONTEXT;
        if self.context().is_some() {
            flags |= Flags::NON_DEFAULT_CONTEXT;
        }
        let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
        out.extend_from_slice(&[1, self.pdu_type() as u8, flags, 0]);
        out.extend_from_slice(&header.session_id.to_be_bytes());
        out.extend_from_slice(&header.transaction_id.to_be_bytes());
        out.extend_from_slice(&header.packet_id.to_be_bytes());
        out.extend_from_slice(&(payload.len() as u32).to_be_bytes());
        out.extend_from_slice(&payload);
        out
    }
}
