//! `global_defs`.

/// `global_defs`. Fields other blocks' checks rely on are listed first.
#[derive(Debug, Clone)]
pub struct GlobalDefs {
    /// `router_id`.
    pub router_id: Option<String>,
    /// `enable_script_security`.
    pub enable_script_security: bool,
    /// `script_user USERNAME [GROUPNAME]`.
    pub script_user: Option<(String, Option<String>)>,
    /// `vrrp_version` (2 or 3), default 2.
    pub vrrp_version: u8,
    /// `vrrp_strict`.
    pub vrrp_strict: bool,
    /// `dynamic_interfaces [allow_if_changes]`: interfaces may be missing at start.
    pub dynamic_interfaces: bool,
}

impl Default for GlobalDefs {
    fn default() -> Self {
        GlobalDefs {
            router_id: None,
            enable_script_security: false,
            script_user: None,
            vrrp_version: 2,
            vrrp_strict: false,
            dynamic_interfaces: false,
        }
    }
}
