//! VRRP: instances, sync groups, tracking objects, static and virtual addresses/routes/rules.

/// Everything VRRP (placeholder: filled by the VRRP parser).
#[derive(Debug, Clone, Default)]
pub struct VrrpConfig {}
