//! The loop's answers to the DBus thread (keepalived's handle_dbus_msg), and what it tells
//! the thread about its instances.

use keepalived_conf::model::GlobalDefs;
use keepalived_vrrp::machine::State;

use super::path::{state_number, Family, Key, NO_INTERFACE};
use super::{Answer, Ask, Object, Request};
use crate::instance::Instance;
use crate::log;
use crate::snapshot::DumpRequest;
use crate::vrrp::Daemon;

impl Instance {
    /// The key of this instance's DBus object: its configured interface (the VMAC's parent;
    /// `dbus_no_interface_name`, default `none`, without one), VRID and family.
    pub(crate) fn dbus_key(&self, global: &GlobalDefs) -> Key {
        let ifname = self.conf.interface.as_deref().unwrap_or(
            global
                .dbus_no_interface_name
                .as_deref()
                .unwrap_or(NO_INTERFACE),
        );
        let family = if self.is_ipv6() {
            Family::V6
        } else {
            Family::V4
        };
        Key::new(ifname, self.vrid(), family)
    }
}

impl Daemon {
    /// An instance's state, from the router.
    fn state_of(&self, i: &Instance) -> State {
        self.router.machine(i.id).map_or(State::Init, |m| m.state())
    }

    /// The instances' objects, for the DBus thread.
    pub(crate) fn dbus_objects(&self) -> Vec<Object> {
        self.instances
            .iter()
            .map(|i| Object {
                name: i.conf.name.clone(),
                key: i.dbus_key(&self.config.global),
                state: state_number(self.state_of(i)),
            })
            .collect()
    }

    fn dbus_instance(&self, key: &Key) -> Option<&Instance> {
        let g = &self.config.global;
        self.instances.iter().find(|i| {
            let k = i.dbus_key(g);
            key.matches(&k.ifname, k.vrid, k.family)
        })
    }

    /// Answers one DBus request (it never waits for anything).
    pub(crate) fn dbus_answer(&mut self, req: Request) {
        let answer = match req.ask {
            Ask::PrintData => {
                log::info("Printing VRRP data on DBus request");
                self.dump(DumpRequest::Data);
                Answer::Done
            }
            Ask::PrintStats => {
                log::info("Printing VRRP stats on DBus request");
                self.dump(DumpRequest::Stats);
                Answer::Done
            }
            Ask::PrintStatsClear => {
                log::info("Printing and clearing VRRP stats on DBus request");
                self.dump(DumpRequest::StatsClear);
                Answer::Done
            }
            Ask::SendGarp(key) => match self.dbus_instance(&key) {
                Some(i) => {
                    log::info(format!("Sending garps on {} on DBus request", i.conf.name));
                    // keepalived's vrrp_send_link_update(vrrp, 1): only while the VIPs are set.
                    if i.holds_vips {
                        i.send_gratuitous(1);
                    }
                    Answer::Done
                }
                None => Answer::NotFound,
            },
            Ask::Get(key) => match self.dbus_instance(&key) {
                Some(i) => Answer::Instance {
                    name: i.conf.name.clone(),
                    state: state_number(self.state_of(i)),
                },
                None => Answer::NotFound,
            },
        };
        let _ = req.reply.send(answer);
    }
}
