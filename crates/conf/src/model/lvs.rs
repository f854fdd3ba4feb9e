//! LVS: virtual_server_group, virtual_server, real_server and health checkers.

/// Everything LVS (placeholder: filled by the LVS parser).
#[derive(Debug, Clone, Default)]
pub struct LvsConfig {}
