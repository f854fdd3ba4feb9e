//! The `/proc/sys` settings keepalived applies around VMAC interfaces
//! (vrrp_if_config.c, sysctl variant). Paths resolve in the network namespace of
//! the calling thread.

use std::fs;

use crate::{NetError, Result};

/// Values of the parent interface's settings before [`apply_vmac_sysctls`]
/// changed them, to hand back to [`restore_parent_sysctls`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SavedParentArp {
    /// Previous `arp_ignore`.
    pub arp_ignore: u8,
    /// Previous `arp_filter`.
    pub arp_filter: u8,
}

fn path(family: &str, ifname: &str, key: &str) -> Result<String> {
    if ifname.is_empty() || ifname.contains('/') || ifname == "." || ifname == ".." {
        return Err(NetError::Invalid(format!("bad interface name {ifname:?}")));
    }
    Ok(format!("/proc/sys/net/{family}/conf/{ifname}/{key}"))
}

/// Reads `/proc/sys/net/{ipv4,ipv6}/conf/IFNAME/KEY` as an integer.
pub fn read_conf(ipv6: bool, ifname: &str, key: &str) -> Result<i64> {
    let p = path(if ipv6 { "ipv6" } else { "ipv4" }, ifname, key)?;
    let text = fs::read_to_string(&p).map_err(NetError::io("read sysctl"))?;
    text.trim()
        .parse()
        .map_err(|_| NetError::Invalid(format!("{p}: not a number: {text:?}")))
}

/// Writes `/proc/sys/net/{ipv4,ipv6}/conf/IFNAME/KEY`.
pub fn write_conf(ipv6: bool, ifname: &str, key: &str, value: i64) -> Result<()> {
    let p = path(if ipv6 { "ipv6" } else { "ipv4" }, ifname, key)?;
    fs::write(&p, format!("{value}\n")).map_err(NetError::io("write sysctl"))
}

/// What keepalived does when it creates a VMAC: on the VMAC `arp_ignore=1`,
/// `accept_local=1`, `rp_filter=0`, `promote_secondaries=1`; on the parent
/// `arp_ignore=1` and `arp_filter=1` (so the parent does not answer ARP for the
/// VIPs). Returns the parent's previous values.
pub fn apply_vmac_sysctls(vmac: &str, parent: &str) -> Result<SavedParentArp> {
    write_conf(false, vmac, "arp_ignore", 1)?;
    write_conf(false, vmac, "accept_local", 1)?;
    write_conf(false, vmac, "rp_filter", 0)?;
    write_conf(false, vmac, "promote_secondaries", 1)?;
    let saved = SavedParentArp {
        arp_ignore: read_conf(false, parent, "arp_ignore")?.clamp(0, 255) as u8,
        arp_filter: read_conf(false, parent, "arp_filter")?.clamp(0, 255) as u8,
    };
    if saved.arp_ignore != 1 {
        write_conf(false, parent, "arp_ignore", 1)?;
    }
    if saved.arp_filter != 1 {
        write_conf(false, parent, "arp_filter", 1)?;
    }
    Ok(saved)
}

/// Puts back the parent's `arp_ignore`/`arp_filter` (when its last VMAC goes).
pub fn restore_parent_sysctls(parent: &str, saved: SavedParentArp) -> Result<()> {
    write_conf(false, parent, "arp_ignore", saved.arp_ignore.into())?;
    write_conf(false, parent, "arp_filter", saved.arp_filter.into())
}
