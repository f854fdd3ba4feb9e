//! Address/route scope shared by addresses and routes.

/// `scope` of an address or route (`ip addr add ... scope X`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Scope {
    /// `global` / `universe` (0).
    #[default]
    Global,
    /// `site` (200).
    Site,
    /// `link` (253).
    Link,
    /// `host` (254).
    Host,
    /// `nowhere` (255).
    Nowhere,
    /// Any other numeric scope.
    Other(u8),
}

impl Scope {
    /// The kernel's numeric value (RT_SCOPE_*).
    pub fn as_u8(self) -> u8 {
        match self {
            Scope::Global => 0,
            Scope::Site => 200,
            Scope::Link => 253,
            Scope::Host => 254,
            Scope::Nowhere => 255,
            Scope::Other(v) => v,
        }
    }

    /// From the kernel's numeric value.
    pub fn from_u8(v: u8) -> Scope {
        match v {
            0 => Scope::Global,
            200 => Scope::Site,
            253 => Scope::Link,
            254 => Scope::Host,
            255 => Scope::Nowhere,
            v => Scope::Other(v),
        }
    }
}
