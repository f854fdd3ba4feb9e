//! The receive checks that need the receiving instance's configuration, in the order
//! keepalived 2.2.7's `vrrp_check_packet()` runs them.

use std::net::IpAddr;
use std::time::Duration;

use super::decode::{Advert, Network};
use super::vrrp::{Auth, Version, AUTH_DATA_LEN};
use super::{ipsec_ah, DecodeError, IPPROTO_VRRP, VRRP_TTL};

/// A configured unicast peer (`unicast_peer { ADDR [min_ttl N] [max_ttl N] }`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnicastPeer {
    /// Peer address.
    pub addr: IpAddr,
    /// Lowest accepted TTL / hop limit (keepalived default 0).
    pub min_ttl: u8,
    /// Highest accepted TTL / hop limit (keepalived default 255).
    pub max_ttl: u8,
}

/// The instance's AH sequence counter (keepalived `ipsecah_counter.seq_number`). keepalived
/// uses one counter for both directions: a received advert's number is recorded once its ICV
/// and SPI verify, and the next advert this router sends carries the counter plus one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AhCounter {
    /// Last sequence number sent or accepted.
    pub seq_number: u32,
}

/// What the receiving instance is configured with.
#[derive(Debug, Clone, Copy)]
pub struct InstanceExpectation<'a> {
    /// `virtual_router_id`.
    pub vrid: u8,
    /// `version` (IPv6 instances are always 3).
    pub version: crate::Version,
    /// `authentication` (VRRPv2 only; `Auth::Pass` holds the zero-padded 8-byte password).
    pub auth: Auth,
    /// `auth_pass` for `auth_type AH` (zero-padded to 8 bytes), the HMAC key.
    pub ah_key: [u8; AUTH_DATA_LEN],
    /// `advert_int`: VRRPv2 adverts must carry exactly this many seconds.
    pub advert_int: Duration,
    /// `virtual_ipaddress` entries (those that go in adverts, in any order).
    pub vips: &'a [IpAddr],
    /// Whether to check the address list: keepalived does unless `skip_check_adv_addr` is set
    /// and the advert comes from the same master as the previous one.
    pub check_vip_addr: bool,
    /// `unicast_peer` list (empty: multicast).
    pub unicast_peers: &'a [UnicastPeer],
    /// `check_unicast_src` / `vrrp_check_unicast_src` (also implied by min_ttl/max_ttl).
    pub check_unicast_src: bool,
}

impl Advert {
    /// Runs the configuration-dependent checks in keepalived's order: VRID (the dispatcher's
    /// lookup), AH presence, TTL 255 for multicast, version, v2 auth type / password / AH ICV,
    /// SPI and sequence number, v2 advert interval, address count, multicast vs unicast,
    /// each configured VIP present, unicast source and its TTL range.
    ///
    /// `ah` is updated as soon as an AH advert's ICV, SPI and sequence number pass, even if a
    /// later check fails, as keepalived does. A valid advert with priority 0 is `Ok`: the
    /// caller counts `pri_zero_rcvd`.
    pub fn validate(
        &self,
        exp: &InstanceExpectation<'_>,
        ah: &mut AhCounter,
    ) -> Result<(), DecodeError> {
        let repr = &self.repr;
        if repr.vrid != exp.vrid {
            return Err(DecodeError::VridMismatch {
                expected: exp.vrid,
                received: repr.vrid,
            });
        }
        let want_ah = exp.auth == Auth::Ah;
        if let Network::Ipv4(info) = &self.network {
            if info.ah.is_some() != want_ah {
                return Err(DecodeError::AhPresence {
                    ah_present: info.ah.is_some(),
                });
            }
        }
        let unicast = !exp.unicast_peers.is_empty();
        if let (false, Some(ttl)) = (unicast, self.ttl()) {
            if ttl != VRRP_TTL {
                return Err(DecodeError::Ttl { received: ttl });
            }
        }
        if repr.version.protocol() != exp.version {
            return Err(DecodeError::VersionMismatch {
                expected: exp.version.number(),
                received: repr.version.number(),
            });
        }
        if let Version::V2 { advert_int, auth } = repr.version {
            self.check_auth(exp, auth, unicast, ah)?;
            if Duration::from_secs(u64::from(advert_int)) != exp.advert_int {
                return Err(DecodeError::AdvertIntervalMismatch {
                    expected: u8::try_from(exp.advert_int.as_secs()).unwrap_or(u8::MAX),
                    received: advert_int,
                });
            }
        }
        if exp.check_vip_addr && repr.addresses.len() != exp.vips.len() {
            return Err(DecodeError::AddressCount {
                expected: exp.vips.len(),
                received: u8::try_from(repr.addresses.len()).unwrap_or(u8::MAX),
            });
        }
        if self.is_multicast() == unicast {
            return Err(DecodeError::CastMismatch {
                expected_multicast: !unicast,
            });
        }
        if exp.check_vip_addr {
            if let Some(&missing) = exp.vips.iter().find(|&&v| !repr.addresses.contains(v)) {
                return Err(DecodeError::AddressMissing(missing));
            }
            // keepalived only looks at the unicast source inside the address-check branch.
            if unicast && exp.check_unicast_src {
                let src = self.src_addr();
                let peer = exp
                    .unicast_peers
                    .iter()
                    .find(|p| p.addr == src)
                    .ok_or(DecodeError::UnicastSourceNotPeer(src))?;
                if let Some(ttl) = self.ttl() {
                    if ttl < peer.min_ttl || ttl > peer.max_ttl {
                        return Err(DecodeError::UnicastTtl {
                            received: ttl,
                            min: peer.min_ttl,
                            max: peer.max_ttl,
                        });
                    }
                }
            }
        }
        Ok(())
    }

    fn check_auth(
        &self,
        exp: &InstanceExpectation<'_>,
        received: Auth,
        unicast: bool,
        counter: &mut AhCounter,
    ) -> Result<(), DecodeError> {
        if received.auth_type() != exp.auth.auth_type() {
            return Err(DecodeError::AuthTypeMismatch {
                expected: exp.auth.auth_type(),
                received: received.auth_type(),
            });
        }
        match (exp.auth, received) {
            (Auth::Pass(want), Auth::Pass(got)) if !constant_time_eq(&want, &got) => {
                return Err(DecodeError::PasswordMismatch);
            }
            (Auth::Ah, _) => {
                let Some(ah) = self.ah() else {
                    return Err(DecodeError::AhPresence { ah_present: false });
                };
                if ah.repr.next_header != IPPROTO_VRRP {
                    return Err(DecodeError::AhNextHeader(ah.repr.next_header));
                }
                // keepalived zeroes the TTL in the ICV only when the instance has unicast peers.
                let icv = ipsec_ah::compute_icv(&ah.packet, &exp.ah_key, unicast);
                if !icv.is_some_and(|icv| constant_time_eq(&icv, &ah.repr.icv)) {
                    return Err(DecodeError::AhIcvMismatch);
                }
                let src = match self.src_addr() {
                    IpAddr::V4(a) => u32::from(a),
                    IpAddr::V6(_) => 0,
                };
                if ah.repr.spi != src {
                    return Err(DecodeError::AhSpiMismatch { spi: ah.repr.spi });
                }
                if ah.repr.seq_number <= counter.seq_number {
                    return Err(DecodeError::AhReplay {
                        received: ah.repr.seq_number,
                        last: counter.seq_number,
                    });
                }
                counter.seq_number = ah.repr.seq_number;
            }
            _ => {}
        }
        Ok(())
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
