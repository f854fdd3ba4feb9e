//! `global_defs`.

/// `global_defs` (placeholder: filled by the global_defs parser).
#[derive(Debug, Clone, Default)]
pub struct GlobalDefs {
    /// `router_id`.
    pub router_id: Option<String>,
    /// `enable_script_security`.
    pub enable_script_security: bool,
    /// `script_user USERNAME [GROUPNAME]`.
    pub script_user: Option<(String, Option<String>)>,
}
