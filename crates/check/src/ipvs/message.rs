//! The IPVS generic-netlink payload: a command and its attributes.

use netlink_packet_core::{
    DecodeError, Emitable, NlaBuffer, NlasIterator, Parseable, ParseableParametrized,
};
use netlink_packet_generic::{GenlFamily, GenlHeader};

use super::nla::{CmdAttr, IPVS_GENL_NAME, IPVS_GENL_VERSION};

/// `IPVS_CMD_*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpvsCmd {
    /// Add a service (also each service of a dump reply).
    NewService,
    /// Modify a service.
    SetService,
    /// Delete a service.
    DelService,
    /// Get one service, or dump them all.
    GetService,
    /// Add a destination (also each destination of a dump reply).
    NewDest,
    /// Modify a destination.
    SetDest,
    /// Delete a destination.
    DelDest,
    /// Dump a service's destinations.
    GetDest,
    /// Start a sync daemon.
    NewDaemon,
    /// Stop a sync daemon.
    DelDaemon,
    /// Dump the sync daemons.
    GetDaemon,
    /// Set the timeouts.
    SetConfig,
    /// Get the timeouts.
    GetConfig,
    /// Reply to GetInfo.
    SetInfo,
    /// Version and table size.
    GetInfo,
    /// Zero the counters.
    Zero,
    /// Remove every service.
    Flush,
    /// A command this client does not know.
    Other(u8),
}

impl From<IpvsCmd> for u8 {
    fn from(c: IpvsCmd) -> u8 {
        use IpvsCmd::*;
        match c {
            NewService => 1,
            SetService => 2,
            DelService => 3,
            GetService => 4,
            NewDest => 5,
            SetDest => 6,
            DelDest => 7,
            GetDest => 8,
            NewDaemon => 9,
            DelDaemon => 10,
            GetDaemon => 11,
            SetConfig => 12,
            GetConfig => 13,
            SetInfo => 14,
            GetInfo => 15,
            Zero => 16,
            Flush => 17,
            Other(n) => n,
        }
    }
}

impl From<u8> for IpvsCmd {
    fn from(n: u8) -> IpvsCmd {
        use IpvsCmd::*;
        match n {
            1 => NewService,
            2 => SetService,
            3 => DelService,
            4 => GetService,
            5 => NewDest,
            6 => SetDest,
            7 => DelDest,
            8 => GetDest,
            9 => NewDaemon,
            10 => DelDaemon,
            11 => GetDaemon,
            12 => SetConfig,
            13 => GetConfig,
            14 => SetInfo,
            15 => GetInfo,
            16 => Zero,
            17 => Flush,
            n => Other(n),
        }
    }
}

/// One IPVS message (request or reply).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpvsMessage {
    /// The command.
    pub cmd: IpvsCmd,
    /// Its attributes.
    pub attrs: Vec<CmdAttr>,
}

impl IpvsMessage {
    /// A request `cmd` with `attrs`.
    pub fn new(cmd: IpvsCmd, attrs: Vec<CmdAttr>) -> IpvsMessage {
        IpvsMessage { cmd, attrs }
    }

    /// Parses the attributes after the generic-netlink header.
    pub fn parse_attrs(buf: &[u8]) -> Result<Vec<CmdAttr>, DecodeError> {
        NlasIterator::new(buf)
            .map(|nla| nla.and_then(|n: NlaBuffer<&[u8]>| CmdAttr::parse(&n)))
            .collect()
    }
}

impl GenlFamily for IpvsMessage {
    fn family_name() -> &'static str {
        IPVS_GENL_NAME
    }

    fn command(&self) -> u8 {
        self.cmd.into()
    }

    fn version(&self) -> u8 {
        IPVS_GENL_VERSION
    }
}

impl Emitable for IpvsMessage {
    fn buffer_len(&self) -> usize {
        self.attrs.as_slice().buffer_len()
    }

    fn emit(&self, buffer: &mut [u8]) {
        self.attrs.as_slice().emit(buffer)
    }
}

impl ParseableParametrized<[u8], GenlHeader> for IpvsMessage {
    fn parse_with_param(buf: &[u8], header: GenlHeader) -> Result<Self, DecodeError> {
        Ok(IpvsMessage {
            cmd: header.cmd.into(),
            attrs: Self::parse_attrs(buf)?,
        })
    }
}
