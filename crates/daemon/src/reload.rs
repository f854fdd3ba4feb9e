//! Reload (SIGHUP): which instances survive, and how a surviving instance keeps its state and
//! changes its VIP set in place (no gap, no spurious transition, no notify).

use keepalived_conf::model::VrrpInstance;
use keepalived_conf::Config;
use keepalived_net::{AddressSpec, Netlink};

use crate::instance::Instance;
use crate::log;
use crate::vrrp::{Daemon, DaemonError};

/// Applies `new` to the running daemon.
pub(crate) async fn apply(d: &mut Daemon, new: Config) -> Result<(), DaemonError> {
    // What fifo_write_vrrp_states_on_reload needs of the instances before the reload.
    let write = new.global.fifo_write_vrrp_states_on_reload;
    let before: Vec<VrrpInstance> = match write {
        true => d.instances.iter().map(|i| i.conf.clone()).collect(),
        false => Vec::new(),
    };
    let groups_before: Vec<String> = d.groups.iter().map(|g| g.sync.name().to_owned()).collect();
    d.replace_config(new).await?;
    if write {
        write_states(d, &before, &groups_before);
    }
    log::info("Reload finished");
    Ok(())
}

/// `fifo_write_vrrp_states_on_reload`: keepalived writes the state of every group, and of every
/// instance that is not MASTER, that kept its state through the reload to the notify FIFOs
/// (vrrp_init_state: notify_group_fifo / notify_instance_fifo; a MASTER kept by the reload
/// takes another branch there and writes nothing); the others notify as usual.
fn write_states(d: &Daemon, before: &[VrrpInstance], groups_before: &[String]) {
    use crate::notify::{state_word, Subject};
    for g in &d.groups {
        if let (true, Some(s)) = (
            groups_before.iter().any(|n| n == g.sync.name()),
            crate::notify::notify_state(g.sync.state()),
        ) {
            d.fifos
                .write(Subject::Group, g.sync.name(), state_word(s), 0);
        }
    }
    for i in &d.instances {
        let kept = before
            .iter()
            .any(|o| o.name == i.conf.name && compatible(o, &i.conf));
        let Some(m) = d.router.machine(i.id) else {
            continue;
        };
        let state = m.state();
        if state == keepalived_vrrp::machine::State::Master {
            continue;
        }
        if let (true, Some(s)) = (kept, crate::notify::notify_state(state)) {
            d.fifos.write(
                Subject::Instance,
                &i.conf.name,
                state_word(s),
                m.effective_priority(),
            );
        }
    }
}

/// Whether a running instance can carry on under its new configuration: same virtual router
/// (interface, VRID, version, family, VMAC, unicast or multicast). Anything else is a new
/// instance: the old one stops and the new one starts.
pub(crate) fn compatible(old: &VrrpInstance, new: &VrrpInstance) -> bool {
    old.interface == new.interface
        && old.vrid == new.vrid
        && old.version == new.version
        && old.family == new.family
        && old.vmac == new.vmac
        && old.is_unicast() == new.is_unicast()
        && old.authentication == new.authentication
}

/// Whether everything an instance is built from outside its own block is the same in `old`
/// and `new`: global_defs, the tracked objects (scripts, files, processes, BFD), sync
/// groups, GARP groups, interface delays, static addresses/routes/rules, linkbeat. When
/// not, every instance is built again.
pub(crate) fn same_surroundings(old: &Config, new: &Config) -> bool {
    let (o, n) = (&old.vrrp, &new.vrrp);
    old.global == new.global
        && old.linkbeat_interfaces == new.linkbeat_interfaces
        && old.linkbeat_types == new.linkbeat_types
        && old.bfd == new.bfd
        && o.static_addresses == n.static_addresses
        && o.static_routes == n.static_routes
        && o.static_rules == n.static_rules
        && o.track_groups == n.track_groups
        && o.scripts == n.scripts
        && o.track_files == n.track_files
        && o.track_processes == n.track_processes
        && o.garp_groups == n.garp_groups
        && o.sync_groups == n.sync_groups
        && o.interface_delays == n.interface_delays
}

fn same(a: &AddressSpec, b: &AddressSpec) -> bool {
    a.ifindex == b.ifindex && a.addr == b.addr && a.prefix_len == b.prefix_len
}

/// The router keeps what `old` ran (machine, counters, AH counter, IP identification:
/// `fresh` was built resuming it, [`Resume`](crate::instance::Resume)); this carries over
/// the glue's state and, when `old` holds its VIPs, adds the new ones and removes the
/// dropped ones.
pub(crate) async fn carry_over(old: Instance, fresh: &mut Instance, netlink: &Netlink) {
    fresh.last_transition = old.last_transition;
    if !old.holds_vips {
        return;
    }
    let added: Vec<AddressSpec> = fresh
        .vip_specs()
        .iter()
        .filter(|n| !old.vip_specs().iter().any(|o| same(o, n)))
        .cloned()
        .collect();
    let removed: Vec<AddressSpec> = old
        .vip_specs()
        .iter()
        .filter(|o| !fresh.vip_specs().iter().any(|n| same(o, n)))
        .cloned()
        .collect();
    let name = &fresh.conf.name;
    if !added.is_empty() {
        if let Err(e) = netlink.add_addresses(&added).await {
            log::info(format!("({name}) adding VIPs failed: {e}"));
        }
    }
    if !removed.is_empty() {
        if let Err(e) = netlink.remove_addresses(&removed).await {
            log::info(format!("({name}) removing VIPs failed: {e}"));
        }
    }
    fresh.reinstall_routes(netlink, &old).await;
    fresh.holds_vips = true;
    if !added.is_empty() {
        fresh.announce(&added).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keepalived_conf::{FixedHost, ReadOptions};
    use std::path::Path;

    fn load(head: &str, last_vips: &str) -> Config {
        let mut text = head.to_owned();
        for (n, vips) in [("A", "10.1.0.1/32"), ("B", last_vips)] {
            text.push_str(&format!(
                "vrrp_instance {n} {{\n interface eth0\n virtual_router_id {}\n \
                 virtual_ipaddress {{\n  {vips}\n }}\n}}\n",
                if n == "A" { 1 } else { 2 }
            ));
        }
        keepalived_conf::load_str(
            &text,
            Path::new("t.conf"),
            &ReadOptions::default(),
            &FixedHost::lab(),
        )
        .config
    }

    #[test]
    fn a_changed_instance_leaves_the_others_and_the_surroundings_the_same() {
        let old = load("", "10.1.0.2/32");
        let new = load("", "10.1.0.2/32\n  10.1.0.3/32");
        assert!(same_surroundings(&old, &new));
        assert_eq!(old.vrrp.instances[0], new.vrrp.instances[0]);
        assert_ne!(old.vrrp.instances[1], new.vrrp.instances[1]);
    }

    #[test]
    fn a_changed_script_or_global_changes_the_surroundings() {
        let script = "vrrp_script S {\n script \"/bin/true\"\n}\n";
        let base = load(script, "10.1.0.2/32");
        let other = "vrrp_script S {\n script \"/bin/false\"\n}\n";
        assert!(!same_surroundings(&base, &load(other, "10.1.0.2/32")));
        let global = format!("global_defs {{\n vrrp_garp_master_delay 2\n}}\n{script}");
        assert!(!same_surroundings(&base, &load(&global, "10.1.0.2/32")));
    }
}
