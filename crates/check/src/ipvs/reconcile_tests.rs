//! Adopting a kernel table at start, against a recorder that plays the kernel.

use keepalived_conf::{load_str, FixedHost, ReadOptions};

use super::convert::{DestEntry, ServiceEntry};
use super::reconcile::{prune, Adopt};
use super::{Destination, Ipvs, IpvsError, Service, ServiceKey};
use crate::log::Logger;
use crate::plan;

#[derive(Default)]
struct Kernel(Vec<String>);

impl Ipvs for Kernel {
    fn add_service(&mut self, s: &Service) -> Result<(), IpvsError> {
        self.0.push(format!("add-svc {}", s.key));
        Ok(())
    }
    fn edit_service(&mut self, s: &Service) -> Result<(), IpvsError> {
        self.0.push(format!("edit-svc {}", s.key));
        Ok(())
    }
    fn del_service(&mut self, s: &Service) -> Result<(), IpvsError> {
        self.0.push(format!("del-svc {}", s.key));
        Ok(())
    }
    fn add_dest(&mut self, s: &Service, d: &Destination) -> Result<(), IpvsError> {
        self.0.push(format!("add {} {}", d.wire_addr(s), d.weight));
        Ok(())
    }
    fn edit_dest(&mut self, s: &Service, d: &Destination) -> Result<(), IpvsError> {
        self.0.push(format!("edit {} {}", d.wire_addr(s), d.weight));
        Ok(())
    }
    fn del_dest(&mut self, s: &Service, d: &Destination) -> Result<(), IpvsError> {
        self.0.push(format!("del {}", d.wire_addr(s)));
        Ok(())
    }
    fn flush(&mut self) -> Result<(), IpvsError> {
        self.0.push("flush".to_owned());
        Ok(())
    }
    fn set_timeouts(
        &mut self,
        tcp: Option<u32>,
        tcpfin: Option<u32>,
        udp: Option<u32>,
    ) -> Result<(), IpvsError> {
        self.0.push(format!("timeouts {tcp:?} {tcpfin:?} {udp:?}"));
        Ok(())
    }
}

fn dest(a: &str, weight: u32) -> DestEntry {
    DestEntry {
        addr: a.parse().unwrap(),
        fwd_method: 0,
        weight,
        u_threshold: 0,
        l_threshold: 0,
    }
}

#[test]
fn a_kept_service_is_edited_its_known_servers_edited_and_strays_removed() {
    let text = "virtual_server 10.0.0.1 80 {\n lb_algo rr\n lb_kind NAT\n protocol TCP\n \
                real_server 10.0.0.5 8080 {\n  weight 3\n }\n \
                real_server 10.0.0.6 8080 {\n  weight 1\n }\n}\n\
                virtual_server 10.0.0.2 80 {\n lb_algo rr\n lb_kind DR\n protocol TCP\n \
                real_server 10.0.0.7 80 {\n }\n}\n";
    let l = load_str(
        text,
        "t.conf".as_ref(),
        &ReadOptions::default(),
        &FixedHost::lab(),
    );
    let mut pool = plan::build(&l.config, &Logger::new(|_| {})).pool;
    let present = vec![ServiceEntry {
        key: ServiceKey::Addr {
            protocol: keepalived_conf::model::Protocol::Tcp,
            addr: "10.0.0.1:80".parse().unwrap(),
        },
        scheduler: "wlc".into(),
        flags: 2,
        timeout: 0,
        netmask: u32::MAX,
        pe_name: None,
        dests: vec![dest("10.0.0.5:8080", 9), dest("10.0.0.99:8080", 1)],
    }];
    let mut k = Kernel::default();
    pool.init(&mut Adopt::new(&mut k, &present));
    assert!(prune(&mut k, &present, &pool).is_empty());
    assert_eq!(
        k.0,
        [
            "edit-svc [10.0.0.1]:tcp:80",
            "edit 10.0.0.5:8080 3",
            "add 10.0.0.6:8080 1",
            "add-svc [10.0.0.2]:tcp:80",
            "add 10.0.0.7:80 1",
            "del 10.0.0.99:8080",
        ]
    );
}

#[test]
fn a_reload_removes_only_the_services_it_dropped() {
    let vs = |addr: &str| {
        format!(
            "virtual_server {addr} 80 {{\n lb_algo rr\n lb_kind NAT\n protocol TCP\n \
             real_server 10.0.0.5 8080 {{\n }}\n}}\n"
        )
    };
    let load = |text: String| {
        load_str(
            &text,
            "t.conf".as_ref(),
            &ReadOptions::default(),
            &FixedHost::lab(),
        )
        .config
    };
    let old = load(vs("10.0.0.1") + &vs("10.0.0.2"));
    let new = load(vs("10.0.0.2") + &vs("10.0.0.3"));
    let mut k = Kernel::default();
    super::reconcile::remove_dropped(&old, &new, &mut k, &Logger::new(|_| {}));
    assert_eq!(k.0, ["del-svc [10.0.0.1]:tcp:80"]);
}

#[test]
fn a_reload_logs_notifies_and_mails_what_it_drops() {
    let load = |text: &str| {
        load_str(
            text,
            "t.conf".as_ref(),
            &ReadOptions::default(),
            &FixedHost::lab(),
        )
        .config
    };
    let rs = |a: &str| format!(" real_server {a} 8080 {{\n  TCP_CHECK {{\n  }}\n }}\n");
    let vs = |addr: &str, body: String| {
        format!("virtual_server {addr} 80 {{\n lb_algo rr\n protocol TCP\n{body}}}\n")
    };
    let old = load(
        &(vs(
            "10.0.0.1",
            rs("10.0.0.5") + &rs("10.0.0.6") + &rs("10.0.0.7"),
        ) + &vs("10.0.0.2", rs("10.0.0.8"))),
    );
    let new = load(&vs("10.0.0.1", rs("10.0.0.5")));
    let mut states = plan::build(&old, &Logger::new(|_| {})).pool.vss;
    for v in &mut states {
        v.quorum_state_up = true;
        v.smtp_alert = true;
        for r in &mut v.rs {
            // 10.0.0.7 is down: no mail for it.
            r.alive = !r.name.contains("10.0.0.7");
            r.set = true;
        }
    }
    let removed = super::reconcile::reload_removals(&states, &new);
    let mails: Vec<_> = (removed.alerts.into_iter())
        .map(|a| format!("{} {} {} {}", a.rs.unwrap_or_default(), a.vs, a.up, a.body))
        .collect();
    assert_eq!(
        mails,
        [
            "[10.0.0.6]:tcp:8080 [10.0.0.1]:tcp:80 false => Removing <=",
            "[10.0.0.8]:tcp:8080 [10.0.0.2]:tcp:80 false => Removing <=",
            // 10.0.0.2's virtual server is dropped with its quorum up: keepalived's
            // update_vs_notifies (quorum 1, hysteresis 0, nothing left).
            " [10.0.0.2]:tcp:80 false => Lost quorum 1+0=1 <= 0 <=",
        ]
    );
    assert_eq!(
        removed.log,
        [
            "Removing service [10.0.0.6]:tcp:8080 from VS [10.0.0.1]:tcp:80",
            "Removing service [10.0.0.7]:tcp:8080 from VS [10.0.0.1]:tcp:80",
            "Removing Virtual Server [10.0.0.2]:tcp:80",
            "Removing service [10.0.0.8]:tcp:8080 from VS [10.0.0.2]:tcp:80",
        ]
    );
    assert_eq!(
        removed.fifo_lines,
        [
            "RS [10.0.0.6]:tcp:8080 [10.0.0.1]:tcp:80 DOWN\n",
            "RS [10.0.0.8]:tcp:8080 [10.0.0.2]:tcp:80 DOWN\n",
            "VS [10.0.0.2]:tcp:80 DOWN\n",
        ]
    );
}

/// global_defs `lvs_timeouts` set the kernel's timeouts at start; `lvs_flush` flushes the
/// table first (nothing adopted); `lvs_flush_onstop` flushes it at stop instead of removing
/// the configured services one by one (without it: each service removed).
#[test]
fn lvs_timeouts_lvs_flush_and_lvs_flush_on_stop_program_the_kernel() {
    let run = |global: &str| {
        let text = format!(
            "global_defs {{\n{global}\n}}\nvirtual_server 10.0.0.1 80 {{\n lb_algo rr\n \
             lb_kind NAT\n protocol TCP\n real_server 10.0.0.5 80 {{\n }}\n}}\n"
        );
        let l = load_str(
            &text,
            "t.conf".as_ref(),
            &ReadOptions::default(),
            &FixedHost::lab(),
        );
        assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
        let log = Logger::new(|_| {});
        let mut k = Kernel::default();
        super::reconcile::start(&l.config, &mut k, &log);
        let mut pool = plan::build(&l.config, &log).pool;
        pool.init(&mut k);
        let started = std::mem::take(&mut k.0);
        super::reconcile::stop(&l.config, &mut k, &mut pool, true, &log);
        (started, k.0)
    };
    let (start, stop) =
        run(" lvs_timeouts tcp 100 tcpfin 20 udp 30\n lvs_flush\n lvs_flush_onstop");
    assert_eq!(
        start,
        [
            "timeouts Some(100) Some(20) Some(30)",
            "flush",
            "add-svc [10.0.0.1]:tcp:80",
            "add 10.0.0.5:80 1"
        ]
    );
    assert_eq!(stop, ["flush"]);
    let (start, stop) = run("");
    assert_eq!(start[0], "timeouts None None None");
    assert!(!start.contains(&"flush".to_owned()), "{start:?}");
    assert!(
        stop.contains(&"del-svc [10.0.0.1]:tcp:80".to_owned()),
        "{stop:?}"
    );
}
