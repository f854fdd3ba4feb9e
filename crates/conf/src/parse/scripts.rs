//! Script security: the checks keepalived makes on every configured script (placeholder).

use super::Ctx;
use crate::model::Config;

/// Checks every script registered while parsing against global_defs' script settings.
pub(crate) fn check(cfg: &Config, ctx: &mut Ctx<'_>) {
    let _ = (cfg, ctx);
}
