//! Addresses, routes and rules with their options: `static_ipaddress`, `virtual_ipaddress`,
//! `virtual_ipaddress_excluded`, `static_routes`, `virtual_routes`, `static_rules`,
//! `virtual_rules` (placeholder: filled by the VRRP parser).
