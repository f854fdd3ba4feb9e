//! Deterministic simulation of VRRP routers on a virtual LAN with a virtual clock: elections,
//! preemption, partitions, loss, tracking. One test binary of modules.

mod sim {
    pub mod lan;
}
#[path = "sim/counters.rs"]
mod counters;
#[path = "sim/machine_rules.rs"]
mod machine_rules;
#[path = "sim/properties.rs"]
mod properties;
#[path = "sim/scenarios.rs"]
mod scenarios;
