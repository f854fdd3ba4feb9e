//! One VRRP instance at run time: its machine, its interface, its VIPs, and how its
//! actions become packets, netlink requests and scripts.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use keepalived_conf::model::{AuthType, GlobalDefs, VrrpInstance};
use keepalived_net::announce::Announcer;
use keepalived_net::vrrp_socket::{VrrpSendV4, VrrpSendV6};
use keepalived_net::{AddressSpec, Netlink};
use keepalived_vrrp::machine::{self, Action, InstanceConfig, Machine, NotifyState};
use keepalived_vrrp::wire::{
    self, Addresses, AhCounter, AhEmit, Auth, Centiseconds, InstanceExpectation, Ipv4Emit, Repr,
    UnicastPeer,
};

use crate::{log, notify};

/// Why an instance cannot run.
pub type SetupError = String;

/// The interface an instance runs on, shared by the instances on it.
pub struct Link {
    /// Interface index.
    pub ifindex: u32,
    /// Primary IPv4 address (the advert source unless configured).
    pub primary: Ipv4Addr,
    /// Link-local IPv6 address (the source of IPv6 adverts).
    pub link_local: Option<Ipv6Addr>,
    /// Sender of IPv4 adverts on this interface.
    pub sender: Arc<VrrpSendV4>,
    /// Sender of IPv6 adverts on this interface, opened when an IPv6 instance needs it.
    pub sender6: Option<Arc<VrrpSendV6>>,
    /// Sender of gratuitous ARPs on this interface.
    pub announcer: Arc<Announcer>,
}

/// A running instance.
pub struct Instance {
    /// The configuration it came from.
    pub conf: VrrpInstance,
    /// The protocol state machine.
    pub machine: Machine,
    /// The interface adverts, VIPs and gratuitous ARPs go out on (the VMAC with use_vmac).
    pub link: Arc<Link>,
    /// The interface adverts are received on and whose state it tracks (the base interface).
    pub rx_ifindex: u32,
    vrid: u8,
    version: u8,
    src: IpAddr,
    auth: Auth,
    ah_key: Option<[u8; 8]>,
    ah: AhCounter,
    ident: u16,
    vip_specs: Vec<AddressSpec>,
    vips: Vec<IpAddr>,
    vips4: Vec<Ipv4Addr>,
    vips6: Vec<Ipv6Addr>,
    peers: Vec<UnicastPeer>,
    advert_int: Duration,
    /// Adverts dropped, by keepalived's counter name.
    pub drops: std::collections::BTreeMap<&'static str, u64>,
}

/// The netlink request for a configured address on `ifindex`.
fn address_spec(ifindex: u32, v: &keepalived_conf::model::IpAddressSpec) -> AddressSpec {
    let mut spec = AddressSpec::new(ifindex, v.prefix.addr, v.prefix.len);
    spec.label = v.label.clone();
    // A VIP must be usable at once: no duplicate address detection (as keepalived).
    spec.nodad = v.nodad || v.prefix.addr.is_ipv6();
    spec
}

fn auth_of(conf: &VrrpInstance, global: &GlobalDefs) -> (Auth, Option<[u8; 8]>) {
    let Some(a) = conf.effective_authentication(global) else {
        return (Auth::None, None);
    };
    let mut key = [0u8; 8];
    for (k, b) in key.iter_mut().zip(&a.password) {
        *k = *b;
    }
    match a.auth_type {
        Some(AuthType::Pass) => (Auth::Pass(key), None),
        Some(AuthType::Ah) => (Auth::Ah, Some(key)),
        None => (Auth::None, None),
    }
}

impl Instance {
    /// Builds the run-time instance of `conf` on `link`.
    pub fn new(
        conf: &VrrpInstance,
        global: &GlobalDefs,
        link: Arc<Link>,
        rx_ifindex: u32,
        now: Instant,
    ) -> Result<Instance, SetupError> {
        let vrid = conf.vrid.ok_or("no virtual_router_id")?;
        let version = conf.version(global);
        let ipv6 = conf
            .virtual_ipaddresses
            .first()
            .is_some_and(|v| v.prefix.addr.is_ipv6())
            || matches!(conf.src_ip, Some(IpAddr::V6(_)));
        let src = match conf.src_ip {
            Some(a) => a,
            None if ipv6 => IpAddr::V6(
                link.link_local
                    .ok_or("no IPv6 link-local address on the interface")?,
            ),
            None => IpAddr::V4(link.primary),
        };
        let mut vips4 = Vec::new();
        let mut vips6 = Vec::new();
        let mut vip_specs = Vec::new();
        for v in &conf.virtual_ipaddresses {
            match v.prefix.addr {
                IpAddr::V4(a) if !ipv6 => vips4.push(a),
                IpAddr::V6(a) if ipv6 => vips6.push(a),
                _ => return Err("virtual addresses of both families".into()),
            }
            vip_specs.push(address_spec(link.ifindex, v));
        }
        // virtual_ipaddress_excluded: held with the VIPs, never listed in adverts.
        for v in &conf.excluded_ipaddresses {
            vip_specs.push(address_spec(link.ifindex, v));
        }
        let advert_int = conf.advert_int(global);
        let mut mc = InstanceConfig::new(
            conf.name.clone(),
            if version == 3 {
                machine::Version::V3
            } else {
                machine::Version::V2
            },
            src,
            conf.priority,
        );
        mc.advert_interval = advert_int;
        mc.initial_state = match conf.state {
            keepalived_conf::model::InitialState::Master => machine::InitialState::Master,
            _ => machine::InitialState::Backup,
        };
        mc.preempt = conf.preempt;
        mc.preempt_delay = conf.preempt_delay;
        mc.down_timer_adverts = u32::from(conf.down_timer_adverts);
        let (auth, ah_key) = auth_of(conf, global);
        let peers = conf
            .unicast_peers
            .iter()
            .map(|p| UnicastPeer {
                addr: p.addr,
                min_ttl: p.min_ttl.unwrap_or(0),
                max_ttl: p.max_ttl.unwrap_or(255),
            })
            .collect();
        Ok(Instance {
            conf: conf.clone(),
            machine: Machine::new(mc, now),
            link,
            rx_ifindex,
            vrid,
            version,
            src,
            auth,
            ah_key,
            ah: AhCounter::default(),
            ident: 0,
            vip_specs,
            vips: conf
                .virtual_ipaddresses
                .iter()
                .map(|v| v.prefix.addr)
                .collect(),
            vips4,
            vips6,
            peers,
            advert_int,
            drops: Default::default(),
        })
    }

    /// Whether the instance runs over IPv6.
    pub fn is_ipv6(&self) -> bool {
        self.src.is_ipv6()
    }

    /// The VRID.
    pub fn vrid(&self) -> u8 {
        self.vrid
    }

    /// Checks a decoded advert against this instance and feeds it to the machine.
    pub fn receive(&mut self, advert: &wire::Advert, now: Instant) {
        let exp = InstanceExpectation {
            vrid: self.vrid,
            version: self.version,
            auth: self.auth,
            ah_key: self.ah_key.unwrap_or_default(),
            advert_int: self.advert_int,
            vips: &self.vips,
            check_vip_addr: true,
            unicast_peers: &self.peers,
            check_unicast_src: self.conf.check_unicast_src,
        };
        if let Err(e) = advert.validate(&exp, &mut self.ah) {
            log::info(format!("({}) advert dropped: {e}", self.conf.name));
            if let Some(name) = e.counter_name() {
                *self.drops.entry(name).or_default() += 1;
            }
            return;
        }
        let ev = machine::Event::Advert(machine::Advert {
            source: advert.src_addr(),
            priority: advert.repr.priority,
            interval: advert.repr.advert_interval(),
        });
        self.machine.handle_event(now, ev);
    }

    /// Carries out every pending action of the machine.
    pub async fn run_actions(&mut self, netlink: &Netlink) {
        while let Some(action) = self.machine.poll_action() {
            self.execute(action, netlink).await;
        }
    }

    async fn execute(&mut self, action: Action, netlink: &Netlink) {
        match action {
            Action::SendAdvert { priority, interval } => self.send_advert(priority, interval).await,
            Action::AddVips { .. } => {
                if let Err(e) = netlink.add_addresses(&self.vip_specs).await {
                    log::info(format!("({}) adding VIPs failed: {e}", self.conf.name));
                }
            }
            Action::RemoveVips { .. } => {
                if let Err(e) = netlink.remove_addresses(&self.vip_specs).await {
                    log::info(format!("({}) removing VIPs failed: {e}", self.conf.name));
                }
            }
            Action::SendGratuitous { count } => {
                for _ in 0..count {
                    let sent = self
                        .link
                        .announcer
                        .send_burst(&self.vips4, &self.vips6, false)
                        .await;
                    if let Err(e) = sent {
                        log::info(format!("({}) gratuitous ARP failed: {e}", self.conf.name));
                        break;
                    }
                }
            }
            Action::StateChanged { to, .. } => {
                log::info(format!("({}) Entering {to} STATE", self.conf.name));
            }
            Action::Notify {
                new_state,
                priority,
            } => self.notify(new_state, priority),
            _ => {}
        }
    }

    fn notify(&self, state: NotifyState, priority: u8) {
        let n = &self.conf.notify;
        let (specific, word) = match state {
            NotifyState::Master => (&n.master, "MASTER"),
            NotifyState::Backup => (&n.backup, "BACKUP"),
            NotifyState::Fault => (&n.fault, "FAULT"),
            NotifyState::Stop => (&n.stop, "STOP"),
        };
        if let Some(s) = specific {
            notify::spawn(s, &[]);
        }
        if let Some(s) = &n.notify {
            let args = [
                "INSTANCE".to_owned(),
                self.conf.name.clone(),
                word.to_owned(),
                priority.to_string(),
            ];
            notify::spawn(s, &args);
        }
    }

    async fn send_advert(&mut self, priority: u8, interval: Duration) {
        let version = if self.version == 3 {
            let cs = u16::try_from(interval.as_millis() / 10).unwrap_or(4095);
            wire::Version::V3 {
                advert_int: Centiseconds::new(cs.clamp(1, 4095)).unwrap_or(Centiseconds::MAX),
            }
        } else {
            wire::Version::V2 {
                advert_int: u8::try_from(interval.as_secs().max(1)).unwrap_or(255),
                auth: self.auth,
            }
        };
        let addresses = if self.src.is_ipv6() {
            Addresses::V6(self.vips6.clone())
        } else {
            Addresses::V4(self.vips4.clone())
        };
        let repr = Repr {
            vrid: self.vrid,
            priority,
            version,
            addresses,
        };
        // keepalived counts the IP identification up from 1 and skips 0.
        self.ident = self.ident.wrapping_add(1).max(1);
        if self.ah_key.is_some() {
            self.ah.seq_number = self.ah.seq_number.wrapping_add(1);
        }
        let dsts: Vec<IpAddr> = if self.peers.is_empty() {
            vec![if self.src.is_ipv6() {
                IpAddr::V6(wire::MCAST_GROUP6)
            } else {
                IpAddr::V4(wire::MCAST_GROUP4)
            }]
        } else {
            self.peers.iter().map(|p| p.addr).collect()
        };
        for dst in dsts {
            let sent = match (self.src, dst) {
                (IpAddr::V4(src), IpAddr::V4(dst)) => self.send_v4(&repr, src, dst).await,
                (IpAddr::V6(src), IpAddr::V6(dst)) => self.send_v6(&repr, src, dst).await,
                _ => Err("advert source and destination families differ".into()),
            };
            if let Err(e) = sent {
                log::info(format!("({}) sending advert failed: {e}", self.conf.name));
            }
        }
    }

    async fn send_v4(&self, repr: &Repr, src: Ipv4Addr, dst: Ipv4Addr) -> Result<(), String> {
        let mut params = Ipv4Emit::new(src, dst, self.ident);
        if !self.peers.is_empty() {
            params.ttl = self.conf.unicast_ttl;
        }
        if let Some(key) = self.ah_key {
            params.ah = Some(AhEmit {
                key,
                seq_number: self.ah.seq_number,
                unicast: !self.peers.is_empty(),
            });
        }
        let pkt = wire::emit_ipv4(repr, &params).map_err(|e| format!("{e:?}"))?;
        self.link
            .sender
            .send(&pkt, dst)
            .await
            .map_err(|e| e.to_string())?;
        Ok(())
    }

    async fn send_v6(&self, repr: &Repr, src: Ipv6Addr, dst: Ipv6Addr) -> Result<(), String> {
        let sender = self.link.sender6.as_ref().ok_or("no IPv6 send socket")?;
        let payload = wire::emit_ipv6(repr, src, dst).map_err(|e| format!("{e:?}"))?;
        sender
            .send(&payload, dst, Some(src))
            .await
            .map_err(|e| e.to_string())?;
        Ok(())
    }
}
