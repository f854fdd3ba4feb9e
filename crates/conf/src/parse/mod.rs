//! The tree to the typed model: one module per family of blocks, each with a `top_level`
//! handler for the root keywords it owns and a `check` for the semantic checks keepalived
//! makes once everything is read.

mod bfd;
mod ctx;
mod global;
mod lvs;
mod net;
pub(crate) mod scripts;
mod vrrp;

pub use ctx::{parse_bool, Ctx};

use crate::model::Config;
use crate::tree::Node;

/// Parses the root of the tree into a configuration and runs every semantic check.
pub fn parse_tree(nodes: &[Node], ctx: &mut Ctx<'_>) -> Config {
    let mut cfg = Config::default();
    for node in nodes {
        let handled = global::top_level(node, ctx, &mut cfg)
            || bfd::top_level(node, ctx, &mut cfg)
            || net::top_level(node, ctx, &mut cfg)
            || vrrp::top_level(node, ctx, &mut cfg)
            || lvs::top_level(node, ctx, &mut cfg);
        if !handled {
            ctx.unknown(node);
        }
    }
    global::check(&cfg, ctx);
    bfd::check(&cfg, ctx);
    vrrp::check(&cfg, ctx);
    lvs::check(&cfg, ctx);
    scripts::check(&cfg, ctx);
    vrrp::apply_group_defaults(&mut cfg);
    cfg
}

/// Removes the vrrp_scripts keepalived's checks disable (missing, insecure with script
/// security on, no user to run them as); returns their names.
pub fn prune_disabled_scripts(cfg: &mut crate::Config, host: &dyn crate::Host) -> Vec<String> {
    scripts::prune_disabled(cfg, host)
}
