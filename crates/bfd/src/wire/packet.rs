//! The mandatory section of the control packet and its receive checks.

use super::auth::Auth;
use super::{Diag, State, VERSION};
use crate::error::DecodeError;

mod field {
    //! RFC 5880 §4.1:
    //! ```text
    //!  0                   1                   2                   3
    //!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |Vers |  Diag   |Sta|P|F|C|A|D|M|  Detect Mult  |    Length     |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |                       My Discriminator                        |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |                      Your Discriminator                       |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |                    Desired Min TX Interval                    |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |                   Required Min RX Interval                    |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! |                 Required Min Echo RX Interval                 |
    //! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    //! ```
    //! followed by the optional authentication section when A is set.
    use core::ops::Range;
    pub const VERS_DIAG: usize = 0;
    pub const FLAGS: usize = 1;
    pub const DETECT_MULT: usize = 2;
    pub const LENGTH: usize = 3;
    pub const MY_DISCR: Range<usize> = 4..8;
    pub const YOUR_DISCR: Range<usize> = 8..12;
    pub const DESIRED_MIN_TX: Range<usize> = 12..16;
    pub const REQUIRED_MIN_RX: Range<usize> = 16..20;
    pub const REQUIRED_MIN_ECHO_RX: Range<usize> = 20..24;
    pub const AUTH: usize = 24;

    pub const FLAG_P: u8 = 0x20;
    pub const FLAG_F: u8 = 0x10;
    pub const FLAG_C: u8 = 0x08;
    pub const FLAG_A: u8 = 0x04;
    pub const FLAG_D: u8 = 0x02;
    pub const FLAG_M: u8 = 0x01;
}

/// Length of the mandatory section (keepalived's `sizeof(bfdhdr_t)`).
pub const HEADER_LEN: usize = field::AUTH;

/// A view of a BFD control packet.
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer without checking it (accessors may panic on a short buffer).
    pub const fn new_unchecked(buffer: T) -> Packet<T> {
        Packet { buffer }
    }

    /// Wraps a buffer after [`Packet::check_len`].
    pub fn new_checked(buffer: T) -> Result<Packet<T>, DecodeError> {
        let p = Packet::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// keepalived's first two checks: the buffer holds the mandatory section, and the Length
    /// field equals the datagram size. RFC 5880 §6.8.6 only discards a Length larger than
    /// the payload; keepalived also discards a smaller one, and so do we.
    pub fn check_len(&self) -> Result<(), DecodeError> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(DecodeError::TooShort { len });
        }
        let field = usize::from(self.length());
        if field != len {
            return Err(DecodeError::LengthMismatch { field, len });
        }
        Ok(())
    }

    /// Consumes the view, returning the buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    fn b(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    fn u32_at(&self, r: core::ops::Range<usize>) -> u32 {
        let b = &self.b()[r];
        u32::from_be_bytes([b[0], b[1], b[2], b[3]])
    }

    /// Vers.
    pub fn version(&self) -> u8 {
        self.b()[field::VERS_DIAG] >> 5
    }
    /// Diag.
    pub fn diag(&self) -> Diag {
        Diag::from(self.b()[field::VERS_DIAG] & 0x1f)
    }
    /// Sta.
    pub fn state(&self) -> State {
        State::from(self.b()[field::FLAGS] >> 6)
    }
    fn flag(&self, f: u8) -> bool {
        self.b()[field::FLAGS] & f != 0
    }
    /// P (Poll).
    pub fn poll(&self) -> bool {
        self.flag(field::FLAG_P)
    }
    /// F (Final).
    pub fn final_(&self) -> bool {
        self.flag(field::FLAG_F)
    }
    /// C (Control Plane Independent).
    pub fn control_plane_independent(&self) -> bool {
        self.flag(field::FLAG_C)
    }
    /// A (Authentication Present).
    pub fn auth_present(&self) -> bool {
        self.flag(field::FLAG_A)
    }
    /// D (Demand).
    pub fn demand(&self) -> bool {
        self.flag(field::FLAG_D)
    }
    /// M (Multipoint, reserved: must be zero).
    pub fn multipoint(&self) -> bool {
        self.flag(field::FLAG_M)
    }
    /// Detect Mult.
    pub fn detect_mult(&self) -> u8 {
        self.b()[field::DETECT_MULT]
    }
    /// Length.
    pub fn length(&self) -> u8 {
        self.b()[field::LENGTH]
    }
    /// My Discriminator.
    pub fn my_discr(&self) -> u32 {
        self.u32_at(field::MY_DISCR)
    }
    /// Your Discriminator.
    pub fn your_discr(&self) -> u32 {
        self.u32_at(field::YOUR_DISCR)
    }
    /// Desired Min TX Interval (µs).
    pub fn desired_min_tx(&self) -> u32 {
        self.u32_at(field::DESIRED_MIN_TX)
    }
    /// Required Min RX Interval (µs).
    pub fn required_min_rx(&self) -> u32 {
        self.u32_at(field::REQUIRED_MIN_RX)
    }
    /// Required Min Echo RX Interval (µs).
    pub fn required_min_echo_rx(&self) -> u32 {
        self.u32_at(field::REQUIRED_MIN_ECHO_RX)
    }
    /// The bytes after the mandatory section (the authentication section, if any).
    pub fn auth_section(&self) -> &[u8] {
        &self.b()[field::AUTH..]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    fn bm(&mut self) -> &mut [u8] {
        self.buffer.as_mut()
    }
    fn set_u32(&mut self, r: core::ops::Range<usize>, v: u32) {
        self.bm()[r].copy_from_slice(&v.to_be_bytes());
    }
    /// Sets Vers and Diag.
    pub fn set_version_diag(&mut self, version: u8, diag: Diag) {
        self.bm()[field::VERS_DIAG] = (version << 5) | (u8::from(diag) & 0x1f);
    }
    /// Sets Sta and the six flag bits (P F C A D M).
    pub fn set_state_flags(&mut self, state: State, flags: [bool; 6]) {
        let bits = [
            field::FLAG_P,
            field::FLAG_F,
            field::FLAG_C,
            field::FLAG_A,
            field::FLAG_D,
            field::FLAG_M,
        ];
        let mut b = (u8::from(state) & 0x03) << 6;
        for (on, bit) in flags.iter().zip(bits) {
            if *on {
                b |= bit;
            }
        }
        self.bm()[field::FLAGS] = b;
    }
    /// Sets Detect Mult.
    pub fn set_detect_mult(&mut self, v: u8) {
        self.bm()[field::DETECT_MULT] = v;
    }
    /// Sets Length.
    pub fn set_length(&mut self, v: u8) {
        self.bm()[field::LENGTH] = v;
    }
    /// Sets My Discriminator.
    pub fn set_my_discr(&mut self, v: u32) {
        self.set_u32(field::MY_DISCR, v);
    }
    /// Sets Your Discriminator.
    pub fn set_your_discr(&mut self, v: u32) {
        self.set_u32(field::YOUR_DISCR, v);
    }
    /// Sets Desired Min TX Interval (µs).
    pub fn set_desired_min_tx(&mut self, v: u32) {
        self.set_u32(field::DESIRED_MIN_TX, v);
    }
    /// Sets Required Min RX Interval (µs).
    pub fn set_required_min_rx(&mut self, v: u32) {
        self.set_u32(field::REQUIRED_MIN_RX, v);
    }
    /// Sets Required Min Echo RX Interval (µs).
    pub fn set_required_min_echo_rx(&mut self, v: u32) {
        self.set_u32(field::REQUIRED_MIN_ECHO_RX, v);
    }
    /// The authentication section, writable.
    pub fn auth_section_mut(&mut self) -> &mut [u8] {
        &mut self.bm()[field::AUTH..]
    }
}

/// The meaning of a control packet that passed the stateless checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repr {
    /// Diag (0..=8 once parsed).
    pub diag: Diag,
    /// Sta.
    pub state: State,
    /// P.
    pub poll: bool,
    /// F.
    pub final_: bool,
    /// C.
    pub control_plane_independent: bool,
    /// D.
    pub demand: bool,
    /// Detect Mult (non-zero once parsed).
    pub detect_mult: u8,
    /// My Discriminator (non-zero once parsed).
    pub my_discr: u32,
    /// Your Discriminator.
    pub your_discr: u32,
    /// Desired Min TX Interval (µs).
    pub desired_min_tx: u32,
    /// Required Min RX Interval (µs).
    pub required_min_rx: u32,
    /// Required Min Echo RX Interval (µs).
    pub required_min_echo_rx: u32,
    /// The authentication section when A is set.
    pub auth: Option<Auth>,
}

impl Repr {
    /// Runs the stateless receive checks, in keepalived's `bfd_check_packet` order (the RFC
    /// 5880 §6.8.6 ones, then P and F together, then an undefined Diag), and, when A is set,
    /// decodes the authentication section (whose refusal comes later, as in keepalived,
    /// after the session is found).
    pub fn parse<T: AsRef<[u8]>>(p: &Packet<T>) -> Result<Repr, DecodeError> {
        p.check_len()?;
        if p.version() != VERSION {
            return Err(DecodeError::BadVersion(p.version()));
        }
        if p.detect_mult() == 0 {
            return Err(DecodeError::ZeroDetectMult);
        }
        if p.multipoint() {
            return Err(DecodeError::Multipoint);
        }
        if p.my_discr() == 0 {
            return Err(DecodeError::ZeroMyDiscr);
        }
        let state = p.state();
        if p.your_discr() == 0 && !matches!(state, State::Down | State::AdminDown) {
            return Err(DecodeError::ZeroYourDiscr(state));
        }
        if p.poll() && p.final_() {
            return Err(DecodeError::PollAndFinal);
        }
        let diag = p.diag();
        if matches!(diag, Diag::Unknown(_)) {
            return Err(DecodeError::BadDiag(diag.into()));
        }
        // Without A, bytes past the mandatory section are ignored (keepalived reads only
        // its 24-byte header; RFC 5880 §6.8.6 only bounds the Length from below).
        let auth = if p.auth_present() {
            Some(Auth::parse(p.auth_section())?)
        } else {
            None
        };
        Ok(Repr {
            diag,
            state,
            poll: p.poll(),
            final_: p.final_(),
            control_plane_independent: p.control_plane_independent(),
            demand: p.demand(),
            detect_mult: p.detect_mult(),
            my_discr: p.my_discr(),
            your_discr: p.your_discr(),
            desired_min_tx: p.desired_min_tx(),
            required_min_rx: p.required_min_rx(),
            required_min_echo_rx: p.required_min_echo_rx(),
            auth,
        })
    }

    /// Parses a whole datagram.
    pub fn parse_bytes(bytes: &[u8]) -> Result<Repr, DecodeError> {
        Repr::parse(&Packet::new_checked(bytes)?)
    }

    /// Bytes [`Repr::emit`] writes.
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN + self.auth.map_or(0, |a| a.wire_len())
    }

    /// Writes the packet into the start of `buf`, returning its length, or `None` when
    /// `buf` is shorter than [`Repr::buffer_len`].
    pub fn emit(&self, buf: &mut [u8]) -> Option<usize> {
        let len = self.buffer_len();
        let buf = buf.get_mut(..len)?;
        buf.fill(0);
        let mut p = Packet::new_unchecked(buf);
        p.set_version_diag(VERSION, self.diag);
        p.set_state_flags(
            self.state,
            [
                self.poll,
                self.final_,
                self.control_plane_independent,
                self.auth.is_some(),
                self.demand,
                false,
            ],
        );
        p.set_detect_mult(self.detect_mult);
        p.set_length(len as u8);
        p.set_my_discr(self.my_discr);
        p.set_your_discr(self.your_discr);
        p.set_desired_min_tx(self.desired_min_tx);
        p.set_required_min_rx(self.required_min_rx);
        p.set_required_min_echo_rx(self.required_min_echo_rx);
        if let Some(a) = &self.auth {
            a.emit(p.auth_section_mut());
        }
        Some(len)
    }
}
