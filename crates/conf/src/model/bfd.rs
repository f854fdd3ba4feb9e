//! `bfd_instance`.

/// A `bfd_instance` (placeholder: filled by the BFD parser).
#[derive(Debug, Clone, Default)]
pub struct BfdInstance {
    /// The instance name.
    pub name: String,
}
