//! Linkbeat: an interface's link state polled through ioctls instead of taken from netlink
//! (keepalived's `linkbeat_interfaces` / `linkbeat_use_polling`, vrrp_if.c): the MII
//! transceiver's status register (SIOCGMIIPHY/SIOCGMIIREG), ethtool's ETHTOOL_GLINK
//! (SIOCETHTOOL), or the interface flags (SIOCGIFFLAGS).

use std::os::fd::{AsRawFd, OwnedFd};

/// How an interface's link is read (keepalived's LB_MII, LB_ETHTOOL, LB_IOCTL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkbeatKind {
    /// The MII transceiver's Basic Mode Status Register.
    Mii,
    /// ethtool's ETHTOOL_GLINK.
    Ethtool,
    /// IFF_UP and IFF_RUNNING from SIOCGIFFLAGS only.
    Ioctl,
}

impl LinkbeatKind {
    /// The name keepalived logs (and the config takes).
    pub fn as_str(self) -> &'static str {
        match self {
            LinkbeatKind::Mii => "MII",
            LinkbeatKind::Ethtool => "ETHTOOL",
            LinkbeatKind::Ioctl => "IOCTL",
        }
    }

    /// keepalived's interface dump line for a polled interface.
    pub fn dump_line(self) -> &'static str {
        match self {
            LinkbeatKind::Mii => "NIC support MII regs",
            LinkbeatKind::Ethtool => "NIC support ETHTOOL GLINK interface",
            LinkbeatKind::Ioctl => "NIC ioctl refresh polling",
        }
    }
}

const SIOCGMIIPHY: libc::c_ulong = 0x8947;
const SIOCGMIIREG: libc::c_ulong = 0x8948;
const SIOCETHTOOL: libc::c_ulong = 0x8946;
const ETHTOOL_GLINK: u32 = 0x0000_000a;
const MII_BMCR: u16 = 0x00;
const MII_BMSR: u16 = 0x01;
const BMSR_LSTATUS: u16 = 0x0004;

/// struct ifreq: the name, then a 24-byte union (ifr_flags, ifr_data, mii_ioctl_data).
#[repr(C)]
#[derive(Clone, Copy)]
struct IfReq {
    name: [libc::c_char; libc::IFNAMSIZ],
    data: IfReqData,
}

#[repr(C)]
#[derive(Clone, Copy)]
union IfReqData {
    flags: libc::c_short,
    ptr: *mut libc::c_void,
    mii: MiiData,
    pad: [u8; 24],
}

/// struct mii_ioctl_data.
#[repr(C)]
#[derive(Clone, Copy)]
struct MiiData {
    phy_id: u16,
    reg_num: u16,
    val_in: u16,
    val_out: u16,
}

/// struct ethtool_value.
#[repr(C)]
struct EthtoolValue {
    cmd: u32,
    data: u32,
}

/// The datagram socket the probes' ioctls go through (keepalived's linkbeat_fd).
#[derive(Debug)]
pub struct Prober {
    fd: OwnedFd,
}

impl Prober {
    /// Opens the socket (in the caller thread's network namespace).
    pub fn new() -> std::io::Result<Prober> {
        let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None)?;
        Ok(Prober { fd: s.into() })
    }

    fn ifreq(name: &str) -> IfReq {
        let mut req = IfReq {
            name: [0; libc::IFNAMSIZ],
            data: IfReqData { pad: [0; 24] },
        };
        for (d, s) in req
            .name
            .iter_mut()
            .zip(name.bytes().take(libc::IFNAMSIZ - 1))
        {
            *d = s as libc::c_char;
        }
        req
    }

    fn ioctl(&self, request: libc::c_ulong, req: &mut IfReq) -> std::io::Result<()> {
        // SAFETY: `req` is a valid, writable struct ifreq for the whole call; any pointer in
        // its union points to memory owned by the caller's frame.
        let rc = unsafe { libc::ioctl(self.fd.as_raw_fd(), request as _, req as *mut IfReq) };
        if rc < 0 {
            Err(std::io::Error::last_os_error())
        } else {
            Ok(())
        }
    }

    fn mii_read(&self, req: &mut IfReq, phy_id: u16, reg: u16) -> Option<u16> {
        req.data.mii = MiiData {
            phy_id,
            reg_num: reg,
            val_in: 0,
            val_out: 0,
        };
        self.ioctl(SIOCGMIIREG, req).ok()?;
        // SAFETY: the kernel filled in mii_ioctl_data.
        Some(unsafe { req.data.mii.val_out })
    }

    /// keepalived's if_mii_probe: `None` when the driver has no MII registers, else whether
    /// the link is up (the status register read twice: its link bit latches low).
    pub fn mii(&self, name: &str) -> Option<bool> {
        let mut req = Self::ifreq(name);
        self.ioctl(SIOCGMIIPHY, &mut req).ok()?;
        // SAFETY: the kernel filled in mii_ioctl_data.
        let phy_id = unsafe { req.data.mii.phy_id };
        self.mii_read(&mut req, phy_id, MII_BMSR)?;
        let bmcr = self.mii_read(&mut req, phy_id, MII_BMCR).unwrap_or(0xffff);
        let bmsr = self.mii_read(&mut req, phy_id, MII_BMSR).unwrap_or(0xffff);
        if bmcr == 0xffff || bmsr == 0 {
            return None;
        }
        let again = self.mii_read(&mut req, phy_id, MII_BMSR).unwrap_or(0xffff);
        Some((bmsr | again) & BMSR_LSTATUS != 0)
    }

    /// keepalived's if_ethtool_probe: `None` when the driver does not answer ETHTOOL_GLINK,
    /// else whether it reports the link (carrier) up.
    pub fn ethtool(&self, name: &str) -> Option<bool> {
        let mut value = EthtoolValue {
            cmd: ETHTOOL_GLINK,
            data: 0,
        };
        let mut req = Self::ifreq(name);
        req.data.ptr = (&mut value as *mut EthtoolValue).cast();
        self.ioctl(SIOCETHTOOL, &mut req).ok()?;
        Some(value.data != 0)
    }

    /// keepalived's if_ioctl_flags: IFF_UP and IFF_RUNNING both set. An error other than
    /// "no such device" counts as up, as there.
    pub fn flags_up(&self, name: &str) -> bool {
        let mut req = Self::ifreq(name);
        match self.ioctl(libc::SIOCGIFFLAGS, &mut req) {
            // SAFETY: the kernel filled in ifr_flags.
            Ok(()) => {
                let f = i32::from(unsafe { req.data.flags });
                f & libc::IFF_UP != 0 && f & libc::IFF_RUNNING != 0
            }
            Err(e) => e.raw_os_error() != Some(libc::ENODEV),
        }
    }

    /// keepalived's init_linkbeat_status: which probe works on `name`, starting from the
    /// configured one (none: MII, then ETHTOOL, then IOCTL; ETHTOOL configured but not
    /// answered: MII), and whether the link is up.
    pub fn init(&self, name: &str, configured: Option<LinkbeatKind>) -> (LinkbeatKind, bool) {
        let mut kind = configured;
        let mut up = false;
        if matches!(kind, None | Some(LinkbeatKind::Mii)) {
            match self.mii(name) {
                Some(u) => {
                    kind = Some(LinkbeatKind::Mii);
                    up = u;
                }
                None => kind = None,
            }
        }
        if matches!(kind, None | Some(LinkbeatKind::Ethtool)) {
            match self.ethtool(name) {
                Some(u) => {
                    kind = Some(LinkbeatKind::Ethtool);
                    up = u;
                }
                None => match kind.and_then(|_| self.mii(name)) {
                    Some(u) => {
                        kind = Some(LinkbeatKind::Mii);
                        up = u;
                    }
                    None => kind = None,
                },
            }
        }
        let kind = match kind {
            Some(k) if k != LinkbeatKind::Ioctl => k,
            _ => {
                up = true;
                LinkbeatKind::Ioctl
            }
        };
        (kind, up && self.flags_up(name))
    }

    /// keepalived's if_linkbeat_refresh_thread for a known probe: the probe (a failing one
    /// counts as up), then the flags.
    pub fn poll(&self, name: &str, kind: LinkbeatKind) -> bool {
        let up = match kind {
            LinkbeatKind::Mii => self.mii(name).unwrap_or(true),
            LinkbeatKind::Ethtool => self.ethtool(name).unwrap_or(true),
            LinkbeatKind::Ioctl => true,
        };
        up && self.flags_up(name)
    }
}
