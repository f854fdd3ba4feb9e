//! Post-parse checks of the LVS configuration, with keepalived's messages.

use crate::diag::{ErrorClass, Location};
use crate::model::{
    Checker, CheckerKind, Config, LbKind, Protocol, VirtualServer, VsAddress, VsgEntry,
};
use crate::parse::Ctx;

/// keepalived's name of a virtual server in messages, e.g. `[10.0.0.1]:tcp:80`; `proto` is
/// `none` before the protocol default is applied.
fn vs_name(vs: &VirtualServer, proto: Option<Protocol>) -> String {
    let proto = proto_name(proto);
    match &vs.address {
        VsAddress::Socket(s) => format!("[{}]:{proto}:{}", s.ip(), s.port()),
        VsAddress::Fwmark(m) => format!("FWM {m}"),
        VsAddress::Group(g) => format!("VSG {g}"),
    }
}

fn proto_name(p: Option<Protocol>) -> &'static str {
    match p {
        Some(Protocol::Tcp) => "tcp",
        Some(Protocol::Sctp) => "sctp",
        Some(Protocol::Udp) => "udp",
        None => "none",
    }
}

/// Semantic checks once the whole configuration is read (keepalived's order and texts, as
/// observed with `keepalived -t`).
pub(crate) fn check(cfg: &Config, ctx: &mut Ctx<'_>) {
    let lvs = &cfg.lvs;
    check_track_files(cfg, ctx);
    for g in &lvs.groups {
        if g.entries.is_empty() {
            err(
                ctx,
                &g.loc,
                "virtual_server_group",
                format!("virtual server group {} has no entries - removing", g.name),
            );
        }
    }
    for vs in &lvs.virtual_servers {
        let fwmark = is_fwmark(vs, cfg);
        // A virtual server without real servers is dropped before any other check.
        if vs.real_servers.is_empty() {
            let name = vs_name(vs, vs.protocol);
            err(
                ctx,
                &vs.loc,
                "virtual_server",
                format!("Virtual server {name} has no real servers - ignoring"),
            );
            continue;
        }
        if vs.ha_suspend && lvs.uses_fwmark(vs) {
            // The checkers then always run (keepalived_check's suspend.rs ignores it too).
            let name = vs_name(vs, vs.protocol);
            err(
                ctx,
                &vs.loc,
                "virtual_server",
                format!("Virtual server {name}: cannot use ha_suspend with fwmarks - clearing ha_suspend"),
            );
        }
        let mut proto = vs.protocol;
        if fwmark && proto.is_some() {
            let name = vs_name(vs, proto);
            ctx.error_at(
                Some(&vs.loc),
                Some("virtual_server"),
                ErrorClass::Warning,
                format!("Warning: Virtual server {name}: protocol specified for fwmark - protocol will be ignored"),
            );
            proto = None;
        } else if !fwmark && proto.is_none() {
            let name = vs_name(vs, None);
            err(
                ctx,
                &vs.loc,
                "virtual_server",
                format!("Virtual server {name}: no protocol set - defaulting to UDP"),
            );
            proto = Some(Protocol::Udp);
        }
        let name = vs_name(vs, proto);
        if vs.scheduler.is_none() {
            err(
                ctx,
                &vs.loc,
                "virtual_server",
                format!("Virtual server {name}: no scheduler set, setting default 'wlc'"),
            );
        }
        if vs.lb_kind.is_none() {
            err(
                ctx,
                &vs.loc,
                "virtual_server",
                format!("Virtual server {name}: no forwarding method set, setting default NAT"),
            );
        }
        if vs.ops && proto != Some(Protocol::Udp) {
            err(
                ctx,
                &vs.loc,
                "ops",
                format!("Virtual server {name}: one packet scheduling requires UDP - resetting"),
            );
        }
        let persistent = vs.persistence_timeout.is_some() || vs.persistence_granularity.is_some();
        if !fwmark && !persistent && has_zero_port(vs, cfg) {
            err(
                ctx,
                &vs.loc,
                "virtual_server",
                format!(
                    "Virtual server {name}: zero port only valid for persistent services - setting"
                ),
            );
        }
        if let (Some(s), VsAddress::Socket(a)) = (vs.sorry_server, &vs.address) {
            let nat = matches!(vs.sorry_server_lb_kind, None | Some(LbKind::Nat));
            if !nat && s.port() != 0 && s.port() != a.port() {
                err(
                    ctx,
                    &vs.loc,
                    "sorry_server",
                    format!("WARNING - virtual server {name} and sorry server ports don't match - resetting"),
                );
            }
        }
        check_real_servers(vs, &name, proto, cfg, ctx);
        let total: i64 = vs.real_servers.iter().map(|r| i64::from(r.weight)).sum();
        let mut quorum = i64::from(vs.quorum);
        if quorum > total {
            err(
                ctx,
                &vs.loc,
                "quorum",
                format!("Warning - quorum {quorum} for {name} exceeds total weight of real servers {total}, reducing quorum to {total}"),
            );
            quorum = total;
        }
        if quorum > 0 && i64::from(vs.hysteresis) >= quorum {
            err(
                ctx,
                &vs.loc,
                "hysteresis",
                format!(
                    "Virtual server {name}: hysteresis {} >= quorum {quorum}; setting hysteresis to {}",
                    vs.hysteresis,
                    quorum - 1
                ),
            );
        }
    }
}

fn check_real_servers(
    vs: &VirtualServer,
    name: &str,
    proto: Option<Protocol>,
    cfg: &Config,
    ctx: &mut Ctx<'_>,
) {
    let fwmark = matches!(vs.address, VsAddress::Fwmark(_));
    let p = proto_name(proto);
    for (j, rs) in vs.real_servers.iter().enumerate() {
        let rs_name = format!("[{}]:{p}:{}", rs.address.ip(), rs.address.port());
        if vs
            .real_servers
            .iter()
            .take(j)
            .any(|o| o.address == rs.address)
        {
            err(
                ctx,
                &rs.loc,
                "real_server",
                format!("VS {name}: real server {rs_name} is duplicated - removing second rs"),
            );
        }
        // keepalived only fixes up ports of real servers that are not NATed.
        let nat = matches!(rs.lb_kind.or(vs.lb_kind), None | Some(LbKind::Nat));
        if let (false, false, VsAddress::Socket(v)) = (nat, fwmark, &vs.address) {
            if rs.address.port() != 0 && rs.address.port() != v.port() {
                err(
                    ctx,
                    &rs.loc,
                    "real_server",
                    format!("WARNING - virtual server {name} and real server {rs_name} ports don't match - resetting"),
                );
            }
        }
        if fwmark && !nat && rs.address.port() != 0 {
            err(
                ctx,
                &rs.loc,
                "real_server",
                format!("WARNING - fwmark virtual server {name}, real server {rs_name} has port specified - clearing"),
            );
        }
        for ck in &rs.checkers {
            check_checker(ck, &rs_name, cfg, ctx);
        }
    }
}

fn check_checker(ck: &Checker, rs_name: &str, cfg: &Config, ctx: &mut Ctx<'_>) {
    match &ck.kind {
        CheckerKind::Http(h) | CheckerKind::Ssl(h) => {
            if h.urls.is_empty() {
                // keepalived 2.2.7 says so at the end of the block, then dereferences the
                // missing url and crashes; we refuse the checker.
                err(
                    ctx,
                    &ck.end_loc,
                    checker_name(&ck.kind),
                    "HTTP/SSL_GET checker has no urls specified - ignoring",
                );
            }
            for u in &h.urls {
                if u.path.is_none() {
                    err(ctx, &u.loc, "url", "url has no path - ignoring");
                }
            }
        }
        CheckerKind::Misc(m) if m.script.is_none() => err(
            ctx,
            &ck.loc,
            "MISC_CHECK",
            "No script path has been specified for MISC_CHECKER - skipping",
        ),
        CheckerKind::File(f) if f.track_file.is_none() => err(
            ctx,
            &ck.loc,
            "FILE_CHECK",
            "FILE_CHECK has no track_file - ignoring",
        ),
        CheckerKind::Bfd { name: None, .. } => err(
            ctx,
            &ck.loc,
            "BFD_CHECK",
            "BFD_CHECK has no name - ignoring",
        ),
        // The checker process frees a bfd_instance whose events go to the VRRP process
        // only (keepalived's bfd_checker_end_handler).
        CheckerKind::Bfd { name: Some(n), .. }
            if !cfg.bfd.iter().any(|b| &b.name == n && b.notifies_checker()) =>
        {
            err(
                ctx,
                &ck.loc,
                "BFD_CHECK",
                format!("({rs_name}) BFD_CHECK - BFD {n} not configured"),
            )
        }
        _ => {}
    }
}

fn checker_name(k: &CheckerKind) -> &'static str {
    match k {
        CheckerKind::Ssl(_) => "SSL_GET",
        _ => "HTTP_GET",
    }
}

fn err(ctx: &mut Ctx<'_>, loc: &Location, kw: &str, msg: impl Into<String>) {
    ctx.error_at(Some(loc), Some(kw), ErrorClass::General, msg);
}

/// FILE_CHECK's `track_file` must name a `vrrp_track_file`/`track_file` block.
fn check_track_files(cfg: &Config, ctx: &mut Ctx<'_>) {
    let checkers = cfg
        .lvs
        .virtual_servers
        .iter()
        .flat_map(|v| &v.real_servers)
        .flat_map(|r| &r.checkers);
    for ck in checkers {
        if let CheckerKind::File(f) = &ck.kind {
            if let Some(n) = &f.track_file {
                if cfg.vrrp.track_file(n).is_none() {
                    err(
                        ctx,
                        &ck.loc,
                        "track_file",
                        format!("track_file {n} not found"),
                    );
                }
            }
        }
    }
}

/// A `fwmark` virtual server, or one whose group holds only fwmarks.
fn is_fwmark(vs: &VirtualServer, cfg: &Config) -> bool {
    match &vs.address {
        VsAddress::Fwmark(_) => true,
        VsAddress::Group(g) => cfg.lvs.groups.iter().any(|x| {
            &x.name == g
                && !x.entries.is_empty()
                && x.entries.iter().all(|e| matches!(e, VsgEntry::Fwmark(_)))
        }),
        VsAddress::Socket(_) => false,
    }
}

/// Whether the virtual server (or one of its group's addresses) has port 0.
fn has_zero_port(vs: &VirtualServer, cfg: &Config) -> bool {
    match &vs.address {
        VsAddress::Socket(s) => s.port() == 0,
        VsAddress::Group(g) => cfg
            .lvs
            .groups
            .iter()
            .filter(|x| &x.name == g)
            .flat_map(|x| &x.entries)
            .any(|e| matches!(e, VsgEntry::Range { port: 0, .. })),
        VsAddress::Fwmark(_) => false,
    }
}
