//! Fast takeover: one instance, VRRPv3, advert_int 0.02, one VIP; the takeover of
//! `takeover::run` repeated `trials` times in one lab.

use std::time::Duration;

use super::takeover::{self, Setup, Trial};
use super::Imp;
use crate::conf::Spec;

/// The protocol floor: Master_Down_Interval at priority 100 with advert_int 0.02 s.
pub const FLOOR: Duration = Duration::from_micros(3 * 20_000 + 20_000 * 156 / 256);

/// The configuration (priority and state set per role).
pub fn spec() -> Spec {
    Spec {
        instances: 1,
        vips_per_instance: 1,
        version: 3,
        advert_int: "0.02",
        priority: 100,
        state: "BACKUP",
    }
}

/// `trials` fast takeovers with `master` as the master and `backup` as the backup.
pub fn run(master: &Imp, backup: &Imp, trials: usize, verbose: bool) -> Result<Vec<Trial>, String> {
    takeover::run(&Setup {
        master,
        backup,
        spec: &spec(),
        trials,
        settle: Duration::from_secs(1),
        verbose,
        kernel_floor: false,
    })
    .map(|o| o.trials)
}
