//! VRRP state machine (RFC 5798 §6.4 plus keepalived extensions).
