//! Root keywords of the vrrp family (placeholder).

use super::Ctx;
use crate::model::Config;
use crate::tree::Node;

/// Handles the root keywords of this family; returns whether `node` was one of them.
pub(crate) fn top_level(node: &Node, ctx: &mut Ctx<'_>, cfg: &mut Config) -> bool {
    let _ = (node, ctx, cfg);
    false
}

/// Semantic checks once the whole configuration is read.
pub(crate) fn check(cfg: &Config, ctx: &mut Ctx<'_>) {
    let _ = (cfg, ctx);
}
