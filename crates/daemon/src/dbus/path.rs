//! keepalived's DBus object paths (vrrp/vrrp_dbus.c): `/org/keepalived/Vrrp1[/NETNS][/INSTANCE]/Vrrp`
//! and `…/Instance/<interface>/<vrid>/<IPv4|IPv6>`, and the words its properties use.

use keepalived_vrrp::machine::State;

/// keepalived's DBUS_SERVICE_NAME, the default `dbus_service_name`.
pub(crate) const SERVICE_NAME: &str = "org.keepalived.Vrrp1";
/// The root of every object path.
const ROOT: &str = "/org/keepalived/Vrrp1";
/// The interface part of the path of an instance without an interface (keepalived 2.3's
/// default `dbus_no_interface_name`; 2.2.7's fixed `no_interface`).
pub(crate) const NO_INTERFACE: &str = "none";

/// An address family as keepalived's paths name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    /// `IPv4`.
    V4,
    /// `IPv6`.
    V6,
}

impl Family {
    fn word(self) -> &'static str {
        match self {
            Family::V4 => "IPv4",
            Family::V6 => "IPv6",
        }
    }
}

/// What identifies an instance's object: its (sanitised) interface, VRID and family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Key {
    /// The interface name with every character but A-Z, a-z, 0-9 made `_`.
    pub(crate) ifname: String,
    /// The VRID.
    pub(crate) vrid: u8,
    /// The family.
    pub(crate) family: Family,
}

impl Key {
    /// The key of an instance on `ifname` (sanitised here).
    pub(crate) fn new(ifname: &str, vrid: u8, family: Family) -> Key {
        Key {
            ifname: valid_path(ifname),
            vrid,
            family,
        }
    }

    /// Whether an instance configured on `ifname` with `vrid` and `family` is this one
    /// (keepalived's get_vrrp_instance: the interface compared after sanitising).
    pub(crate) fn matches(&self, ifname: &str, vrid: u8, family: Family) -> bool {
        self.vrid == vrid && self.family == family && valid_path(ifname) == self.ifname
    }

    /// keepalived's text for it in error messages: `d0/51/IPv4`.
    pub(crate) fn describe(&self) -> String {
        format!("{}/{}/{}", self.ifname, self.vrid, self.family.word())
    }
}

/// The prefix of every path: the root, then `net_namespace` and `instance` when set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Paths {
    prefix: String,
}

impl Paths {
    /// Paths for a process in `namespace` named `instance` (keepalived's
    /// global_data->network_namespace and instance_name, as they are).
    pub(crate) fn new(namespace: Option<&str>, instance: Option<&str>) -> Paths {
        let mut prefix = ROOT.to_owned();
        for part in [namespace, instance].into_iter().flatten() {
            prefix.push('/');
            prefix.push_str(part);
        }
        Paths { prefix }
    }

    /// The VRRP object's path.
    pub(crate) fn vrrp(&self) -> String {
        format!("{}/Vrrp", self.prefix)
    }

    /// An instance object's path.
    pub(crate) fn instance(&self, key: &Key) -> String {
        format!(
            "{}/Instance/{}/{}/{}",
            self.prefix,
            key.ifname,
            key.vrid,
            key.family.word()
        )
    }
}

/// keepalived's set_valid_path: the only characters valid in a DBus path element are
/// A-Z, a-z, 0-9 and `_`; every other byte becomes `_`.
pub(crate) fn valid_path(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                b as char
            } else {
                '_'
            }
        })
        .collect()
}

/// keepalived's numeric state (vrrp->state) in VrrpStatusChange and the State property.
pub(crate) fn state_number(state: State) -> u32 {
    match state {
        State::Init => 0,
        State::Backup => 1,
        State::Master => 2,
        State::Fault => 3,
        State::Stop => 98,
    }
}

/// keepalived's VRRP_STATE_DELETED, the state of an instance a reload removed.
pub(crate) const STATE_DELETED: u32 = 97;

/// keepalived's state_str: the word beside the number in the State property.
pub(crate) fn state_word(number: u32) -> &'static str {
    match number {
        0 => "Init",
        1 => "Backup",
        2 => "Master",
        3 => "Fault",
        98 => "Stop",
        STATE_DELETED => "Deleted",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_paths_are_keepalived_s() {
        let p = Paths::new(None, None);
        assert_eq!(p.vrrp(), "/org/keepalived/Vrrp1/Vrrp");
        let k = Key::new("eth0.10", 51, Family::V4);
        assert_eq!(
            p.instance(&k),
            "/org/keepalived/Vrrp1/Instance/eth0_10/51/IPv4"
        );
        let p = Paths::new(Some("blue"), Some("lb1"));
        assert_eq!(p.vrrp(), "/org/keepalived/Vrrp1/blue/lb1/Vrrp");
        let k = Key::new("d0", 7, Family::V6);
        assert_eq!(
            p.instance(&k),
            "/org/keepalived/Vrrp1/blue/lb1/Instance/d0/7/IPv6"
        );
    }

    #[test]
    fn a_key_matches_the_interface_after_sanitising() {
        let k = Key::new("eth0.10", 51, Family::V4);
        assert!(k.matches("eth0.10", 51, Family::V4));
        assert!(k.matches("eth0-10", 51, Family::V4));
        assert!(!k.matches("eth0.10", 51, Family::V6));
        assert!(!k.matches("eth0.10", 52, Family::V4));
        assert_eq!(k.describe(), "eth0_10/51/IPv4");
    }

    #[test]
    fn states_are_keepalived_s_numbers_and_words() {
        assert_eq!(state_number(State::Master), 2);
        assert_eq!(state_word(2), "Master");
        assert_eq!(state_word(state_number(State::Stop)), "Stop");
        assert_eq!(state_word(STATE_DELETED), "Deleted");
        assert_eq!(state_word(7), "Unknown");
    }
}
