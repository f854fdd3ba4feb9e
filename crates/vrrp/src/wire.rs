//! VRRPv2/v3 wire codec.
